"""Pure map building: model data -> folium.Map, with assets served by the app and all user text escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import folium
from folium.elements import JSCSSMixin
from folium.template import Template
from folium.utilities import JsCode
from markupsafe import Markup

from . import geo
from .geo import Bounds, LatLon, decode_polyline, encode_polyline
from .localtime import local_time, photo_local_time
from .models import Leg, Photo, Post, PrivacyZone, Stop, Trip
from .redaction import Redaction
from .text import html_text, safe_colour, text_colour

STOP_ZOOM_RADIUS_M = 3_000


@dataclass(frozen=True)
class Assets:
    """Where the app serves each script and stylesheet a map needs."""

    leaflet_js: str
    leaflet_css: str
    cluster_js: str
    cluster_css: str
    cluster_default_css: str
    photos_js: str
    trip_js: str = ""
    kit_js: str = ""
    gesture_js: str = ""
    gesture_css: str = ""
    story_js: str = ""
    lightbox_js: str = ""


@dataclass(frozen=True)
class Tiles:
    """The tile provider: URL template (empty for none) and attribution HTML."""

    url: str
    attribution: str


@dataclass(frozen=True)
class Links:
    """How to link to pages and images (the views pass url_for-based functions; maps.py stays Flask-free)."""

    post: Callable[[Post], str]
    trip: Callable[[Trip], str]
    thumb: Callable[[Photo], str]
    stop: Callable[[Stop], str]
    display: Callable[[Photo], str]
    # {"thumb": [before id, after id], "display": [before id, after id], "details": URL}: where the photo layer
    # finds thumbnails, larger copies and the lightbox's text.
    photo_data: Callable[[], dict] | None = None


@dataclass(frozen=True)
class MapParts:
    """A rendered map split for a page: what goes in <head>, in the body, and in the closing <script>."""

    head: Markup
    body: Markup
    script: Markup


def js_json(value: object) -> Markup:
    """Return JSON safe to put in a folium script, whatever text it holds.

    Two hazards: the HTML parser (so <, >, & and ' become \\u escapes, as Jinja's tojson does), and folium
    itself — it renders each element's script and then compiles that output as a Jinja template again
    when the page is assembled, so a user's "{{ … }}", "{% … %}" or "{# … #}" would be evaluated. JSON's
    structural braces are never followed by {, % or #, so such a pair can only be inside a string,
    where a \\u escape means the same character.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
                      ("{{", "{\\u007b"), ("{%", "{\\u0025"), ("{#", "{\\u0023")):
        text = text.replace(raw, safe)
    return Markup(text)


class SafePopup(folium.elements.MacroElement):
    """A popup whose HTML is built by us from escaped text and passed as a JSON string (no jQuery, no template
    literal)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html_js }}, {{ this.options_js }});
        {% endmacro %}"""
    )

    def __init__(self, html: Markup, max_width: int = 280) -> None:
        super().__init__()
        self._name = "SafePopup"
        self.html = str(html)
        self.options = {"maxWidth": max_width}
        self.html_js, self.options_js = js_json(self.html), js_json(self.options)


