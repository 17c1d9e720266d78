"""Reading GeoJSON (RFC 7946): lines and points at any nesting, coordTimes, and what is not GeoJSON refused."""

from __future__ import annotations

import json

import pytest

from travelmap.errors import InvalidInput
from travelmap.formats.geojson import read_geojson

from .gpxfactory import straight_track
from .trackfactory import geojson_document

LINE = straight_track(12, ele=lambda i, d: 50.0 + i)


def doc(value: object) -> bytes:
    return json.dumps(value).encode()


def test_a_line_with_coord_times_keeps_its_times_and_its_third_coordinate_is_elevation():
    parsed = read_geojson(geojson_document([LINE], points=[("Cafe", 40.001, 110.001)]))
    [segment] = parsed.segments
    assert segment.lats == [p[0] for p in LINE] and segment.eles == [p[2] for p in LINE]
    assert segment.times == [p[3].timestamp() for p in LINE] and not segment.planned
    assert [(w.name, w.lat, w.lon) for w in parsed.waypoints] == [("Cafe", 40.001, 110.001)]
    assert parsed.format == "geojson" and parsed.name == "Line"


def test_every_nesting_of_lines_is_read_one_segment_per_line():
    line = [[p[1], p[0]] for p in LINE]
    collection = {"type": "GeometryCollection", "geometries": [
        {"type": "LineString", "coordinates": line},
        {"type": "MultiLineString", "coordinates": [line[:4], line[4:]]},
        {"type": "GeometryCollection", "geometries": [{"type": "MultiPoint", "coordinates": line[:2]}]}]}
    feature = {"type": "Feature", "properties": None, "geometry": collection}
    for document in (collection, feature, {"type": "FeatureCollection", "features": [feature]}):
        parsed = read_geojson(doc(document))
        assert [len(s) for s in parsed.segments] == [12, 4, 8] and len(parsed.waypoints) == 2


def test_coordinate_properties_times_are_read_for_each_line_of_a_multilinestring():
    line = [[p[1], p[0]] for p in LINE]
    times = [p[3].isoformat() for p in LINE]
    feature = {"type": "Feature", "properties": {"coordinateProperties": {"times": [times[:5], times[5:]]}},
               "geometry": {"type": "MultiLineString", "coordinates": [line[:5], line[5:]]}}
    parsed = read_geojson(doc(feature))
    assert [t for s in parsed.segments for t in s.times] == [p[3].timestamp() for p in LINE]


def test_coord_times_that_do_not_fit_the_line_are_dropped_with_a_warning():
    data = json.loads(geojson_document([LINE]))
    data["features"][0]["properties"]["coordTimes"].pop()
    parsed = read_geojson(doc(data))
    assert parsed.segments[0].times == [None] * 12 and [w.code for w in parsed.warnings] == ["line_times_unusable"]


def test_a_top_level_feature_is_read():
    parsed = read_geojson(doc({"type": "Feature", "properties": {},
                               "geometry": {"type": "LineString", "coordinates": [[110, 40], [110.1, 40.1]]}}))
    assert parsed.point_count == 2


@pytest.mark.parametrize("document, message", [
    ({"type": "LineString", "coordinates": [[110, 95], [110, 40]]}, r"position 1 has latitude 95\.0, outside"),
    ({"type": "LineString", "coordinates": [[200, 40], [110, 40]]}, r"longitude 200\.0, outside"),
    ({"type": "LineString", "coordinates": [110, 40]}, "is not a list of positions"),
    ({"type": "LineString", "coordinates": [[[110, 40]], [[110, 40]]]}, "is not a position"),
    ({"type": "MultiLineString", "coordinates": [[110, 40], [110, 41]]}, "line 1 is not a list of positions"),
    ({"type": "LineString", "coordinates": [[110, 40]]}, "a line needs at least two"),
    ({"type": "LineString", "coordinates": [[110, "40"], [110, 41]]}, "is not a position"),
    ({"type": "LineString", "coordinates": [[110, True], [110, 41]]}, "is not a position"),
    ({"type": "Track", "coordinates": []}, "'Track', which is not a GeoJSON type"),
    ({"type": "FeatureCollection", "features": [{"type": "LineString", "coordinates": []}]}, "is not a Feature"),
    ({"type": "FeatureCollection"}, "has no list of \"features\""),
    ([1, 2], "is not a GeoJSON object"),
    ({"type": "Point", "coordinates": [110, 40]}, r"no LineString or MultiLineString to draw \(only 1 points\)"),
    ({"type": "LineString", "coordinates": [[110, 40], [110, 41]],
      "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}}, "coordinate system"),
], ids=["lat-95", "lon-200", "flat", "too-deep", "multi-flat", "one-position", "string", "bool", "unknown-type",
        "bare-geometry-in-collection", "no-features", "array", "only-points", "web-mercator"])
def test_geojson_that_is_not_rfc_7946_is_refused_saying_where(document, message):
    with pytest.raises(InvalidInput, match=message):
        read_geojson(doc(document))


@pytest.mark.parametrize("data, message", [
    (b'{"type": "LineString", "coordinates": [[110, NaN], [110, 40]]}', "NaN, which is not a JSON number"),
    (b'{"type": "LineString", "coordinates": [[110, 1e999], [110, 40]]}', "latitude that is not a finite number"),
    (b"[" * 100_000 + b"]" * 100_000, "nests its arrays or objects too deep"),
    (b'{"type": "LineString",', "not valid JSON"),
    (b"{\"type\": \"\xff\"}", "byte 10 is not UTF-8 text"),
], ids=["nan", "1e999", "deep", "truncated", "not-text"])
def test_broken_json_is_refused_with_a_message(data, message):
    with pytest.raises(InvalidInput, match=message):
        read_geojson(data)


def test_geometry_collections_nested_past_64_are_refused():
    geometry: dict = {"type": "LineString", "coordinates": [[110, 40], [110, 41]]}
    for _ in range(70):
        geometry = {"type": "GeometryCollection", "geometries": [geometry]}
    with pytest.raises(InvalidInput, match="nests GeometryCollections more than 64 deep"):
        read_geojson(doc(geometry))
