"""Reading KML and KMZ: timed tracks, planned lines, placemark points; zip bombs and broken archives refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from travelmap.errors import InvalidInput, TooLarge
from travelmap.formats.kml import read_kml
from travelmap.formats.kmz import MAX_KML_BYTES, read_kmz
from travelmap.formats.xmlstream import CHUNK_BYTES

from .gpxfactory import straight_track
from .trackfactory import kml_document, kmz_archive

TRACK = straight_track(30, ele=lambda i, d: 800.0 + i)


def test_a_gx_track_keeps_its_times_and_a_linestring_is_a_planned_line():
    parsed = read_kml(kml_document(tracks=[TRACK], lines=[TRACK[:10]]))
    track, line = parsed.segments
    assert not track.planned and track.times == [p[3].timestamp() for p in TRACK]
    assert track.lats == [p[0] for p in TRACK] and track.eles == [p[2] for p in TRACK]
    assert line.planned and line.times == [None] * 10 and line.lons == [p[1] for p in TRACK[:10]]
    assert parsed.name == "Test KML" and parsed.format == "kml"


def test_placemark_points_become_waypoints_and_one_off_the_earth_is_left_out_with_a_warning():
    parsed = read_kml(kml_document(tracks=[TRACK], points=[("Camp", 40.5, 110.5), ("Split 0", 100.0, 180.0)]))
    assert [(w.name, w.lat, w.lon) for w in parsed.waypoints] == [("Camp", 40.5, 110.5)]
    assert any(w.code == "waypoint_left_out" and "'Split 0'" in w.message and "latitude 100.0" in w.message
               for w in parsed.warnings)


def test_coordinates_longer_than_a_chunk_are_read_as_they_stream():
    long_line = straight_track(20_000, ele=lambda i, d: 100.0 + i / 7)
    data = kml_document(lines=[long_line])
    assert len(data) > 10 * CHUNK_BYTES
    [line] = read_kml(data).segments
    assert list(zip(line.lats, line.lons, line.eles)) == [p[:3] for p in long_line]


def test_coordinates_with_spaces_after_their_commas_are_read():
    data = (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>'
            b"110.0, 40.0, 10\n 110.1 ,40.1,20 110.2,40.2</coordinates></LineString></Placemark></kml>")
    [line] = read_kml(data).segments
    assert list(zip(line.lons, line.lats, line.eles)) == [(110.0, 40.0, 10.0), (110.1, 40.1, 20.0), (110.2, 40.2, None)]


def test_a_gx_track_whose_times_and_positions_do_not_pair_up_is_refused():
    data = kml_document(tracks=[TRACK]).replace(b"<when>", b"<when>2010-10-14T01:00:00Z</when><when>", 1)
    with pytest.raises(InvalidInput, match="has 31 <when> and 30 <gx:coord>"):
        read_kml(data)


@pytest.mark.parametrize("coordinates, message", [
    (b"110.0,95.0 110.1,40.1", "latitude 95.0, outside -90..90"),
    (b"110.0 110.1,40.1", "not 'longitude,latitude"),
    (b"east,40.0 110.1,40.1", "not made of numbers"),
], ids=["latitude-95", "one-number", "garbage"])
def test_a_bad_line_position_is_refused_saying_what_is_wrong(coordinates, message):
    data = (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>' + coordinates
            + b"</coordinates></LineString></Placemark></kml>")
    with pytest.raises(InvalidInput, match=message):
        read_kml(data)


def test_a_kml_with_only_placemark_points_is_refused_saying_so():
    with pytest.raises(InvalidInput, match=r"no track or line to draw \(only 2 placemark points\)"):
        read_kml(kml_document(points=[("A", 1.0, 2.0), ("B", 1.1, 2.1)]))


def test_a_network_link_is_never_fetched():
    data = kml_document(tracks=[TRACK]).replace(
        b"</Document>", b"<NetworkLink><Link><href>http://127.0.0.1:9/x.kml</href></Link></NetworkLink></Document>")
    assert [w.code for w in read_kml(data).warnings] == ["network_links_ignored"]


# ---------------------------------------------------------------- KMZ


def test_a_kmz_reads_its_doc_kml_and_says_it_was_a_kmz():
    archive = kmz_archive({"files/other.kml": kml_document(lines=[TRACK[:5]]), "doc.kml": kml_document(tracks=[TRACK]),
                           "files/photo.jpg": b"\xff\xd8"})
    parsed = read_kmz(archive)
    assert parsed.format == "kmz" and parsed.point_count == 30 and not parsed.segments[0].planned


def test_a_kmz_without_doc_kml_reads_its_first_kml():
    parsed = read_kmz(kmz_archive({"images/a.png": b"png", "route.kml": kml_document(lines=[TRACK[:5]])}))
    assert parsed.point_count == 5


def test_a_kmz_holding_no_kml_is_refused_naming_what_it_holds():
    with pytest.raises(InvalidInput, match=r"holds no KML file \(it holds notes.txt\)"):
        read_kmz(kmz_archive({"notes.txt": b"hello"}))


def test_a_kmz_that_is_no_zip_is_refused():
    with pytest.raises(InvalidInput, match="not a readable zip archive"):
        read_kmz(b"PK\x03\x04" + b"\x00" * 100)


def test_a_zip_bomb_is_refused_by_its_ratio_before_it_is_unpacked():
    bomb = kmz_archive({"doc.kml": b'<kml xmlns="http://www.opengis.net/kml/2.2">' + b" " * (40 * 2**20) + b"</kml>"})
    assert len(bomb) < 100_000
    with pytest.raises(InvalidInput, match="expands more than 100 times.*zip bomb") as refused:
        read_kmz(bomb)
    assert refused.value.code == "zip_bomb"


def test_a_member_that_lies_about_its_size_is_stopped_as_it_expands():
    payload = b'<kml xmlns="http://www.opengis.net/kml/2.2">' + b" " * (8 * 2**20) + b"</kml>"
    honest = kmz_archive({"doc.kml": payload})
    # Rewrite the sizes in the central directory (and local header) to claim 100 bytes uncompressed.
    liar = bytearray(honest)
    info = zipfile.ZipFile(io.BytesIO(honest)).infolist()[0]
    central = honest.rindex(b"PK\x01\x02")
    liar[central + 24:central + 28] = (100).to_bytes(4, "little")
    liar[info.header_offset + 22:info.header_offset + 26] = (100).to_bytes(4, "little")
    with pytest.raises((InvalidInput, TooLarge), match="zip bomb|damaged"):
        read_kmz(bytes(liar))


def test_a_kml_over_the_size_limit_is_a_413(monkeypatch):
    monkeypatch.setattr("travelmap.formats.kmz.MAX_KML_BYTES", 2**20)
    archive = kmz_archive({"doc.kml": kml_document(lines=[straight_track(60_000)])}, compression=zipfile.ZIP_STORED)
    with pytest.raises(TooLarge, match="expands to more than 1 MB"):
        read_kmz(archive)
    assert MAX_KML_BYTES == 64 * 2**20


def test_an_encrypted_kml_member_is_refused():
    archive = bytearray(kmz_archive({"doc.kml": kml_document(tracks=[TRACK])}))
    central = archive.rindex(b"PK\x01\x02")
    archive[central + 8] |= 0x01  # the "encrypted" flag, as a password-protecting zip tool sets it
    with pytest.raises(InvalidInput, match="doc.kml is encrypted"):
        read_kmz(bytes(archive))
