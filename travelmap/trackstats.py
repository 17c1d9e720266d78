"""Track statistics and drawn geometry from parsed points: distance, climb, moving time, top speed,
the elevation profile, simplified lines and their encoded polylines, and totals over tracks. Pure: no
Flask, no database."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from . import geo
from .gpx import ParsedGpx, Segment

DISPLAY_TOLERANCE_M = 10.0  # the trip map
DETAIL_TOLERANCE_M = 2.0  # exports (GeoJSON)
OVERVIEW_TOLERANCE_M = 100.0  # the trip map up to zoom 10, where a pixel is over 100 m
PROFILE_POINTS = 600
MOVING_MIN_SPEED_MPS = 0.5  # slower than this between two points counts as a pause
ELEVATION_THRESHOLD_M = 5.0


PAUSE_WINDOW_S = 15.0  # half-width of the window that decides whether the device was moving
LONG_GAP_S = 600.0  # a gap in the recording this long counts as a pause


def _flat_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return an equirectangular distance in metres: plenty for deciding moving or not, and cheap."""
    kx = 111_320.0 * math.cos(math.radians((lat1 + lat2) * 0.5))
    dx, dy = (lon2 - lon1) * kx, (lat2 - lat1) * 110_574.0
    return math.sqrt(dx * dx + dy * dy)


def moving_time(seg: Segment) -> float:
    """Sum the steps that are movement: displacement over ±15 s around the step beats 0.5 m/s.

    Standing still, GPS jitter moves a fix by metres each second, so a point-to-point speed would
    call it movement; displacement over a 30 s window does not. Gaps over 10 minutes are pauses.
    """
    # NaN for a missing time: every comparison with it is false, so it is never inside a window.
    times = [math.nan if t is None else t for t in seg.times]
    lats, lons = seg.lats, seg.lons
    n = len(times)
    total = 0.0
    j = k = 0
    for i in range(1, n):
        t0, t1 = times[i - 1], times[i]
        if not 0 < t1 - t0 <= LONG_GAP_S:
            continue
        if j > i - 1:
            j = i - 1
        while j < i - 1 and not t0 - times[j] <= PAUSE_WINDOW_S:
            j += 1
        if k < i:
            k = i
        while k + 1 < n and 0 <= times[k + 1] - t1 <= PAUSE_WINDOW_S:
            k += 1
        span = times[k] - times[j]
        if span > 0 and _flat_m(lats[j], lons[j], lats[k], lons[k]) >= MOVING_MIN_SPEED_MPS * span:
            total += t1 - t0
    return total


def _max_speed(seg: Segment, steps: list[float]) -> float | None:
    """Return the top speed, ignoring single-point spikes (the jump over a wild point is not fast)."""
    best = -1.0
    times, lats, lons = seg.times, seg.lats, seg.lons
    for i in range(1, len(seg) - 1):
        t0, t1, t2 = times[i - 1], times[i], times[i + 1]
        if t0 is None or t1 is None or t2 is None or not (t0 < t1 < t2):
            continue
        a, b = steps[i - 1] / (t1 - t0), steps[i] / (t2 - t1)
        if min(a, b) <= best:
            continue  # cannot beat the best so far: skip the costlier check
        skip = _flat_m(lats[i - 1], lons[i - 1], lats[i + 1], lons[i + 1]) / (t2 - t0)
        best = max(best, min(a, b, skip))
    return best if best >= 0 else None


