"""For bloggers: frameable embed pages and oEmbed discovery."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from .. import db, maps
from ..assets import map_assets
from ..cache import cached_response
from ..errors import InvalidInput, NotFound, TravelmapError, Unauthorized
from ..hosts import external_url, page_route
from ..models import Leg, Stop, Trip
from ..services import find, pages, reading, slugs
from ..services.trips import trip_by_slug
from ..text import html_text
from . import public
from .lookup import follow_old_stop, stamp_or_404
from .maplinks import config_fingerprint, detail_url, links, tiles

bp = Blueprint("embed", __name__)

DEFAULT_SIZE = (640, 480)
EMBED_MAX_AGE = 300


def _embed_target(trip: Trip) -> tuple[Leg | None, Stop | None]:
    """Read the leg and stop the embed is asked to show (?leg=N, ?stop=slug or id)."""
    leg = find.leg_at(trip, request.args["leg"]) if request.args.get("leg") else None
    stop = find.stop_by_key(trip, request.args["stop"]) if request.args.get("stop") else None
    return leg, stop


@bp.get("/embed/trips/<slug>")
def trip(slug: str) -> ResponseReturnValue:
    """Serve a trip, leg or stop map that fills its frame, with no site chrome; frameable anywhere."""
    row = stamp_or_404(slug)
    show_photos = request.args.get("photos", "1") != "0"
    try:
        height = int(request.args.get("height", "0"))
    except ValueError:
        raise InvalidInput("height must be a number of pixels.", field="height") from None
    height = height if 150 <= height <= 3000 else 0

    def build() -> str:
        page = pages.trip_page(db.session(), row.id, photos=show_photos)
        trip = page.trip
        leg, stop = _embed_target(trip)
        photos = page.photos
        if leg is not None:
            photos = [p for p in photos if p.leg_id == leg.id]
        m = maps.build_trip_map(trip, leg=leg, stop=stop, tiles=tiles(), assets=map_assets(), links=links(trip),
                                photos=photos, embed=True, detail=leg is not None or stop is not None,
                                detail_url=detail_url(trip), view=page.view)
        maps.add_gesture_handling(m, map_assets())
        full = url_for("public.trip", slug=trip.slug)
        if stop is not None:
            full = url_for("public.stop", slug=trip.slug, stop_slug=stop.slug)
        elif leg is not None:
            full = url_for("public.leg", slug=trip.slug, position=leg.position)
        return render_template("embed/trip.html", trip=trip, map=maps.render_parts(m), full_url=full, height=height)

    key = ("embed", row.id, row.revision, request.args.get("leg"), request.args.get("stop"), show_photos, height,
           config_fingerprint())
    try:
        return cached_response(key, build, max_age=EMBED_MAX_AGE)
    except NotFound:
        follow_old_stop(row.id)  # ?stop= names a stop by a slug it had before
        raise


@bp.get("/embed/trips/<slug>/story")
def story(slug: str) -> ResponseReturnValue:
    """Serve a trip's story (text beside a map that follows it) with no site chrome; frameable anywhere."""
    row = stamp_or_404(slug)

    def build() -> str:
        page = pages.story_page(db.session(), row.id)
        parts = public.story_map(page, embed=True)
        return render_template("embed/story.html", page=page, trip=page.trip.trip, map=parts,
                               full_url=url_for("public.story", slug=page.trip.trip.slug))

    return cached_response(("embed-story", row.id, row.revision, config_fingerprint()), build,
                           max_age=EMBED_MAX_AGE)


