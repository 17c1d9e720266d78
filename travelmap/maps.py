"""Pure map building: model data -> folium.Map, with assets served by the app and all user text escaped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

import folium
from folium.elements import JSCSSMixin
from folium.template import Template
from folium.utilities import JsCode
from markupsafe import Markup

from .geo import Bounds
from .models import Leg, Photo, Post, Stop, Trip
from .text import html_text, safe_colour

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
    gesture_js: str = ""
    gesture_css: str = ""


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


@dataclass(frozen=True)
class MapParts:
    """A rendered map split for a page: what goes in <head>, in the body, and in the closing <script>."""

    head: Markup
    body: Markup
    script: Markup


class SafePopup(folium.elements.MacroElement):
    """A popup whose HTML is built by us from escaped text and passed as a JSON string (no jQuery, no template literal)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, html: Markup, max_width: int = 280) -> None:
        super().__init__()
        self._name = "SafePopup"
        self.html = str(html)
        self.options = {"maxWidth": max_width}


class SafeTooltip(folium.elements.MacroElement):
    """A tooltip from escaped text, passed as a JSON string (folium's Tooltip puts raw text in a template literal)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip({{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, text: str, **options: object) -> None:
        super().__init__()
        self._name = "SafeTooltip"
        self.html = str(html_text(text))
        self.options = {"sticky": True, **options}


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
          var lat = document.getElementById({{ this.lat_id|tojson }}), lon = document.getElementById({{ this.lon_id|tojson }});
          function place(a, b) {
            if (!isFinite(a) || !isFinite(b)) return;
            if (marker) { marker.setLatLng([a, b]); }
            else { marker = L.circleMarker([a, b], {radius: 10, color: "#111827", weight: 3, fillColor: "#f97316", fillOpacity: 1, className: "tm-picked"}).addTo(map); }
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


def local_time(when: datetime | None, zone: str) -> datetime | None:
    """Return a UTC time in a stop's own time zone."""
    if when is None:
        return None
    try:
        return when.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        return when


def stop_popup(stop: Stop, number: int, links: Links) -> Markup:
    """Return the popup HTML of a stop: name, local arrival date, and a link to its post."""
    parts = [Markup('<div class="tm-popup"><div class="tm-popup-title">{}. {}</div>').format(
        number, html_text(stop.name))]
    arrived = local_time(stop.arrived_at, stop.timezone)
    if arrived is not None:
        parts.append(Markup('<div class="tm-popup-when"><time datetime="{}">Arrived {}</time></div>').format(
            arrived.isoformat(), arrived.strftime("%-d %B %Y, %H:%M")))
    if stop.post is not None:
        parts.append(Markup('<a class="tm-popup-link" href="{}" target="_top">Read the post</a>').format(
            links.post(stop.post)))
    parts.append(Markup("</div>"))
    return Markup("").join(parts)


def photo_popup(photo: Photo, links: Links) -> Markup:
    """Return the popup HTML of a photo: thumbnail, caption and local time."""
    html = Markup('<div class="tm-popup tm-photo"><img src="{}" alt="{}" loading="lazy">').format(
        links.thumb(photo), html_text(photo.caption or photo.original_name))
    if photo.caption:
        html += Markup('<div class="tm-popup-caption">{}</div>').format(html_text(photo.caption))
    if photo.taken_at is not None:
        offset = photo.utc_offset_min or 0
        local = photo.taken_at.astimezone(timezone(timedelta(minutes=offset)))
        html += Markup('<div class="tm-popup-when">{}</div>').format(local.strftime("%-d %B %Y, %H:%M"))
    return html + Markup("</div>")


def leg_label(leg: Leg) -> str:
    """Return the layer-control label of a leg: a colour swatch and the escaped name (Leaflet inserts it as HTML)."""
    return str(Markup('<span class="tm-swatch" style="background:{}"></span>{}. {}').format(
        safe_colour(leg.colour), leg.position, html_text(leg.name)))


def leg_bounds(leg: Leg) -> Bounds | None:
    """Return the box around a leg's tracks and stops."""
    points = [(s.lat, s.lon) for s in leg.stops]
    points += [p for t in leg.tracks for p in ((t.min_lat, t.min_lon), (t.max_lat, t.max_lon))]
    return Bounds.around(points)


