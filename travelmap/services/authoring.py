"""Editing trips, legs and stops for their owner. Every change bumps the trip's revision."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import media, validate
from ..config import PhotoSettings
from ..errors import InvalidInput
from ..geo import zone_at
from ..models import TRANSPORTS, VISIBILITIES, Author, Leg, Photo, Post, Stop, Track, Trip
from ..text import palette_colour, slugify
from . import slugs
from .find import leg_at
from .trips import touch

# ---------------------------------------------------------------- trips

def create_trip(session: Session, owner: Author, data: dict) -> Trip:
    """Create a trip (private unless asked otherwise)."""
    title = validate.text(data, "title", max_length=validate.MAX_TITLE, required=True)
    slug = slugs.claim(session, Trip, data["slug"]) if data.get("slug") else slugs.free(session, Trip, slugify(title))
    trip = Trip(
        slug=slug, title=title, owner=owner,
        summary=validate.text(data, "summary", max_length=validate.MAX_SUMMARY),
        visibility=validate.choice(data, "visibility", VISIBILITIES, default="private"),
        timezone=validate.timezone(data.get("timezone"), "UTC"),
        blur_photo_locations=data.get("blur_photo_locations") is True,
    )
    session.add(trip)
    session.flush()
    return trip


def update_trip(session: Session, trip: Trip, data: dict) -> Trip:
    """Change the fields present in data (title, slug, summary, visibility, timezone)."""
    if "title" in data:
        trip.title = validate.text(data, "title", max_length=validate.MAX_TITLE, required=True)
    if "slug" in data and data["slug"] != trip.slug:
        trip.slug = slugs.claim(session, Trip, data["slug"], exclude_id=trip.id)
    if "summary" in data:
        trip.summary = validate.text(data, "summary", max_length=validate.MAX_SUMMARY)
    if "visibility" in data:
        trip.visibility = validate.choice(data, "visibility", VISIBILITIES)
    if "timezone" in data:
        trip.timezone = validate.timezone(data["timezone"], trip.timezone)
    if "blur_photo_locations" in data:
        value = data["blur_photo_locations"]
        if not isinstance(value, bool):
            raise InvalidInput("blur_photo_locations must be true or false.", field="blur_photo_locations")
        trip.blur_photo_locations = value
    touch(trip)
    return trip


@dataclass(frozen=True)
class Deletion:
    """What deleting a trip takes with it (named on the confirmation page)."""

    legs: int
    stops: int
    tracks: int
    photos: int


def deletion_summary(session: Session, trip: Trip) -> Deletion:
    """Count what deleting the trip would remove."""
    def count(model: type[Leg] | type[Stop] | type[Track] | type[Photo]) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.trip_id == trip.id)) or 0

    return Deletion(legs=count(Leg), stops=count(Stop), tracks=count(Track), photos=count(Photo))


def _unreferenced(session: Session, paths: list[str]) -> list[str]:
    """Keep the paths no remaining track or photo uses (content-hash files can be shared between trips)."""
    if not paths:
        return []
    used = set(session.scalars(select(Track.gpx_path).where(Track.gpx_path.in_(paths))))
    for column in (Photo.original_path, Photo.display_path, Photo.thumb_path):
        used |= set(session.scalars(select(column).where(column.in_(paths))))
    return [p for p in paths if p not in used]


def delete_trip(session: Session, trip: Trip, media_root: Path) -> None:
    """Delete the trip with its legs, stops, tracks and photos; their files go once the deletion commits."""
    paths = [t.gpx_path for t in session.scalars(select(Track).where(Track.trip_id == trip.id))]
    for photo in session.scalars(select(Photo).where(Photo.trip_id == trip.id)):
        paths += [photo.original_path, photo.display_path, photo.thumb_path]
    session.delete(trip)
    session.flush()
    media.remove_after_commit(session, media_root, _unreferenced(session, paths))


# ---------------------------------------------------------------- legs

def _renumber(items: list) -> None:
    """Give items positions 1, 2, 3 … in list order."""
    for n, item in enumerate(items, start=1):
        item.position = n


def _placed(items: list, item: object, position: int | None) -> list:
    """Return items with `item` moved to a 1-based position (the end when None), renumbered."""
    ordered = [other for other in items if other is not item]
    ordered.insert((position or len(ordered) + 1) - 1, item)
    _renumber(ordered)
    return ordered


def add_leg(session: Session, trip: Trip, data: dict) -> Leg:
    """Add a leg at the end (or at `position`), shifting later legs."""
    legs = list(trip.legs)
    leg = Leg(
        trip=trip,
        name=validate.text(data, "name", max_length=validate.MAX_NAME, required=True),
        colour=validate.colour(data, default=palette_colour(len(legs))),
        transport=validate.choice(data, "transport", TRANSPORTS, allow_empty=True),
        position=len(legs) + 1,
    )
    session.add(leg)
    position = validate.integer(data, "position", low=1, high=len(legs) + 1, required=False)
    trip.legs[:] = _placed(legs, leg, position)
    session.flush()
    touch(trip)
    return leg


def update_leg(session: Session, leg: Leg, data: dict) -> Leg:
    """Rename, recolour, set the transport mode or move a leg."""
    trip = leg.trip
    if "name" in data:
        leg.name = validate.text(data, "name", max_length=validate.MAX_NAME, required=True)
    if "colour" in data:
        leg.colour = validate.colour(data)
    if "transport" in data:
        leg.transport = validate.choice(data, "transport", TRANSPORTS, allow_empty=True)
    if data.get("position") not in (None, ""):
        position = validate.integer(data, "position", low=1, high=len(trip.legs))
        trip.legs[:] = _placed(list(trip.legs), leg, position)
    session.flush()
    touch(trip)
    return leg


def delete_leg(session: Session, leg: Leg, media_root: Path) -> None:
    """Delete a leg with its stops and tracks; later legs move up."""
    trip = leg.trip
    paths = [t.gpx_path for t in leg.tracks]
    trip.legs.remove(leg)
    session.delete(leg)
    _renumber(trip.legs)
    session.flush()
    media.remove_after_commit(session, media_root, _unreferenced(session, paths))
    touch(trip)


def delete_track(session: Session, track: Track, media_root: Path) -> None:
    """Delete a track and, once that commits, its original file (unless another trip holds the same file)."""
    trip = track.leg.trip
    # Deleted before it leaves its leg's list: the other order fails in the flush with "Failed to add object to
    # the flush context" (issue 12, finding 4; the minimal fix the workspace's delete button needs).
    session.delete(track)
    track.leg.tracks.remove(track)
    session.flush()
    media.remove_after_commit(session, media_root, _unreferenced(session, [track.gpx_path]))
    touch(trip)


def edit_photo(session: Session, photo: Photo, data: dict, settings: PhotoSettings) -> Photo:
    """Change a photo's caption, or place it by hand (lat and lon together)."""
    from .photos import place_by_hand

    if "caption" in data:
        photo.caption = validate.text(data, "caption", max_length=validate.MAX_SUMMARY)
    if data.get("lat") not in (None, "") or data.get("lon") not in (None, ""):
        lat = validate.number(data, "lat", low=-90, high=90)
        lon = validate.number(data, "lon", low=-180, high=180)
        if (lat, lon) != (photo.lat, photo.lon):
            place_by_hand(photo, lat, lon, settings)
    touch(photo.trip)
    session.flush()
    return photo