class ExposeMap(folium.elements.MacroElement):
    """Make the Leaflet map reachable by our page scripts as window.travelmapMap (e.g. for the elevation profile)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        window.travelmapMap = {{ this._parent.get_name() }};
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ExposeMap"


class ClickToFill(folium.elements.MacroElement):
    """Clicking the map fills two form fields with the latitude and longitude and marks the place."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }}, marker = null;
          var lat = document.getElementById({{ this.lat_id|tojson }});
          var lon = document.getElementById({{ this.lon_id|tojson }});
          function place(a, b) {
            if (!isFinite(a) || !isFinite(b)) return;
            if (marker) { marker.setLatLng([a, b]); }
            else {
              marker = L.circleMarker([a, b], {radius: 10, color: "#111827", weight: 3, fillColor: "#f97316",
                                               fillOpacity: 1, className: "tm-picked"}).addTo(map);
            }
          }
          if (lat.value && lon.value) place(parseFloat(lat.value), parseFloat(lon.value));
          map.on("click", function (e) {
            var p = e.latlng.wrap();
            lat.value = p.lat.toFixed(6); lon.value = p.lng.toFixed(6);
            place(p.lat, p.lng);
          });
          [lat, lon].forEach(function (input) {
            input.addEventListener("change", function () { place(parseFloat(lat.value), parseFloat(lon.value)); });
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, lat_id: str, lon_id: str) -> None:
        super().__init__()
        self._name = "ClickToFill"
        self.lat_id, self.lon_id = lat_id, lon_id


class ZoneLayer(folium.elements.MacroElement):
    """The owner's privacy zones on a workspace map: each zone as drawn (solid red) inside the area readers do not
    see (dashed grey: the hidden circle it is cut at). Never added to a reader's map."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          {{ this.data_js }}.forEach(function (z) {
            L.circle([z[3], z[4]], {radius: z[5], color: "#4b5563", weight: 2, dashArray: "6 6", fillColor: "#6b7280",
                                    fillOpacity: 0.12, interactive: false, className: "tm-zone-hidden"}).addTo(map);
            L.circle([z[0], z[1]], {radius: z[2], color: "#b91c1c", weight: 2, fillColor: "#ef4444",
                                    fillOpacity: 0.15, interactive: false, className: "tm-zone"}).addTo(map);
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, zones: Iterable[PrivacyZone]) -> None:
        super().__init__()
        self._name = "ZoneLayer"
        self.data_js = js_json([[z.lat, z.lon, z.radius_m, z.hidden_lat, z.hidden_lon, z.hidden_radius_m]
                                for z in zones])


class ZonePicker(folium.elements.MacroElement):
    """Show the zone being added as a circle of the radius typed, at the place clicked or typed (it follows the
    latitude, longitude and radius fields, so typing works as well as clicking)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }}, circle = null;
          var lat = document.getElementById("lat"), lon = document.getElementById("lon");
          var radius = document.getElementById("radius_m");
          function draw(event) {
            var a = parseFloat(lat.value), b = parseFloat(lon.value), r = parseFloat(radius.value);
            if (!isFinite(a) || !isFinite(b) || !isFinite(r) || r <= 0 || Math.abs(a) > 90 || Math.abs(b) > 180) {
              if (circle) { map.removeLayer(circle); circle = null; }
              return;
            }
            if (circle) { circle.setLatLng([a, b]); circle.setRadius(r); }
            else {
              circle = L.circle([a, b], {radius: r, color: "#111827", weight: 3, fillColor: "#f97316",
                                         fillOpacity: 0.2, interactive: false, className: "tm-zone-new"}).addTo(map);
            }
            // Typed coordinates or radius: show the whole zone, large enough to judge (a click is in view already).
            var zone = circle.getBounds(), view = map.getBounds();
            var small = zone.getNorth() - zone.getSouth() < (view.getNorth() - view.getSouth()) / 8;
            if (event && event.type === "change" && (small || !view.contains(zone))) {
              map.fitBounds(zone, {padding: [24, 24], maxZoom: 15, animate: false});
            }
          }
          map.on("click", function () { window.setTimeout(draw, 0); });
          [lat, lon, radius].forEach(function (field) {
            field.addEventListener("input", draw);
            field.addEventListener("change", draw);
          });
          draw();
        })();
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZonePicker"


def build_zones_map(trips: list[Trip], zones: list[PrivacyZone], *, tiles: Tiles, assets: Assets) -> folium.Map:
    """Build the workspace's privacy-zones map: the owner's routes in full, the zones and what each hides."""
    m = _new_map(tiles, assets)
    points: list[tuple[float, float]] = []
    for trip in trips:
        for leg in trip.legs:
            for track in leg.tracks:
                for part in (track.lines or {}).get("overview", []):
                    coords = decode_polyline(part["line"])
                    if len(coords) >= 2:
                        folium.PolyLine(coords, color=safe_colour(leg.colour), weight=3, opacity=0.8,
                                        interactive=False).add_to(m)
                        points += [(coords[0][0], coords[0][1]), (coords[-1][0], coords[-1][1])]
    bounds = None
    for zone in zones:
        box = Bounds(zone.hidden_lat, zone.hidden_lon, zone.hidden_lat, zone.hidden_lon).padded(zone.hidden_radius_m)
        bounds = box if bounds is None else bounds.union(box)
    bounds = bounds or Bounds.around(points)
    ZoneLayer(zones).add_to(m)
    if bounds is not None:
        fit = folium.FitBounds(bounds.as_leaflet(), padding=(24, 24))
        fit.options["animate"] = False
        m.add_child(fit)
    ExposeMap().add_to(m)
    return m


