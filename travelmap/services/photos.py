"""Ingesting photos: read and decode them first (no transaction open), learn camera clock offsets,
place them (EXIF GPS, else the trip's tracks), attach them to a stop or leg, then store rows and files."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from .. import geo, media, notes, photos, sandbox
from ..config import PhotoSettings
from ..errors import Conflict
from ..models import Photo, Stop, Track, TrackSegment, Trip
from ..notes import Note
from .trips import touch

Timeline = tuple[list[float], list[float], list[float]]


@dataclass
class Prepared:
    """A photo read, validated and decoded, ready to be stored."""

    name: str
    data: bytes
    sha256: str
    analysed: photos.Analysed
    caption: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def info(self) -> photos.PhotoInfo:
        return self.analysed.info


def prepare(data: bytes, name: str, trip: Trip, settings: PhotoSettings, caption: str = "") -> Prepared:
    """Validate and decode one photo in a sandboxed child (no transaction open); raise a TravelmapError if unusable."""
    zone, source = trip_zone(trip)
    analysed = sandbox.run(settings.parse_limits, photos.analyse, data, max_pixels=settings.max_pixels, name=name,
                           fallback_tz=zone, fallback_source=source)
    return Prepared(name=name, data=data, sha256=media.sha256(data), analysed=analysed, caption=caption)


def trip_zone(trip: Trip) -> tuple[str, str]:
    """Return the time zone to read offset-less photo times in, and where it comes from (for the warning): the
    trip's own time zone when its author chose one, else the zone most of its stops are in, else UTC."""
    if trip.timezone and trip.timezone != "UTC":
        return trip.timezone, "the trip's time zone"
    zones = [s.timezone for s in trip.stops() if s.timezone and s.timezone != "UTC"]
    if zones:
        return statistics.mode(zones), "the time zone of most of the trip's stops"
    return trip.timezone or "UTC", "the trip's time zone"


def trip_timeline(session: Session, trip: Trip) -> Timeline:
    """Return (times, lats, lons) of every timed track point of the trip, sorted by time."""
    rows = session.scalars(
        select(TrackSegment).join(Track).where(Track.trip_id == trip.id, TrackSegment.planned.is_(False))
    )
    points = [(t, lat, lon) for seg in rows for lat, lon, _, t in seg.iter_points() if t is not None]
    points.sort()
    return [p[0] for p in points], [p[1] for p in points], [p[2] for p in points]


def learn_clock_offsets(batch: list[Prepared], timeline: Timeline, radius_m: float) -> dict[str, float]:
    """Learn each camera's clock offset (seconds to add) from its photos that have both GPS and a time.

    The GPS position is trusted: the track says when the author was there; the difference to the
    photo's time is the camera clock's error. Several photos give the median.
    """
    times, lats, lons = timeline
    if not times:
        return {}
    grid: dict[tuple[int, int], list[int]] = {}
    for i, (lat, lon) in enumerate(zip(lats, lons)):
        grid.setdefault((int(lat * 500), int(lon * 500)), []).append(i)  # ~200 m cells
    samples: dict[str, list[float]] = {}
    for item in batch:
        info = item.info
        if info.lat is None or info.lon is None or info.taken_at is None:
            continue
        cx, cy = int(info.lat * 500), int(info.lon * 500)
        best, best_d = None, radius_m
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for i in grid.get((cx + dx, cy + dy), ()):
                    d = geo.haversine_m(info.lat, info.lon, lats[i], lons[i])
                    if d < best_d:
                        best, best_d = i, d
        if best is not None:
            samples.setdefault(info.camera, []).append(times[best] - info.taken_at.timestamp())
    return {camera: statistics.median(values) for camera, values in samples.items()}


def nearest_stop(trip: Trip, lat: float, lon: float, radius_m: float) -> Stop | None:
    """Return the trip's stop nearest to a place, if within the radius."""
    best, best_d = None, radius_m
    for stop in trip.stops():
        d = geo.haversine_m(lat, lon, stop.lat, stop.lon)
        if d <= best_d:
            best, best_d = stop, d
    return best


