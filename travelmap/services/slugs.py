"""Old addresses: the slugs trips, stops and posts had before they were renamed. Each keeps leading to its
thing (readers and embeds get a 301) and stays reserved for the thing's owner, who may take it back for the
same or another trip, stop or post of theirs; anyone else gets a 409. Deleting the thing deletes them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, select, text
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..models import OldSlug, Post, Stop, Trip

NOUN = {"trip": "trip", "stop": "stop", "post": "post"}
PATH = {"trip": "/trips/{}", "post": "/posts/{}", "stop": "stops/{}"}


def reserved(session: Session, kind: str, slug: str, scope: int = 0) -> bool:
    """Tell whether slug is an old address of some trip, stop (in the trip `scope`) or post."""
    return session.scalar(select(OldSlug.id).where(OldSlug.kind == kind, OldSlug.scope == scope,
                                                   OldSlug.slug == slug)) is not None


def claim(session: Session, kind: str, slug: str, owner_id: int, scope: int = 0) -> None:
    """Let an owner use slug for a new or renamed thing: refuse (409) an old address of someone else's, and let
    go of the owner's own old address (it leads to the thing that now has the slug)."""
    row = session.scalar(select(OldSlug).where(OldSlug.kind == kind, OldSlug.scope == scope, OldSlug.slug == slug))
    if row is None:
        return
    if row.owner_id != owner_id:
        address = PATH[kind].format(slug)
        raise Conflict(f"The address {address} belonged to another author's {NOUN[kind]}, which was renamed and "
                       "still answers there for the links people made to it; choose another slug.", field="slug")
    session.delete(row)
    session.flush()


def remember(session: Session, kind: str, slug: str, owner_id: int, *, trip_id: int | None = None,
             stop_id: int | None = None, post_id: int | None = None) -> None:
    """Keep slug, which a thing is being renamed from, as an old address leading to it."""
    scope = trip_id if kind == "stop" and trip_id is not None else 0
    session.execute(delete(OldSlug).where(OldSlug.kind == kind, OldSlug.scope == scope, OldSlug.slug == slug))
    session.add(OldSlug(kind=kind, scope=scope, slug=slug, owner_id=owner_id,
                        trip_id=trip_id, stop_id=stop_id, post_id=post_id))
    session.flush()


# Built once: only a miss on the current slugs gets here, but it stays as cheap as the stamp it stands in for.
_TRIP = text("SELECT trips.slug FROM old_slugs JOIN trips ON trips.id = old_slugs.trip_id "
             "WHERE old_slugs.kind = 'trip' AND old_slugs.scope = 0 AND old_slugs.slug = :slug")


def trip_slug_for(connection: Connection, old: str) -> str | None:
    """Return the current slug of the trip that had the slug `old`, or None."""
    return connection.execute(_TRIP, {"slug": old}).scalar()


def stop_slug_for(session: Session, trip_id: int, old: str) -> str | None:
    """Return the current slug of the stop of this trip that had the slug `old`, or None."""
    return session.scalar(select(Stop.slug).join(OldSlug, OldSlug.stop_id == Stop.id)
                          .where(OldSlug.kind == "stop", OldSlug.scope == trip_id, OldSlug.slug == old))


def post_slug_for(session: Session, old: str) -> str | None:
    """Return the current slug of the post that had the slug `old`, or None."""
    return session.scalar(select(Post.slug).join(OldSlug, OldSlug.post_id == Post.id)
                          .where(OldSlug.kind == "post", OldSlug.scope == 0, OldSlug.slug == old))


def trip_by_old_slug(session: Session, old: str) -> Trip | None:
    """Return the trip that had the slug `old`, or None."""
    return session.scalar(select(Trip).join(OldSlug, OldSlug.trip_id == Trip.id)
                          .where(OldSlug.kind == "trip", OldSlug.scope == 0, OldSlug.slug == old))


def old_slugs(session: Session, kind: str, target_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the old slugs of some trips, stops or posts by their id, oldest first."""
    column = {"trip": OldSlug.trip_id, "stop": OldSlug.stop_id, "post": OldSlug.post_id}[kind]
    found: dict[int, list[str]] = {}
    for target, slug in session.execute(select(column, OldSlug.slug).where(OldSlug.kind == kind,
                                                                          column.in_(list(target_ids)))
                                        .order_by(OldSlug.created_at, OldSlug.id)):
        found.setdefault(int(target), []).append(slug)
    return found


def owner_of(session: Session, kind: str, slug: str, scope: int = 0) -> int | None:
    """Return the id of the author an old slug is reserved for, or None if it is no old slug."""
    return session.scalar(select(OldSlug.owner_id).where(OldSlug.kind == kind, OldSlug.scope == scope,
                                                         OldSlug.slug == slug))
