"""What maps.py needs from the web layer: the tile provider, URL builders for popups and photo data,
and what besides the data changes a rendered page (for cache keys)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, url_for

from ..maps import Links, Tiles
from ..models import Leg, Post, Trip
from ..visibility import post_link_context


def tiles() -> Tiles:
    """Return the configured tile provider."""
    url, attribution = current_app.extensions["travelmap.tiles"]
    return Tiles(url, attribution)


def links(trip: Trip | None = None) -> Links:
    """Return the URL builders maps.py uses for popups (and, given the trip, for its photo layer)."""
    photo_data = None
    if trip is not None:
        before, _, after = url_for("public.photo_file", slug=trip.slug, photo_id=0, size="thumb").partition("/0/")
        details = url_for("public.photo_details", slug=trip.slug, v=trip.revision)

        def photo_data() -> dict[str, object]:
            return {"thumb": [before + "/", "/" + after], "display": [before + "/", "/display.jpg"],
                    "details": details}

    return Links(
        photo_data=photo_data,
        post=lambda post: post_url(post, trip),
        trip=lambda trip: url_for("public.trip", slug=trip.slug),
        thumb=lambda photo: url_for("public.media", filename=photo.thumb_path),
        display=lambda photo: url_for("public.media", filename=photo.display_path),
        stop=lambda stop: url_for("public.stop", slug=stop.leg.trip.slug, stop_slug=stop.slug),
    )


def post_context(trip: Trip | None) -> str | None:
    """Return what a link from this trip to a post carries as ?trip=: the slug of a trip that is not public, so
    the post page shows that trip to the readers who came from it (and only to them); else None (no query)."""
    return trip.slug if trip is not None and post_link_context(trip.visibility) else None


def post_url(post: Post, trip: Trip | None = None) -> str:
    """Return the address of a post as linked from a trip's pages (or from nowhere in particular)."""
    return url_for("public.post", slug=post.slug, trip=post_context(trip))


def detail_url(trip: Trip) -> Callable[[Leg], str]:
    """Return the function giving each leg's detailed-lines URL (fetched when a reader zooms in)."""
    return lambda leg: url_for("exports.leg_lines", slug=trip.slug, position=leg.position, v=trip.revision)


def config_fingerprint() -> str:
    """Return what, besides the data, changes a rendered page (tiles), for cache keys."""
    return str(current_app.config["TILES"])
