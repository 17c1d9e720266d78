"""Importing GPX files as tracks: validate, compute stats and display geometry, store losslessly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import media, validate
from ..errors import Conflict
from ..geo import zone_at
from ..gpx import ParsedGpx, parse_gpx
from ..models import Leg, Stop, Track, TrackSegment
from ..text import slugify
from ..trackname import track_name
from ..trackstats import DETAIL_TOLERANCE_M, compute_stats, display_geometry, encoded_lines
from . import slugs
from .trips import touch


def _waypoints_to_stops(session: Session, leg: Leg, parsed: ParsedGpx) -> list[Stop]:
    """Append the file's waypoints to the leg as stops (named, placed, timed when the waypoint is)."""
    stops = []
    for wpt in parsed.waypoints:
        name = (wpt.name or "Waypoint")[: validate.MAX_NAME]
        zone = zone_at(wpt.lat, wpt.lon) or leg.trip.timezone
        stop = Stop(trip_id=leg.trip_id, slug=slugs.free(session, Stop, slugify(name), trip_id=leg.trip_id),
                    name=name, lat=wpt.lat, lon=wpt.lon, timezone=zone, arrived_at=wpt.time,
                    position=len(leg.stops) + 1)
        leg.stops.append(stop)
        session.flush()
        stops.append(stop)
    return stops


def read_track_file(data: bytes) -> ParsedGpx:
    """Read and validate a track file: what an upload goes through, and what an edit re-reads the original with."""
    return parse_gpx(data)


def fill(track: Track, parsed: ParsedGpx) -> Track:
    """Set everything a track derives from its points (counts, stats, lines, profile, stored segments) from parsed.

    Import and every edit go through here, so an edited track is measured and drawn exactly as an upload of
    the same points would be.
    """
    stats = compute_stats(parsed)
    display = display_geometry(parsed)
    for key, value in stats.items():
        setattr(track, key, value)
    track.point_count = parsed.point_count
    track.segment_count = parsed.file_segments
    track.display_geometry = display
    track.detail_geometry = display_geometry(parsed, DETAIL_TOLERANCE_M)
    track.lines = encoded_lines(parsed, display)
    track.segments = [
        TrackSegment(
            position=n,
            point_count=len(seg),
            planned=seg.planned,
            points=TrackSegment.pack(seg.lats, seg.lons, seg.eles, seg.times),
        )
        for n, seg in enumerate(parsed.segments)
    ]
    return track


def import_track(session: Session, leg: Leg, data: bytes, original_name: str, media_root: Path, *,
                 waypoints_as_stops: bool = False) -> Track:
    """Validate GPX bytes and add them to the leg as a track; the original file is kept for download.

    With waypoints_as_stops, the file's <wpt> elements become stops of the leg. The track's name follows
    trackname.track_name: the file's own name, else the file name, never a device's stock label.
    """
    digest = media.sha256(data)
    # Parsed before the first query, so a caller that ended its read transaction parses with none open.
    parsed = read_track_file(data)
    existing = session.scalar(select(Track.id).where(Track.trip_id == leg.trip_id, Track.sha256 == digest)
                              .order_by(Track.part).limit(1))
    if existing is not None:
        raise Conflict(f"This GPX file is already in the trip (track {existing}).", code="duplicate",
                       details={"existing_id": existing})
    track = fill(Track(trip_id=leg.trip_id, leg=leg, original_name=original_name, sha256=digest,
                       gpx_path=media.content_path("gpx", digest, ".gpx"), waypoint_count=len(parsed.waypoints),
                       warnings=parsed.warnings, part=0, edits=[]), parsed)
    first = next(((seg.lats[0], seg.lons[0]) for seg in parsed.segments if len(seg)), None)
    track.name = track_name(parsed.name, original_name, track.started_at, first)
    session.add(track)
    session.flush()
    if waypoints_as_stops:
        _waypoints_to_stops(session, leg, parsed)
    media.stage(session, media_root, track.gpx_path, data)
    touch(leg.trip)
    return track
