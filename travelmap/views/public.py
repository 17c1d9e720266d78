"""Reader pages: the trip list, trip and leg maps, posts, and published photo files."""

from __future__ import annotations

import io
import json
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file, send_from_directory
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from .. import db, geo, maps, storymap
from ..assets import map_assets
from ..cache import cached_response
from ..errors import NotFound
from ..formats.kinds import KINDS, download_name
from ..services import find, pages, reading, zones
from ..text import render_markdown, safe_url
from .lookup import follow_old_post, follow_old_stop, get_trip_or_404, stamp_or_404, viewer_id
from .maplinks import config_fingerprint, detail_url, links, tiles

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """List the public trips over an overview map."""
    cards = pages.index_page(db.session())
    parts = maps.render_parts(maps.build_overview_map([(card.trip, card.view) for card in cards], tiles=tiles(),
                                                      assets=map_assets(), links=links()))
    return render_template("public/index.html", cards=cards, map=parts)


@bp.get("/trips/<slug>")
def trip(slug: str) -> ResponseReturnValue:
    """Show a trip's map with its legs, stops and photos, and its timeline; cached per revision."""
    row = stamp_or_404(slug)  # a cached page costs this one small query

    def build() -> str:
        page = pages.trip_page(db.session(), row.id)
        m = maps.build_trip_map(page.trip, tiles=tiles(), assets=map_assets(), links=links(page.trip),
                                photos=page.photos, detail_url=detail_url(page.trip), view=page.view)
        return render_template("public/trip.html", page=page, trip=page.trip, map=maps.render_parts(m))

    return cached_response(("trip", row.id, row.revision, config_fingerprint()), build)


@bp.get("/trips/<slug>/legs/<int:position>")
def leg(slug: str, position: int) -> ResponseReturnValue:
    """Show one leg: its map, stats, tracks and stops."""
    row = stamp_or_404(slug)

    def build() -> str:
        page = pages.leg_page(db.session(), row.id, position)
        m = maps.build_trip_map(page.trip.trip, leg=page.leg, tiles=tiles(), assets=map_assets(),
                                links=links(page.trip.trip), photos=page.photos, detail=True, view=page.trip.view)
        return render_template("public/leg.html", page=page, trip=page.trip.trip, leg=page.leg,
                               map=maps.render_parts(m), elevation_method=geo.ELEVATION_METHOD)

    return cached_response(("leg", row.id, position, row.revision, config_fingerprint()), build)


@bp.get("/trips/<slug>/stops/<stop_slug>")
def stop(slug: str, stop_slug: str) -> ResponseReturnValue:
    """Show a stop: the map around it, when the author was there, its post and its photos."""
    row = stamp_or_404(slug)

    def build() -> str:
        page = pages.stop_page(db.session(), row.id, stop_slug)
        trip = page.trip.trip
        m = maps.build_trip_map(trip, stop=page.stop, tiles=tiles(), assets=map_assets(), links=links(trip),
                                photos=page.trip.photos, detail=True, view=page.trip.view)
        return render_template("public/stop.html", page=page, trip=trip, stop=page.stop, map=maps.render_parts(m))

    try:
        return cached_response(("stop", row.id, stop_slug, row.revision, config_fingerprint()), build)
    except NotFound:
        follow_old_stop(row.id)
        raise


def story_map(page: pages.StoryPage, *, embed: bool = False) -> maps.MapParts:
    """Render the story's map: the whole trip with its 10 m lines and photos, steered by the text."""
    trip = page.trip.trip
    m = maps.build_trip_map(trip, tiles=tiles(), assets=map_assets(), links=links(trip), photos=page.trip.photos,
                            detail=True, embed=embed, view=page.trip.view)
    if embed:
        maps.add_gesture_handling(m, map_assets())
    storymap.add_story(m, trip, map_assets(), page.trip.view)
    return maps.render_parts(m)


@bp.get("/trips/<slug>/story")
def story(slug: str) -> ResponseReturnValue:
    """Tell the trip in order, leg by leg and stop by stop, beside a map that follows the text; cached per
    revision."""
    row = stamp_or_404(slug)

    def build() -> str:
        page = pages.story_page(db.session(), row.id)
        return render_template("public/story.html", page=page, trip=page.trip.trip, map=story_map(page))

    return cached_response(("story", row.id, row.revision, config_fingerprint()), build)


@bp.get("/trips/<slug>/photos.json")
def photo_details(slug: str) -> ResponseReturnValue:
    """The popup text of every photo of the trip, by id (the map fetches it when a photo popup first opens)."""
    row = stamp_or_404(slug)

    def build() -> str:
        page = pages.trip_page(db.session(), row.id, lines=False)
        return json.dumps(maps.photo_details(page.photos, links(page.trip)), separators=(",", ":"),
                          ensure_ascii=False)

    return cached_response(("photo-details", row.id, row.revision), build, mimetype="application/json",
                           max_age=86_400)


