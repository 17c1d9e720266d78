"""Scripts and stylesheets served by the app itself (XStatic wheels), never from a CDN."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_gesturehandling as xs_gesture
import xstatic.pkg.leaflet_markercluster as xs_cluster
from flask import Blueprint, Flask, abort, send_from_directory, url_for
from flask.typing import ResponseReturnValue

from .maps import Assets

# Versioned URL prefixes: a new wheel version gets new URLs, so browsers may cache forever.
VENDOR: dict[str, Path] = {
    f"leaflet-{xs_leaflet.VERSION}": Path(xs_leaflet.BASE_DIR),
    f"leaflet.markercluster-{xs_cluster.VERSION}": Path(xs_cluster.BASE_DIR),
    f"leaflet-gesture-handling-{xs_gesture.VERSION}": Path(xs_gesture.BASE_DIR),
}
GESTURE = f"leaflet-gesture-handling-{xs_gesture.VERSION}"
LEAFLET = f"leaflet-{xs_leaflet.VERSION}"
CLUSTER = f"leaflet.markercluster-{xs_cluster.VERSION}"

bp = Blueprint("vendor", __name__)


@bp.get("/static/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str) -> ResponseReturnValue:
    """Serve a file from a vendored XStatic package, cacheable for a year."""
    root = VENDOR.get(package)
    if root is None:
        abort(404)
    response = send_from_directory(root, filename, max_age=31_536_000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def map_assets() -> Assets:
    """Return the local URLs of every asset a map may need (inside a request or app context)."""
    return Assets(
        leaflet_js=url_for("vendor.vendor", package=LEAFLET, filename="leaflet.js"),
        leaflet_css=url_for("vendor.vendor", package=LEAFLET, filename="leaflet.css"),
        cluster_js=url_for("vendor.vendor", package=CLUSTER, filename="leaflet.markercluster.js"),
        cluster_css=url_for("vendor.vendor", package=CLUSTER, filename="MarkerCluster.css"),
        cluster_default_css=url_for("vendor.vendor", package=CLUSTER, filename="MarkerCluster.Default.css"),
        photos_js=url_for("static", filename="photos.js"),
        trip_js=url_for("static", filename="tripmap.js"),
        kit_js=url_for("static", filename="mapkit.js"),
        story_js=url_for("static", filename="story.js"),
        lightbox_js=url_for("static", filename="lightbox.js"),
        gesture_js=url_for("vendor.vendor", package=GESTURE, filename="leaflet-gesture-handling.min.js"),
        gesture_css=url_for("vendor.vendor", package=GESTURE, filename="leaflet-gesture-handling.min.css"),
    )


def init_app(app: Flask) -> None:
    """Register the vendor asset route."""
    app.register_blueprint(bp)
