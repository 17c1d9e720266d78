"""Addresses of trips, posts and stops: claiming the slug an author typed, or finding a free one. The one
place that decides whether a slug is taken (trips and posts site-wide, stops within their trip)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import validate
from ..errors import Conflict
from ..models import Post, Stop, Trip

Addressed = type[Trip] | type[Post] | type[Stop]

_TAKEN = {Trip: "The slug {slug!r} is taken; choose another.",
          Post: "The slug {slug!r} is taken; choose another.",
          Stop: "This trip already has a stop with the slug {slug!r}."}


def taken(session: Session, model: Addressed, slug: str, *, exclude_id: int | None = None,
          trip_id: int | None = None) -> bool:
    """Tell whether another trip or post (or, with trip_id, another stop of that trip) has this slug."""
    query = select(func.count()).select_from(model).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if trip_id is not None:
        query = query.where(Stop.trip_id == trip_id)
    return bool(session.scalar(query))


def claim(session: Session, model: Addressed, value: object, *, exclude_id: int | None = None,
          trip_id: int | None = None) -> str:
    """Return the slug the author typed, valid and free, else raise (400 invalid, 409 taken)."""
    slug = validate.slug(value)
    if taken(session, model, slug, exclude_id=exclude_id, trip_id=trip_id):
        raise Conflict(_TAKEN[model].format(slug=slug), field="slug")
    return slug


def free(session: Session, model: Addressed, base: str, *, trip_id: int | None = None) -> str:
    """Return base, or base-2, base-3 … whichever is free (among the trip's stops, with trip_id)."""
    candidate, n = base, 1
    while taken(session, model, candidate, trip_id=trip_id):
        n += 1
        candidate = f"{base[: validate.MAX_SLUG - 4]}-{n}"
    return candidate
