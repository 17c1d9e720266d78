"""Finding a trip's leg, stop, track or photo by the key a URL or a request names: one function each,
raising NotFound (or InvalidInput for a key that cannot be one) with a message a person understands."""

from __future__ import annotations

from .. import validate
from ..errors import NotFound
from ..models import Leg, Photo, Stop, Track, Trip


def leg_at(trip: Trip, position: object) -> Leg:
    """Return the trip's leg at a position (1, 2, 3 …)."""
    number = validate.integer({"leg": position}, "leg", low=1, high=10_000)
    for leg in trip.legs:
        if leg.position == number:
            return leg
    raise NotFound(f"This trip has no leg {number}.", field="leg")


def stop_by_key(trip: Trip, key: str | int) -> Stop:
    """Return the trip's stop by id or slug."""
    for stop in trip.stops():
        if str(stop.id) == str(key) or stop.slug == key:
            return stop
    raise NotFound(f"This trip has no stop {str(key)[:100]!r}.")


def track_by_id(trip: Trip, track_id: int) -> Track:
    """Return one of the trip's tracks by id."""
    for leg in trip.legs:
        for track in leg.tracks:
            if track.id == track_id:
                return track
    raise NotFound("This trip has no such track.")


def photo_by_id(trip: Trip, photo_id: int) -> Photo:
    """Return one of the trip's photos by id."""
    for photo in trip.photos:
        if photo.id == photo_id:
            return photo
    raise NotFound("This trip has no such photo.")