def delete_photo(session: Session, photo: Photo, media_root: Path) -> None:
    """Delete a photo; its files go once that commits (unless another trip holds the same photo)."""
    trip = photo.trip
    paths = [photo.original_path, photo.display_path, photo.thumb_path]
    trip.photos.remove(photo)
    session.delete(photo)
    session.flush()
    media.remove_after_commit(session, media_root, _unreferenced(session, paths))
    touch(trip)


# ---------------------------------------------------------------- stops

def _post(session: Session, owner: Author, value: object) -> Post | None:
    """Return the owner's post named by slug, None for an empty value."""
    if value in (None, ""):
        return None
    post = session.scalar(select(Post).where(Post.slug == str(value)))
    if post is None or post.owner_id != owner.id:
        raise InvalidInput(f"There is no post of yours with the slug {str(value)[:100]!r}.", field="post")
    return post


def add_stop(session: Session, trip: Trip, data: dict) -> Stop:
    """Add a stop to a leg; its arrival is read in the stop's local time zone (found from its place)."""
    leg = leg_at(trip, data.get("leg"))
    name = validate.text(data, "name", max_length=validate.MAX_NAME, required=True)
    lat = validate.number(data, "lat", low=-90, high=90)
    lon = validate.number(data, "lon", low=-180, high=180)
    zone = zone_at(lat, lon) or trip.timezone
    if data.get("slug"):
        slug = slugs.claim(session, Stop, data["slug"], trip_id=trip.id)
    else:
        slug = slugs.free(session, Stop, slugify(name), trip_id=trip.id)
    stop = Stop(
        trip_id=trip.id, slug=slug, name=name, lat=lat, lon=lon, timezone=zone,
        arrived_at=validate.local_datetime(data, "arrived_at", zone),
        departed_at=validate.local_datetime(data, "departed_at", zone),
        post=_post(session, trip.owner, data.get("post")),
        position=len(leg.stops) + 1,
    )
    _check_times(stop)
    position = validate.integer(data, "position", low=1, high=len(leg.stops) + 1, required=False)
    leg.stops[:] = _placed(list(leg.stops), stop, position)
    session.flush()
    touch(trip)
    return stop


