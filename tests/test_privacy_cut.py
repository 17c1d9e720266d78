"""The pure cutting function of privacy zones (travelmap/privacy.py): no point inside a hidden circle survives,
a track through a zone becomes two, and the cut edge does not give the real place away."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from travelmap.geo import haversine_m
from travelmap.privacy import Circle, cut, destination, hidden_circle, inside, zone_seed

HOME = (40.0, 116.4)


def _kept(points, circles):
    return [points[i] for start, stop in cut(points, circles) for i in range(start, stop)]


def _walk(start, bearing_deg, steps, step_m=5.0, wiggle_m=0.0, rng=None):
    """A track from start along a bearing, one point every step_m, optionally wandering sideways."""
    points = []
    for i in range(steps):
        lat, lon = destination(*start, math.radians(bearing_deg), i * step_m)
        if wiggle_m and rng is not None:
            lat, lon = destination(lat, lon, math.radians(bearing_deg + 90), rng.uniform(-wiggle_m, wiggle_m))
        points.append((lat, lon))
    return points


def _local(points, origin):
    """Project to metres east and north of origin (plenty for a few kilometres)."""
    k = math.pi / 180 * 6_371_008.8
    return [((lon - origin[1]) * k * math.cos(math.radians(origin[0])), (lat - origin[0]) * k) for lat, lon in points]


def _fit_circle(xy):
    """Fit a circle to points by least squares (Kåsa): return (cx, cy, r)."""
    # Solve [x y 1] [a b c]^T = x² + y² in the least-squares sense through the normal equations.
    rows = [(x, y, 1.0, x * x + y * y) for x, y in xy]
    m = [[sum(r[i] * r[j] for r in rows) for j in range(3)] for i in range(3)]
    v = [sum(r[i] * r[3] for r in rows) for i in range(3)]
    a, b, c = _solve3(m, v)
    cx, cy = a / 2, b / 2
    return cx, cy, math.sqrt(c + cx * cx + cy * cy)


def _solve3(m, v):
    m = [row[:] + [v[i]] for i, row in enumerate(m)]
    for col in range(3):
        pivot = max(range(col, 3), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(3):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][3] / m[i][i] for i in range(3)]


def test_without_circles_the_whole_sequence_is_one_run():
    points = _walk(HOME, 45, 20)
    assert cut(points, []) == [(0, 20)]
    assert cut([], [Circle(*HOME, 100)]) == []


def test_no_point_inside_a_circle_survives_a_cut():
    rng = random.Random(7)
    circles = [Circle(*HOME, 300), Circle(*destination(*HOME, 1.0, 900), 150)]
    for _ in range(40):
        start = destination(*HOME, rng.uniform(0, 2 * math.pi), rng.uniform(0, 1500))
        points = _walk(start, rng.uniform(0, 360), 600, step_m=rng.choice([1.0, 5.0, 40.0]), wiggle_m=10, rng=rng)
        kept = _kept(points, circles)
        assert all(haversine_m(*p, c.lat, c.lon) > c.radius_m for p in kept for c in circles)
        # and nothing outside is lost except where a step crossed a circle
        outside = [p for p in points if not inside(*p, circles)]
        assert set(kept) == set(outside)


def test_a_track_that_enters_and_leaves_a_zone_is_split_in_two():
    circle = Circle(*HOME, 200)
    points = _walk(destination(*HOME, math.radians(270), 1000), 90, 401)  # west to east straight through
    runs = cut(points, [circle])
    assert len(runs) == 2
    (a0, a1), (b0, b1) = runs
    assert a0 == 0 and b1 == len(points)
    # each run ends on a recorded point just outside the circle: within one step of its edge
    for i in (a1 - 1, b0):
        assert 200 < haversine_m(*points[i], *HOME) <= 205 + 1e-6


def test_a_step_that_passes_through_a_circle_between_two_outside_points_breaks_the_run():
    circle = Circle(*HOME, 150)
    west = destination(*HOME, math.radians(270), 400)
    east = destination(*HOME, math.radians(90), 400)
    north_of = destination(*HOME, 0.0, 400)
    assert cut([west, east], [circle]) == [(0, 1), (1, 2)]  # a gap in the recording straight over home
    assert cut([west, north_of, east], [circle]) == [(0, 3)]  # around it: nothing to cut


def test_a_point_exactly_on_the_edge_counts_as_inside():
    circle = Circle(*HOME, 250)
    edge = destination(*HOME, 1.0, 250 - 1e-6)
    assert circle.contains(*edge)
    assert cut([edge], [circle]) == []


def test_cutting_works_across_the_antimeridian_and_at_the_pole():
    circle = Circle(10.0, 179.9995, 500)
    points = [(10.0, 179.99 + i * 0.001) for i in range(30)]  # 110 m apart, across 180°
    points = [(lat, (lon + 180) % 360 - 180) for lat, lon in points]
    kept = _kept(points, [circle])
    assert kept and all(haversine_m(*p, 10.0, 179.9995) > 500 for p in kept)
    assert len(cut(points, [circle])) == 2
    pole = Circle(90.0, 0.0, 1000)
    ring = [(89.995, lon) for lon in range(-180, 180, 10)]  # 556 m from the pole
    assert cut(ring, [pole]) == []
    assert cut([(89.9, -90.0), (89.9, 90.0)], [pole]) == [(0, 1), (1, 2)]  # a step straight over the pole


def test_the_hidden_circle_holds_the_whole_zone_with_a_margin():
    for n in range(500):
        radius = random.Random(n).uniform(100, 5000)
        hidden = hidden_circle(*HOME, radius, n.to_bytes(4, "big"))
        offset = haversine_m(*HOME, hidden.lat, hidden.lon)
        assert offset <= radius * 1.0001
        assert 2.2 * radius <= hidden.radius_m * 1.0001 and hidden.radius_m <= 2.5 * radius * 1.0001
        assert hidden.radius_m - offset - radius >= 0.2 * radius * 0.999


def test_the_same_zone_drawn_again_gets_the_same_hidden_circle_and_another_gets_another():
    seed = zone_seed(b"secret", 1, *HOME, 300)
    assert hidden_circle(*HOME, 300, seed) == hidden_circle(*HOME, 300, zone_seed(b"secret", 1, *HOME, 300))
    assert hidden_circle(*HOME, 300, seed) != hidden_circle(*HOME, 300, zone_seed(b"secret", 2, *HOME, 300))
    assert hidden_circle(*HOME, 300, seed) != hidden_circle(*HOME, 300, zone_seed(b"other", 1, *HOME, 300))


def _cut_ends(circle, tracks=12, rng=None):
    """Leave HOME in many directions, as an author does from home; return the first point readers see of each."""
    rng = rng or random.Random(1)
    ends = []
    for k in range(tracks):
        bearing = 360 * k / tracks + rng.uniform(-10, 10)
        step = circle.radius_m / 150  # long enough to leave any hidden circle around home
        points = _walk(HOME, bearing, 300, step_m=step, wiggle_m=step / 2, rng=rng)
        runs = cut(points, [circle])
        assert runs, "the track should leave the zone"
        ends.append(points[runs[0][0]])
    return ends


def test_cutting_at_a_circle_around_the_real_place_gives_it_away():
    """The plain approach this module avoids: fit a circle to where four tracks end and out comes home."""
    ends = _cut_ends(Circle(*HOME, 400), tracks=4)
    cx, cy, r = _fit_circle(_local(ends, HOME))
    assert math.hypot(cx, cy) < 10  # metres: home found
    assert abs(r - 400) < 10


@pytest.mark.parametrize("radius", [100, 400, 2000])
def test_the_centre_of_the_cut_edge_is_far_from_the_real_place(radius):
    """Fit a circle to the cut ends of many tracks from home, for many zones: the fitted centre is the hidden
    circle's centre, a random point up to a radius from home, and home is spread evenly over that disc."""
    found = []
    for n in range(60):
        hidden = hidden_circle(*HOME, radius, zone_seed(b"k", n, *HOME, radius))
        ends = _cut_ends(hidden, tracks=16, rng=random.Random(n))
        cx, cy, r = _fit_circle(_local(ends, HOME))
        hx, hy = _local([(hidden.lat, hidden.lon)], HOME)[0]
        assert math.hypot(cx - hx, cy - hy) < 0.02 * radius + 5  # what a reader learns: the hidden centre …
        assert abs(r - hidden.radius_m) < 0.02 * radius + 5  # … and the hidden radius
        found.append(math.hypot(cx, cy) / radius)  # how far that is from home, in zone radii
    # Uniform over the disc: a quarter of the centres within r/2, the median at r/√2, and some near the edge.
    assert 0.1 <= sum(d < 0.5 for d in found) / len(found) <= 0.45
    assert 0.55 <= statistics.median(found) <= 0.85
    assert max(found) > 0.85
    assert all(d <= 1.02 for d in found)


def test_near_box_says_no_only_when_the_circle_is_far_from_the_box():
    circle = Circle(*HOME, 1000)
    assert circle.near_box(39.99, 116.39, 40.01, 116.41)
    assert circle.near_box(40.9, 116.0, 42.0, 117.0)  # within a degree of margin
    assert not circle.near_box(45.0, 116.0, 46.0, 117.0)
    assert not circle.near_box(39.0, 120.0, 41.0, 121.0)
    east = Circle(0.0, 179.99, 1000)
    assert east.near_box(-1.0, -179.9, 1.0, -179.5)  # across the antimeridian
