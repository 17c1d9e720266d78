"""Privacy zones, pure: the hidden circle a zone is cut at, and the one function that cuts a point sequence.

An author's zone is a place and a radius r. Readers never see it: every output is cut at the zone's *hidden
circle*, chosen once when the zone is made and kept with it. Its centre lies a random distance up to r from the
place, in a random direction (uniform over the disc of radius r), and its radius is 2.2 to 2.5 times r, so it
always holds the whole zone with a margin of at least a fifth of r. Many tracks leaving the place end on that
circle, and a reader who fits a circle to their ends finds its centre, not the place: the place could be anywhere
within r of that centre, as likely at one spot as at another.

Tracks are cut between recorded points, never through them: what a reader sees are runs of recorded points
that lie outside every hidden circle, and a run is broken wherever the straight step between two of its points
would pass through one. No point is invented, so a cut end is a real recorded point just outside the circle,
and no drawn line starts on the circle pointing at a place inside it.

Geometry is on a sphere of the Earth's mean radius (unit vectors, so it holds at the poles and across the
antimeridian); "straight" between two points means the great circle, which is what a map draws for points a
few metres apart.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from .geo import EARTH_RADIUS_M

MIN_RADIUS_M = 100.0
MAX_RADIUS_M = 5_000.0
# The hidden circle's radius as a multiple of the zone's (drawn uniformly in this range, once per zone).
HIDDEN_SCALE = (2.2, 2.5)
# Segments longer than this (radians, ~130 km) are checked against every circle however far their ends are.
_LONG_STEP = 0.02
_LONG_STEP_DEG = math.degrees(_LONG_STEP)
# A step whose two ends are both farther than the circle plus this (radians, ~64 km) cannot reach it
# unless it is a long step.
_NEAR = 0.01

Unit = tuple[float, float, float]


def unit(lat: float, lon: float) -> Unit:
    """Return a place as a unit vector (x towards 0°E on the equator, z to the north pole)."""
    la, lo = math.radians(lat), math.radians(lon)
    c = math.cos(la)
    return c * math.cos(lo), c * math.sin(lo), math.sin(la)


def _cross(a: Unit, b: Unit) -> Unit:
    return a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]


def _dot(a: Unit, b: Unit) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _half_chord2(a: Unit, b: Unit) -> float:
    """Return 1 - cos(angle) between two unit vectors, precisely for tiny angles (|a - b|² / 2)."""
    dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return (dx * dx + dy * dy + dz * dz) / 2


@dataclass(frozen=True)
class Circle:
    """A circle on the Earth (centre and radius in metres) that nothing a reader sees may enter."""

    lat: float
    lon: float
    radius_m: float
    _centre: Unit = field(init=False, repr=False, compare=False)
    _one_minus_cos: float = field(init=False, repr=False, compare=False)  # of the angular radius
    _sin2: float = field(init=False, repr=False, compare=False)
    _near: float = field(init=False, repr=False, compare=False)  # 1 - cos(angular radius + _NEAR)
    _band_deg: float = field(init=False, repr=False, compare=False)  # its half-height in degrees of latitude
    _reach_deg: float = field(init=False, repr=False, compare=False)  # the same plus _NEAR

    def __post_init__(self) -> None:
        angle = self.radius_m / EARTH_RADIUS_M
        object.__setattr__(self, "_centre", unit(self.lat, self.lon))
        object.__setattr__(self, "_one_minus_cos", 2 * math.sin(angle / 2) ** 2)
        object.__setattr__(self, "_sin2", math.sin(angle) ** 2)
        object.__setattr__(self, "_near", 2 * math.sin((angle + _NEAR) / 2) ** 2)
        object.__setattr__(self, "_band_deg", math.degrees(angle))
        object.__setattr__(self, "_reach_deg", math.degrees(angle + _NEAR))

    def contains(self, lat: float, lon: float) -> bool:
        """Tell whether a place lies inside the circle or on it."""
        if abs(lat - self.lat) > self._band_deg:  # a degree of latitude is never more than a degree of arc
            return False
        return self._holds(unit(lat, lon))

    def _holds(self, p: Unit) -> bool:
        return _half_chord2(p, self._centre) <= self._one_minus_cos

    def _step_enters(self, p: Unit, q: Unit) -> bool:
        """Tell whether the great-circle step from p to q (both outside) passes through the circle."""
        c = self._centre
        if (_half_chord2(p, c) > self._near and _half_chord2(q, c) > self._near
                and _half_chord2(p, q) < 2 * math.sin(_LONG_STEP / 2) ** 2):
            return False  # both ends far away and the step short: it cannot reach the circle
        n = _cross(p, q)
        nn = _dot(n, n)
        if nn == 0.0:
            return False  # the same place twice (or antipodes, which no track steps between)
        cn = _dot(c, n)
        if cn * cn / nn > self._sin2:
            return False  # the whole great circle through p and q passes farther away
        # The point of that great circle nearest the centre; the step enters only if it lies between p and q.
        nearest = (c[0] - cn * n[0] / nn, c[1] - cn * n[1] / nn, c[2] - cn * n[2] / nn)
        return _dot(_cross(p, nearest), n) > 0 and _dot(_cross(nearest, q), n) > 0

    def near_box(self, south: float, west: float, north: float, east: float, margin_deg: float = 1.0) -> bool:
        """Tell whether the circle comes within margin_deg of a latitude/longitude box (a cheap test that may say
        yes when the answer is no, never the reverse, for steps up to ~10° long)."""
        reach = self._band_deg + margin_deg
        if north < self.lat - reach or south > self.lat + reach:
            return False
        top = abs(self.lat) + reach
        if top >= 89.0 or east - west >= 180.0:
            return True  # near a pole, or a box around the antimeridian: do not try to be clever
        half = reach / math.cos(math.radians(top))
        if half >= 180.0:
            return True
        return any(west <= self.lon + shift + half and east >= self.lon + shift - half for shift in (-360, 0, 360))


def inside(lat: float, lon: float, circles: Sequence[Circle]) -> bool:
    """Tell whether a place lies in any of the circles."""
    return any(circle.contains(lat, lon) for circle in circles)


def cut(points: Sequence[tuple[float, float]], circles: Sequence[Circle]) -> list[tuple[int, int]]:
    """Cut a sequence of (lat, lon) places by hidden circles: return the runs [start, stop) a reader may see.

    A run holds consecutive points that all lie outside every circle, and no step between two of them passes
    through a circle; a sequence that enters a circle and leaves it again becomes two runs. Nothing is
    interpolated: every output keeps its own values (elevation, time …) for the points it keeps.
    """
    n = len(points)
    if not circles:
        return [(0, n)] if n else []
    runs: list[tuple[int, int]] = []
    start: int | None = None
    prev_lat = prev_lon = 0.0
    prev_far = True
    prev_unit: Unit | None = None
    for i, (lat, lon) in enumerate(points):
        # Most points of most tracks are far from every zone: settle those with a subtraction, not trigonometry.
        far = all(abs(lat - c.lat) > c._reach_deg for c in circles)
        p = None if far else unit(lat, lon)
        if p is not None and any(abs(lat - c.lat) <= c._band_deg and c._holds(p) for c in circles):
            if start is not None:
                runs.append((start, i))
                start = None
            p = None
        elif start is None:
            start = i
        elif not (far and prev_far and _short(prev_lat, prev_lon, lat, lon)):
            p = p or unit(lat, lon)
            q = prev_unit or unit(prev_lat, prev_lon)
            if any(c._step_enters(q, p) for c in circles):
                runs.append((start, i))
                start = i
        prev_lat, prev_lon, prev_far, prev_unit = lat, lon, far, p
    if start is not None:
        runs.append((start, n))
    return runs


def _short(lat1: float, lon1: float, lat2: float, lon2: float) -> bool:
    """Tell whether a step is certainly shorter than _LONG_STEP (its degrees of latitude and longitude bound it)."""
    dlon = abs(lon2 - lon1)
    return abs(lat2 - lat1) + min(dlon, 360.0 - dlon) < _LONG_STEP_DEG


def zone_seed(secret: bytes, author_id: int, lat: float, lon: float, radius_m: float) -> bytes:
    """Return the seed of a zone's hidden circle: the same zone drawn again gets the same circle back.

    Drawing a zone anew at the same place with a fresh random circle would let a reader who kept the old pages
    intersect the two circles; keyed on the app's secret, the choice stays unpredictable to readers.
    """
    message = f"privacy-zone:{author_id}:{lat:.5f}:{lon:.5f}:{radius_m:.1f}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def hidden_circle(lat: float, lon: float, radius_m: float, seed: bytes) -> Circle:
    """Choose the circle a zone is cut at: centred up to radius_m away from the place in a random direction
    (uniform over that disc), with 2.2 to 2.5 times its radius, so it always holds the whole zone."""
    rng = random.Random(seed)
    distance = radius_m * math.sqrt(rng.random())
    bearing = rng.uniform(0.0, 2 * math.pi)
    radius = radius_m * rng.uniform(*HIDDEN_SCALE)
    centre_lat, centre_lon = destination(lat, lon, bearing, distance)
    return Circle(centre_lat, centre_lon, radius)


def destination(lat: float, lon: float, bearing: float, distance_m: float) -> tuple[float, float]:
    """Return the place distance_m from (lat, lon) along a bearing (radians from north), on the sphere."""
    delta = distance_m / EARTH_RADIUS_M
    phi1, lam1 = math.radians(lat), math.radians(lon)
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lam2 = lam1 + math.atan2(math.sin(bearing) * math.sin(delta) * math.cos(phi1),
                             math.cos(delta) - math.sin(phi1) * sin_phi2)
    lon2 = (math.degrees(lam2) + 540.0) % 360.0 - 180.0
    return math.degrees(phi2), lon2