def _check_times(stop: Stop) -> None:
    """Refuse a departure before the arrival."""
    if stop.arrived_at and stop.departed_at and stop.departed_at < stop.arrived_at:
        raise InvalidInput("departed_at is before arrived_at.", field="departed_at")


def update_stop(session: Session, stop: Stop, data: dict) -> Stop:
    """Change a stop: name, place, times, post, slug, its leg (moved to the end) or its position."""
    trip = stop.leg.trip
    if "name" in data:
        stop.name = validate.text(data, "name", max_length=validate.MAX_NAME, required=True)
    if "lat" in data or "lon" in data:
        merged = {"lat": stop.lat, "lon": stop.lon, **data}
        stop.lat = validate.number(merged, "lat", low=-90, high=90)
        stop.lon = validate.number(merged, "lon", low=-180, high=180)
        stop.timezone = zone_at(stop.lat, stop.lon) or trip.timezone
    if "slug" in data and data["slug"] != stop.slug:
        stop.slug = slugs.claim(session, Stop, data["slug"], exclude_id=stop.id, trip_id=trip.id)
    if "arrived_at" in data:
        stop.arrived_at = validate.local_datetime(data, "arrived_at", stop.timezone)
    if "departed_at" in data:
        stop.departed_at = validate.local_datetime(data, "departed_at", stop.timezone)
    _check_times(stop)
    if "post" in data:
        stop.post = _post(session, trip.owner, data["post"])
    if data.get("leg") not in (None, "") and leg_at(trip, data["leg"]) is not stop.leg:
        old, new = stop.leg, leg_at(trip, data["leg"])
        old.stops.remove(stop)
        _renumber(old.stops)
        new.stops.append(stop)
        _renumber(new.stops)
    if data.get("position") not in (None, ""):
        position = validate.integer(data, "position", low=1, high=len(stop.leg.stops))
        stop.leg.stops[:] = _placed(list(stop.leg.stops), stop, position)
    session.flush()
    touch(trip)
    return stop


def delete_stop(session: Session, stop: Stop) -> None:
    """Delete a stop; its photos stay in the trip, unattached."""
    leg = stop.leg
    leg.stops.remove(stop)
    session.delete(stop)
    _renumber(leg.stops)
    session.flush()
    touch(leg.trip)
