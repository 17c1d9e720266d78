"""Models -> JSON for the API: ISO 8601 times with offsets, metres, decimal degrees."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from . import notes
from .localtime import local_time, photo_local_time
from .models import Leg, Photo, Post, PrivacyZone, Stop, Track, Trip
from .trackstats import totals


def iso(value: datetime | date | None) -> str | None:
    """Format a time (or date) as ISO 8601."""
    return None if value is None else value.isoformat()


def track_json(track: Track) -> dict[str, Any]:
    """Describe a track: its format, counts, stats, bounding box and warnings ({"code", "message"})."""
    return {
        "id": track.id, "name": track.name, "format": track.format, "points": track.point_count,
        "segments": track.segment_count,
        "waypoints": track.waypoint_count, "distance_m": round(track.distance_m, 1),
        "ascent_m": _round(track.ascent_m), "descent_m": _round(track.descent_m),
        "duration_s": _round(track.duration_s), "moving_time_s": _round(track.moving_time_s),
        "started_at": iso(track.started_at), "ended_at": iso(track.ended_at), "bbox": list(track.bbox),
        "warnings": notes.stored(notes.load_all(track.warnings)), "leg": track.leg.position if track.leg else None,
        "file": track.original_name, "edited": track.edited, "edits": list(track.edits or []),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def stop_json(stop: Stop) -> dict[str, Any]:
    """Describe a stop; times in the stop's own time zone."""
    return {
        "id": stop.id, "slug": stop.slug, "name": stop.name, "lat": stop.lat, "lon": stop.lon,
        "leg": stop.leg.position, "position": stop.position, "timezone": stop.timezone,
        "arrived_at": iso(local_time(stop.arrived_at, stop.timezone)),
        "departed_at": iso(local_time(stop.departed_at, stop.timezone)),
        "post": stop.post.slug if stop.post else None,
    }


def leg_json(leg: Leg) -> dict[str, Any]:
    """Describe a leg with its totals, tracks and stops."""
    t = totals(list(leg.tracks))
    return {
        "position": leg.position, "name": leg.name, "colour": leg.colour, "transport": leg.transport,
        "stats": {"distance_m": round(t.distance_m, 1), "ascent_m": round(t.ascent_m, 1),
                  "descent_m": round(t.descent_m, 1), "moving_time_s": round(t.moving_time_s, 1),
                  "tracks": t.tracks, "points": t.points},
        "tracks": [track_json(track) for track in leg.tracks],
        "stops": [stop_json(stop) for stop in leg.stops],
    }


def trip_json(trip: Trip, photo_count: int, *, detail: bool = True, cover_photo: int | None = None) -> dict[str, Any]:
    """Describe a trip (with its legs when detail is asked) and the id of the cover photo its author chose."""
    body: dict[str, Any] = {
        "slug": trip.slug,
        "title": trip.title,
        "summary": trip.summary,
        "visibility": trip.visibility,
        "timezone": trip.timezone,
        "blur_photo_locations": trip.blur_photo_locations,
        "revision": trip.revision,
        "created_at": iso(trip.created_at),
        "updated_at": iso(trip.updated_at),
        "photos": photo_count,
        "cover_photo": cover_photo,
    }
    if detail:
        body["legs"] = [leg_json(leg) for leg in trip.legs]
    return body


def post_json(post: Post) -> dict[str, Any]:
    """Describe a post and the stops that link to it."""
    return {
        "slug": post.slug,
        "title": post.title,
        "author": post.author_name,
        "published": iso(post.published),
        "summary": post.summary,
        "body": post.body,
        "url": post.url,
        "licence": post.licence,
        "licence_url": post.licence_url,
        "stops": [{"id": s.id, "slug": s.slug, "trip": s.leg.trip.slug, "name": s.name} for s in post.stops],
    }


def photo_json(photo: Photo) -> dict[str, Any]:
    """Describe a photo's place and time."""
    taken = photo_local_time(photo.taken_at, photo.utc_offset_min)
    return {
        "id": photo.id,
        "file": photo.original_name,
        "caption": photo.caption,
        "lat": photo.lat,
        "lon": photo.lon,
        "taken_at": iso(taken),
        "location_source": photo.location_source,
        "time_gap_s": photo.time_gap_s,
        "stop": photo.stop.slug if photo.stop else None,
        "camera": photo.camera,
        "width": photo.width,
        "height": photo.height,
        "warnings": notes.stored(notes.load_all(photo.warnings)),
    }


def zone_json(zone: PrivacyZone) -> dict[str, Any]:
    """Describe a privacy zone as its author drew it (the hidden circle it is cut at stays on the server)."""
    return {"id": zone.id, "name": zone.name, "lat": zone.lat, "lon": zone.lon, "radius_m": zone.radius_m,
            "created_at": iso(zone.created_at)}
