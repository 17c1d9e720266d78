"""Ingesting photos: read EXIF, place them (EXIF GPS or the trip's tracks), attach to a stop, store derivatives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import geo, media, photos
from ..errors import Conflict
from ..models import Photo, Stop, TrackSegment, Track, Trip
from .trips import touch


@dataclass(frozen=True)
class PhotoSettings:
    """Limits and radii for photo ingest."""

    max_pixels: int = 60_000_000
    max_gap_s: float = 300.0  # a track point must lie this close in time to geotag from it
    stop_radius_m: float = 2_000.0  # a photo this close to a stop belongs to it


def trip_timeline(session: Session, trip: Trip) -> tuple[list[float], list[float], list[float]]:
    """Return (times, lats, lons) of every timed track point of the trip, sorted by time."""
    rows = session.scalars(
        select(TrackSegment).join(Track).where(Track.trip_id == trip.id, TrackSegment.planned.is_(False))
    )
    points = [(t, lat, lon) for seg in rows for lat, lon, _, t in seg.iter_points() if t is not None]
    points.sort()
    return [p[0] for p in points], [p[1] for p in points], [p[2] for p in points]


def nearest_stop(trip: Trip, lat: float, lon: float, radius_m: float) -> Stop | None:
    """Return the trip's stop nearest to a place, if within the radius."""
    best, best_d = None, radius_m
    for stop in trip.stops():
        d = geo.haversine_m(lat, lon, stop.lat, stop.lon)
        if d <= best_d:
            best, best_d = stop, d
    return best


def leg_at(trip: Trip, when: datetime) -> int | None:
    """Return the id of the leg whose tracks or stop times cover a moment."""
    for leg in trip.legs:
        spans = [(t.started_at, t.ended_at) for t in leg.tracks if t.started_at and t.ended_at]
        times = [s.arrived_at for s in leg.stops if s.arrived_at] + [s.departed_at for s in leg.stops if s.departed_at]
        if times:
            spans.append((min(times), max(times)))
        if any(start <= when <= end for start, end in spans):
            return leg.id
    return None


def ingest_photo(session: Session, trip: Trip, data: bytes, original_name: str, media_root: Path,
                 settings: PhotoSettings = PhotoSettings(), *, caption: str = "", stop: Stop | None = None,
                 timeline: tuple[list[float], list[float], list[float]] | None = None) -> Photo:
    """Validate a photo and add it to the trip, placed and attached to its stop, with its derivatives staged."""
    digest = media.sha256(data)
    existing = session.scalar(select(Photo.id).where(Photo.trip_id == trip.id, Photo.sha256 == digest))
    if existing is not None:
        raise Conflict(f"This photo is already in the trip (photo {existing}).", code="duplicate",
                       details={"existing_id": existing})
    _, info = photos.read_photo(data, max_pixels=settings.max_pixels, fallback_tz=trip.timezone)
    source = "exif" if info.lat is not None else None
    gap = None
    if info.lat is None and info.taken_at is not None:
        times, lats, lons = timeline or trip_timeline(session, trip)
        hit = geo.position_at(times, lats, lons, info.taken_at.timestamp(), settings.max_gap_s)
        if hit is not None:
            info.lat, info.lon, gap = round(hit[0], 7), round(hit[1], 7), hit[2]
            source = "track"
        elif times:
            info.warnings.append("No track point lies within "
                                 f"{settings.max_gap_s / 60:g} minutes of the photo's time, so it has no place yet.")
    if stop is None and info.lat is not None:
        stop = nearest_stop(trip, info.lat, info.lon, settings.stop_radius_m)
    photo = Photo(
        trip=trip,
        stop=stop,
        leg_id=stop.leg_id if stop else (leg_at(trip, info.taken_at) if info.taken_at else None),
        sha256=digest,
        original_name=original_name,
        caption=caption,
        taken_at=info.taken_at,
        utc_offset_min=info.utc_offset_min,
        lat=info.lat,
        lon=info.lon,
        altitude_m=info.altitude_m,
        location_source=source,
        time_gap_s=gap,
        width=info.width,
        height=info.height,
        content_type=info.content_type,
        original_path=media.content_path("originals", digest, photos.EXTENSIONS[info.format]),
        display_path=media.content_path("display", digest, ".jpg"),
        thumb_path=media.content_path("thumbs", digest, ".jpg"),
        warnings=info.warnings,
    )
    session.add(photo)
    session.flush()
    media.stage(session, media_root, photo.original_path, data)
    media.stage(session, media_root, photo.display_path, photos.derivative(data, photos.DISPLAY_PX, settings.max_pixels))
    media.stage(session, media_root, photo.thumb_path, photos.derivative(data, photos.THUMB_PX, settings.max_pixels))
    touch(trip)
    return photo