@bp.get("/trips/<slug>/photos/<int:photo_id>/<any(thumb, display):size>.jpg")
def photo_file(slug: str, photo_id: int, size: str) -> ResponseReturnValue:
    """A photo's published copy by id (what the map's photo layer links to)."""
    row = stamp_or_404(slug)
    photo = reading.published_photo(db.session(), row.id, photo_id)
    shown = zones.audience(db.session(), [photo], viewer_id())
    if shown is None:
        abort(404)
    response = send_from_directory(current_app.config["MEDIA_DIR"],
                                   photo.thumb_path if size == "thumb" else photo.display_path,
                                   mimetype="image/jpeg", max_age=86_400)
    return _photo_headers(response, shown)


def _photo_headers(response: Response, shown: str) -> Response:
    """Keep a copy only the owner may see out of shared caches."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if shown == "owner":
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/trips/<slug>/tracks/<int:track_id>.gpx")
def track_file(slug: str, track_id: int) -> ResponseReturnValue:
    """Download a track as GPX: a GPX original as it was uploaded, a file of another format as GPX of its stored
    points (so links from when every track was GPX keep working); edited or touched by a privacy zone, what
    readers see of the track."""
    return _track_download(slug, track_id, as_gpx=True)


@bp.get("/trips/<slug>/tracks/<int:track_id>/original")
def track_original(slug: str, track_id: int) -> ResponseReturnValue:
    """Download a track's file as it was uploaded (GPX, FIT, TCX, KML, KMZ or GeoJSON) under its format's suffix
    and content type; edited or touched by a privacy zone, what readers see of the track as GPX instead."""
    return _track_download(slug, track_id, as_gpx=False)


def _track_download(slug: str, track_id: int, *, as_gpx: bool) -> ResponseReturnValue:
    """Serve the original file, or GPX of what readers see of the track whenever the original would show more."""
    trip = get_trip_or_404(slug)
    track = find.track_by_id(trip, track_id)
    fallback = f"track-{track.id}"
    filtered = pages.track_download(db.session(), trip, track, Path(current_app.config["MEDIA_DIR"]), as_gpx=as_gpx)
    if filtered is not None:
        name = download_name(KINDS["gpx"], track.original_name, fallback)
        if track.edited:
            name = f"{name.rsplit('.', 1)[0]} (edited).gpx"
        response = send_file(io.BytesIO(filtered), mimetype=KINDS["gpx"].content_type, as_attachment=True,
                             download_name=name, max_age=0)
    else:
        kind = track.kind
        response = send_from_directory(current_app.config["MEDIA_DIR"], track.original_path,
                                       mimetype=kind.content_type, as_attachment=True,
                                       download_name=download_name(kind, track.original_name, fallback))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/posts/<slug>")
def post(slug: str) -> ResponseReturnValue:
    """Show a post with a small map of the stops that link to it, as far as this reader may see them (?trip=
    names the trip the reader came from); stops in a privacy zone are left off the map, photos in one are not shown."""
    try:
        page = reading.post_page(db.session(), slug, viewer_id(), request.args.get("trip"))
    except NotFound:
        follow_old_post(slug)
        raise
    places, photos = pages.post_privacy(db.session(), page.stops, page.photos)
    parts = None
    if places:
        parts = maps.render_parts(maps.build_stops_map(page.stops, tiles=tiles(), assets=map_assets(), links=links(),
                                                       place=lambda stop: places.get(stop.id)))
    post = page.post
    body = render_markdown(post.body) if post.body else None
    return render_template("public/post.html", page=page, post=post, body=body, stops=page.stops, map=parts,
                           photos=photos, external_url=safe_url(post.url), licence_url=safe_url(post.licence_url))


@bp.get("/media/<path:filename>")
def media(filename: str) -> ResponseReturnValue:
    """Serve a published photo copy (display or thumbnail); originals are never served here."""
    kind = filename.split("/", 1)[0]
    if kind not in {"display", "thumbs"}:
        abort(404)
    # Content-hash files can be shared by photos of several trips: served while any the reader may get is shown.
    shown = zones.audience(db.session(), reading.photos_of_file(db.session(), filename, viewer_id()), viewer_id())
    if shown is None:
        abort(404)
    response = send_from_directory(current_app.config["MEDIA_DIR"], filename, mimetype="image/jpeg",
                                   max_age=31_536_000)
    return _photo_headers(response, shown)
