"""Trips at the edges of the map in a real browser: a track across the antimeridian is drawn in one piece
where its stops and photos are, and a track over a pole is drawn along the edge Web Mercator can show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .. import databases
from ..conftest import make_app
from ..test_degenerate_tracks import build_trips
from .conftest import LiveServer, serving

pytestmark = pytest.mark.browser

# Where every drawn thing is, relative to the map: the track's path, stop pins, photo pins or clusters.
LAYOUT_JS = """() => {
  const box = r => { const b = r.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const map = document.querySelector('.leaflet-container');
  return {
    map: box(map),
    paths: [...document.querySelectorAll('.leaflet-overlay-pane path')].map(box),
    stops: [...document.querySelectorAll('.leaflet-marker-icon.tm-stop')].map(box),
    photos: [...document.querySelectorAll('.tm-photo-marker, .marker-cluster')].map(box),
  };
}"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp("edges")
    with databases.outliving_tests(root):  # on PostgreSQL, the module's database outlives each test's cleanup
        app = make_app(root, TILES="none")
        build_trips(app, {"across-the-antimeridian", "along-the-antimeridian", "over-the-north-pole",
                          "at-the-south-pole"})
        with serving(app) as server:
            yield server


def inside(inner: list[float], outer: list[float], slack: float = 2) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack and inner[2] <= outer[2] + slack
            and inner[3] <= outer[3] + slack)


@pytest.mark.parametrize("path", ["/trips/{t}", "/trips/{t}/legs/1", "/trips/{t}/stops/start", "/embed/trips/{t}"])
@pytest.mark.parametrize("trip", ["across-the-antimeridian", "along-the-antimeridian", "over-the-north-pole",
                                  "at-the-south-pole"])
def test_a_trip_at_the_edge_of_the_map_is_drawn_in_one_piece_with_its_stop_and_photo(world, open_page, trip, path):
    browsing = open_page()
    page: Any = browsing.page
    page.goto(world(path.format(t=trip)))
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached")  # a level line has no height
    page.wait_for_selector(".leaflet-marker-icon.tm-stop")
    page.wait_for_timeout(300)
    layout = page.evaluate(LAYOUT_JS)
    area = layout["map"]
    width, height = area[2] - area[0], area[3] - area[1]
    assert layout["paths"] and layout["stops"], layout
    if "/stops/" in path:  # the view is the 3 km around the stop, which is in the middle of it
        (left, top, right, bottom), = layout["stops"]
        assert abs((left + right) / 2 - (area[0] + area[2]) / 2) < 40, layout
        assert inside(layout["stops"][0], area), layout
    else:  # the view is fitted to everything: the track, its stop and its photo
        assert layout["photos"], layout
        for drawn in layout["paths"] + layout["stops"] + layout["photos"]:
            assert inside(drawn, area, slack=40), (drawn, area)  # pins stick out a little at an edge
    if "antimeridian" in trip and "stops" not in path:
        # The map is fitted to the track, and the track is one short line, not one reaching across the world.
        left, top, right, bottom = layout["paths"][0]
        assert right - left <= width and max((right - left) / width, (bottom - top) / height) > 0.2, layout
    assert browsing.record.problems() == []