class GestureHandling(JSCSSMixin, folium.elements.MacroElement):
    """Leaflet.GestureHandling (self-hosted): in an embed, the map leaves the page's scroll wheel and
    one-finger scrolling alone (ctrl+wheel or two fingers move the map)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.gestureHandling.enable();
        {% endmacro %}"""
    )

    def __init__(self, assets: Assets) -> None:
        super().__init__()
        self._name = "GestureHandling"
        self.default_js = [("gesture_handling", assets.gesture_js)]
        self.default_css = [("gesture_handling_css", assets.gesture_css)]


def add_gesture_handling(m: folium.Map, assets: Assets) -> None:
    """Let an embedded map share the page's scrolling."""
    GestureHandling(assets).add_to(m)


def leg_label(leg: Leg) -> str:
    """Return the layer-control label of a leg: a colour swatch and the escaped name (Leaflet inserts it as HTML)."""
    return str(
        Markup('<span class="tm-swatch" style="background:{}"></span>{}. {}').format(
            safe_colour(leg.colour), leg.position, html_text(leg.name)
        )
    )


def map_origin(bounds: Bounds | None) -> float | None:
    """Return the western edge of what a map shows: its scripts move every longitude into the 360° east of
    it, so a trip across (or on) the antimeridian is drawn in one piece (None: longitudes as they are)."""
    return bounds.west if bounds is not None else None


def _new_map(tiles: Tiles, assets: Assets, *, scroll_zoom: bool = True) -> folium.Map:
    """Create a map with no CDN assets and the configured tiles."""
    m = folium.Map(
        location=(0, 0),
        zoom_start=2,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        scrollWheelZoom=scroll_zoom,
        # The map's own option (folium gives max_zoom to a tile layer only): with TRAVELMAP_TILES=none there is
        # no tile layer, and Leaflet's fitBounds would throw "Map has no maxZoom specified".
        maxZoom=19,
        width="100%",
        height="100%",
        font_size="12px",
    )
    # The map's own limit, not only the tile layer's: with TRAVELMAP_TILES=none there is no tile layer, and
    # the photo clusters refuse a map without one ("Map has no maxZoom specified") and draw nothing.
    m.options["maxZoom"] = 19
    m.default_js = [("leaflet", assets.leaflet_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, name="Base map", max_zoom=19, control=False).add_to(m)
    return m


class TripData(JSCSSMixin, folium.elements.MacroElement):
    """The legs and stops of a map as compact data (encoded polylines, stop rows) that our tripmap.js
    turns into Leaflet layers inside the legs' folium FeatureGroups: a handful of folium objects for any
    trip size, and popups built from text nodes, never from user HTML.

    data = {"legs": [{"lines": [encoded…], "planned": [bool…], "dash": bool, "colour", "name",
                      "detail": URL of the 10 m lines or null}],
            "stops": [[lat, lon, number, name, colour, arrival text, arrival ISO, post URL, stop slug, leg index,
                       number colour (black or white, whichever reads better on the leg's colour)]],
            "detailZoom": zoom from which legs swap to their detailed lines}
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        travelmapTrip({{ this._parent.get_name() }},
          [{% for g in this.groups %}{{ g.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}],
          {{ this.data_js }});
        {% endmacro %}"""
    )

    def __init__(self, groups: list[folium.FeatureGroup], data: dict, assets: Assets) -> None:
        super().__init__()
        self._name = "TripData"
        self.groups, self.data = groups, data
        self.data_js = js_json(data)
        self.default_js = [("travelmap_kit", assets.kit_js), ("travelmap_trip", assets.trip_js)]


def stop_row(stop: Stop, place: tuple[float, float], number: int, leg_index: int, links: Links) -> list:
    """Return a stop as a compact row for tripmap.js (at the place readers may see)."""
    arrived = local_time(stop.arrived_at, stop.timezone)
    return [
        round(place[0], 6),
        round(place[1], 6),
        number,
        stop.name,
        safe_colour(stop.leg.colour),
        arrived.strftime("%-d %B %Y, %H:%M") if arrived else "",
        arrived.isoformat() if arrived else "",
        links.post(stop.post) if stop.post else "",
        stop.slug,
        leg_index,
        text_colour(stop.leg.colour),
    ]