def _new_map(tiles: Tiles, assets: Assets, *, scroll_zoom: bool = True) -> folium.Map:
    """Create a map with no CDN assets and the configured tiles."""
    m = folium.Map(location=(0, 0), zoom_start=2, tiles=None, control_scale=True, prefer_canvas=False,
                   scrollWheelZoom=scroll_zoom, width="100%", height="100%", font_size="12px")
    m.default_js = [("leaflet", assets.leaflet_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, name="Base map", max_zoom=19,
                         control=False).add_to(m)
    return m


def _add_leg(m: folium.Map, leg: Leg, numbers: dict[int, int], links: Links,
             detail: bool = False) -> folium.FeatureGroup:
    """Draw one leg as its own layer: tracks (or a dashed transport line) and numbered stops."""
    colour = safe_colour(leg.colour)
    group = folium.FeatureGroup(name=leg_label(leg), show=True)
    group.add_to(m)
    for track in leg.tracks:
        for part in (track.detail_geometry or track.display_geometry) if detail else track.display_geometry:
            if len(part["coords"]) < 2:
                continue
            line = folium.PolyLine(part["coords"], color=colour, weight=4, opacity=0.9,
                                   dash_array="2 8" if part.get("planned") else None)
            SafeTooltip(f"{leg.name}: {track.name}").add_to(line)
            line.add_to(group)
    if not leg.tracks and len(leg.stops) >= 2:
        first, last = leg.stops[0], leg.stops[-1]
        line = folium.PolyLine([[first.lat, first.lon], [last.lat, last.lon]], color=colour, weight=3,
                               opacity=0.9, dash_array="8 10")
        SafeTooltip(f"{leg.name}" + (f" (by {leg.transport})" if leg.transport else "")).add_to(line)
        line.add_to(group)
    for stop in leg.stops:
        number = numbers[stop.id]
        icon = folium.DivIcon(
            html=str(Markup('<div class="tm-pin" data-stop="{}" style="background:{}">{}</div>').format(
                stop.slug, colour, number)),
            icon_size=(30, 30), icon_anchor=(15, 15), class_name="tm-stop",
        )
        # Stops stay above photo markers and clusters: their numbers are the route.
        marker = folium.Marker([stop.lat, stop.lon], icon=icon, title=stop.name, alt=stop.name,
                               z_index_offset=1000)
        SafePopup(stop_popup(stop, number, links)).add_to(marker)
        SafeTooltip(f"{number}. {stop.name}", direction="top", offset=[0, -14], sticky=False).add_to(marker)
        marker.add_to(group)
    return group


class PhotoLayer(JSCSSMixin, folium.elements.MacroElement):
    """All photos as one clustered layer built in the browser from compact rows (no folium object per photo).

    Each row is [lat, lon, thumbnail URL, caption, local time, stop name, stop URL, post title, post URL];
    our photos.js makes the markers and builds each popup from text nodes when it opens.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        travelmapPhotos({{ this._parent.get_name() }}, {{ this.group.get_name() }}, {{ this.rows|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, group: folium.FeatureGroup, rows: list[list], assets: Assets) -> None:
        super().__init__()
        self._name = "PhotoLayer"
        self.group, self.rows = group, rows
        self.default_js = [("markercluster", assets.cluster_js), ("travelmap_photos", assets.photos_js)]
        self.default_css = [("markercluster_css", assets.cluster_css),
                            ("markercluster_default_css", assets.cluster_default_css)]


def photo_rows(photos: Iterable[Photo], links: Links, blur: bool) -> list[list]:
    """Return the compact rows the photo layer draws (places rounded to ~1 km when the trip blurs them)."""
    from .services.photos import blurred

    rows = []
    for photo in photos:
        if photo.lat is None or photo.lon is None:
            continue
        lat, lon = blurred(photo.lat, photo.lon) if blur else (round(photo.lat, 6), round(photo.lon, 6))
        when = ""
        if photo.taken_at is not None:
            local = photo.taken_at.astimezone(timezone(timedelta(minutes=photo.utc_offset_min or 0)))
            when = local.strftime("%-d %B %Y, %H:%M")
        stop, post = photo.stop, photo.stop.post if photo.stop else None
        rows.append([lat, lon, links.thumb(photo), photo.caption or "", when,
                     stop.name if stop else "", links.stop(stop) if stop else "",
                     post.title if post else "", links.post(post) if post else ""])
    return rows


def _add_photos(m: folium.Map, photos: Iterable[Photo], assets: Assets, links: Links, blur: bool) -> None:
    """Add the photos with a place as one clustered layer, from compact data."""
    rows = photo_rows(photos, links, blur)
    if not rows:
        return
    group = folium.FeatureGroup(name='<span class="tm-swatch tm-swatch-photo"></span>Photos', show=True).add_to(m)
    PhotoLayer(group, rows, assets).add_to(m)


def stop_numbers(trip: Trip) -> dict[int, int]:
    """Number the trip's stops 1, 2, 3 … in route order."""
    return {stop.id: n for n, stop in enumerate(trip.stops(), start=1)}


def build_trip_map(trip: Trip, *, tiles: Tiles, assets: Assets, links: Links, leg: Leg | None = None,
                   stop: Stop | None = None, photos: Iterable[Photo] = (), embed: bool = False,
                   detail: bool = False) -> folium.Map:
    """Build a trip's map: a layer per leg, numbered stops with post links, photo clusters, fitted to what is shown.

    With detail, tracks use their 2 m geometry (the leg page, where readers zoom to street level).
    """
    m = _new_map(tiles, assets, scroll_zoom=not embed)
    numbers = stop_numbers(trip)
    legs = [leg] if leg is not None else list(trip.legs)
    bounds: Bounds | None = None
    for item in legs:
        _add_leg(m, item, numbers, links, detail=detail)
        box = leg_bounds(item)
        if box is not None:
            bounds = box if bounds is None else bounds.union(box)
    _add_photos(m, photos, assets, links, blur=trip.blur_photo_locations)
    if stop is not None:
        bounds = Bounds(stop.lat, stop.lon, stop.lat, stop.lon).padded(STOP_ZOOM_RADIUS_M)
    if bounds is not None:
        if bounds.south == bounds.north and bounds.west == bounds.east:
            bounds = bounds.padded(STOP_ZOOM_RADIUS_M)
        m.fit_bounds(bounds.as_leaflet(), padding=(24, 24))
    folium.LayerControl(collapsed=JsCode("window.innerWidth < 700"), position="topright").add_to(m)
    ExposeMap().add_to(m)
    return m


def build_overview_map(trips: list[Trip], *, tiles: Tiles, assets: Assets, links: Links) -> folium.Map:
    """Build the front page map: every listed trip's route, with a marker linking to the trip."""
    m = _new_map(tiles, assets)
    bounds: Bounds | None = None
    for trip in trips:
        for leg in trip.legs:
            colour = safe_colour(leg.colour)
            for track in leg.tracks:
                for part in track.display_geometry:
                    # The overview needs no street detail: every 5th point is plenty.
                    coords = part["coords"][::5] + part["coords"][-1:]
                    if len(coords) >= 2:
                        folium.PolyLine(coords, color=colour, weight=3, opacity=0.8).add_to(m)
            box = leg_bounds(leg)
            if box is not None:
                bounds = box if bounds is None else bounds.union(box)
        stops = trip.stops()
        if stops:
            first = stops[0]
            marker = folium.Marker([first.lat, first.lon], title=trip.title, icon=folium.DivIcon(
                html='<div class="tm-pin tm-pin-trip">★</div>', icon_size=(30, 30), icon_anchor=(15, 15),
                class_name="tm-stop"))
            SafePopup(Markup('<div class="tm-popup"><div class="tm-popup-title">{}</div>'
                             '<a class="tm-popup-link" href="{}">Open the trip map</a></div>').format(
                html_text(trip.title), links.trip(trip))).add_to(marker)
            marker.add_to(m)
    if bounds is not None:
        m.fit_bounds(bounds.as_leaflet(), padding=(24, 24))
    return m


def build_stops_map(stops: list[Stop], *, tiles: Tiles, assets: Assets, links: Links) -> folium.Map:
    """Build a small map of some stops (the post page's map), each linking to its trip."""
    m = _new_map(tiles, assets, scroll_zoom=False)
    for stop in stops:
        n = stop_numbers(stop.leg.trip)[stop.id]  # the same number as on the trip map
        colour = safe_colour(stop.leg.colour)
        icon = folium.DivIcon(html=str(Markup('<div class="tm-pin" style="background:{}">{}</div>').format(colour, n)),
                              icon_size=(30, 30), icon_anchor=(15, 15), class_name="tm-stop")
        marker = folium.Marker([stop.lat, stop.lon], icon=icon, title=stop.name)
        SafePopup(Markup('<div class="tm-popup"><div class="tm-popup-title">{}</div>'
                         '<a class="tm-popup-link" href="{}">{}</a></div>').format(
            html_text(stop.name), links.trip(stop.leg.trip), html_text(stop.leg.trip.title))).add_to(marker)
        marker.add_to(m)
    bounds = Bounds.around([(s.lat, s.lon) for s in stops])
    if bounds is not None:
        m.fit_bounds(bounds.padded(STOP_ZOOM_RADIUS_M).as_leaflet(), padding=(24, 24), max_zoom=12)
    return m


# folium's page-level extras that our templates do themselves: the viewport meta, and a
# "html, body {height: 100%}" that would pin a flex body to the window height.
_DROP_FROM_HEAD = re.compile(
    r'<meta name="viewport"[^>]*>|<meta http-equiv="content-type"[^>]*>'
    r'|<style>\s*html, body \{[^}]*\}\s*</style>|<style>\s*#map \{[^}]*\}\s*</style>', re.S)
_REMOTE_ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', re.I)


def render_parts(m: folium.Map) -> MapParts:
    """Render a map into head/body/script parts for our own page templates; refuse any remote script or style."""
    figure = m.get_root()
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


__all__ = ["Assets", "Tiles", "Links", "MapParts", "SafePopup", "SafeTooltip", "build_trip_map",
           "build_overview_map", "build_stops_map", "render_parts", "walk", "stop_numbers"]
