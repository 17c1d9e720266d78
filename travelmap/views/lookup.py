"""Lookups for reader pages: who is reading, and the trip they asked for, or a 404 (a private trip
is not even admitted to exist), or a 301 when they asked for an old address of it. The rules themselves
live in `visibility.py`."""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import urlencode

from flask import abort, redirect, request, url_for
from flask_login import current_user

from .. import db
from ..errors import NotFound
from ..models import Trip
from ..services import reading, slugs
from ..services.trips import TripStamp, trip_by_slug, trip_stamp
from ..visibility import can_read_trip


def viewer_id() -> int | None:
    """Return the id of the logged-in author reading this page, or None for an anonymous reader."""
    return int(current_user.id) if current_user.is_authenticated else None


def readable(trip: Trip | TripStamp) -> bool:
    """Tell whether this reader may see the trip."""
    return can_read_trip(trip.visibility, trip.owner_id, viewer_id())


def stamp_or_404(slug: str) -> TripStamp:
    """Return the stamp (id, revision, visibility, owner) of a trip this reader may see, else raise 404; an
    old slug of such a trip answers 301 to the same address under its new slug."""
    with db.engine().connect() as connection:
        stamp = trip_stamp(connection, slug)
        if stamp is None:  # only a miss pays for the old-address lookup
            renamed = slugs.trip_slug_for(connection, slug)
            moved = trip_stamp(connection, renamed) if renamed else None
            if moved is not None and readable(moved):
                _moved_trip(moved.id, moved.slug)
    if stamp is None or not readable(stamp):
        raise NotFound("There is no trip at this address.")
    return stamp


def get_trip_or_404(slug: str) -> Trip:
    """Return a trip this reader may see, with its legs, stops and tracks, else raise 404 (or 301 from an old
    slug). Cached pages use `stamp_or_404` instead and load the trip only to build."""
    trip = trip_by_slug(db.session(), slug)
    if trip is None:
        moved = slugs.trip_by_old_slug(db.session(), slug)
        if moved is not None and readable(moved):
            _moved_trip(moved.id, moved.slug)
    if trip is None or not readable(trip):
        raise NotFound("There is no trip at this address.")
    return trip


def follow_old_stop(trip_id: int) -> None:
    """Answer 301 when the stop this request names (in its path, or ?stop= of an embed) is an old slug of a stop
    of the trip; return otherwise."""
    path, query = _stop_moves(trip_id)
    if path or query:
        _moved(path, query)


def follow_old_post(slug: str) -> None:
    """Answer 301 when slug is an old slug of a post this reader may see; return otherwise."""
    renamed = slugs.post_slug_for(db.session(), slug)
    if renamed is not None and reading.post_is_readable(db.session(), renamed, viewer_id()):
        _moved({"slug": renamed}, {})


def _stop_moves(trip_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """Return the path and query replacements that turn an old stop slug in this request into the new one."""
    named = (request.view_args or {}).get("stop_slug")
    if named is not None:
        renamed = slugs.stop_slug_for(db.session(), trip_id, str(named))
        return ({"stop_slug": renamed}, {}) if renamed else ({}, {})
    if request.args.get("stop"):
        renamed = slugs.stop_slug_for(db.session(), trip_id, request.args["stop"])
        return ({}, {"stop": renamed}) if renamed else ({}, {})
    return {}, {}


def _moved_trip(trip_id: int, slug: str) -> NoReturn:
    """Answer 301 to this request's address under the trip's new slug (and its stop's, if that moved too)."""
    path, query = _stop_moves(trip_id)
    _moved({"slug": slug, **path}, query)


def _moved(path: dict[str, str], query: dict[str, str]) -> NoReturn:
    """Answer 301 with this request's address, some URL arguments replaced, the rest of the path and query kept."""
    location = url_for(str(request.endpoint), **{**(request.view_args or {}), **path})
    if query:
        args = request.args.copy()
        for key, value in query.items():
            args[key] = value
        location += "?" + urlencode(list(args.items(multi=True)))
    elif request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    abort(redirect(location, 301))