def leg_entry(leg: Leg, level: str, detail_url: str | None, view: Redaction) -> dict:
    """Return a leg's drawing data at one level of detail ("overview" or "display"), as readers see it."""
    parts = [part for track in view.tracks(leg) for part in track.lines.get(level, [])]
    entry = {
        "name": leg.name,
        "colour": safe_colour(leg.colour),
        "lines": [p["line"] for p in parts],
        "planned": [bool(p["planned"]) for p in parts],
        "dash": False,
        "detail": detail_url,
    }
    untracked = view.untracked_line(leg)
    if untracked is not None:
        entry.update(
            lines=[encode_polyline(untracked)],
            planned=[False],
            dash=True,
            detail=None,
        )
        entry["name"] = f"{leg.name} (by {leg.transport})" if leg.transport else leg.name
    return entry


class PhotoLayer(JSCSSMixin, folium.elements.MacroElement):
    """All photos as one clustered layer built in the browser from compact data (no folium object per photo).

    data = {"points": encoded polyline of the photos' places, "ids": [photo ids],
            "thumb": [URL before the id, URL after it], "display": the same for the larger copy,
            "details": URL of the lightbox's text (fetched on first use)}
    About 10 bytes a photo: 2,000 photos cost ~20 KB, where 2,000 folium Markers with Popups cost ~1.7 MB.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        travelmapPhotos({{ this._parent.get_name() }}, {{ this.group.get_name() }}, {{ this.data_js }});
        {% endmacro %}"""
    )

    def __init__(self, group: folium.FeatureGroup, data: dict, assets: Assets) -> None:
        super().__init__()
        self._name = "PhotoLayer"
        self.group, self.data = group, data
        self.data_js = js_json(data)
        self.default_js = [
            ("markercluster", assets.cluster_js),
            ("travelmap_kit", assets.kit_js),
            ("travelmap_lightbox", assets.lightbox_js),
            ("travelmap_photos", assets.photos_js),
        ]
        self.default_css = [
            ("markercluster_css", assets.cluster_css),
            ("markercluster_default_css", assets.cluster_default_css),
        ]


def photo_places(photos: Iterable[Photo], blur: bool) -> list[tuple[int, float, float]]:
    """Return (id, lat, lon) of the placed photos, rounded to ~1 km when the trip blurs them."""
    out = []
    for photo in photos:
        if photo.lat is None or photo.lon is None:
            continue
        lat, lon = geo.blur(photo.lat, photo.lon) if blur else (photo.lat, photo.lon)
        out.append((photo.id, lat, lon))
    return out


def photo_details(photos: Iterable[Photo], links: Links) -> dict[str, list[str]]:
    """Return each photo's popup text by id: [caption, local time, stop name, stop URL, post title, post URL]."""
    details = {}
    for photo in photos:
        local = photo_local_time(photo.taken_at, photo.utc_offset_min)
        when = local.strftime("%-d %B %Y, %H:%M") if local else ""
        stop, post = photo.stop, photo.stop.post if photo.stop else None
        details[str(photo.id)] = [
            photo.caption or "",
            when,
            stop.name if stop else "",
            links.stop(stop) if stop else "",
            post.title if post else "",
            links.post(post) if post else "",
        ]
    return details


def _add_photos(m: folium.Map, photos: Iterable[Photo], assets: Assets, links: Links, blur: bool,
                origin: float | None = None) -> None:
    """Add the photos with a place as one clustered layer, from compact data."""
    places = photo_places(photos, blur)
    if not places or links.photo_data is None:
        return
    group = folium.FeatureGroup(name='<span class="tm-swatch tm-swatch-photo"></span>Photos', show=True)
    group.add_to(m)
    data = {
        "points": encode_polyline([(lat, lon) for _, lat, lon in places]),
        "ids": [i for i, _, _ in places],
        "origin": origin,
        **links.photo_data(),
    }
    PhotoLayer(group, data, assets).add_to(m)


DETAIL_ZOOM = 11  # from here a pixel is under ~75 m: legs swap their 100 m overview for the 10 m lines


