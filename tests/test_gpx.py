"""Parsing GPX: the demo files and real exports read, bad files get a clear message."""

from __future__ import annotations

import time

import pytest

from travelmap.errors import InvalidInput
from travelmap.gpx import parse_gpx

from .conftest import DATA_DIR, corpus_dir

GPX_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'


def gpx(body: str) -> bytes:
    return f"{GPX_HEAD}{body}</gpx>".encode()


def test_the_demo_tracks_parse_with_times_and_elevations():
    for path in sorted((DATA_DIR / "gpx").glob("*.gpx")):
        parsed = parse_gpx(path.read_bytes())
        assert parsed.point_count > 100 and parsed.version == "1.1"
        for seg in parsed.segments:
            assert None not in seg.times and None not in seg.eles


def test_routes_are_kept_as_planned_lines():
    parsed = parse_gpx(gpx('<rte><rtept lat="1" lon="2"/><rtept lat="1.1" lon="2.1"/></rte>'))
    assert [s.planned for s in parsed.segments] == [True]


def test_a_utf8_byte_order_mark_and_a_latin1_declaration_are_understood():
    bom = b"\xef\xbb\xbf" + gpx('<trk><name>Caf\u00e9</name><trkseg><trkpt lat="1" lon="2"/></trkseg></trk>')
    assert parse_gpx(bom).name == "Caf\u00e9"
    latin = ('<?xml version="1.0" encoding="ISO-8859-1"?><gpx version="1.1" creator="t" '
             'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Caf\u00e9</name><trkseg>'
             '<trkpt lat="1" lon="2"/></trkseg></trk></gpx>').encode("latin-1")
    assert parse_gpx(latin).name == "Caf\u00e9"


def test_naive_times_are_taken_as_utc_with_a_warning():
    parsed = parse_gpx(gpx('<trk><trkseg><trkpt lat="1" lon="2"><time>2010-10-11T01:00:00</time></trkpt>'
                           '</trkseg></trk>'))
    assert parsed.segments[0].times[0] == 1286758800.0
    assert [w.code for w in parsed.warnings] == ["naive_times"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"hello, not xml", "not well-formed XML"),
        (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "root element is <kml>"),
        (gpx(""), "no track or route points"),
        (gpx('<trk><trkseg><trkpt lat="91" lon="2"/></trkseg></trk>'), "latitude 91.0, outside"),
        (gpx('<trk><trkseg><trkpt lat="1" lon="-181"/></trkseg></trk>'), "longitude -181.0, outside"),
        (
            gpx('<trk><trkseg><trkpt lat="1" lon="2"><ele>nan</ele></trkpt></trkseg></trk>'),
            "elevation that is not a finite",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x "y">]><gpx>&x;</gpx>', "DTD or entity"),
    ],
    ids=["empty", "not-xml", "kml", "no-points", "lat-91", "lon-181", "ele-nan", "entity"],
)
def test_bad_gpx_gets_a_message_a_person_understands(data, message):
    with pytest.raises(InvalidInput, match=message):
        parse_gpx(data)


def test_a_billion_laughs_file_is_refused_within_a_second():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY l0 "lol">{entities}]><gpx>&l9;</gpx>'.encode()
    start = time.perf_counter()
    with pytest.raises(InvalidInput, match="DTD or entity"):
        parse_gpx(bomb)
    assert time.perf_counter() - start < 1.0


def corpus_gpx() -> list:
    folder = corpus_dir() / "gpx"
    return sorted(folder.glob("*.gpx")) if folder.is_dir() else []


@pytest.mark.parametrize("path", corpus_gpx() or [None], ids=lambda p: p.name if p else "corpus-missing")
def test_every_real_world_gpx_file_parses_or_gets_a_clear_message(path, require_corpus):
    try:
        parsed = parse_gpx(path.read_bytes())
    except InvalidInput as exc:
        assert path.name == "togeojson__bad.gpx", f"{path.name}: {exc.message}"
        return
    assert parsed.point_count > 0
