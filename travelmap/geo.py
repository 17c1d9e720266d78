"""Geometry on the Earth: distances, simplification, elevation gain, bounds, time matching."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Sequence

from simplification.cutil import simplify_coords_idx

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)

LatLon = tuple[float, float]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def path_length_m(lats: Sequence[float], lons: Sequence[float]) -> float:
    """Return the length in metres of a path through the given points."""
    return sum(haversine_m(lats[i - 1], lons[i - 1], lats[i], lons[i]) for i in range(1, len(lats)))


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


def elevation_gain(elevations: Sequence[float], threshold_m: float = 5.0) -> tuple[float, float]:
    """Return (ascent, descent) in metres, counting only climbs and drops larger than the threshold.

    GPS elevation jitters by several metres; summing every positive difference
    overshoots several-fold. A hysteresis threshold ignores wiggles smaller than it.
    """
    if not elevations:
        return 0.0, 0.0
    ascent = descent = 0.0
    anchor = elevations[0]
    for ele in elevations[1:]:
        delta = ele - anchor
        if delta >= threshold_m:
            ascent += delta
            anchor = ele
        elif delta <= -threshold_m:
            descent -= delta
            anchor = ele
    return ascent, descent


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
