"""The elevation profile: a gap between tracks, and axis labels that always fit inside the drawing."""

from __future__ import annotations

import re

import pytest

from travelmap import profile


def _track(start_m: float, heights: list[float]) -> list[list[float]]:
    return [[start_m + 100.0 * i, h, 40.0, 110.0 + i * 0.001] for i, h in enumerate(heights)]


def test_two_tracks_of_a_leg_are_drawn_with_a_gap_not_a_cliff_between_them() -> None:
    first, second = _track(0, [1000, 1010, 1020]), _track(200, [1500, 1490, 1480])
    drawn = profile.draw(first + second, "#2563eb", breaks=[3])
    assert drawn is not None
    lines = re.findall(r'class="tm-line" points="([^"]+)"', drawn.svg)
    assert [len(line.split()) for line in lines] == [3, 3]  # two pieces, no segment from 1,020 m up to 1,500 m
    assert len(re.findall(r'class="tm-area"', drawn.svg)) == 2
    assert drawn.points == first + second  # hovering still walks the whole leg


def test_one_track_is_one_line() -> None:
    drawn = profile.draw(_track(0, [5, 6, 7, 8]), "#2563eb")
    assert drawn is not None and len(re.findall(r'class="tm-line"', drawn.svg)) == 1


@pytest.mark.parametrize("heights, total", [
    ([8000.0, 8848.0], 1.0),          # Everest: "8,848 m" on the left
    ([-430.0, -400.0], 250.0),        # the Dead Sea shore: a minus sign too
    ([100.0, 120.0], 12_345.0),       # "12 km" at the right edge
    ([0.0, 5.0], 987_654.0),          # a long flight's worth of distance
])
def test_no_axis_label_runs_off_the_drawing(heights: list[float], total: float) -> None:
    points = [[0.0, heights[0], 0.0, 0.0], [total, heights[1], 0.0, 0.0]]
    drawn = profile.draw(points, "#2563eb")
    assert drawn is not None
    left = float(re.search(r'data-left="([\d.]+)"', drawn.svg).group(1))  # type: ignore[union-attr]
    for x, anchor, text in re.findall(r'<text class="tm-axis" x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)">([^<]+)<',
                                      drawn.svg):
        width = len(text) * profile.LABEL_CHAR_W
        start = {"end": float(x) - width, "middle": float(x) - width / 2, "start": float(x)}[anchor]
        assert 0 <= start and start + width <= profile.WIDTH, (text, anchor, x)
    assert left >= profile.PAD_LEFT