def _resolve(url: str) -> tuple[Trip, str, dict, str, str, str]:
    """Map a page URL of this site to (trip, embed endpoint, embed query, title, author, iframe title); 404 for
    anything else.
    Never fetched."""
    route = page_route(url)  # this site is its public address, whatever the request's Host says
    if route is None:
        raise NotFound("oEmbed answers only for trip, leg, stop, story and post pages of this site.")
    endpoint, args = route
    session = db.session()
    if endpoint == "public.post":
        # As an anonymous reader at that address sees the post: its first place shown there is embedded.
        came_from = parse_qs(urlsplit(url).query).get("trip", [None])[0]
        slug = slugs.post_slug_for(session, args["slug"]) or args["slug"]
        try:
            page = reading.post_page(session, slug, None, came_from)
        except NotFound:
            exists, linked = reading.post_exists(session, slug)
            if exists and linked:
                raise Unauthorized("This post's places are private.") from None
            raise
        if not page.stops:
            raise NotFound("This post shows no place at this address, so there is no map to embed.")
        stop = page.stops[0]
        return (stop.leg.trip, "embed.trip", {"stop": stop.slug}, page.post.title, page.post.author_name,
                f"Map: {page.post.title}")
    if endpoint not in {"public.trip", "public.leg", "public.stop", "public.story"}:
        raise NotFound("oEmbed answers only for trip, leg, stop, story and post pages of this site.")
    trip = trip_by_slug(session, args["slug"]) or slugs.trip_by_old_slug(session, args["slug"])
    if trip is None:
        raise NotFound("There is no trip at this address.")
    if trip.visibility == "private":
        raise Unauthorized("This trip is private.")
    author = trip.owner.display_name or trip.owner.username
    if endpoint == "public.leg":
        leg = find.leg_at(trip, args["position"])
        return trip, "embed.trip", {"leg": leg.position}, embed_title(trip, leg), author, iframe_label(trip, leg)
    if endpoint == "public.stop":
        renamed = slugs.stop_slug_for(session, trip.id, args["stop_slug"])
        stop = find.stop_by_key(trip, args["stop_slug"] if renamed is None else renamed)
        return trip, "embed.trip", {"stop": stop.slug}, embed_title(trip, stop), author, iframe_label(trip, stop)
    if endpoint == "public.story":
        return trip, "embed.story", {}, f"{trip.title}: the story", author, iframe_label(trip, story=True)
    return trip, "embed.trip", {}, trip.title, author, iframe_label(trip)


def embed_title(trip: Trip, part: Leg | Stop | None = None) -> str:
    """Return the title oEmbed gives an embed of a trip, or of one of its legs or stops."""
    return f"{part.name} · {trip.title}" if part is not None else trip.title


def iframe_label(trip: Trip, part: Leg | Stop | None = None, *, story: bool = False) -> str:
    """Return the iframe title of an embed (what a screen reader announces): the same in oEmbed's snippet and
    the workspace's."""
    return f"Story: {trip.title}" if story else f"Map: {embed_title(trip, part)}"


def _dimension(name: str) -> int | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number of pixels.", field=name) from None
    if number < 1:
        raise InvalidInput(f"{name} must be positive.", field=name)
    return number


@bp.get("/oembed")
def oembed() -> ResponseReturnValue:
    """Answer oEmbed 1.0 (JSON, type rich) for trip, leg, stop and post pages of this site."""
    url = request.args.get("url", "").strip()
    if not url:
        raise InvalidInput("Give the page's address as ?url=…", field="url")
    if request.args.get("format", "json") != "json":
        raise TravelmapError("Only format=json is implemented.", status=501, code="not_implemented")
    trip, embed_endpoint, query, title, author, label = _resolve(url)
    max_w, max_h = _dimension("maxwidth"), _dimension("maxheight")
    width, height = DEFAULT_SIZE
    if max_w and width > max_w:
        width, height = max_w, round(height * max_w / width)
    if max_h and height > max_h:
        width, height = round(width * max_h / height), max_h
    src = external_url(embed_endpoint, slug=trip.slug, **query)
    html = Markup('<iframe src="{}" width="{}" height="{}" style="border:0;max-width:100%" loading="lazy" '
                  'allowfullscreen title="{}"></iframe>').format(src, width, height, html_text(label))
    thumb_w = min(1200, max_w or 1200)
    body = {
        "version": "1.0", "type": "rich", "title": title, "author_name": author,
        "provider_name": "travelmap", "provider_url": external_url("public.index"),
        "html": str(html), "width": width, "height": height, "cache_age": 3600,
        "thumbnail_url": external_url("exports.preview", slug=trip.slug, width=thumb_w if thumb_w != 1200 else None),
        "thumbnail_width": thumb_w, "thumbnail_height": round(630 * thumb_w / 1200),
    }
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def discovery_link(page_url: str, title: str) -> Markup:
    """Return the <link> that lets oEmbed-aware editors find the embed of a page."""
    href = external_url("embed.oembed", url=page_url, format="json")
    return Markup('<link rel="alternate" type="application/json+oembed" href="{}" title="{}">').format(href, title)