def build_trip_map(
    trip: Trip,
    *,
    tiles: Tiles,
    assets: Assets,
    links: Links,
    leg: Leg | None = None,
    stop: Stop | None = None,
    photos: Iterable[Photo] = (),
    embed: bool = False,
    detail: bool = False,
    detail_url: Callable[[Leg], str] | None = None,
    view: Redaction,
    focus: LatLon | None = None,
) -> folium.Map:
    """Build a trip's map: a layer per leg, numbered stops with post links, photo clusters, fitted to what is shown.

    With detail (leg and stop pages), legs are drawn with their 10 m lines from the start; otherwise with
    the 100 m overview, and `detail_url` tells the browser where each leg's 10 m lines are when it zooms in.
    `view` says what readers see (the owner's privacy zones applied); the workspace passes EVERYTHING. `focus`
    centres the map on one place (a photo being moved in the workspace) instead of fitting the whole trip.
    """
    m = _new_map(tiles, assets, scroll_zoom=not embed)
    numbers = trip.stop_numbers()
    legs = [leg] if leg is not None else list(trip.legs)
    groups, entries, rows = [], [], []
    bounds: Bounds | None = None
    for index, item in enumerate(legs):
        group = folium.FeatureGroup(name=leg_label(item), show=True)
        group.add_to(m)
        groups.append(group)
        entries.append(
            leg_entry(
                item, "display" if detail else "overview", None if detail or detail_url is None else detail_url(item),
                view,
            )
        )
        for s in item.stops:
            place = view.place(s)
            if place is not None:
                rows.append(stop_row(s, place, numbers[s.id], index, links))
        box = view.leg_bounds(item)
        if box is not None:
            bounds = box if bounds is None else bounds.union(box)
    place = view.place(stop) if stop is not None else None
    if place is not None:  # a stop in a privacy zone is not centred on: the map shows the whole trip
        bounds = Bounds(*place, *place).padded(STOP_ZOOM_RADIUS_M)
    if focus is not None:
        bounds = Bounds(*focus, *focus).padded(STOP_ZOOM_RADIUS_M)
    if bounds is not None and bounds.south == bounds.north and bounds.west == bounds.east:
        bounds = bounds.padded(STOP_ZOOM_RADIUS_M)
    origin = map_origin(bounds)
    TripData(groups, {"legs": entries, "stops": rows, "detailZoom": DETAIL_ZOOM, "origin": origin},
             assets).add_to(m)
    _add_photos(m, view.photos(photos), assets, links, blur=trip.blur_photo_locations, origin=origin)
    if bounds is not None:
        # No animation: an embed scrolled in later would otherwise start at world zoom and fly in.
        fit = folium.FitBounds(bounds.as_leaflet(), padding=(24, 24))
        fit.options["animate"] = False
        m.add_child(fit)
    # folium passes a JsCode through to Leaflet as code: the control starts collapsed on narrow screens.
    collapsed: Any = JsCode("window.innerWidth < 700")
    folium.LayerControl(collapsed=collapsed, position="topright").add_to(m)
    ExposeMap().add_to(m)
    return m


def build_overview_map(trips: list[tuple[Trip, Redaction]], *, tiles: Tiles, assets: Assets,
                       links: Links) -> folium.Map:
    """Build the front page map: every listed trip's route as readers see it (each with its owner's zones
    applied), with a marker at its first placed stop linking to the trip."""
    m = _new_map(tiles, assets)
    bounds: Bounds | None = None
    for trip, view in trips:
        for leg in trip.legs:
            box = view.leg_bounds(leg)
            if box is not None:
                bounds = box if bounds is None else bounds.union(box)
    origin = map_origin(bounds)
    for trip, view in trips:
        for leg in trip.legs:
            colour = safe_colour(leg.colour)
            for track in view.tracks(leg):
                for part in track.lines.get("overview", []):
                    coords = decode_polyline(part["line"])
                    if len(coords) >= 2:
                        lons = geo.unwrap([lon for _, lon in coords], origin)
                        folium.PolyLine([[lat, lon] for (lat, _), lon in zip(coords, lons)], color=colour, weight=3,
                                        opacity=0.8).add_to(m)
        places = [place for place in (view.place(s) for s in trip.stops()) if place is not None]
        if places:
            lat, lon = places[0]
            marker = folium.Marker(
                [lat, lon if origin is None else geo.shift_lon(lon, origin)],
                icon=folium.DivIcon(
                    html='<div class="tm-pin tm-pin-trip">★</div>',
                    icon_size=(44, 44),
                    icon_anchor=(22, 22),
                    class_name="tm-stop",
                ),
            )
            SafePopup(
                Markup(
                    '<div class="tm-popup"><div class="tm-popup-title">{}</div>'
                    '<a class="tm-popup-link" href="{}">Open the trip map</a></div>'
                ).format(html_text(trip.title), links.trip(trip))
            ).add_to(marker)
            marker.add_to(m)
    if bounds is not None:
        m.fit_bounds(bounds.as_leaflet(), padding=(24, 24))
    return m


