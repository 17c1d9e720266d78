"""Importing GPX files as tracks: validate, compute stats and display geometry, store losslessly."""

from __future__ import annotations

import math
from array import array
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import geo, media
from ..errors import Conflict
from ..gpx import ParsedGpx, Segment, parse_gpx
from ..models import Leg, Track, TrackSegment
from .trips import touch

DISPLAY_TOLERANCE_M = 10.0
MOVING_MIN_SPEED_MPS = 0.5  # slower than this between two points counts as a pause
ELEVATION_THRESHOLD_M = 5.0


def pack(segment: Segment) -> bytes:
    """Pack a segment's points as float64 (lat, lon, ele, time) quadruples, NaN for missing values."""
    values = array("d")
    nan = math.nan
    for lat, lon, ele, t in zip(segment.lats, segment.lons, segment.eles, segment.times):
        values.extend((lat, lon, nan if ele is None else ele, nan if t is None else t))
    return values.tobytes()


def _speed(seg: Segment, i: int, j: int) -> float | None:
    """Return the speed in m/s between points i and j, or None when time does not move forward."""
    ti, tj = seg.times[i], seg.times[j]
    if ti is None or tj is None or tj <= ti:
        return None
    return geo.haversine_m(seg.lats[i], seg.lons[i], seg.lats[j], seg.lons[j]) / (tj - ti)


def compute_stats(parsed: ParsedGpx) -> dict:
    """Return distance, ascent/descent, duration, moving time, max speed, start/end and bbox."""
    recorded = [s for s in parsed.segments if not s.planned] or parsed.segments
    distance = ascent = descent = moving = 0.0
    max_speed: float | None = None
    has_ele = has_time = False
    all_times: list[float] = []
    for seg in recorded:
        distance += geo.path_length_m(seg.lats, seg.lons)
        eles = [e for e in seg.eles if e is not None]
        if len(eles) >= 2:
            has_ele = True
            up, down = geo.elevation_gain(eles, ELEVATION_THRESHOLD_M)
            ascent, descent = ascent + up, descent + down
        times = [t for t in seg.times if t is not None]
        all_times.extend(times)
        for i in range(1, len(seg)):
            v = _speed(seg, i - 1, i)
            if v is not None and v >= MOVING_MIN_SPEED_MPS:
                moving += seg.times[i] - seg.times[i - 1]  # type: ignore[operator]
            # A single wild point makes both of its intervals fast but not the
            # jump over it: the smallest of the three ignores such spikes.
            if i + 1 < len(seg):
                speeds = [_speed(seg, i - 1, i), _speed(seg, i, i + 1), _speed(seg, i - 1, i + 1)]
                if all(s is not None for s in speeds):
                    candidate = min(speeds)  # type: ignore[type-var]
                    max_speed = candidate if max_speed is None else max(max_speed, candidate)
    has_time = len(all_times) >= 2
    lats = [lat for s in parsed.segments for lat in s.lats]
    lons = [lon for s in parsed.segments for lon in s.lons]
    as_dt = lambda t: datetime.fromtimestamp(t, timezone.utc)  # noqa: E731
    return {
        "distance_m": distance,
        "ascent_m": ascent if has_ele else None,
        "descent_m": descent if has_ele else None,
        "duration_s": (max(all_times) - min(all_times)) if has_time else None,
        "moving_time_s": moving if has_time else None,
        "max_speed_mps": max_speed,
        "started_at": as_dt(min(all_times)) if all_times else None,
        "ended_at": as_dt(max(all_times)) if all_times else None,
        "min_lat": min(lats), "max_lat": max(lats), "min_lon": min(lons), "max_lon": max(lons),
    }


def display_geometry(parsed: ParsedGpx, tolerance_m: float = DISPLAY_TOLERANCE_M) -> list[dict]:
    """Simplify every segment (RDP in metres) to {"planned", "coords": [[lat, lon], ...]} rounded to ~1 m."""
    lines = []
    for seg in parsed.segments:
        keep = geo.simplify(seg.lats, seg.lons, tolerance_m)
        coords = [[round(seg.lats[i], 5), round(seg.lons[i], 5)] for i in keep]
        lines.append({"planned": seg.planned, "coords": coords})
    return lines


def import_track(session: Session, leg: Leg, data: bytes, original_name: str, media_root: Path) -> Track:
    """Validate GPX bytes and add them to the leg as a track; the original file is kept for download."""
    digest = media.sha256(data)
    existing = session.scalar(select(Track.id).where(Track.trip_id == leg.trip_id, Track.sha256 == digest))
    if existing is not None:
        raise Conflict(f"This GPX file is already in the trip (track {existing}).", code="duplicate",
                       details={"existing_id": existing})
    parsed = parse_gpx(data)
    stats = compute_stats(parsed)
    track = Track(
        trip_id=leg.trip_id,
        leg=leg,
        name=parsed.name or Path(original_name).stem,
        original_name=original_name,
        sha256=digest,
        gpx_path=media.content_path("gpx", digest, ".gpx"),
        point_count=parsed.point_count,
        segment_count=len(parsed.segments),
        waypoint_count=len(parsed.waypoints),
        display_geometry=display_geometry(parsed),
        warnings=parsed.warnings,
        **stats,
    )
    track.segments = [
        TrackSegment(position=n, point_count=len(seg), planned=seg.planned, points=pack(seg)) for n, seg in enumerate(parsed.segments)
    ]
    session.add(track)
    session.flush()
    media.stage(session, media_root, track.gpx_path, data)
    touch(leg.trip)
    return track
