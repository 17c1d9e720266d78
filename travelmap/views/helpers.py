"""Lookups shared by the views: visibility-aware getters that raise 404, and map settings."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from .. import config, db
from ..errors import NotFound
from ..maps import Links, Tiles
from ..models import Photo, Post, Trip
from ..sandbox import Limits
from ..services.trips import trip_by_slug, trip_stamp

READABLE = ("public", "unlisted")


def readable(trip) -> bool:  # type: ignore[no-untyped-def]
    """Tell whether this reader may see the trip: public, unlisted, or their own private one."""
    from flask_login import current_user

    return trip.visibility in READABLE or bool(current_user.is_authenticated and current_user.id == trip.owner_id)


def stamp_or_404(slug: str):  # type: ignore[no-untyped-def]
    """Return the stamp (id, revision, visibility, owner) of a trip this reader may see, else raise 404."""
    with db.engine().connect() as connection:
        stamp = trip_stamp(connection, slug)
    if stamp is None or not readable(stamp):
        raise NotFound("There is no trip at this address.")
    return stamp


def get_trip_or_404(slug: str) -> Trip:
    """Return a trip this reader may see, with its legs, stops and tracks, else raise 404 (a private trip
    is not even admitted to exist). Cached pages use `stamp_or_404` instead and load the trip only to build."""
    trip = trip_by_slug(db.session(), slug)
    if trip is None or not readable(trip):
        raise NotFound("There is no trip at this address.")
    return trip


def full_trip(trip, *, lines: bool = True) -> Trip:  # type: ignore[no-untyped-def]
    """Load everything a page of the trip draws (legs, stops, posts, tracks and, with lines, their lines).

    Views call it inside a cached response's build function, after `stamp_or_404`: a cache hit never
    loads the trip.
    """
    return trip_by_slug(db.session(), trip.slug, lines=lines)  # type: ignore[return-value]


def get_post_or_404(slug: str) -> Post:
    """Return a post by slug, else raise 404."""
    post = db.session().scalar(select(Post).where(Post.slug == slug))
    if post is None:
        raise NotFound("There is no post at this address.")
    return post


def tiles() -> Tiles:
    """Return the configured tile provider."""
    url, attribution = current_app.extensions["travelmap.tiles"]
    return Tiles(url, attribution)


def links(trip: Trip | None = None) -> Links:
    """Return the URL builders maps.py uses for popups (and, given the trip, for its photo layer)."""
    photo_data = None
    if trip is not None:
        before, _, after = url_for("public.photo_file", slug=trip.slug, photo_id=0, size="thumb").partition("/0/")
        photo_data = lambda: {"thumb": [before + "/", "/" + after],  # noqa: E731
                              "details": url_for("public.photo_details", slug=trip.slug, v=trip.revision)}
    return Links(
        photo_data=photo_data,
        post=lambda post: url_for("public.post", slug=post.slug),
        trip=lambda trip: url_for("public.trip", slug=trip.slug),
        thumb=lambda photo: url_for("public.media", filename=photo.thumb_path),
        display=lambda photo: url_for("public.media", filename=photo.display_path),
        stop=lambda stop: url_for("public.stop", slug=stop.leg.trip.slug, stop_slug=stop.slug),
    )


def trip_photos(trip: Trip) -> list[Photo]:
    """Return the trip's photos in time order, with their stops and posts."""
    from sqlalchemy.orm import selectinload

    from ..models import Stop

    return list(db.session().scalars(select(Photo).where(Photo.trip_id == trip.id).order_by(Photo.taken_at)
                                     .options(selectinload(Photo.stop).selectinload(Stop.post))))


def detail_url(trip: Trip):  # type: ignore[no-untyped-def]
    """Return the function giving each leg's detailed-lines URL (fetched when a reader zooms in)."""
    return lambda leg: url_for("exports.leg_lines", slug=trip.slug, position=leg.position, v=trip.revision)


def config_fingerprint() -> str:
    """Return what, besides the data, changes a rendered page (tiles), for cache keys."""
    return current_app.config["TILES"]



def save() -> None:
    """Commit the request's changes; a unique-constraint race becomes a 409, not a 500."""
    from sqlalchemy.exc import IntegrityError

    from ..errors import Conflict

    session = db.session()
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("That conflicts with something that already exists (a slug or a duplicate).") from exc


def clean_filename(name: str | None) -> str:
    """Return a display-safe file name: no folders, no control characters, at most 200 characters."""
    import unicodedata

    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[-200:] or "upload"


def end_read_transaction() -> None:
    """End the request's read transaction before slow work (parsing GPX, decoding photos), so that no
    transaction stays open meanwhile and the write transaction that follows is short. Loaded objects
    stay usable (the session does not expire them on commit)."""
    session = db.session()
    if session.in_transaction():
        session.commit()


def uploaded_files(field: str = "file") -> list[tuple[str, bytes]]:
    """Return (file name, bytes) of each file sent in a multipart field; 415/400 when there are none."""
    from flask import request

    from ..errors import InvalidInput, UnsupportedType

    if not request.mimetype.startswith("multipart/form-data"):
        raise UnsupportedType(f"Send the file as multipart/form-data in the field '{field}'.", code="not_multipart")
    files = [f for f in request.files.getlist(field) if f and (f.filename or f.content_length)]
    if not files and not request.files and not request.form and request.content_length:
        # Werkzeug drops a whole multipart body it cannot read, e.g. one whose file name is not UTF-8.
        raise InvalidInput(f"The upload could not be read as multipart/form-data; send the file in the field "
                           f"'{field}' with a UTF-8 file name.", field=field)
    if not files:
        raise InvalidInput(f"No file was sent: put it in the multipart field '{field}'.", field=field)
    return [(clean_filename(f.filename), f.read()) for f in files]


def photo_settings():  # type: ignore[no-untyped-def]
    """Return the photo ingest settings from the app config."""
    from ..services.photos import PhotoSettings

    config = current_app.config
    return PhotoSettings(max_pixels=int(float(config["MAX_MEGAPIXELS"]) * 1_000_000),
                         max_gap_s=float(config["GEOTAG_MAX_GAP_S"]),
                         stop_radius_m=float(config["PHOTO_STOP_RADIUS_M"]),
                         parse_limits=parse_limits())


def parse_limits() -> Limits:
    """Return the limits for parsing one uploaded file, from the app config."""
    return config.parse_limits(current_app.config)


def photo_json_for(photo) -> dict:  # type: ignore[no-untyped-def]
    """Describe a photo for its author, with the URLs of its published copies."""
    from ..serialize import photo_json

    body = photo_json(photo)
    body["thumbnail_url"] = url_for("public.media", filename=photo.thumb_path)
    body["display_url"] = url_for("public.media", filename=photo.display_path)
    return body
