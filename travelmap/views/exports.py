"""Exports for other tools and sites: GeoJSON, GPX, Atom feeds and link-preview images."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from .. import db, exports
from ..cache import cached_response
from ..errors import InvalidInput
from ..hosts import external_url
from ..models import Trip
from ..preview import trip_preview
from ..services import covers, find, pages
from .lookup import stamp_or_404
from .maplinks import config_fingerprint, post_context

bp = Blueprint("exports", __name__)

MAX_AGE = 300


def urls(trip: Trip) -> exports.Urls:
    """Absolute URL builders for the links of a trip's exports, at the public address (cached exports must not
    name the request's host)."""
    return exports.Urls(
        trip=lambda trip: external_url("public.trip", slug=trip.slug),
        stop=lambda stop: external_url("public.stop", slug=stop.leg.trip.slug, stop_slug=stop.slug),
        post=lambda post: external_url("public.post", slug=post.slug, trip=post_context(trip)),
        thumb=lambda photo: external_url("public.media", filename=photo.thumb_path),
    )


def _geojson(slug: str, position: int | None) -> ResponseReturnValue:
    row = stamp_or_404(slug)
    with_photos = request.args.get("photos", "1") != "0"

    def build() -> str:
        page = pages.trip_page(db.session(), row.id, lines=False, photos=with_photos)
        trip, photos = page.trip, page.photos
        leg = find.leg_at(trip, position) if position is not None else None
        if leg is not None:
            photos = [p for p in photos if p.leg_id == leg.id]
        body = exports.trip_geojson(trip, urls(trip), legs=[leg] if leg else None, photos=photos,
                                    blur=trip.blur_photo_locations, view=page.view)
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    key = ("geojson", row.id, row.revision, position, with_photos)
    response = cached_response(key, build, mimetype="application/geo+json", max_age=MAX_AGE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/trips/<slug>.geojson")
def trip_geojson(slug: str) -> ResponseReturnValue:
    """The trip as GeoJSON (RFC 7946): legs, stops and photos (?photos=0 leaves photos out)."""
    return _geojson(slug, None)


@bp.get("/trips/<slug>/legs/<int:position>.geojson")
def leg_geojson(slug: str, position: int) -> ResponseReturnValue:
    """One leg as GeoJSON."""
    return _geojson(slug, position)


def _gpx(slug: str, position: int | None) -> ResponseReturnValue:
    row = stamp_or_404(slug)

    def build() -> str:
        page = pages.trip_page(db.session(), row.id, lines=False, photos=False)
        leg = find.leg_at(page.trip, position) if position is not None else None
        return exports.trip_gpx(page.trip, urls(page.trip), legs=[leg] if leg else None, view=page.view)

    key = ("gpx", row.id, row.revision, position)
    response = cached_response(key, build, mimetype="application/gpx+xml", max_age=MAX_AGE)
    name = row.slug + (f"-leg-{position}" if position is not None else "")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.gpx"'
    return response


@bp.get("/trips/<slug>.gpx")
def trip_gpx(slug: str) -> ResponseReturnValue:
    """The trip as GPX 1.1: every stored point of every track, the stops as waypoints."""
    return _gpx(slug, None)


@bp.get("/trips/<slug>/legs/<int:position>.gpx")
def leg_gpx(slug: str, position: int) -> ResponseReturnValue:
    """One leg as GPX 1.1."""
    return _gpx(slug, position)


@bp.get("/trips/<slug>/legs/<int:position>/lines.json")
def leg_lines(slug: str, position: int) -> ResponseReturnValue:
    """A leg's 10 m lines as encoded polylines: what the trip map swaps in when a reader zooms in."""
    row = stamp_or_404(slug)

    def build() -> str:
        page = pages.trip_page(db.session(), row.id, photos=False)
        leg = find.leg_at(page.trip, position)
        parts = [part for track in page.view.tracks(leg) for part in track.lines.get("display", [])]
        return json.dumps({"lines": [p["line"] for p in parts], "planned": [bool(p["planned"]) for p in parts]},
                          separators=(",", ":"))

    key = ("lines", row.id, row.revision, position)
    return cached_response(key, build, mimetype="application/json", max_age=86_400)


@bp.get("/trips/<slug>/feed.atom")
def feed(slug: str) -> ResponseReturnValue:
    """An Atom feed of the trip's posts, with GeoRSS points."""
    row = stamp_or_404(slug)
    self_url = external_url("exports.feed", slug=row.slug)
    key = ("feed", row.id, row.revision)

    def build() -> bytes:
        page = pages.trip_page(db.session(), row.id, lines=False, photos=False)
        return exports.trip_feed(page.trip, urls(page.trip), self_url, view=page.view)

    return cached_response(key, build, mimetype="application/atom+xml", max_age=MAX_AGE)


@bp.get("/trips/<slug>/preview.png")
def preview(slug: str) -> ResponseReturnValue:
    """The trip's 1200×630 link-preview image (?width=300…1200 for a smaller copy), cached per revision."""
    row = stamp_or_404(slug)
    try:
        width = int(request.args.get("width", "1200"))
    except ValueError:
        raise InvalidInput("width must be a number of pixels.", field="width") from None
    width = max(300, min(1200, width))
    key = ("preview", row.id, row.revision, width, config_fingerprint())

    def build() -> bytes:
        page = pages.trip_page(db.session(), row.id, photos=False)
        photo = covers.reader_cover(db.session(), page.trip, page.view)
        cover = None
        if photo is not None:
            try:
                cover = (Path(current_app.config["MEDIA_DIR"]) / photo.display_path).read_bytes()
            except OSError:
                cover = None  # a missing file: the route alone, as for a trip without photos
        return trip_preview(page.trip, width, view=page.view, cover=cover)

    return cached_response(key, build, mimetype="image/png", max_age=MAX_AGE)
