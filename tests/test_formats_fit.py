"""Reading FIT: positions, times, pauses, course points, and broken files refused with the reason."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

import pytest
from garmin_fit_sdk import CrcCalculator

from travelmap.errors import InvalidInput
from travelmap.formats import read_track
from travelmap.formats.fit import read_fit
from travelmap.notes import Note

from .gpxfactory import START, straight_track
from .trackfactory import fit_file, fit_header, semicircles


def ride(n: int = 30, *, lat: float = 40.0, start: datetime = START) -> list[tuple]:
    return straight_track(n, lat=lat, start=start, ele=lambda i, d: 1000 + i * 0.5)


def test_positions_are_converted_from_semicircles_exactly_and_times_are_utc():
    points = ride(40)
    parsed = read_fit(fit_file([points]))
    segment = parsed.segments[0]
    assert parsed.format == "fit" and parsed.point_count == 40
    assert segment.lats == [semicircles(p[0]) * 180 / 2**31 for p in points]
    assert segment.lons == [semicircles(p[1]) * 180 / 2**31 for p in points]
    assert segment.times == [p[3].timestamp() for p in points]
    assert segment.eles == pytest.approx([p[2] for p in points], abs=0.1)  # altitude is stored in 0.2 m steps
    assert not segment.planned


def test_a_timer_stop_and_start_splits_the_ride_into_segments():
    first = ride(20)
    second = ride(15, lat=40.01, start=START + timedelta(minutes=30))
    third = ride(10, lat=40.02, start=START + timedelta(hours=1))
    parsed = read_fit(fit_file([first, second, third]))
    assert [len(s) for s in parsed.segments] == [20, 15, 10]


def test_records_without_a_position_are_skipped_and_counted_in_the_warnings():
    parsed = read_fit(fit_file([ride(30)], unplaced_every=10))
    assert parsed.point_count == 30
    assert Note("positions_missing", "3 records without a position were skipped.") in parsed.warnings


def test_a_fit_without_any_position_is_refused_saying_so():
    data = fit_file([ride(1)], extra_records=50)
    indoor = data.replace(struct.pack("<i", semicircles(ride(1)[0][0])), struct.pack("<i", 0x7FFFFFFF))
    indoor = indoor[:-2] + struct.pack("<H", CrcCalculator.calculate_crc(indoor, 0, len(indoor) - 2))
    with pytest.raises(InvalidInput, match="no positions to draw: none of its 51 records has one"):
        read_fit(indoor)


def test_times_counted_from_power_on_are_left_out_with_a_warning():
    old = datetime(1991, 1, 1, tzinfo=timezone.utc)  # under 0x10000000 s after FIT's epoch: not a clock time
    parsed = read_fit(fit_file([ride(5, start=old)]))
    assert parsed.segments[0].times == [None] * 5
    assert any(w.code == "relative_times" and "switched on" in w.message for w in parsed.warnings)


def test_a_course_is_a_planned_line_and_its_course_points_are_waypoints():
    parsed = read_fit(fit_file([ride(20)], kind="course", course_points=[("Summit", 40.0005, 110.0005)]))
    assert [s.planned for s in parsed.segments] == [True]
    [summit] = parsed.waypoints
    assert summit.name == "Summit" and summit.lat == pytest.approx(40.0005, abs=1e-6)


def test_a_chained_fit_file_reads_every_file_as_its_own_segment():
    parsed = read_fit(fit_file([ride(10)]) + fit_file([ride(12, lat=41.0)]))
    assert [len(s) for s in parsed.segments] == [10, 12]


def test_a_latitude_beyond_the_pole_is_refused_naming_the_record():
    with pytest.raises(InvalidInput, match=r"Record 2 has latitude 99\.99\d*, outside -90\.\.90"):
        read_fit(fit_file([[ride(1)[0], (100.0, 110.0, None, START + timedelta(seconds=1))]]))


@pytest.mark.parametrize("keep", [0.99, 0.5, 0.01])
def test_a_truncated_fit_file_is_refused_with_a_clear_message(keep):
    data = fit_file([ride(100)])
    with pytest.raises(InvalidInput, match="The FIT file is truncated: its header announces"):
        read_fit(data[:max(14, int(len(data) * keep))])


def test_a_fit_file_whose_last_message_runs_past_its_end_is_refused():
    data = fit_file([ride(100)])
    cut = data[:-30]
    cut = fit_header(cut, data_size=len(cut) - 14 - 2)
    with pytest.raises(InvalidInput, match="The FIT file (is truncated|is damaged)"):
        read_fit(cut)


def test_a_fit_file_with_a_bad_checksum_is_refused():
    data = bytearray(fit_file([ride(100)]))
    data[len(data) // 2] ^= 0x01
    with pytest.raises(InvalidInput, match="checksum does not match"):
        read_fit(bytes(data))


@pytest.mark.parametrize("size", [0, 13, 200])
def test_a_fit_header_of_an_impossible_size_is_refused(size):
    with pytest.raises(InvalidInput, match=f"its header says it is {size} bytes long"):
        read_fit(fit_header(fit_file([ride(5)]), header_size=size))


def test_a_field_of_impossible_size_is_refused():
    definition = bytes([0x40, 0, 0]) + struct.pack("<H", 20) + bytes([1, 0, 0, 0x85])  # position_lat, 0 bytes
    body = definition + bytes([0x00])
    header = bytes([14, 0x20]) + struct.pack("<H", 2100) + struct.pack("<I", len(body)) + b".FIT"
    header += struct.pack("<H", CrcCalculator.calculate_crc(header, 0, 12))
    data = header + body
    data += struct.pack("<H", CrcCalculator.calculate_crc(data, 0, len(data)))
    with pytest.raises(InvalidInput, match="declares a size it cannot have"):
        read_fit(data)


def test_a_fit_file_is_recognised_by_its_content_whatever_its_name():
    parsed = read_track(fit_file([ride(10)]), "morning.gpx")
    assert parsed.format == "fit"
    assert Note("wrong_suffix", "The file is named .gpx but is a FIT file; it was read as FIT.") in parsed.warnings
