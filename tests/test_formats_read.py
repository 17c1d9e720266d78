"""read_track: the format comes from the content, never the name; every XML format has the same defences."""

from __future__ import annotations

import time

import pytest

from travelmap.errors import InvalidInput, UnsupportedType
from travelmap.formats import read_track
from travelmap.notes import Note

from . import hostile as h
from .gpxfactory import gpx_document, straight_track
from .trackfactory import fit_file, geojson_document, kml_document, kmz_archive, tcx_document

POINTS = straight_track(20, ele=lambda i, d: 500.0)
FILES = {
    "gpx": gpx_document([POINTS]),
    "fit": fit_file([POINTS]),
    "tcx": tcx_document([POINTS]),
    "kml": kml_document(tracks=[POINTS]),
    "kmz": kmz_archive({"doc.kml": kml_document(tracks=[POINTS])}),
    "geojson": geojson_document([POINTS]),
}
XML = ["gpx", "tcx", "kml"]


@pytest.mark.parametrize("fmt", FILES)
def test_each_format_is_recognised_by_its_content_under_any_name(fmt):
    parsed = read_track(FILES[fmt], "upload.bin")
    assert parsed.format == fmt and parsed.point_count == 20
    assert parsed.segments[0].lats == pytest.approx([p[0] for p in POINTS], abs=1e-7)
    assert not parsed.warnings


def test_a_name_that_disagrees_with_the_content_only_adds_a_warning():
    parsed = read_track(FILES["tcx"], "ride.kml")
    assert parsed.format == "tcx"
    assert parsed.warnings == [Note("wrong_suffix", "The file is named .kml but is a TCX file; it was read as TCX.")]


@pytest.mark.parametrize("data, phrase", [
    (h.good_png(), "not GPX, FIT, TCX, KML, KMZ or GeoJSON"),
    (b"lat,lon\n40.1,110.2\n", "not GPX, FIT, TCX, KML, KMZ or GeoJSON"),
    (b'<?xml version="1.0"?><track><pt/></track>', "its root element is <track>; GPX, TCX and KML files are read"),
], ids=["png", "csv", "other-xml"])
def test_a_file_of_no_track_format_is_a_415_that_says_what_is_read(data, phrase):
    with pytest.raises(UnsupportedType, match=phrase):
        read_track(data, "track.gpx")


def test_an_empty_file_is_a_400():
    with pytest.raises(InvalidInput, match="The file is empty"):
        read_track(b" \n", "x.kml")


@pytest.mark.parametrize("fmt", XML)
def test_every_xml_format_refuses_a_billion_laughs_before_expanding_anything(fmt):
    root = {"gpx": "gpx", "tcx": "TrainingCenterDatabase", "kml": "kml"}[fmt]
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY l0 "lol">{entities}]><{root}>&l9;</{root}>'.encode()
    start = time.perf_counter()
    with pytest.raises(InvalidInput, match=f"{fmt.upper()} files may not contain a DTD or entity declarations") as exc:
        read_track(bomb)
    assert exc.value.code == "unsafe_xml" and time.perf_counter() - start < 1.0


@pytest.mark.parametrize("fmt", XML)
def test_every_xml_format_refuses_an_external_entity_without_fetching_it(fmt):
    listener = h.Listener()
    try:
        root = {"gpx": "gpx", "tcx": "TrainingCenterDatabase", "kml": "kml"}[fmt]
        xxe = (f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY e SYSTEM "http://127.0.0.1:{listener.port}/x">]>'
               f"<{root}>&e;</{root}>").encode()
        with pytest.raises(InvalidInput, match="may not contain a DTD"):
            read_track(xxe)
    finally:
        listener.close()
    assert listener.connections == []


@pytest.mark.parametrize("fmt", XML)
def test_every_xml_format_refuses_nesting_deeper_than_64_elements(fmt):
    head, _, tail = FILES[fmt].decode().rpartition("</")
    deep = f"{head}<x>" + "<y>" * 100_000 + "</y>" * 100_000 + f"</x></{tail}"
    with pytest.raises(InvalidInput, match=f"nests elements more than 64 deep .*real {fmt.upper()} files") as exc:
        read_track(deep.encode())
    assert exc.value.code == "too_deep"


@pytest.mark.parametrize("fmt", XML)
def test_every_xml_format_reads_undeclared_namespace_prefixes_with_a_warning(fmt):
    head, _, tail = FILES[fmt].decode().rpartition("</")
    data = f"{head}<ext:thing>1</ext:thing></{tail}".encode()
    parsed = read_track(data)
    assert parsed.point_count == 20
    assert any(w.code == "undeclared_prefixes" and "(ext)" in w.message for w in parsed.warnings)


@pytest.mark.parametrize("fmt", XML)
def test_every_xml_format_refuses_a_truncated_file_naming_the_line(fmt):
    with pytest.raises(InvalidInput, match=r"not well-formed XML \(line \d+, column \d+\)"):
        read_track(FILES[fmt][:-30])
