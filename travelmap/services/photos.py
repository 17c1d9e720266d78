"""Ingesting photos: read and decode them first (no transaction open), learn camera clock offsets,
place them (EXIF GPS, else the trip's tracks), attach them to a stop or leg, then store rows and files."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import geo, media, photos
from ..config import PhotoSettings
from ..errors import Conflict
from ..models import Photo, Stop, Track, TrackSegment, Trip
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
    """Validate and decode one photo (CPU work, outside any transaction); raise a TravelmapError if unusable."""
    analysed = photos.analyse(data, max_pixels=settings.max_pixels, name=name, fallback_tz=trip_zone(trip))
    return Prepared(name=name, data=data, sha256=media.sha256(data), analysed=analysed, caption=caption)


def trip_zone(trip: Trip) -> str:
    """Return the time zone to read offset-less photo times in: the trip's stops' most common zone."""
    zones = [s.timezone for s in trip.stops() if s.timezone and s.timezone != "UTC"]
    return statistics.mode(zones) if zones else trip.timezone


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


def store(session: Session, trip: Trip, item: Prepared, media_root: Path, settings: PhotoSettings, *,
          timeline: Timeline, clock_offset_s: float | None = None, learned: dict[str, float] | None = None,
          stop: Stop | None = None) -> Photo:
    """Place a prepared photo, attach it to a stop or leg, and add its row and staged files to the session."""
    existing = session.scalar(select(Photo.id).where(Photo.trip_id == trip.id, Photo.sha256 == item.sha256))
    if existing is not None:
        raise Conflict(f"{item.name} is already in the trip (photo {existing}).", code="duplicate",
                       details={"existing_id": existing})
    info = item.info
    warnings = list(info.warnings)
    lat, lon, source, gap = info.lat, info.lon, ("exif" if info.lat is not None else None), None
    if lat is None and info.taken_at is not None:
        offset = clock_offset_s
        if offset is None and learned and info.camera in learned:
            offset = learned[info.camera]
            warnings.append(f"The camera's clock offset ({_format_offset(offset)}) was learned from a photo in the "
                            "same upload that has GPS.")
        when = info.taken_at.timestamp() + (offset or 0.0)
        hit = geo.position_at(*timeline, when, settings.max_gap_s)
        if hit is not None:
            lat, lon, gap = round(hit[0], 7), round(hit[1], 7), round(hit[2], 1)
            source = "track"
        elif timeline[0]:
            warnings.append(f"No track point lies within {settings.max_gap_s / 60:g} minutes of the photo's time, "
                            "so it has no place yet: place it by hand.")
        else:
            warnings.append("The photo has no GPS and the trip has no timed track yet: place it by hand.")
    elif lat is None:
        warnings.append("The photo has neither GPS nor a time: place it by hand.")
    if stop is None and lat is not None and lon is not None:
        stop = nearest_stop(trip, lat, lon, settings.stop_radius_m)
    photo = Photo(
        trip=trip, stop=stop,
        leg_id=stop.leg_id if stop else (leg_id_at(trip, info.taken_at) if info.taken_at else None),
        sha256=item.sha256, original_name=item.name, caption=item.caption, camera=info.camera,
        taken_at=info.taken_at, utc_offset_min=info.utc_offset_min, lat=lat, lon=lon, altitude_m=info.altitude_m,
        location_source=source, time_gap_s=gap, width=info.width, height=info.height,
        content_type=info.content_type,
        original_path=media.content_path("originals", item.sha256, photos.EXTENSIONS[info.format]),
        display_path=media.content_path("display", item.sha256, ".jpg"),
        thumb_path=media.content_path("thumbs", item.sha256, ".jpg"),
        warnings=warnings,
    )
    session.add(photo)
    session.flush()
    media.stage(session, media_root, photo.original_path, item.data)
    media.stage(session, media_root, photo.display_path, item.analysed.display)
    media.stage(session, media_root, photo.thumb_path, item.analysed.thumb)
    touch(trip)
    return photo


def store_batch(session: Session, trip: Trip, batch: list[Prepared], media_root: Path, settings: PhotoSettings, *,
                clock_offset_s: float | None = None) -> tuple[list[Photo], list[str]]:
    """Store prepared photos together; duplicates (in the trip or the batch) are skipped with a note."""
    timeline = trip_timeline(session, trip)
    learned = {} if clock_offset_s is not None else learn_clock_offsets(batch, timeline, settings.learn_radius_m)
    stored, skipped, seen = [], [], set()
    known = set(session.scalars(select(Photo.sha256).where(Photo.trip_id == trip.id)))
    for item in batch:
        if item.sha256 in known or item.sha256 in seen:
            skipped.append(f"{item.name} was skipped: the same photo is already in the trip.")
            continue
        seen.add(item.sha256)
        stored.append(store(session, trip, item, media_root, settings, timeline=timeline,
                            clock_offset_s=clock_offset_s, learned=learned))
    return stored, skipped


def place_by_hand(photo: Photo, lat: float, lon: float, settings: PhotoSettings) -> None:
    """Set a photo's place by hand (location source 'manual') and re-attach it to the nearest stop."""
    photo.lat, photo.lon = lat, lon
    photo.location_source = "manual"
    photo.time_gap_s = None
    photo.warnings = [w for w in (photo.warnings or []) if "place it by hand" not in w and "no place yet" not in w]
    stop = nearest_stop(photo.trip, lat, lon, settings.stop_radius_m)
    photo.stop = stop
    photo.leg_id = stop.leg_id if stop else (leg_id_at(photo.trip, photo.taken_at) if photo.taken_at else None)
    touch(photo.trip)


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
    return sign * (numbers[0] * 3600 + numbers[1] * 60 + numbers[2])


def ingest_photo(session: Session, trip: Trip, data: bytes, original_name: str, media_root: Path,
                 settings: PhotoSettings = PhotoSettings(), *, caption: str = "", stop: Stop | None = None,
                 timeline: Timeline | None = None) -> Photo:
    """Prepare and store one photo (used by seeding and single uploads)."""
    item = prepare(data, original_name, trip, settings, caption)
    return store(session, trip, item, media_root, settings, timeline=timeline or trip_timeline(session, trip),
                 stop=stop)


__all__ = ["PhotoSettings", "Prepared", "prepare", "store", "store_batch", "ingest_photo", "trip_timeline",
           "learn_clock_offsets", "place_by_hand", "parse_clock_offset"]
