"""What a reader may see, as queries: the SQL filters that apply the rules of `visibility.py` to rows, and the
post page gathered under them. A reader is an author id, or None for an anonymous reader."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from ..errors import NotFound
from ..models import Leg, Photo, Post, Stop, Trip
from ..visibility import READABLE, post_is_indexable, post_link_context, post_shows_trip
from .slugs import trip_by_old_slug


def readable_trips(viewer_id: int | None) -> ColumnElement[bool]:
    """Select the trips a reader may see (`can_read_trip`): public and unlisted ones, and their own."""
    clause = Trip.visibility.in_(READABLE)
    return clause if viewer_id is None else or_(clause, Trip.owner_id == viewer_id)


def readable_posts(viewer_id: int | None) -> ColumnElement[bool]:
    """Select the posts a reader may see (`can_read_post`): their own, and those a stop of a trip they may see
    links to."""
    through_a_trip = exists(select(Stop.id).join(Trip, Stop.trip_id == Trip.id)
                            .where(Stop.post_id == Post.id, readable_trips(viewer_id)))
    return through_a_trip if viewer_id is None else or_(Post.owner_id == viewer_id, through_a_trip)


def published_photos() -> ColumnElement[bool]:
    """Select the photos readers are shown (`is_published_photo`): those with a place."""
    return and_(Photo.lat.is_not(None), Photo.lon.is_not(None))


@dataclass
class PostPage:
    """A post as one reader sees it: the stops (and their trips) its page shows, their photos, and whether search
    engines may index it."""

    post: Post
    stops: list[Stop]
    photos: list[Photo]
    indexable: bool
    came_from: Trip | None  # the trip named in the address, when the page shows it because of that


def post_page(session: Session, slug: str, viewer_id: int | None, came_from: str | None = None) -> PostPage:
    """Load a post for a reader who came from the trip with slug came_from (or from elsewhere), else NotFound."""
    post = session.scalar(select(Post).where(Post.slug == slug, readable_posts(viewer_id)))
    if post is None:
        raise NotFound("There is no post at this address.")
    readable = list(session.scalars(
        select(Stop).join(Trip, Stop.trip_id == Trip.id)
        .where(Stop.post_id == post.id, readable_trips(viewer_id))
        .order_by(Stop.arrived_at, Stop.id)
        .options(selectinload(Stop.leg).selectinload(Leg.trip))))
    origin_id = None
    if came_from:  # the trip's slug, or one it had (links made before it was renamed)
        origin = session.scalar(select(Trip).where(Trip.slug == came_from)) or trip_by_old_slug(session, came_from)
        origin_id = origin.id if origin is not None else None
    stops = [stop for stop in readable
             if post_shows_trip(stop.leg.trip.visibility, stop.leg.trip.owner_id, viewer_id,
                                came_from=stop.leg.trip.id == origin_id)]
    trips = [stop.leg.trip for stop in stops]
    origin = next((trip for trip in trips if trip.id == origin_id and post_link_context(trip.visibility)), None)
    photos = list(session.scalars(select(Photo).where(Photo.stop_id.in_([s.id for s in stops]), published_photos())
                                  .order_by(Photo.taken_at, Photo.id))) if stops else []
    return PostPage(post=post, stops=stops, photos=photos, came_from=origin,
                    indexable=post_is_indexable([s.leg.trip.visibility for s in readable],
                                                [t.visibility for t in trips]))


def post_is_readable(session: Session, slug: str, viewer_id: int | None) -> bool:
    """Tell whether the post with this slug is one the reader may see."""
    return session.scalar(select(Post.id).where(Post.slug == slug, readable_posts(viewer_id))) is not None


def post_exists(session: Session, slug: str) -> tuple[bool, bool]:
    """Tell whether a post with this slug exists and whether any stop links to it (for oEmbed's 401 or 404)."""
    post_id = session.scalar(select(Post.id).where(Post.slug == slug))
    if post_id is None:
        return False, False
    return True, session.scalar(select(exists().where(Stop.post_id == post_id))) or False


def photo_files(viewer_id: int | None) -> ColumnElement[bool]:
    """Select the photos whose published copies a reader may get (`can_get_photo_file`): placed photos of trips
    they may see, and all their own."""
    clause = and_(published_photos(), readable_trips(viewer_id))
    return clause if viewer_id is None else or_(Trip.owner_id == viewer_id, clause)


def media_file_is_readable(session: Session, filename: str, viewer_id: int | None) -> bool:
    """Tell whether a reader may get a published photo file (display copy or thumbnail): files are named by
    content, so several photos, in several trips, may share one; any of them the reader may get will do."""
    return session.scalar(
        select(Photo.id).join(Trip, Photo.trip_id == Trip.id)
        .where(or_(Photo.display_path == filename, Photo.thumb_path == filename), photo_files(viewer_id))
        .limit(1)) is not None


def published_photo(session: Session, trip_id: int, photo_id: int) -> Photo:
    """Return a photo of a trip that readers are shown, else NotFound."""
    photo = session.scalar(select(Photo).where(Photo.id == photo_id, Photo.trip_id == trip_id, published_photos()))
    if photo is None:
        raise NotFound("This trip has no such photo.")
    return photo
