"""Synthetic GPX for tests: tracks with known distance, climb, pauses and timing."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

from geographiclib.geodesic import Geodesic

START = datetime(2010, 10, 14, 2, 0, tzinfo=timezone.utc)


def gpx_document(segments: list[list[tuple]], *, waypoints: list[tuple] = (), name: str = "Test track") -> bytes:
    """Write GPX 1.1 with one track of the given segments; a point is (lat, lon, ele|None, time|None)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">']
    for lat, lon, wname, when in waypoints:
        out.append(f'<wpt lat="{lat}" lon="{lon}"><name>{wname}</name>'
                   + (f"<time>{when.isoformat().replace('+00:00', 'Z')}</time>" if when else "") + "</wpt>")
    out.append(f"<trk><name>{name}</name>")
    for seg in segments:
        out.append("<trkseg>")
        for lat, lon, ele, when in seg:
            inner = (f"<ele>{ele:.2f}</ele>" if ele is not None else "") + (
                f"<time>{when.isoformat().replace('+00:00', 'Z')}</time>" if when is not None else "")
            out.append(f'<trkpt lat="{lat:.8f}" lon="{lon:.8f}">{inner}</trkpt>')
        out.append("</trkseg>")
    out.append("</trk></gpx>")
    return "\n".join(out).encode()


def straight_track(n: int, *, lat: float = 40.0, lon: float = 110.0, azimuth: float = 60.0, step_m: float = 10.0,
                   dt_s: float = 1.0, ele=None, start: datetime = START) -> list[tuple]:
    """Return n points along a geodesic, step_m apart and dt_s apart in time; ele(i, distance) gives heights."""
    line = Geodesic.WGS84.DirectLine(lat, lon, azimuth, step_m * n)
    points = []
    for i in range(n):
        p = line.Position(i * step_m)
        points.append((p["lat2"], p["lon2"], ele(i, i * step_m) if ele else None, start + timedelta(seconds=i * dt_s)))
    return points


def hilly(amplitude: float, wavelength_m: float, noise_m: float, seed: int = 7):
    """Return an elevation function: sine hills plus uniform noise of ±noise_m."""
    rng = random.Random(seed)
    return lambda i, d: 1000 + amplitude * math.sin(2 * math.pi * d / wavelength_m) + rng.uniform(-noise_m, noise_m)
