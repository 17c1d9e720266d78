"""Geometry on the Earth: distances, simplification, elevation gain, bounds, time matching."""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from geographiclib.geodesic import Geodesic
from simplification.cutil import simplify_coords_idx

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)
# Below this, the local ellipsoidal approximation is exact to well under a millimetre per segment;
# above it (gaps in a recording, planned routes) we ask geographiclib for the true geodesic.
LOCAL_LIMIT_M = 5_000.0
LOCAL_MAX_DLON = 0.2  # degrees; a GPS step changes the longitude far less except within a few km of a pole
MERCATOR_MAX_LAT = 85.0511287798  # Web Mercator (Leaflet, tiles) shows nothing nearer the poles

LatLon = tuple[float, float]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def step_lengths(lats: Sequence[float], lons: Sequence[float]) -> list[float]:
    """Return the WGS84 geodesic length in metres of each step between consecutive points.

    Short steps use the ellipsoid's meridional and prime-vertical radii at the mid-latitude (fast and
    exact for GPS sampling); long steps are solved exactly with Karney's algorithm (geographiclib).
    """
    out = []
    a, e2 = WGS84_A, WGS84_E2
    rad = math.pi / 180
    for i in range(1, len(lats)):
        lat1, lon1, lat2, lon2 = lats[i - 1], lons[i - 1], lats[i], lons[i]
        dlon = lon2 - lon1
        if dlon > 180:
            dlon -= 360
        elif dlon < -180:
            dlon += 360
        phi = (lat1 + lat2) * 0.5 * rad
        sin_phi = math.sin(phi)
        w = 1 - e2 * sin_phi * sin_phi
        n_radius = a / math.sqrt(w)
        dy = n_radius * (1 - e2) / w * (lat2 - lat1) * rad
        dx = n_radius * math.cos(phi) * dlon * rad
        d = math.sqrt(dx * dx + dy * dy)
        # Near a pole a short step can change the longitude a lot, and the parallel through the mid-latitude
        # is no longer a straight enough line: solve those steps exactly too.
        if d > LOCAL_LIMIT_M or abs(dlon) > LOCAL_MAX_DLON:
            d = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]
        out.append(d)
    return out


def path_length_m(lats: Sequence[float], lons: Sequence[float]) -> float:
    """Return the geodesic length in metres of a path through the given points."""
    return math.fsum(step_lengths(lats, lons))


def smooth(values: Sequence[float], distances: Sequence[float], half_window_m: float = 25.0,
           min_points: int = 2) -> list[float]:
    """Return a centred moving average over ±half_window_m along the path (at least ±min_points)."""
    n = len(values)
    out = [0.0] * n
    lo = hi = 0
    total = 0.0
    for i in range(n):
        while hi < n and (distances[hi] - distances[i] <= half_window_m or hi - i <= min_points):
            total += values[hi]
            hi += 1
        while lo < i and distances[i] - distances[lo] > half_window_m and i - lo > min_points:
            total -= values[lo]
            lo += 1
        out[i] = total / (hi - lo)
    return out


def simplify(lats: Sequence[float], lons: Sequence[float], tolerance_m: float) -> list[int]:
    """Return the indices kept by Ramer-Douglas-Peucker with a tolerance in metres."""
    n = len(lats)
    if n <= 2:
        return list(range(n))
    # Project to a local equirectangular plane in metres so the tolerance means metres.
    lat0 = math.radians(sum(lats) / n)
    kx = EARTH_RADIUS_M * math.cos(lat0) * math.pi / 180
    ky = EARTH_RADIUS_M * math.pi / 180
    coords = [[lon * kx, lat * ky] for lat, lon in zip(lats, unwrap(lons))]
    return [int(i) for i in simplify_coords_idx(coords, tolerance_m)]


ELEVATION_METHOD = ("elevation smoothed over ±25 m of track, then only climbs and drops of at least 5 m "
                    "between turning points are counted")


def elevation_gain(elevations: Sequence[float], threshold_m: float = 5.0) -> tuple[float, float]:
    """Return (ascent, descent) in metres, counting whole swings between turning points of at least threshold_m.

    GPS elevation jitters by several metres; summing every positive difference overshoots several-fold.
    Feed this smoothed elevations: a turning point is confirmed once the profile moves threshold_m
    back from it, and the full swing from the previous turning point is counted (no loss at the peaks).
    """
    if not elevations:
        return 0.0, 0.0
    up = down = 0.0
    low = high = ref = cand = elevations[0]
    trend = 0
    for x in elevations:
        if trend == 0:
            low, high = min(low, x), max(high, x)
            if x - low >= threshold_m:
                trend, ref, cand = 1, low, x
            elif high - x >= threshold_m:
                trend, ref, cand = -1, high, x
        elif trend == 1:
            if x > cand:
                cand = x
            elif cand - x >= threshold_m:
                up += cand - ref
                trend, ref, cand = -1, cand, x
        else:
            if x < cand:
                cand = x
            elif x - cand >= threshold_m:
                down += ref - cand
                trend, ref, cand = 1, cand, x
    if trend == 1:
        up += cand - ref
    elif trend == -1:
        down += ref - cand
    return up, down


