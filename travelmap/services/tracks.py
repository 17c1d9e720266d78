"""Importing track files (GPX, FIT, TCX, KML, KMZ, GeoJSON) as tracks: validate, compute stats and display geometry,
store every point losslessly and keep the original."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import media, notes, sandbox, validate
from ..errors import Conflict
from ..formats import ParsedTrack, read_track
from ..formats.kinds import KINDS
from ..geo import zone_at
from ..models import Leg, Stop, Track, TrackSegment
from ..text import slugify
from ..trackname import track_name
from ..trackstats import DETAIL_TOLERANCE_M, compute_stats, display_geometry, encoded_lines
from . import slugs
from .trips import touch


def _waypoint_stops(session: Session, leg: Leg, parsed: ParsedTrack) -> list[Stop]:
    """Make stops of the file's waypoints for the end of the leg (named, placed, timed when the waypoint is),
    not yet added: zones and slugs are found here, before the write transaction, with one slug query."""
    names = [(wpt.name or "Waypoint")[: validate.MAX_NAME] for wpt in parsed.waypoints]
    free = slugs.free_all(session, Stop, [slugify(name) for name in names], trip_id=leg.trip_id)
    first = len(leg.stops) + 1
    return [Stop(trip_id=leg.trip_id, slug=slug, name=name, lat=wpt.lat, lon=wpt.lon,
                 timezone=zone_at(wpt.lat, wpt.lon) or leg.trip.timezone, arrived_at=wpt.time, position=first + n)
            for n, (wpt, name, slug) in enumerate(zip(parsed.waypoints, names, free))]


def read_track_file(data: bytes, limits: sandbox.Limits = sandbox.Limits(), name: str = "") -> ParsedTrack:
    """Read and validate a track file of any format: what an upload goes through, and what an edit re-reads the
    original with.

    The format is recognised by the content (`name` only adds a warning when its suffix says otherwise). The file
    is read in a child process under `limits`, so a crash or runaway in a reader refuses the file and nothing else.
    """
    return sandbox.run(limits, read_track, data, name, limits.max_points)


def fill(track: Track, parsed: ParsedTrack) -> Track:
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
                 waypoints_as_stops: bool = False, limits: sandbox.Limits = sandbox.Limits()) -> Track:
    """Validate a track file (GPX, FIT, TCX, KML, KMZ or GeoJSON, recognised by its content) and add it to the leg
    as a track; the original file is kept, under its format's suffix, for download.

    With waypoints_as_stops, the file's waypoints (GPX <wpt>, KML Point placemarks, FIT and TCX course points,
    GeoJSON Points) become stops of the leg. The track's name follows
    trackname.track_name: the file's own name, else the file name, never a device's stock label. The file is
    parsed in a child process under `limits` (read_track_file).
    """
    digest = media.sha256(data)
    # Parsed before the first query, so a caller that ended its read transaction parses with none open.
    parsed = read_track_file(data, limits, original_name)
    kind = KINDS[parsed.format]
    existing = session.scalar(select(Track.id).where(Track.trip_id == leg.trip_id, Track.sha256 == digest)
                              .order_by(Track.part).limit(1))
    if existing is not None:
        raise Conflict(f"This {kind.label} file is already in the trip (track {existing}).", code="duplicate",
                       details={"existing_id": existing})
    # Made before the track: a Track given its leg joins the session at once, and the next query would
    # flush it, opening the write transaction early.
    stops = _waypoint_stops(session, leg, parsed) if waypoints_as_stops else []
    track = fill(Track(trip_id=leg.trip_id, original_name=original_name, sha256=digest,
                       original_path=media.content_path("tracks", digest, kind.suffix), format=kind.name,
                       waypoint_count=len(parsed.waypoints), warnings=notes.stored(parsed.warnings), part=0,
                       edits=[]), parsed)
    first = next(((seg.lats[0], seg.lons[0]) for seg in parsed.segments if len(seg)), None)
    track.name = track_name(parsed.name, original_name, track.started_at, first)
    # Everything above only reads; the file is written (and synced) before the first write too, so the
    # write transaction below is one flush and a commit, however many points and waypoints the file has.
    media.stage(session, media_root, track.original_path, data)
    track.leg = leg
    session.add(track)
    leg.stops.extend(stops)
    touch(leg.trip)
    session.flush()
    return track
