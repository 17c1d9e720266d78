"""Addresses of trips, posts and stops: claiming the slug an author typed, or finding a free one. The one
place that decides whether a slug is taken (trips and posts site-wide, stops within their trip)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
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
    return free_all(session, model, [base], trip_id=trip_id)[0]


_BASES_PER_QUERY = 200  # two conditions each: well under SQLite's limit on the depth of an expression


def free_all(session: Session, model: Addressed, bases: Sequence[str], *, trip_id: int | None = None) -> list[str]:
    """Return a free slug for each base, in order (base, base-2, base-3 …), all different from each other too.

    The taken slugs come from one query per 200 distinct bases (those equal to a base or starting with
    "base-"), not one query per candidate: a batch of 1,500 same-named waypoints stays linear, not quadratic.
    """
    stems = {base: base[: validate.MAX_SLUG - 8] for base in bases}  # room for "-9999999"
    used: set[str] = set()
    distinct = sorted(set(bases))
    for start in range(0, len(distinct), _BASES_PER_QUERY):
        chunk = distinct[start : start + _BASES_PER_QUERY]
        query = select(model.slug).where(or_(model.slug.in_(chunk),
                                             *(model.slug.startswith(f"{stems[b]}-", autoescape=True) for b in chunk)))
        if trip_id is not None:
            query = query.where(Stop.trip_id == trip_id)
        used.update(session.scalars(query))
    chosen: list[str] = []
    next_number: dict[str, int] = {}
    for base in bases:
        candidate, n = base, next_number.get(base, 1)
        while candidate in used:
            n += 1
            candidate = f"{stems[base]}-{n}"
        next_number[base] = n
        used.add(candidate)
        chosen.append(candidate)
    return chosen
