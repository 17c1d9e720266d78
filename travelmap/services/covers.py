"""A trip's cover photo, shown on its card on the front page and in its link preview: the photo its author
chose, else the first photo readers see. Never a photo readers may not see (one without a place, or in a privacy
zone of the owner): choosing one is refused, and a chosen cover that later falls in a zone gives way to the
fallback."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validate
from ..errors import InvalidInput, NotFound
from ..models import Photo, Trip, TripCover
from ..redaction import Redaction
from .trips import touch
from .zones import reader_view

FIELD = "cover_photo"


def chosen_cover_id(session: Session, trip: Trip) -> int | None:
    """Return the id of the photo the author chose as the trip's cover, or None."""
    return session.scalar(select(TripCover.photo_id).where(TripCover.trip_id == trip.id))


def set_cover(session: Session, trip: Trip, photo_id: object) -> Photo | None:
    """Choose the trip's cover photo by id (None or "" clears the choice); only a photo readers see may be it."""
    current = session.get(TripCover, trip.id)
    if photo_id is None or photo_id == "":
        if current is not None:
            session.delete(current)
        touch(trip)
        session.flush()
        return None
    number = validate.integer({FIELD: photo_id}, FIELD, low=1, high=2**63 - 1)
    photo = session.scalar(select(Photo).where(Photo.id == number, Photo.trip_id == trip.id))
    if photo is None:
        raise NotFound(f"This trip has no photo {number}.", field=FIELD)
    if photo.lat is None or photo.lon is None:
        raise InvalidInput("This photo has no place yet, so readers do not see it and it cannot be the cover. "
                           "Place it first.", field=FIELD)
    if not reader_view(session, trip.owner_id).shows_photo(photo):
        raise InvalidInput("This photo lies in one of your privacy zones, so readers do not see it and it cannot "
                           "be the cover. Choose another.", field=FIELD)
    if current is None:
        session.add(TripCover(trip_id=trip.id, photo_id=photo.id))
    else:
        current.photo_id = photo.id
    touch(trip)
    session.flush()
    return photo


def reader_covers(session: Session, trips: list[Trip], view: Callable[[Trip], Redaction]) -> dict[int, Photo]:
    """Return the cover readers see of each trip, by trip id: the chosen one while readers see it, else the
    trip's first placed photo (by time) that they see; a trip with neither has none (its card shows the route)."""
    ids = [trip.id for trip in trips]
    if not ids:
        return {}
    views = {trip.id: view(trip) for trip in trips}
    covers: dict[int, Photo] = {}
    chosen = session.execute(select(TripCover.trip_id, Photo).join(Photo, Photo.id == TripCover.photo_id)
                             .where(TripCover.trip_id.in_(ids)))
    for trip_id, photo in chosen:
        if photo.lat is not None and views[trip_id].shows_photo(photo):
            covers[trip_id] = photo
    rest = [trip_id for trip_id in ids if trip_id not in covers]
    if rest:
        rows = session.scalars(select(Photo).where(Photo.trip_id.in_(rest), Photo.lat.is_not(None),
                                                   Photo.lon.is_not(None))
                                # Photos without a time last, on every database (SQLite sorts NULL first).
                                .order_by(Photo.taken_at.is_(None), Photo.taken_at, Photo.id))
        for photo in rows:
            if photo.trip_id not in covers and views[photo.trip_id].shows_photo(photo):
                covers[photo.trip_id] = photo
    return covers


def reader_cover(session: Session, trip: Trip, view: Redaction) -> Photo | None:
    """Return the cover readers see of one trip (its link preview), or None."""
    return reader_covers(session, [trip], lambda _: view).get(trip.id)
