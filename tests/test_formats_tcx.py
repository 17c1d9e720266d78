"""Reading TCX: activities with their laps and tracks, courses as planned lines, points without a position."""

from __future__ import annotations

from datetime import timedelta

import pytest

from travelmap.errors import InvalidInput
from travelmap.formats.tcx import read_tcx
from travelmap.notes import Note

from .gpxfactory import START, straight_track
from .trackfactory import tcx_document


def lap(n: int, minutes: int = 0, lat: float = 40.0) -> list[tuple]:
    return straight_track(n, lat=lat, ele=lambda i, d: 200.0 + i, start=START + timedelta(minutes=minutes))


def test_an_activity_joins_its_laps_in_order_with_times_and_elevations():
    laps = [lap(10), lap(12, minutes=10, lat=40.001)]
    parsed = read_tcx(tcx_document(laps))
    [segment] = parsed.segments
    points = laps[0] + laps[1]
    assert segment.lats == [p[0] for p in points] and segment.lons == [p[1] for p in points]
    assert segment.eles == [p[2] for p in points]
    assert segment.times == [p[3].timestamp() for p in points]
    assert not segment.planned and parsed.creator == "Test Device" and parsed.format == "tcx"


def test_trackpoints_without_a_position_are_skipped_and_counted():
    parsed = read_tcx(tcx_document([lap(5)], unplaced=2))
    assert parsed.point_count == 5
    assert Note("positions_missing", "2 trackpoints without a position were skipped.") in parsed.warnings


def test_a_course_without_times_is_a_planned_line_with_its_course_points():
    untimed = [(lat, lon, ele, None) for lat, lon, ele, _ in lap(8)]
    parsed = read_tcx(tcx_document([untimed], course="Loop", course_points=[("Water", 40.0001, 110.0001)]))
    assert [s.planned for s in parsed.segments] == [True] and parsed.name == "Loop"
    assert [(w.name, w.lat, w.lon) for w in parsed.waypoints] == [("Water", 40.0001, 110.0001)]


def test_a_course_with_times_keeps_them():
    parsed = read_tcx(tcx_document([lap(8)], course="Timed"))
    assert [s.planned for s in parsed.segments] == [False] and None not in parsed.segments[0].times


@pytest.mark.parametrize("change, message", [
    (("<LatitudeDegrees>40.0</LatitudeDegrees>", "<LatitudeDegrees>north</LatitudeDegrees>"),
     r"Line \d+ has 'north' as <LatitudeDegrees>, not a number"),
    (("<LatitudeDegrees>40.0</LatitudeDegrees>", "<LatitudeDegrees>95</LatitudeDegrees>"),
     r"Trackpoint 1 \(line \d+\) has latitude 95.0, outside -90..90"),
    (("<Time>2010-10-14T02:00:00Z</Time>", "<Time>2010-13-14T02:00:00Z</Time>"),
     r"Line \d+ has a time that cannot be read: '2010-13-14T02:00:00Z'"),
    (("<AltitudeMeters>200.0</AltitudeMeters>", "<AltitudeMeters>nan</AltitudeMeters>"),
     "elevation that is not a finite number"),
], ids=["garbage-latitude", "latitude-95", "month-13", "nan-elevation"])
def test_a_bad_value_is_refused_naming_the_point(change, message):
    data = tcx_document([lap(3)]).replace(change[0].encode(), change[1].encode(), 1)
    assert change[1].encode() in data
    with pytest.raises(InvalidInput, match=message):
        read_tcx(data)


def test_a_tcx_without_positions_is_refused():
    with pytest.raises(InvalidInput, match="no positions to draw"):
        read_tcx(tcx_document([[]], unplaced=3))