def wrap_lon(lon: float) -> float:
    """Return the longitude in [-180, 180) (180 is -180: one meridian)."""
    return lon if -180.0 <= lon < 180.0 else (lon + 180.0) % 360.0 - 180.0


def shift_lon(lon: float, origin: float) -> float:
    """Return the longitude moved by whole turns into [origin, origin + 360)."""
    return origin + (lon - origin) % 360.0


def unwrap(lons: Sequence[float], origin: float | None = None) -> list[float]:
    """Return the longitudes made continuous: each within 180° of the one before, so a line crossing the
    antimeridian goes on past ±180 instead of jumping across the map; the first starts at or east of origin."""
    out: list[float] = []
    previous: float | None = None
    for lon in lons:
        if previous is None:
            value = shift_lon(lon, origin) if origin is not None else lon
        else:
            value = previous + (lon - previous + 180.0) % 360.0 - 180.0
        out.append(value)
        previous = value
    return out


def lon_cover(arcs: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Return the shortest longitude interval (west, east) covering every arc (west, east), as continuous
    longitudes: west in [-180, 180), east >= west, and east > 180 when it crosses the antimeridian."""
    base = sorted((wrap_lon(w), wrap_lon(w) + (e - w)) for w, e in arcs)
    if not base or any(e - w >= 360 for w, e in base):
        return -180.0, 180.0
    merged: list[list[float]] = []
    for w, e in base + [(w + 360, e + 360) for w, e in base]:  # twice round: arcs wrap past the antimeridian
        if merged and w <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([w, e])
    gaps = [(b[0] - a[1], a[1], b[0]) for a, b in zip(merged, merged[1:])]
    if not gaps:
        return -180.0, 180.0
    size, gap_start, gap_end = max(gaps)
    west = wrap_lon(gap_end)
    return round(west, 9), round(west + 360.0 - size, 9)  # rounded: whole turns added and taken leave noise


def lon_span(lons: Sequence[float]) -> tuple[float, float]:
    """Return the shortest longitude interval (west, east) holding every longitude, as lon_cover does."""
    low, high = min(lons), max(lons)
    if high - low <= 180.0:  # then the rest of the circle is the largest gap: no need to look further
        return low, high
    return lon_cover([(lon, lon) for lon in set(lons)])


@dataclass(frozen=True)
class Bounds:
    """A latitude/longitude bounding box. Longitudes are continuous: west in [-180, 180) and east >= west,
    so a box crossing the antimeridian has east > 180 (what Leaflet's fitBounds wants)."""

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def around(cls, points: Sequence[LatLon]) -> Bounds | None:
        """Return the smallest box around the points (across the antimeridian if that is smaller), or None."""
        if not points:
            return None
        lats = [p[0] for p in points]
        west, east = lon_span([p[1] for p in points])
        return cls(min(lats), west, max(lats), east)

    @classmethod
    def of_box(cls, south: float, west: float, north: float, east: float) -> Bounds:
        """Return the box of a GeoJSON-style bbox, whose west is greater than its east across the antimeridian."""
        west, east = lon_cover([(west, east if east >= west else east + 360.0)])
        return cls(south, west, north, east)

    def union(self, other: Bounds | None) -> Bounds:
        """Return the smallest box covering both."""
        if other is None:
            return self
        west, east = lon_cover([(self.west, self.east), (other.west, other.east)])
        return Bounds(min(self.south, other.south), west, max(self.north, other.north), east)

    def padded(self, metres: float) -> Bounds:
        """Return the box grown by a margin in metres (so a single point gets a sensible view)."""
        dlat = metres / 111_320
        dlon = metres / (111_320 * max(0.01, math.cos(math.radians((self.south + self.north) / 2))))
        west, east = self.west - dlon, self.east + dlon
        if east - west >= 360:
            west, east = -180.0, 180.0
        shift = wrap_lon(west) - west if not -180.0 <= west < 180.0 else 0.0
        return Bounds(max(-90, self.south - dlat), west + shift, min(90, self.north + dlat), east + shift)

    def as_leaflet(self) -> list[list[float]]:
        """Return [[south, west], [north, east]] for Leaflet's fitBounds, within what Web Mercator shows: a box
        wholly nearer a pole than 85.05° becomes the strip along that edge of the map."""
        south = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, self.south))
        north = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, self.north))
        if north - south < 0.5 and (north == MERCATOR_MAX_LAT or south == -MERCATOR_MAX_LAT):
            south, north = (north - 0.5, north) if north == MERCATOR_MAX_LAT else (south, south + 0.5)
        return [[south, self.west], [north, self.east]]

    def as_geojson(self) -> list[float]:
        """Return [west, south, east, north] as RFC 7946 wants it: longitudes within ±180, west greater than
        east when the box crosses the antimeridian."""
        east = round(self.east - 360.0, 9) if self.east > 180 else self.east
        return [self.west, self.south, east, self.north]