def compute_stats(parsed: ParsedGpx) -> dict:
    """Return distance, ascent/descent, duration, moving time, max speed, start/end, bbox and the profile."""
    recorded = [s for s in parsed.segments if not s.planned] or parsed.segments
    distance = ascent = descent = moving = 0.0
    max_speed: float | None = None
    has_ele = False
    first_time: float | None = None
    last_time: float | None = None
    profile: list[tuple[float, float, float, float]] = []
    for seg in recorded:
        steps = geo.step_lengths(seg.lats, seg.lons)
        cumulative = [0.0]
        for step in steps:
            cumulative.append(cumulative[-1] + step)
        known_ele = [(i, e) for i, e in enumerate(seg.eles) if e is not None]
        with_ele = [i for i, _ in known_ele]
        if len(with_ele) >= 2:
            has_ele = True
            smoothed = geo.smooth([e for _, e in known_ele], [cumulative[i] for i in with_ele])
            up, down = geo.elevation_gain(smoothed, ELEVATION_THRESHOLD_M)
            ascent, descent = ascent + up, descent + down
            profile.extend((distance + cumulative[i], e, seg.lats[i], seg.lons[i]) for i, e in zip(with_ele, smoothed))
        moving += moving_time(seg)
        known = [t for t in seg.times if t is not None]
        if known:
            first_time = min(known) if first_time is None else min(first_time, min(known))
            last_time = max(known) if last_time is None else max(last_time, max(known))
        top = _max_speed(seg, steps)
        if top is not None and (max_speed is None or top > max_speed):
            max_speed = top
        distance += cumulative[-1]
    lats = [lat for s in parsed.segments for lat in s.lats]
    lons = [lon for s in parsed.segments for lon in s.lons]
    duration = last_time - first_time if first_time is not None and last_time is not None else None
    has_time = duration is not None and duration > 0
    as_dt = lambda t: datetime.fromtimestamp(t, timezone.utc)  # noqa: E731
    return {
        "distance_m": distance,
        "ascent_m": ascent if has_ele else None,
        "descent_m": descent if has_ele else None,
        "duration_s": duration if has_time else None,
        "moving_time_s": moving if has_time else None,
        "max_speed_mps": max_speed,
        "started_at": as_dt(first_time) if first_time is not None else None,
        "ended_at": as_dt(last_time) if last_time is not None else None,
        "min_lat": min(lats), "max_lat": max(lats), "min_lon": min(lons), "max_lon": max(lons),
        "profile": thin_profile(profile),
    }


def thin_profile(points: list[tuple[float, float, float, float]], limit: int = PROFILE_POINTS) -> list[list[float]]:
    """Keep at most `limit` profile points [distance_m, elevation_m, lat, lon], evenly spread, ends included."""
    if len(points) > limit:
        stride = (len(points) - 1) / (limit - 1)
        points = [points[round(i * stride)] for i in range(limit)]
    return [[round(d, 1), round(e, 1), round(lat, 6), round(lon, 6)] for d, e, lat, lon in points]


def display_geometry(parsed: ParsedGpx, tolerance_m: float = DISPLAY_TOLERANCE_M) -> list[dict]:
    """Simplify every segment (RDP in metres) to {"planned", "coords": [[lat, lon], ...]} rounded to ~1 m."""
    lines = []
    for seg in parsed.segments:
        keep = geo.simplify(seg.lats, seg.lons, tolerance_m)
        coords = [[round(seg.lats[i], 5), round(seg.lons[i], 5)] for i in keep]
        lines.append({"planned": seg.planned, "coords": coords})
    return lines


def encoded_lines(parsed: ParsedGpx, display: list[dict]) -> dict:
    """Return the page geometry as encoded polylines: 'overview' (100 m) and 'display' (10 m) levels of detail."""
    overview = []
    for seg in parsed.segments:
        keep = geo.simplify(seg.lats, seg.lons, OVERVIEW_TOLERANCE_M)
        overview.append({"planned": seg.planned,
                         "line": geo.encode_polyline([(seg.lats[i], seg.lons[i]) for i in keep])})
    return {"overview": overview,
            "display": [{"planned": part["planned"], "line": geo.encode_polyline(part["coords"])} for part in display]}


class TrackStats(Protocol):
    """What totals() reads of a track (a Track row, or anything with the same stats)."""

    distance_m: float
    ascent_m: float | None
    descent_m: float | None
    moving_time_s: float | None
    duration_s: float | None
    point_count: int


@dataclass(frozen=True)
class Totals:
    """Summed stats of a leg or trip."""

    distance_m: float
    ascent_m: float
    descent_m: float
    moving_time_s: float
    duration_s: float
    tracks: int
    points: int


def totals(tracks: Iterable[TrackStats]) -> Totals:
    """Sum the stats of some tracks (missing values count as zero)."""
    tracks = list(tracks)
    return Totals(
        distance_m=sum(t.distance_m or 0 for t in tracks),
        ascent_m=sum(t.ascent_m or 0 for t in tracks),
        descent_m=sum(t.descent_m or 0 for t in tracks),
        moving_time_s=sum(t.moving_time_s or 0 for t in tracks),
        duration_s=sum(t.duration_s or 0 for t in tracks),
        tracks=len(tracks),
        points=sum(t.point_count for t in tracks),
    )
