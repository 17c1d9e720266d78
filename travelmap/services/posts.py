"""Editing posts: Markdown body or external link, attribution, licence, and the stops that link to them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validate
from ..errors import InvalidInput
from ..models import Author, Post, Stop, Trip
from ..text import slugify
from . import slugs
from .trips import touch


def _touch_linked_trips(session: Session, post: Post) -> None:
    """Bump every trip whose stops link to the post (their pages show its title)."""
    trip_ids = {stop.trip_id for stop in post.stops}
    for trip in session.scalars(select(Trip).where(Trip.id.in_(trip_ids))):
        touch(trip)


def _apply(post: Post, data: dict, partial: bool) -> None:
    """Validate and set the post's fields present in data (all of them when not partial)."""
    def has(field: str) -> bool:
        return not partial or field in data

    if has("title"):
        post.title = validate.text(data, "title", max_length=validate.MAX_TITLE, required=True)
    if has("summary"):
        post.summary = validate.text(data, "summary", max_length=validate.MAX_SUMMARY)
    if has("body"):
        post.body = validate.text(data, "body", max_length=validate.MAX_BODY)
    if has("url"):
        post.url = validate.url(data, "url")
    if has("published"):
        post.published = validate.day(data, "published")
    if has("author"):
        post.author_name = validate.text(data, "author", max_length=validate.MAX_NAME,
                                         default=post.owner.display_name if post.owner else "")
    if has("licence"):
        post.licence = validate.text(data, "licence", max_length=validate.MAX_LICENCE)
    if has("licence_url"):
        post.licence_url = validate.url(data, "licence_url")


def create_post(session: Session, owner: Author, data: dict) -> Post:
    """Create a post with a Markdown body (sanitised when shown) and/or an external http(s) link."""
    post = Post(owner=owner)
    _apply(post, data, partial=False)
    if data.get("slug"):
        post.slug = slugs.claim(session, Post, data["slug"])
    else:
        post.slug = slugs.free(session, Post, slugify(post.title))
    session.add(post)
    session.flush()
    return post


def update_post(session: Session, post: Post, data: dict) -> Post:
    """Change the fields present in data."""
    _apply(post, data, partial=True)
    if "slug" in data and data["slug"] != post.slug:
        post.slug = slugs.claim(session, Post, data["slug"], exclude_id=post.id)
    session.flush()
    _touch_linked_trips(session, post)
    return post


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; SQLite cannot even bind a number past 2**63


def set_linked_stops(session: Session, post: Post, stop_ids: list[int]) -> None:
    """Make exactly these stops (of the post owner's trips) link to the post."""
    wanted = set()
    for value in stop_ids:
        try:
            stop_id = int(value)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput(f"stops must be stop ids, not {str(value)[:40]!r}.", field="stops") from None
        if not 0 < stop_id <= MAX_ID:
            raise InvalidInput(f"There is no stop {stop_id}.", field="stops")
        wanted.add(stop_id)
    stops = list(session.scalars(select(Stop).join(Trip, Stop.trip_id == Trip.id)
                                 .where(Stop.id.in_(wanted), Trip.owner_id == post.owner_id)))
    if len(stops) != len(wanted):
        missing = sorted(wanted - {s.id for s in stops})
        raise InvalidInput(f"These stops are not on your trips: {missing}.", field="stops")
    _touch_linked_trips(session, post)
    for stop in list(post.stops):
        if stop.id not in wanted:
            stop.post = None
    for stop in stops:
        stop.post = post
    session.flush()
    _touch_linked_trips(session, post)


def delete_post(session: Session, post: Post) -> None:
    """Delete a post; stops that linked to it keep their place and lose the link."""
    _touch_linked_trips(session, post)
    for stop in list(post.stops):
        stop.post = None
    session.delete(post)
    session.flush()