def split_at_antimeridian(coords: Sequence[Sequence[float]]) -> list[list[list[float]]]:
    """Cut a line of [lat, lon] points where it crosses the antimeridian (RFC 7946 §3.1.9), ending one part
    at ±180 and starting the next at ∓180 at the latitude where it crosses."""
    parts: list[list[list[float]]] = []
    current: list[list[float]] = []
    for lat, lon in coords:
        if not current:
            current.append([lat, lon])
            continue
        lat0, lon0 = current[-1]
        onward = lon0 + (lon - lon0 + 180.0) % 360.0 - 180.0  # the short way round, past ±180 if it crosses
        if abs(onward) <= 180.0:
            # 180 and -180 are one meridian: keep the side the line is on.
            current.append([lat, onward if abs(lon) == 180.0 else lon])
            continue
        edge = math.copysign(180.0, onward)
        cross = lat0 + (edge - lon0) / (onward - lon0) * (lat - lat0)
        if lon0 != edge:
            current.append([cross, edge])
        parts.append(current)
        current = [[cross, -edge], [lat, lon]]
    parts.append(current)
    return [part for part in parts if len(part) >= 2] or parts[:1]


def position_at(times: Sequence[float], lats: Sequence[float], lons: Sequence[float],
                when: float, max_gap_s: float) -> tuple[float, float, float] | None:
    """Interpolate (lat, lon, gap_s) on a time-sorted track at POSIX time `when`.

    The gap is the distance in seconds to the nearest recorded point; beyond
    max_gap_s there is no answer, as with `exiftool -geotag`.
    """
    if not times:
        return None
    i = bisect.bisect_left(times, when)
    if i < len(times) and times[i] == when:
        return lats[i], lons[i], 0.0
    if i == 0 or i == len(times):
        j = 0 if i == 0 else len(times) - 1
        gap = abs(times[j] - when)
        return (lats[j], lons[j], gap) if gap <= max_gap_s else None
    t0, t1 = times[i - 1], times[i]
    gap = min(when - t0, t1 - when)
    if gap > max_gap_s:
        return None
    f = (when - t0) / (t1 - t0) if t1 > t0 else 0.0
    dlon = (lons[i] - lons[i - 1] + 180.0) % 360.0 - 180.0  # the short way, across the antimeridian if need be
    lon = lons[i - 1] + f * dlon
    return lats[i - 1] + f * (lats[i] - lats[i - 1]), (wrap_lon(lon) if abs(lon) > 180 else lon), gap


def zone_at(lat: float | None, lon: float | None) -> str | None:
    """Return the IANA time zone at a place, from an offline lookup (None at sea or without a place)."""
    if lat is None or lon is None:
        return None
    return _zone_finder().timezone_at(lat=lat, lng=lon)


