"""The story view's map: how far along the route each stop is, and the data story.js needs to follow the text.
Pure: model data in, a folium element out; no Flask."""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from .geo import Bounds, decode_polyline, shift_lon
from .maps import Assets, TripData, js_json, leg_entry, walk
from .models import Trip
from .redaction import Redaction

# The zoom a stop's section shows the map at: the stop with its neighbours some 20 km away (a pixel is ~150 m).
STORY_ZOOM = 10
# A stop is placed at the first vertex of its leg's line (after the previous stop's) that lies within this much
# of the nearest one: a loop out of town and back passes the town twice, and the stop is the first pass.
SAME_PLACE_M = 1_000.0

# [line index, vertex index] within a leg's lines: the route travelled up to and including that vertex.
Split = tuple[int, int]


def _distance_m(a: Sequence[float], b: Sequence[float]) -> float:
    """Return an equirectangular distance in metres: plenty to compare vertices a few kilometres apart."""
    mean = math.radians((a[0] + b[0]) / 2)
    dy = math.radians(b[0] - a[0])
    dx = math.radians(b[1] - a[1]) * math.cos(mean)
    return 6_371_000.0 * math.hypot(dx, dy)


def leg_splits(lines: Sequence[Sequence[Sequence[float]]], stops: Sequence[tuple[float, float]]) -> list[Split]:
    """Return where each stop (in route order) lies along a leg's lines, never before the previous stop."""
    vertices = [(i, j, point) for i, line in enumerate(lines) for j, point in enumerate(line)]
    splits: list[Split] = []
    cursor = 0
    for stop in stops:
        if not vertices:
            splits.append((0, -1))
            continue
        ahead = vertices[cursor:] or vertices[-1:]
        distances = [_distance_m(stop, point) for _, _, point in ahead]
        nearest = min(distances)
        k = next(k for k, d in enumerate(distances) if d <= nearest + SAME_PLACE_M)
        cursor = min(cursor + k, len(vertices) - 1)
        line, vertex, _ = vertices[cursor]
        splits.append((line, vertex))
    return splits


def _box(box: Bounds | None, origin: float | None) -> list[float] | None:
    """Return a box as [south, west, north, east] in the map's longitudes (east of its origin, east > west)."""
    if box is None:
        return None
    if origin is None:
        return [box.south, box.west, box.north, box.east]
    west = shift_lon(box.west, origin)
    return [box.south, west, box.north, west + (box.east - box.west) % 360.0]


def story_data(trip: Trip, entries: list[dict], view: Redaction, origin: float | None = None) -> dict:
    """Return what story.js needs: per leg its bounds, per stop its leg, place and route split, as readers see
    them (`view`: a stop in a privacy zone is not moved to; its section shows its leg).

    entries are the legs' drawing data as the map draws them (maps.leg_entry), so splits index the same lines;
    longitudes are moved east of the map's origin as its other layers are (a trip across the antimeridian).
    data = {"zoom": STORY_ZOOM,
            "legs": [[south, west, north, east] or null, …],
            "stops": {slug: [leg index, lat, lon, line index, vertex index]}}
    """
    legs: list[list[float] | None] = []
    stops: dict[str, list[float]] = {}
    for index, (leg, entry) in enumerate(zip(trip.legs, entries)):
        legs.append(_box(view.leg_bounds(leg), origin))
        lines = [decode_polyline(line) for line in entry["lines"]]
        placed = [(stop, place) for stop in leg.stops if (place := view.place(stop)) is not None]
        for (stop, (lat, lon)), (line, vertex) in zip(placed, leg_splits(lines, [place for _, place in placed])):
            shown = lon if origin is None else shift_lon(lon, origin)
            stops[stop.slug] = [index, round(lat, 6), round(shown, 6), line, vertex]
    return {"zoom": STORY_ZOOM, "legs": legs, "stops": stops}


class StoryData(JSCSSMixin, folium.elements.MacroElement):
    """Hands story.js the map and the story's data: the text's sections then steer the map."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        travelmapStory({{ this._parent.get_name() }}, {{ this.data_js }});
        {% endmacro %}"""
    )

    def __init__(self, data: dict, assets: Assets) -> None:
        super().__init__()
        self._name = "StoryData"
        self.data = data
        self.data_js = js_json(data)
        self.default_js = [("travelmap_story", assets.story_js)]


def add_story(m: folium.Map, trip: Trip, assets: Assets, view: Redaction) -> None:
    """Let the story's text steer a trip map built with its 10 m lines (maps.build_trip_map(detail=True)) for the
    same view."""
    entries = [leg_entry(leg, "display", None, view) for leg in trip.legs]
    drawn = next((e for e in walk(m) if isinstance(e, TripData)), None)
    origin = drawn.data.get("origin") if drawn is not None else None
    StoryData(story_data(trip, entries, view, origin), assets).add_to(m)


__all__ = ["STORY_ZOOM", "StoryData", "add_story", "leg_splits", "story_data"]
