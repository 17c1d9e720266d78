"""The streaming GPX reader: exactly gpxpy's points on every real file, in a fraction of its memory, chunk by chunk."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import gpxpy
import pytest

from travelmap.errors import InvalidInput
from travelmap.formats.xmlstream import CHUNK_BYTES
from travelmap.gpx import decode, parse_gpx

from .conftest import DATA_DIR, corpus_dir
from .gpxfactory import gpx_document, straight_track


def gpx_files() -> list[Path]:
    folder = corpus_dir() / "gpx"
    corpus = sorted(folder.glob("*.gpx")) if folder.is_dir() else []
    return corpus + sorted((DATA_DIR / "gpx").glob("*.gpx"))


def gpxpy_reading(data: bytes) -> dict:
    """Return what gpxpy reads: non-empty segments (tracks, then routes as planned), waypoints and the name."""
    gpx = gpxpy.parse(decode(data))

    def stamp(time: datetime | None) -> float | None:
        return None if time is None else time.replace(tzinfo=time.tzinfo or timezone.utc).timestamp()

    def points(pts: list) -> list:
        return [(p.latitude, p.longitude, p.elevation, stamp(p.time)) for p in pts]

    segments = [(False, points(s.points)) for t in gpx.tracks for s in t.segments if s.points]
    segments += [(True, points(r.points)) for r in gpx.routes if r.points]
    name = next((t.name for t in gpx.tracks if t.name), None) or gpx.name or next(
        (r.name for r in gpx.routes if r.name), None) or ""
    return {"segments": segments, "name": name.strip(),
            "waypoints": [(w.name, w.latitude, w.longitude, w.elevation, stamp(w.time)) for w in gpx.waypoints]}


@pytest.mark.parametrize("path", gpx_files(), ids=lambda p: p.name)
def test_the_streaming_reader_reads_exactly_what_gpxpy_reads(path, require_corpus):
    data = path.read_bytes()
    try:
        expected = gpxpy_reading(data)
    except gpxpy.gpx.GPXException:
        with pytest.raises(InvalidInput):
            parse_gpx(data)
        return
    parsed = parse_gpx(data)
    assert [(s.planned, list(zip(s.lats, s.lons, s.eles, s.times))) for s in parsed.segments] == expected["segments"]
    assert [(w.lat, w.lon, w.ele, None if w.time is None else w.time.timestamp()) for w in parsed.waypoints] == [
        w[1:] for w in expected["waypoints"]]
    assert [w.name for w in parsed.waypoints] == [w[0] or f"Waypoint {n}" for n, w in
                                                  enumerate(expected["waypoints"], start=1)]
    assert parsed.name == expected["name"]


def test_a_track_point_whose_extensions_nest_200000_elements_is_refused_before_anything_deep_is_built():
    # gpxpy's deep copy of such extensions recursed in C until the process died: never parse this with gpxpy here.
    deep = gpx_document([straight_track(3)]).replace(
        b"</trkpt>", b"<extensions>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</extensions></trkpt>", 1)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput, match="nests elements more than 64 deep") as refused:
            parse_gpx(deep)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "too_deep" and refused.value.status == 400
    assert peak < 2_000_000  # a couple of chunks, no tree


def test_64_levels_of_nesting_are_read_and_65_are_refused():
    def nested(levels: int) -> bytes:  # <gpx><trk><trkseg><trkpt><extensions> is 5 levels
        inner = b"<x>" * (levels - 5) + b"</x>" * (levels - 5)
        extensions = b"<extensions>" + inner + b"</extensions></trkpt>"
        return gpx_document([straight_track(2)]).replace(b"</trkpt>", extensions, 1)

    assert parse_gpx(nested(64)).point_count == 2
    with pytest.raises(InvalidInput, match="more than 64 deep"):
        parse_gpx(nested(65))


def test_characters_split_between_two_chunks_are_read_whole():
    name = "Ü" * (CHUNK_BYTES // 2 + 7)  # two bytes each: one of them straddles the first chunk's end
    parsed = parse_gpx(gpx_document([straight_track(3)], name=name))
    assert parsed.name == name


def test_a_utf16_file_longer_than_a_chunk_reads_every_point():
    text = gpx_document([straight_track(2000)], name="Tr\u00e4ck").decode().replace('encoding="UTF-8"',
                                                                                   'encoding="UTF-16"')
    parsed = parse_gpx(text.encode("utf-16"))
    assert parsed.point_count == 2000 and parsed.name == "Tr\u00e4ck"


def test_a_time_with_spaces_around_it_is_read_not_dropped():
    # gpxpy silently drops such a time; XML Schema collapses white space in a dateTime, so it is a time.
    data = gpx_document([straight_track(2)]).replace(b"<time>", b"<time>\n  ", 1)
    assert None not in parse_gpx(data).segments[0].times


def test_only_the_first_elevation_of_a_point_counts_as_in_gpxpy():
    data = gpx_document([straight_track(2)]).replace(b"</trkpt>", b"<ele>12</ele><ele>not a number</ele></trkpt>", 1)
    assert parse_gpx(data).segments[0].eles[0] == 12.0


def test_a_gpx_10_track_point_speed_that_is_not_a_number_is_refused_as_gpxpy_does():
    data = gpx_document([straight_track(2)]).replace(b'version="1.1"', b'version="1.0"').replace(
        b"</trkpt>", b"<speed>fast</speed></trkpt>", 1)
    with pytest.raises(InvalidInput, match=r"Line \d+ has 'fast' as <speed>, not a number"):
        parse_gpx(data)


def test_the_reader_keeps_no_tree_and_needs_under_a_fifth_of_gpxpys_memory():
    data = gpx_document([straight_track(20_000, ele=lambda i, d: 1000.0)])

    def peak(read: Callable[[], object]) -> int:
        tracemalloc.start()
        try:
            read()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    text = decode(data)
    assert peak(lambda: parse_gpx(data)) * 5 < peak(lambda: gpxpy.parse(text))


def test_an_empty_time_element_is_no_time_as_in_gpxpy():
    data = gpx_document([straight_track(2)]).replace(b"<time>2010-10-14T02:00:00Z</time>", b"<time></time>", 1)
    assert parse_gpx(data).segments[0].times[0] is None