@functools.cache
def _zone_finder() -> TimezoneFinder:
    """The offline time-zone lookup, loaded once (its data takes a moment to load)."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


# The regions the first part of an IANA zone name stands for (America/… covers both Americas; Atlantic/, Indian/
# and Etc/ zones are islands or open sea, which belong to no continent).
_CONTINENTS = {"Africa": "Africa", "America": "the Americas", "Antarctica": "Antarctica", "Arctic": "Europe",
               "Asia": "Asia", "Australia": "Australia", "Europe": "Europe", "Pacific": "Oceania"}


def continent_at(lat: float, lon: float) -> str | None:
    """Return the continent of a place from its offline time zone ('Asia', 'the Americas' …); None at sea."""
    zone = zone_at(lat, lon)
    return _CONTINENTS.get(zone.split("/", 1)[0]) if zone else None


FAR_KM = 300.0  # a track or photo this far from everything else of its trip is probably in the wrong trip


def _unit_vectors(points: Sequence[LatLon]) -> np.ndarray:
    """Return the points as unit vectors on the sphere (n × 3), so that a dot product is the cosine of their angle."""
    radians = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = radians[:, 0], radians[:, 1]
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def far_from(points: Sequence[LatLon], others: Sequence[LatLon], km: float = FAR_KM) -> float | None:
    """Return how far in km the nearest pair of a point and an other lies when that is more than km apart, else None.

    None too when either list is empty (nothing to be far from). Great-circle distance on the mean sphere, over
    every pair (numpy, in blocks of a few million pairs): callers thin long lines first (see services/faraway.py).
    """
    if not len(points) or not len(others):
        return None
    mine, theirs = _unit_vectors(points), _unit_vectors(others)
    # Most lines are near the rest somewhere along them: a few spread points usually settle it at once.
    probe = mine[np.linspace(0, len(mine) - 1, min(len(mine), 16)).astype(int)]
    if float((probe @ theirs.T).max()) >= math.cos(km * 1000 / EARTH_RADIUS_M):
        return None
    rows = max(1, 4_000_000 // len(theirs))
    closest = max(float((mine[i:i + rows] @ theirs.T).max()) for i in range(0, len(mine), rows))
    distance_km = math.acos(max(-1.0, min(1.0, closest))) * EARTH_RADIUS_M / 1000
    return distance_km if distance_km > km else None


def far_each(points: Sequence[LatLon], others: Sequence[LatLon], km: float = FAR_KM) -> list[float | None]:
    """Return, for each point, far_from's answer against the others and every other one of the points.

    One matrix product for all of them (in blocks), not one far_from call each: a trip's few hundred photos are
    each measured against the rest of the trip in a few milliseconds. Points at the same place are near each other.
    """
    if not len(points):
        return []
    mine = _unit_vectors(points)
    theirs = _unit_vectors(others) if len(others) else np.empty((0, 3))
    closest = np.full(len(mine), -2.0)  # below any cosine: nothing to be near
    rows = max(1, 4_000_000 // max(1, len(theirs) + len(mine)))
    for start in range(0, len(mine), rows):
        block = mine[start:start + rows]
        if len(theirs):
            closest[start:start + rows] = (block @ theirs.T).max(axis=1)
        among = block @ mine.T
        among[np.arange(len(block)), np.arange(start, start + len(block))] = -2.0  # a point is not its own neighbour
        if among.shape[1] > 1:
            closest[start:start + rows] = np.maximum(closest[start:start + rows], among.max(axis=1))
    out: list[float | None] = []
    for cosine in closest.tolist():
        if cosine < -1.5:  # nothing else at all
            out.append(None)
            continue
        distance_km = math.acos(max(-1.0, min(1.0, cosine))) * EARTH_RADIUS_M / 1000
        out.append(distance_km if distance_km > km else None)
    return out


def blur(lat: float, lon: float) -> tuple[float, float]:
    """Round a place to a ~1 km grid (what readers see when a trip blurs its photo places)."""
    step_lat = 0.01
    step_lon = 0.01 / max(0.2, math.cos(math.radians(lat)))
    lon = round(round(lon / step_lon) * step_lon, 5)
    return round(round(lat / step_lat) * step_lat, 5), wrap_lon(lon) if abs(lon) > 180 else lon


def encode_polyline(coords: Sequence[Sequence[float]], precision: int = 5) -> str:
    """Encode [[lat, lon], ...] in Google's encoded-polyline format (about 5 bytes a point instead of ~20)."""
    factor = 10 ** precision
    out: list[str] = []
    last_lat = last_lon = 0
    for lat, lon in coords:
        ilat, ilon = round(lat * factor), round(lon * factor)
        for delta in (ilat - last_lat, ilon - last_lon):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        last_lat, last_lon = ilat, ilon
    return "".join(out)


def decode_polyline(text: str, precision: int = 5) -> list[list[float]]:
    """Decode Google's encoded-polyline format back to [[lat, lon], ...]."""
    factor = 10 ** precision
    coords, index, lat, lon = [], 0, 0, 0
    while index < len(text):
        deltas = []
        for _ in range(2):
            shift = result = 0
            while True:
                byte = ord(text[index]) - 63
                index += 1
                result |= (byte & 0x1F) << shift
                shift += 5
                if byte < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat += deltas[0]
        lon += deltas[1]
        coords.append([lat / factor, lon / factor])
    return coords
