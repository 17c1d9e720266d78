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
        if d > LOCAL_LIMIT_M:
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
    coords = [[lon * kx, lat * ky] for lat, lon in zip(lats, lons)]
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


@dataclass(frozen=True)
class Bounds:
    """A latitude/longitude bounding box."""

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def around(cls, points: Sequence[LatLon]) -> Bounds | None:
        """Return the box around the points, or None when there are none."""
        if not points:
            return None
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        return cls(min(lats), min(lons), max(lats), max(lons))

    def union(self, other: Bounds | None) -> Bounds:
        """Return the box covering both."""
        if other is None:
            return self
        return Bounds(min(self.south, other.south), min(self.west, other.west),
                      max(self.north, other.north), max(self.east, other.east))

    def padded(self, metres: float) -> Bounds:
        """Return the box grown by a margin in metres (so a single point gets a sensible view)."""
        dlat = metres / 111_320
        dlon = metres / (111_320 * max(0.01, math.cos(math.radians((self.south + self.north) / 2))))
        return Bounds(max(-90, self.south - dlat), max(-180, self.west - dlon),
                      min(90, self.north + dlat), min(180, self.east + dlon))

    def as_leaflet(self) -> list[list[float]]:
        """Return [[south, west], [north, east]] as Leaflet's fitBounds wants it."""
        return [[self.south, self.west], [self.north, self.east]]


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
    return lats[i - 1] + f * (lats[i] - lats[i - 1]), lons[i - 1] + f * (lons[i] - lons[i - 1]), gap


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


def blur(lat: float, lon: float) -> tuple[float, float]:
    """Round a place to a ~1 km grid (what readers see when a trip blurs its photo places)."""
    step_lat = 0.01
    step_lon = 0.01 / max(0.2, math.cos(math.radians(lat)))
    return round(round(lat / step_lat) * step_lat, 5), round(round(lon / step_lon) * step_lon, 5)


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
