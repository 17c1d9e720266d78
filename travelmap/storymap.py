"""The story view's map: how far along the route each stop is, and the data story.js needs to follow the text.
Pure: model data in, a folium element out; no Flask."""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from .geo import decode_polyline
from .maps import Assets, js_json, leg_bounds, leg_entry
from .models import Trip

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


def story_data(trip: Trip, entries: list[dict]) -> dict:
    """Return what story.js needs: per leg its bounds, per stop its leg, place and route split.

    entries are the legs' drawing data as the map draws them (maps.leg_entry), so splits index the same lines.
    data = {"zoom": STORY_ZOOM,
            "legs": [[south, west, north, east] or null, …],
            "stops": {slug: [leg index, lat, lon, line index, vertex index]}}
    """
    legs: list[list[float] | None] = []
    stops: dict[str, list[float]] = {}
    for index, (leg, entry) in enumerate(zip(trip.legs, entries)):
        box = leg_bounds(leg)
        legs.append([box.south, box.west, box.north, box.east] if box is not None else None)
        lines = [decode_polyline(line) for line in entry["lines"]]
        for stop, (line, vertex) in zip(leg.stops, leg_splits(lines, [(s.lat, s.lon) for s in leg.stops])):
            stops[stop.slug] = [index, round(stop.lat, 6), round(stop.lon, 6), line, vertex]
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


def add_story(m: folium.Map, trip: Trip, assets: Assets) -> None:
    """Let the story's text steer a trip map built with its 10 m lines (maps.build_trip_map(detail=True))."""
    entries = [leg_entry(leg, "display", None) for leg in trip.legs]
    StoryData(story_data(trip, entries), assets).add_to(m)


__all__ = ["STORY_ZOOM", "StoryData", "add_story", "leg_splits", "story_data"]
