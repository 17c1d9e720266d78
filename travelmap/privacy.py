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

import numpy as np

from .geo import EARTH_RADIUS_M

MIN_RADIUS_M = 100.0
MAX_RADIUS_M = 5_000.0
# The hidden circle's radius as a multiple of the zone's (drawn uniformly in this range, once per zone).
HIDDEN_SCALE = (2.2, 2.5)
# Segments longer than this (radians, ~130 km) are checked against every circle however far their ends are.
_LONG_STEP = 0.02
# A step whose two ends are both farther than the circle plus this (radians, ~64 km) cannot reach it
# unless it is a long step.
_NEAR = 0.01

Unit = tuple[float, float, float]


def unit(lat: float, lon: float) -> Unit:
    """Return a place as a unit vector (x towards 0°E on the equator, z to the north pole)."""
    la, lo = math.radians(lat), math.radians(lon)
    c = math.cos(la)
    return c * math.cos(lo), c * math.sin(lo), math.sin(la)


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

    def __post_init__(self) -> None:
        angle = self.radius_m / EARTH_RADIUS_M
        object.__setattr__(self, "_centre", unit(self.lat, self.lon))
        object.__setattr__(self, "_one_minus_cos", 2 * math.sin(angle / 2) ** 2)
        object.__setattr__(self, "_sin2", math.sin(angle) ** 2)
        object.__setattr__(self, "_near", 2 * math.sin((angle + _NEAR) / 2) ** 2)
        object.__setattr__(self, "_band_deg", math.degrees(angle))

    def contains(self, lat: float, lon: float) -> bool:
        """Tell whether a place lies inside the circle or on it."""
        if abs(lat - self.lat) > self._band_deg:  # a degree of latitude is never more than a degree of arc
            return False
        return self._holds(unit(lat, lon))

    def _holds(self, p: Unit) -> bool:
        return _half_chord2(p, self._centre) <= self._one_minus_cos

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


def cut(points: Sequence[tuple[float, float]] | np.ndarray, circles: Sequence[Circle]) -> list[tuple[int, int]]:
    """Cut a sequence of (lat, lon) places (or an n×2 array of them) by hidden circles: return the runs
    [start, stop) a reader may see.

    A run holds consecutive points that all lie outside every circle, and no step between two of them passes
    through a circle; a sequence that enters a circle and leaves it again becomes two runs. Nothing is
    interpolated: every output keeps its own values (elevation, time …) for the points it keeps.
    """
    n = len(points)
    if not circles or n == 0:
        return [(0, n)] if n else []
    # Vectorised (numpy): a 100,000-point track near a zone is cut in milliseconds, not seconds.
    lat, lon = np.radians(np.asarray(points, dtype=np.float64).reshape(n, 2)).T
    cos_lat = np.cos(lat)
    u = np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))
    p, q = u[:-1], u[1:]
    step2 = _half_chord2_rows(p, q)
    hidden = np.zeros(n, dtype=bool)
    breaks = np.zeros(n - 1, dtype=bool)
    far = []
    for circle in circles:
        to_centre = _half_chord2_rows(u, np.asarray(circle._centre))
        hidden |= to_centre <= circle._one_minus_cos
        far.append(to_centre)
    both_outside = ~hidden[:-1] & ~hidden[1:]
    long_step = step2 >= 2 * math.sin(_LONG_STEP / 2) ** 2
    for circle, to_centre in zip(circles, far):
        # Every point of a step lies within half its length of one of its ends: a short step whose two ends are
        # both farther than the circle plus _NEAR cannot reach it.
        near = (to_centre[:-1] <= circle._near) | (to_centre[1:] <= circle._near) | long_step
        candidates = np.flatnonzero(both_outside & near & ~breaks)
        if candidates.size:
            breaks[candidates] = _steps_enter(p[candidates], q[candidates], circle)
    visible = ~hidden
    cut_before = np.concatenate(([True], hidden[:-1] | breaks))  # a run starts here
    cut_after = np.concatenate((hidden[1:] | breaks, [True]))  # a run ends here
    starts = np.flatnonzero(visible & cut_before)
    stops = np.flatnonzero(visible & cut_after) + 1
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


def _half_chord2_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return 1 - cos(angle) between unit vectors, row by row (|a - b|² / 2: precise for tiny angles)."""
    d = a - b
    return np.einsum("ij,ij->i", d, d) / 2


def _steps_enter(p: np.ndarray, q: np.ndarray, circle: Circle) -> np.ndarray:
    """Tell, step by step, whether the great-circle step from p to q (both outside) passes through the circle:
    whether the point of its great circle nearest the centre lies inside the circle, and between p and q."""
    c = np.asarray(circle._centre)
    normal = np.cross(p, q)
    nn = np.einsum("ij,ij->i", normal, normal)
    cn = normal @ c
    with np.errstate(divide="ignore", invalid="ignore"):
        close = (nn > 0) & (cn * cn / nn <= circle._sin2)
        nearest = c - (cn / nn)[:, None] * normal
    between = (np.einsum("ij,ij->i", np.cross(p, nearest), normal) > 0) & \
        (np.einsum("ij,ij->i", np.cross(nearest, q), normal) > 0)
    return close & between


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