def build_stops_map(stops: list[Stop], *, tiles: Tiles, assets: Assets, links: Links,
                    place: Callable[[Stop], tuple[float, float] | None]) -> folium.Map:
    """Build a small map of some stops (the post page's map), each linking to its trip; `place` gives each stop's
    place as readers see it (None in a privacy zone: left off)."""
    m = _new_map(tiles, assets, scroll_zoom=False)
    placed = [(stop, where) for stop in stops if (where := place(stop)) is not None]
    bounds = Bounds.around([where for _, where in placed])
    bounds = bounds.padded(STOP_ZOOM_RADIUS_M) if bounds is not None else None
    origin = map_origin(bounds)
    for stop, (lat, lon) in placed:
        n = stop.leg.trip.stop_numbers()[stop.id]  # the same number as on the trip map
        colour = safe_colour(stop.leg.colour)
        icon = folium.DivIcon(
            html=str(Markup('<div class="tm-pin" style="background:{};color:{}">{}</div>').format(
                colour, text_colour(colour), n)),
            icon_size=(44, 44),
            icon_anchor=(22, 22),
            class_name="tm-stop",
        )
        marker = folium.Marker([lat, lon if origin is None else geo.shift_lon(lon, origin)],
                               icon=icon)  # no title: folium would pass it raw (see js_json)
        SafePopup(
            Markup(
                '<div class="tm-popup"><div class="tm-popup-title">{}</div>'
                '<a class="tm-popup-link" href="{}">{}</a></div>'
            ).format(html_text(stop.name), links.trip(stop.leg.trip), html_text(stop.leg.trip.title))
        ).add_to(marker)
        marker.add_to(m)
    if bounds is not None:
        m.fit_bounds(bounds.as_leaflet(), padding=(24, 24), max_zoom=12)
    return m


# folium's page-level extras that our templates do themselves: the viewport meta, and a
# "html, body {height: 100%}" that would pin a flex body to the window height.
_DROP_FROM_HEAD = re.compile(
    r'<meta name="viewport"[^>]*>|<meta http-equiv="content-type"[^>]*>'
    r"|<style>\s*html, body \{[^}]*\}\s*</style>|<style>\s*#map \{[^}]*\}\s*</style>",
    re.S,
)
_REMOTE_ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', re.I)


def render_parts(m: folium.Map) -> MapParts:
    """Render a map into head/body/script parts for our own page templates; refuse any remote script or style."""
    figure = m.get_root()
    assert isinstance(figure, folium.Figure)  # a Map's root is the Figure that owns header, html and script
    # folium names every element with a random id; numbering them instead makes the same map render to
    # the same bytes in every worker, so a page's ETag (a hash of its body) is the same everywhere.
    for number, element in enumerate(walk(figure)):
        element._id = f"{number:04x}"
    figure.render()
    head = _DROP_FROM_HEAD.sub("", figure.header.render())
    if _REMOTE_ASSET.search(head):
        raise RuntimeError("a map element asked for a script or stylesheet from another host")
    return MapParts(head=Markup(head), body=Markup(figure.html.render()), script=Markup(figure.script.render()))


def walk(element: folium.Element) -> Iterable[folium.Element]:
    """Yield an element and all its descendants (for tests and asset checks)."""
    yield element
    for child in element._children.values():
        yield from walk(child)


__all__ = [
    "Assets",
    "Tiles",
    "Links",
    "MapParts",
    "SafePopup",
    "build_trip_map",
    "build_overview_map",
    "build_stops_map",
    "build_zones_map",
    "render_parts",
    "walk",
]
