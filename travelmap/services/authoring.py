"""Editing trips, legs and stops for their owner. Every change bumps the trip's revision."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from .. import media, validate
from ..config import PhotoSettings
from ..errors import InvalidInput
from ..geo import zone_at
from ..models import TRANSPORTS, VISIBILITIES, Author, Leg, Photo, Post, Stop, Track, Trip
from ..text import SLUG_RE, palette_colour, slugify
from . import slugs
from .find import leg_at
from .trips import touch

# ---------------------------------------------------------------- trips

def create_trip(session: Session, owner: Author, data: dict) -> Trip:
    """Create a trip (private unless asked otherwise)."""
    title = validate.text(data, "title", max_length=validate.MAX_TITLE, required=True)
    if data.get("slug"):
        slug = slugs.claim(session, Trip, data["slug"], owner_id=owner.id)
    else:
        slug = slugs.free(session, Trip, slugify(title))
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
    """Change the fields present in data (title, slug, summary, visibility, timezone, cover_photo)."""
    with session.no_autoflush:  # the slug check reads before any change is written
        _update_trip(session, trip, data)
    if "cover_photo" in data:
        from .covers import set_cover  # covers reads zones, which read trips: imported when asked

        set_cover(session, trip, data["cover_photo"])
    touch(trip)
    return trip


def _update_trip(session: Session, trip: Trip, data: dict) -> None:
    if "title" in data:
        trip.title = validate.text(data, "title", max_length=validate.MAX_TITLE, required=True)
    if "slug" in data and data["slug"] != trip.slug:
        slugs.rename(session, trip, data["slug"], owner_id=trip.owner_id)  # the old address keeps working
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


def _freed_files(session: Session, paths: list[str], *, tracks_staying: ColumnElement[bool],
                 photos_staying: ColumnElement[bool]) -> list[str]:
    """Return the paths that no staying track or photo uses (content-hash files can be shared between trips).

    Asked before the deletion, so that the write transaction that follows holds no reads.
    """
    if not paths:
        return []
    used = set(session.scalars(select(Track.original_path).where(Track.original_path.in_(paths), tracks_staying)))
    for column in (Photo.original_path, Photo.display_path, Photo.thumb_path):
        used |= set(session.scalars(select(column).where(column.in_(paths), photos_staying)))
    return sorted(set(paths) - used)


# Deleting a child that sits in its parent's delete-orphan list: take it out of the list and delete it with
# autoflush off, then flush once. Taking it out makes it an orphan, and `session.delete` walks the child's own
# children, which may load them and so autoflush: that autoflush deletes the orphan, and `session.delete` then
# registers a row already gone, which SQLAlchemy refuses ("Failed to add object to the flush context").
# Everything the deletion needs to read is read before the block, so the write transaction holds no reads.

def _delete_child(session: Session, siblings: list, child: object) -> None:
    """Take a child out of its parent's loaded list and mark it deleted (call with autoflush off)."""
    assert not session.autoflush, "call _delete_child inside session.no_autoflush"
    siblings.remove(child)
    session.delete(child)


def delete_trip(session: Session, trip: Trip, media_root: Path) -> None:
    """Delete the trip with its legs, stops, tracks and photos; their files go once the deletion commits."""
    paths = list(session.scalars(select(Track.original_path).where(Track.trip_id == trip.id)))
    for photo in session.execute(select(Photo.original_path, Photo.display_path, Photo.thumb_path)
                                 .where(Photo.trip_id == trip.id)):
        paths += list(photo)
    freed = _freed_files(session, paths, tracks_staying=Track.trip_id != trip.id,
                         photos_staying=Photo.trip_id != trip.id)
    session.delete(trip)  # what is not loaded goes by the database's ON DELETE CASCADE
    session.flush()
    media.remove_after_commit(session, media_root, freed)


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
    """Delete a leg with its stops and tracks; later legs move up; its photos stay in the trip."""
    trip = leg.trip
    legs = trip.legs
    freed = _freed_files(session, [t.original_path for t in leg.tracks], tracks_staying=Track.leg_id != leg.id,
                         photos_staying=true())
    with session.no_autoflush:
        _delete_child(session, legs, leg)
        _renumber(legs)
        touch(trip)
    session.flush()
    media.remove_after_commit(session, media_root, freed)


def delete_track(session: Session, track: Track, media_root: Path) -> None:
    """Delete a track with its points and, once that commits, its original file (unless another trip holds
    the same file). Works whatever of the track, its leg and its segments is loaded."""
    leg = track.leg
    trip, tracks = leg.trip, leg.tracks
    freed = _freed_files(session, [track.original_path], tracks_staying=Track.id != track.id, photos_staying=true())
    with session.no_autoflush:
        _delete_child(session, tracks, track)
        touch(trip)
    session.flush()
    media.remove_after_commit(session, media_root, freed)


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
    delete_photos(session, [photo], media_root)


def delete_photos(session: Session, photos: list[Photo], media_root: Path) -> None:
    """Delete photos of one trip with one revision bump; their files go once that commits (unless another photo
    holds the same file). A deleted cover photo stops being the cover (the database's cascade)."""
    if not photos:
        return
    trip = photos[0].trip
    assert all(photo.trip is trip for photo in photos), "photos of one trip at a time"
    ids = [photo.id for photo in photos]
    paths = [path for photo in photos for path in (photo.original_path, photo.display_path, photo.thumb_path)]
    freed = _freed_files(session, paths, tracks_staying=true(), photos_staying=Photo.id.not_in(ids))
    siblings = trip.photos
    with session.no_autoflush:
        for photo in photos:
            _delete_child(session, siblings, photo)
        touch(trip)
    session.flush()
    media.remove_after_commit(session, media_root, freed)


# ---------------------------------------------------------------- stops

def _post(session: Session, owner: Author, value: object) -> Post | None:
    """Return the owner's post named by slug, None for an empty value."""
    if value in (None, ""):
        return None
    # A value that cannot be a slug names no post, and is not looked up (PostgreSQL refuses to compare NULs).
    post = session.scalar(select(Post).where(Post.slug == str(value))) if SLUG_RE.fullmatch(str(value)) else None
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
        slug = slugs.claim(session, Stop, data["slug"], owner_id=trip.owner_id, trip_id=trip.id)
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
        lat = validate.number(merged, "lat", low=-90, high=90)
        lon = validate.number(merged, "lon", low=-180, high=180)
        if (lat, lon) != (stop.lat, stop.lon):  # an unchanged place keeps its zone, so its times read the same
            stop.lat, stop.lon = lat, lon
            stop.timezone = zone_at(lat, lon) or trip.timezone
    if "slug" in data and data["slug"] != stop.slug:
        slugs.rename(session, stop, data["slug"], owner_id=trip.owner_id)  # the old address keeps working
    if "arrived_at" in data:
        stop.arrived_at = validate.local_datetime(data, "arrived_at", stop.timezone, keep=stop.arrived_at)
    if "departed_at" in data:
        stop.departed_at = validate.local_datetime(data, "departed_at", stop.timezone, keep=stop.departed_at)
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
    trip, stops = leg.trip, leg.stops
    with session.no_autoflush:
        _delete_child(session, stops, stop)
        _renumber(stops)
        touch(trip)
    session.flush()
