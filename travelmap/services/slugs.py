"""Addresses of trips, posts and stops: claiming the slug an author typed, or finding a free one. The one
place that decides whether a slug is taken (trips and posts site-wide, stops within their trip).

It also keeps old addresses: the slugs trips, stops and posts had before they were renamed. Each keeps
leading to its thing (readers and embeds get a 301) and stays reserved for the thing's owner, who may take it
back for the same or another trip, stop or post of theirs; anyone else gets a 409. Deleting the thing
deletes them (the database cascades)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Connection, delete, func, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from .. import validate
from ..errors import Conflict
from ..models import OldSlug, Post, Stop, Trip

Addressed = type[Trip] | type[Post] | type[Stop]

_TAKEN = {Trip: "The slug {slug!r} is taken; choose another.",
          Post: "The slug {slug!r} is taken; choose another.",
          Stop: "This trip already has a stop with the slug {slug!r}."}
_KIND: dict[type, str] = {Trip: "trip", Stop: "stop", Post: "post"}
_ADDRESS = {Trip: "/trips/{slug}", Post: "/posts/{slug}", Stop: "stops/{slug}"}


def taken(session: Session, model: Addressed, slug: str, *, exclude_id: int | None = None,
          trip_id: int | None = None) -> bool:
    """Tell whether another trip or post (or, with trip_id, another stop of that trip) has this slug."""
    query = select(func.count()).select_from(model).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if trip_id is not None:
        query = query.where(Stop.trip_id == trip_id)
    return bool(session.scalar(query))


def claim(session: Session, model: Addressed, value: object, *, owner_id: int, exclude_id: int | None = None,
          trip_id: int | None = None) -> str:
    """Return the slug the author typed, valid and free, else raise (400 invalid, 409 taken, or an old address
    of another author's). An old address of the owner's own is theirs to take: it then leads to the new thing."""
    slug = validate.slug(value)
    if taken(session, model, slug, exclude_id=exclude_id, trip_id=trip_id):
        raise Conflict(_TAKEN[model].format(slug=slug), field="slug")
    old = _old(session, model, slug, trip_id)
    if old is not None and old.owner_id != owner_id:
        raise Conflict(f"The address {_ADDRESS[model].format(slug=slug)} belonged to another author's "
                       f"{_KIND[model]}, which was renamed and still answers there for the links people made to "
                       "it; choose another slug.", field="slug")
    if old is not None:
        session.delete(old)
        session.flush()
    return slug


def free(session: Session, model: Addressed, base: str, *, trip_id: int | None = None) -> str:
    """Return base, or base-2, base-3 … whichever is free and no old address (among the trip's stops, with
    trip_id)."""
    return free_all(session, model, [base], trip_id=trip_id)[0]


_BASES_PER_QUERY = 200  # two conditions each: well under SQLite's limit on the depth of an expression


def free_all(session: Session, model: Addressed, bases: Sequence[str], *, trip_id: int | None = None) -> list[str]:
    """Return a slug for each base, in order (base, base-2, base-3 …), free, no old address, and all different
    from each other too.

    The slugs in use come from two queries per 200 distinct bases (slugs and old addresses equal to a base or
    starting with "base-"), not from queries per candidate: 1,500 same-named waypoints stay linear, not quadratic.
    """
    stems = {base: base[: validate.MAX_SLUG - 8] for base in bases}  # room for "-9999999"
    used: set[str] = set()
    distinct = sorted(set(bases))
    for start in range(0, len(distinct), _BASES_PER_QUERY):
        chunk = distinct[start : start + _BASES_PER_QUERY]

        def matching(column: InstrumentedAttribute[str], chunk: list[str] = chunk) -> ColumnElement[bool]:
            return or_(column.in_(chunk), *(column.startswith(f"{stems[b]}-", autoescape=True) for b in chunk))

        current = select(model.slug).where(matching(model.slug))
        if trip_id is not None:
            current = current.where(Stop.trip_id == trip_id)
        used.update(session.scalars(current))
        used.update(session.scalars(select(OldSlug.slug).where(
            OldSlug.kind == _KIND[model], OldSlug.scope == (trip_id or 0), matching(OldSlug.slug))))
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


def rename(session: Session, thing: Trip | Stop | Post, value: object, *, owner_id: int) -> None:
    """Give a trip, stop or post the slug its owner typed, keeping the slug it had as an old address."""
    trip_id = thing.trip_id if isinstance(thing, Stop) else None
    slug = claim(session, type(thing), value, owner_id=owner_id, exclude_id=thing.id, trip_id=trip_id)
    if slug != thing.slug:
        remember(session, thing, thing.slug, owner_id)
        thing.slug = slug


def remember(session: Session, thing: Trip | Stop | Post, slug: str, owner_id: int) -> None:
    """Keep slug as an old address of a trip, stop or post."""
    kind = _KIND[type(thing)]
    row = OldSlug(kind=kind, scope=thing.trip_id if isinstance(thing, Stop) else 0, slug=slug, owner_id=owner_id)
    if isinstance(thing, Trip):
        row.trip_id = thing.id
    elif isinstance(thing, Stop):
        row.trip_id, row.stop_id = thing.trip_id, thing.id
    else:
        row.post_id = thing.id
    session.execute(delete(OldSlug).where(OldSlug.kind == kind, OldSlug.scope == row.scope, OldSlug.slug == slug))
    session.add(row)
    session.flush()


def _old(session: Session, model: Addressed, slug: str, trip_id: int | None) -> OldSlug | None:
    return session.scalar(select(OldSlug).where(OldSlug.kind == _KIND[model], OldSlug.scope == (trip_id or 0),
                                                OldSlug.slug == slug))


def owner_of(session: Session, model: Addressed, slug: str, trip_id: int | None = None) -> int | None:
    """Return the id of the author an old address is reserved for, or None if slug is no old address."""
    old = _old(session, model, slug, trip_id)
    return old.owner_id if old is not None else None


# Built once: only a miss on the current slugs gets here, but it stays as cheap as the stamp it stands in for.
_TRIP = text("SELECT trips.slug FROM old_slugs JOIN trips ON trips.id = old_slugs.trip_id "
             "WHERE old_slugs.kind = 'trip' AND old_slugs.scope = 0 AND old_slugs.slug = :slug")


def trip_slug_for(connection: Connection, old: str) -> str | None:
    """Return the current slug of the trip that had the slug `old`, or None."""
    return connection.execute(_TRIP, {"slug": old}).scalar()


def trip_by_old_slug(session: Session, old: str) -> Trip | None:
    """Return the trip that had the slug `old`, or None."""
    return session.scalar(select(Trip).join(OldSlug, OldSlug.trip_id == Trip.id)
                          .where(OldSlug.kind == "trip", OldSlug.scope == 0, OldSlug.slug == old))


def stop_slug_for(session: Session, trip_id: int, old: str) -> str | None:
    """Return the current slug of the stop of this trip that had the slug `old`, or None."""
    return session.scalar(select(Stop.slug).join(OldSlug, OldSlug.stop_id == Stop.id)
                          .where(OldSlug.kind == "stop", OldSlug.scope == trip_id, OldSlug.slug == old))


def post_slug_for(session: Session, old: str) -> str | None:
    """Return the current slug of the post that had the slug `old`, or None."""
    return session.scalar(select(Post.slug).join(OldSlug, OldSlug.post_id == Post.id)
                          .where(OldSlug.kind == "post", OldSlug.scope == 0, OldSlug.slug == old))


def old_slugs(session: Session, model: Addressed, ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the old slugs of some trips, stops or posts by their id, oldest first."""
    column = {Trip: OldSlug.trip_id, Stop: OldSlug.stop_id, Post: OldSlug.post_id}[model]
    found: dict[int, list[str]] = {}
    rows = session.execute(select(column, OldSlug.slug).where(OldSlug.kind == _KIND[model], column.in_(list(ids)))
                           .order_by(OldSlug.created_at, OldSlug.id))
    for target, slug in rows:
        if target is not None:
            found.setdefault(target, []).append(slug)
    return found