def leg_id_at(trip: Trip, when: datetime) -> int | None:
    """Return the id of the leg whose tracks or stop times cover a moment."""
    for leg in trip.legs:
        spans = [(t.started_at, t.ended_at) for t in leg.tracks if t.started_at and t.ended_at]
        times = [s.arrived_at for s in leg.stops if s.arrived_at] + [s.departed_at for s in leg.stops if s.departed_at]
        if times:
            spans.append((min(times), max(times)))
        if any(start <= when <= end for start, end in spans):
            return leg.id
    return None


def _format_offset(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    seconds = abs(round(seconds))
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _placed(trip: Trip, item: Prepared, settings: PhotoSettings, *, timeline: Timeline,
            clock_offset_s: float | None, learned: dict[str, float] | None, stop: Stop | None) -> Photo:
    """Place a prepared photo and attach it to a stop or leg: a new Photo row, not yet in the session.

    The row names its trip and stop by id: setting the relationships would put it in the session at once,
    and the next query would flush it, opening the write transaction before the files are written.
    """
    info = item.info
    warnings = list(info.warnings)
    lat, lon, source, gap = info.lat, info.lon, ("exif" if info.lat is not None else None), None
    if lat is None and info.taken_at is not None:
        offset = clock_offset_s
        if offset is None and learned and info.camera in learned:
            offset = learned[info.camera]
            warnings.append(Note("clock_offset_learned", f"The camera's clock offset ({_format_offset(offset)}) was "
                                 "learned from a photo in the same upload that has GPS."))
        when = info.taken_at.timestamp() + (offset or 0.0)
        hit = geo.position_at(*timeline, when, settings.max_gap_s)
        if hit is not None:
            lat, lon, gap = round(hit[0], 7), round(hit[1], 7), round(hit[2], 1)
            source = "track"
        elif timeline[0]:
            warnings.append(Note("needs_place", f"No track point lies within {settings.max_gap_s / 60:g} minutes of "
                                 "the photo's time, so it has no place yet: place it by hand."))
        else:
            warnings.append(Note("needs_place", "The photo has no GPS and the trip has no timed track yet: place it "
                                 "by hand."))
    elif lat is None:
        warnings.append(Note("needs_place", "The photo has neither GPS nor a time: place it by hand."))
    if stop is None and lat is not None and lon is not None:
        stop = nearest_stop(trip, lat, lon, settings.stop_radius_m)
    return Photo(
        trip_id=trip.id, stop_id=stop.id if stop else None,
        leg_id=stop.leg_id if stop else (leg_id_at(trip, info.taken_at) if info.taken_at else None),
        sha256=item.sha256, original_name=item.name, caption=item.caption, camera=info.camera,
        taken_at=info.taken_at, utc_offset_min=info.utc_offset_min, lat=lat, lon=lon, altitude_m=info.altitude_m,
        location_source=source, time_gap_s=gap, width=info.width, height=info.height,
        content_type=info.content_type,
        original_path=media.content_path("originals", item.sha256, photos.EXTENSIONS[info.format]),
        display_path=media.content_path("display", item.sha256, ".jpg"),
        thumb_path=media.content_path("thumbs", item.sha256, ".jpg"),
        warnings=notes.stored(warnings),
    )


def _stage_files(session: Session, media_root: Path, photo: Photo, item: Prepared) -> None:
    """Write the photo's original, display copy and thumbnail under temporary names (renamed at commit)."""
    media.stage(session, media_root, photo.original_path, item.data)
    media.stage(session, media_root, photo.display_path, item.analysed.display)
    media.stage(session, media_root, photo.thumb_path, item.analysed.thumb)


def _add(session: Session, trip: Trip, rows: list[Photo]) -> None:
    """Add placed photos to the trip in one flush (the write transaction starts here)."""
    session.add_all(rows)
    # Lists already loaded (the trip's photos, a stop's) learn of the new rows; others load them when read.
    stops = {stop.id: stop for stop in trip.stops()} if "legs" in inspect(trip).dict else {}
    for photo in rows:
        if "photos" in inspect(trip).dict:
            trip.photos.append(photo)
        stop = stops.get(photo.stop_id) if photo.stop_id else None
        if stop is not None and "photos" in inspect(stop).dict:
            stop.photos.append(photo)
    if rows:
        touch(trip)
    session.flush()


def store(session: Session, trip: Trip, item: Prepared, media_root: Path, settings: PhotoSettings, *,
          timeline: Timeline, clock_offset_s: float | None = None, learned: dict[str, float] | None = None,
          stop: Stop | None = None) -> Photo:
    """Place a prepared photo, attach it to a stop or leg, and add its row and staged files to the session."""
    existing = session.scalar(select(Photo.id).where(Photo.trip_id == trip.id, Photo.sha256 == item.sha256))
    if existing is not None:
        raise Conflict(f"{item.name} is already in the trip (photo {existing}).", code="duplicate",
                       details={"existing_id": existing})
    photo = _placed(trip, item, settings, timeline=timeline, clock_offset_s=clock_offset_s, learned=learned,
                    stop=stop)
    _stage_files(session, media_root, photo, item)
    _add(session, trip, [photo])
    return photo


def store_batch(session: Session, trip: Trip, batch: list[Prepared], media_root: Path, settings: PhotoSettings, *,
                clock_offset_s: float | None = None) -> tuple[list[Photo], list[Note]]:
    """Store prepared photos together; duplicates (in the trip or the batch) are skipped with a note.

    Placing them and writing their files happen before the first write; the rows go in one flush.
    """
    timeline = trip_timeline(session, trip)
    learned = {} if clock_offset_s is not None else learn_clock_offsets(batch, timeline, settings.learn_radius_m)
    stored: list[Photo] = []
    skipped: list[Note] = []
    seen: set[str] = set()
    known = set(session.scalars(select(Photo.sha256).where(Photo.trip_id == trip.id)))
    for item in batch:
        if item.sha256 in known or item.sha256 in seen:
            skipped.append(Note("duplicate_skipped",
                                f"{item.name} was skipped: the same photo is already in the trip."))
            continue
        seen.add(item.sha256)
        photo = _placed(trip, item, settings, timeline=timeline, clock_offset_s=clock_offset_s, learned=learned,
                        stop=None)
        _stage_files(session, media_root, photo, item)
        stored.append(photo)
    _add(session, trip, stored)
    return stored, skipped


def place_by_hand(photo: Photo, lat: float, lon: float, settings: PhotoSettings) -> None:
    """Set a photo's place by hand (location source 'manual') and re-attach it to the nearest stop."""
    photo.lat, photo.lon = lat, lon
    photo.location_source = "manual"
    photo.time_gap_s = None
    photo.warnings = notes.without(photo.warnings, "needs_place")
    stop = nearest_stop(photo.trip, lat, lon, settings.stop_radius_m)
    photo.stop = stop
    photo.leg_id = stop.leg_id if stop else (leg_id_at(photo.trip, photo.taken_at) if photo.taken_at else None)
    touch(photo.trip)


# A camera whose clock was never set can be decades out; no real offset is a century or more.
MAX_CLOCK_OFFSET_H = 100 * 366 * 24


def parse_clock_offset(text: str) -> float:
    """Parse a clock offset like +00:02:30 or -1:00:00 into seconds."""
    from ..errors import InvalidInput

    value = text.strip()
    sign = -1 if value.startswith("-") else 1
    parts = value.lstrip("+-").split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if not 1 <= len(numbers) <= 3 or any(n < 0 or not math.isfinite(n) for n in numbers):
        raise InvalidInput(f"The clock offset must look like +HH:MM:SS, not {text[:20]!r}.", field="clock_offset")
    while len(numbers) < 3:
        numbers.insert(0, 0.0)
    seconds = numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
    if not seconds <= MAX_CLOCK_OFFSET_H * 3600:  # also catches 1e308 hours, which overflow to infinity
        raise InvalidInput(f"The clock offset must be less than {MAX_CLOCK_OFFSET_H:,} hours (a century), "
                           f"not {text[:20]!r}.", field="clock_offset")
    return sign * seconds


def ingest_photo(session: Session, trip: Trip, data: bytes, original_name: str, media_root: Path,
                 settings: PhotoSettings = PhotoSettings(), *, caption: str = "", stop: Stop | None = None,
                 timeline: Timeline | None = None) -> Photo:
    """Prepare and store one photo (used by seeding and single uploads)."""
    item = prepare(data, original_name, trip, settings, caption)
    return store(session, trip, item, media_root, settings, timeline=timeline or trip_timeline(session, trip),
                 stop=stop)


__all__ = ["PhotoSettings", "Prepared", "prepare", "store", "store_batch", "ingest_photo", "trip_timeline",
           "learn_clock_offsets", "place_by_hand", "parse_clock_offset"]
