"""Looking up trips and keeping their revision (the cache key) current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session, selectinload

from ..models import Leg, Photo, Stop, Track, Trip
from .reading import published_photos


def touch(trip: Trip) -> None:
    """Bump the trip's revision so every cached page and ETag of it changes."""
    trip.revision = (trip.revision or 0) + 1


def _full(lines: bool) -> tuple[Any, ...]:
    """Loader options for a trip with its legs, stops, posts and tracks (and the tracks' drawn lines)."""
    tracks = selectinload(Trip.legs).selectinload(Leg.tracks)
    return (selectinload(Trip.legs).selectinload(Leg.stops).selectinload(Stop.post),
            tracks.undefer(Track.lines) if lines else tracks)


def trip_by_slug(session: Session, slug: str, *, lines: bool = False) -> Trip | None:
    """Return the trip with its legs, stops, posts and tracks loaded (and the tracks' drawn lines), or None."""
    return session.scalars(select(Trip).where(Trip.slug == slug).options(*_full(lines))).one_or_none()


def trip_by_id(session: Session, trip_id: int, *, lines: bool = False) -> Trip | None:
    """Return the trip with this id, loaded as trip_by_slug does, or None."""
    return session.scalars(select(Trip).where(Trip.id == trip_id).options(*_full(lines))).one_or_none()


def trip_photos(session: Session, trip: Trip) -> list[Photo]:
    """Return the trip's photos that readers are shown (placed ones) in time order, with their stops and posts."""
    return list(session.scalars(select(Photo).where(Photo.trip_id == trip.id, published_photos())
                                .order_by(Photo.taken_at)
                                .options(selectinload(Photo.stop).selectinload(Stop.post))))


@dataclass(frozen=True)
class TripStamp:
    """What a cached page needs to know about its trip: identity, revision and who may see it."""

    id: int
    slug: str
    revision: int
    visibility: str
    owner_id: int


# Built once: a cached page's only query should cost microseconds, not statement construction.
_STAMP = text("SELECT id, slug, revision, visibility, owner_id FROM trips WHERE slug = :slug")


def trip_stamp(connection: Connection, slug: str) -> TripStamp | None:
    """Read a trip's stamp with one small query (no ORM session): the whole cost of a cached page."""
    row = connection.execute(_STAMP, {"slug": slug}).first()
    return TripStamp(*row) if row else None


def listed_trips(session: Session) -> list[Trip]:
    """Return the public trips, newest first, with what their cards and overview map show."""
    return list(session.scalars(
        select(Trip)
        .where(Trip.visibility == "public")
        .order_by(Trip.created_at.desc())
        .options(selectinload(Trip.legs).selectinload(Leg.stops),
                 selectinload(Trip.legs).selectinload(Leg.tracks).undefer(Track.lines))
    ))


def photo_count(session: Session, trip: Trip) -> int:
    """Count the trip's photos."""
    return session.scalar(select(func.count(Photo.id)).where(Photo.trip_id == trip.id)) or 0
