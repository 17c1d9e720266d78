"""Lookups for reader pages: who is reading, and the trip they asked for, or a 404 (a private trip
is not even admitted to exist). The rules themselves live in `visibility.py`."""

from __future__ import annotations

from flask_login import current_user

from .. import db
from ..errors import NotFound
from ..models import Trip
from ..services.trips import TripStamp, trip_by_slug, trip_stamp
from ..visibility import can_read_trip


def viewer_id() -> int | None:
    """Return the id of the logged-in author reading this page, or None for an anonymous reader."""
    return int(current_user.id) if current_user.is_authenticated else None


def readable(trip: Trip | TripStamp) -> bool:
    """Tell whether this reader may see the trip."""
    return can_read_trip(trip.visibility, trip.owner_id, viewer_id())


def stamp_or_404(slug: str) -> TripStamp:
    """Return the stamp (id, revision, visibility, owner) of a trip this reader may see, else raise 404."""
    with db.engine().connect() as connection:
        stamp = trip_stamp(connection, slug)
    if stamp is None or not readable(stamp):
        raise NotFound("There is no trip at this address.")
    return stamp


def get_trip_or_404(slug: str) -> Trip:
    """Return a trip this reader may see, with its legs, stops and tracks, else raise 404. Cached pages use
    `stamp_or_404` instead and load the trip only to build."""
    trip = trip_by_slug(db.session(), slug)
    if trip is None or not readable(trip):
        raise NotFound("There is no trip at this address.")
    return trip
