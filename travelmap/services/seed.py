"""Loading the demo trip from data/ (trip.toml, GPX files, photos). Running it twice adds nothing."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import PhotoSettings
from ..models import Author, Leg, Post, Stop, Trip, first_revision
from ..text import palette_colour
from .photos import ingest_photo, trip_timeline
from .tracks import import_track


def _aware(value: datetime | None, what: str) -> datetime | None:
    """Insist on offset datetimes in trip.toml (a naive time has no single meaning)."""
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{what} in trip.toml needs an offset, e.g. 2010-10-11T17:40:00+08:00")
    return value


def _author(session: Session, username: str) -> Author:
    """Return the author with this username, creating a login-less one for demo content."""
    author = session.scalar(select(Author).where(Author.username == username))
    if author is None:
        author = Author(username=username, display_name=username)
        session.add(author)
        session.flush()
    return author


def _posts(session: Session, owner: Author, entries: list[dict]) -> dict[str, Post]:
    """Create the posts that do not exist yet; return all of them by slug."""
    posts: dict[str, Post] = {}
    for entry in entries:
        post = session.scalar(select(Post).where(Post.slug == entry["slug"]))
        if post is None:
            published = entry.get("published")
            post = Post(
                slug=entry["slug"], title=entry["title"], owner=owner, author_name=entry.get("author", ""),
                published=published if isinstance(published, date) else None,
                summary=entry.get("summary", "").strip(), body=entry.get("body", "").strip(),
                url=entry.get("url") or None, licence=entry.get("licence", ""),
                licence_url=entry.get("licence_url") or None, demo=bool(entry.get("demo", False)),
            )
            session.add(post)
        posts[post.slug] = post
    return posts


def seed_trip(session: Session, data_dir: Path, media_root: Path,
              settings: PhotoSettings = PhotoSettings()) -> tuple[Trip, bool]:
    """Load data_dir/trip.toml with its tracks and photos; return (trip, created). Existing trips are left alone."""
    spec = tomllib.loads((data_dir / "trip.toml").read_text(encoding="utf-8"))
    meta = spec["trip"]
    existing = session.scalar(select(Trip).where(Trip.slug == meta["slug"]))
    if existing is not None:
        return existing, False
    owner = _author(session, meta.get("owner", "demo"))
    posts = _posts(session, owner, spec.get("posts", []))
    trip = Trip(slug=meta["slug"], title=meta["title"], summary=meta.get("summary", "").strip(),
                visibility=meta.get("visibility", "public"), owner=owner,
                timezone=meta.get("timezone", "UTC"), demo=bool(meta.get("demo", False)))
    session.add(trip)
    session.flush()
    for position, leg_spec in enumerate(spec.get("legs", []), start=1):
        leg = Leg(trip=trip, position=position, name=leg_spec["name"],
                  colour=leg_spec.get("colour", palette_colour(position - 1)),
                  transport=leg_spec.get("transport") or None)
        session.add(leg)
        for n, stop_spec in enumerate(leg_spec.get("stops", []), start=1):
            post_slug = stop_spec.get("post")
            leg.stops.append(Stop(
                trip_id=trip.id, position=n, slug=stop_spec["slug"], name=stop_spec["name"],
                lat=float(stop_spec["lat"]), lon=float(stop_spec["lon"]),
                timezone=stop_spec.get("timezone", trip.timezone),
                arrived_at=_aware(stop_spec.get("arrived_at"), f"arrived_at of {stop_spec['slug']}"),
                departed_at=_aware(stop_spec.get("departed_at"), f"departed_at of {stop_spec['slug']}"),
                post=posts[post_slug] if post_slug else None,
            ))
        session.flush()
        for rel in leg_spec.get("tracks", []):
            path = data_dir / rel
            import_track(session, leg, path.read_bytes(), path.name, media_root)
    session.flush()
    timeline = trip_timeline(session, trip)
    stops = {stop.slug: stop for stop in trip.stops()}
    for photo_spec in spec.get("photos", []):
        path = data_dir / photo_spec["file"]
        ingest_photo(session, trip, path.read_bytes(), path.name, media_root, settings,
                     caption=photo_spec.get("caption", ""), stop=stops.get(photo_spec.get("stop", "")),
                     timeline=timeline)
    trip.revision = first_revision()  # seeding touched the trip many times; start afresh
    return trip, True
