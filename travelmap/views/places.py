"""Places by name for the views: read a query string, ask the gazetteer, answer in JSON or in words.

The API (`/api/places`, bearer token) and the workspace's own script (`/author/places`, the session) answer
alike through these functions, so the two stay thin and cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import places, validate
from ..errors import InvalidInput
from ..geo import haversine_m

MAX_NEAREST_KM = 500.0
# "near Baotou" while the town is this close; farther, the words say how far ("48 km from Wuchuan").
NEAR_KM = 30.0
FROM_KM = 100.0


def place_json(place: places.Place, **extra: Any) -> dict[str, Any]:
    """Describe a place: {name, country, country_code, lat, lon, population, timezone, matched}."""
    return {"name": place.name, "country": place.country, "country_code": place.country_code,
            "lat": place.lat, "lon": place.lon, "population": place.population, "timezone": place.timezone,
            "matched": place.matched, **extra}


def search_answer(args: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return the places matching ?q=NAME[&limit=N] best first; 400 for an empty or over-long query."""
    if not (args.get("q") or "").strip():
        raise InvalidInput("Type part of a place name in q, e.g. ?q=Baotou or ?q=包头.", field="q")
    query = validate.text(dict(args), "q", max_length=places.MAX_QUERY_LENGTH)
    limit = validate.integer(dict(args), "limit", low=1, high=places.MAX_LIMIT, required=False)
    return [place_json(p) for p in places.search(query, limit or places.DEFAULT_LIMIT)]


def nearest_answer(args: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return the town nearest ?lat=&lon= (within &max_km=, default 30) as a list of one, or an empty list."""
    data = dict(args)
    lat = validate.number(data, "lat", low=-90, high=90)
    lon = validate.number(data, "lon", low=-180, high=180)
    max_km = validate.number(data, "max_km", low=0.001, high=MAX_NEAREST_KM, required=False)
    assert lat is not None and lon is not None  # required=True raised otherwise
    place = places.nearest(lat, lon, max_km or places.NEAREST_KM)
    if place is None:
        return []
    return [place_json(place, distance_m=round(haversine_m(lat, lon, place.lat, place.lon)))]


def near_words(lat: float | None, lon: float | None) -> str | None:
    """Say where a point is in words: "near Baotou, China", "48 km from Wuchuan, China", or None."""
    if lat is None or lon is None:
        return None
    place = places.nearest(lat, lon, FROM_KM)
    if place is None:
        return None
    km = haversine_m(lat, lon, place.lat, place.lon) / 1000
    return f"near {place.label}" if km <= NEAR_KM else f"{km:.0f} km from {place.label}"
