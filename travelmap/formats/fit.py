"""FIT bytes (Garmin, Wahoo, Coros, Suunto, Zwift …) -> ParsedTrack, decoded by fitdecode one message at a time.

What is read: every `record` message with a position (semicircles converted exactly, deg = sc·180/2³¹),
its altitude (the enhanced one when there is one) and its time (UTC); a new segment wherever the device
recorded a timer stop, and at each further file of a chained FIT; course points as waypoints; a FIT
course as a planned line. Records without a position are skipped and counted in the warnings. A file
that is truncated, fails its checksum or declares a size it cannot have is refused, naming the problem.
No Flask here.
"""

from __future__ import annotations

import io
import struct
from datetime import datetime, timezone

import fitdecode
from fitdecode.exceptions import FitCRCError, FitEOFError, FitError, FitHeaderError, FitParseError
from fitdecode.utils import compute_crc

from ..errors import InvalidInput
from ..notes import Note
from .common import FIRST_SECOND, LAST_SECOND, ParsedTrack, Segment, Waypoint, explain_point, point_is_valid

CODE = "invalid_fit"
FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z, where FIT's clock starts
RELATIVE_LIMIT = 0x10000000  # below this a FIT time counts seconds since the device was switched on

_FILE_ID, _RECORD, _EVENT, _COURSE, _COURSE_POINT = 0, 20, 21, 31, 32
_TIMESTAMP = 253
_STOPS = {"stop", "stop_all", "stop_disable", "stop_disable_all"}


def looks_like_fit(data: bytes) -> bool:
    """Tell whether the bytes start with a FIT file header."""
    return len(data) >= 12 and data[8:12] == b".FIT"


def _check_files(data: bytes) -> None:
    """Check every FIT file of a (possibly chained) FIT before decoding: header sizes, data sizes and checksums.

    fitdecode checks CRCs as it reads, a few bytes at a time, which doubles its time; one pass of its own
    CRC function over each whole file costs a quarter of that and refuses a damaged file before any
    message is decoded.
    """
    start = 0
    while start < len(data):
        header_size = data[start]
        if len(data) - start < 12 or data[start + 8:start + 12] != b".FIT":
            raise InvalidInput(f"The FIT file is damaged: byte {start:,} should start a FIT header, "
                               "but it does not.", code=CODE)
        if header_size not in (12, 14):
            raise InvalidInput(f"The FIT file is damaged: its header says it is {header_size} bytes long; "
                               "a FIT header is 12 or 14.", code=CODE)
        (data_size,) = struct.unpack_from("<I", data, start + 4)
        end = start + header_size + data_size
        if end + 2 > len(data):
            raise InvalidInput(f"The FIT file is truncated: its header announces {data_size:,} bytes of records, "
                               f"but only {max(len(data) - start - header_size - 2, 0):,} follow.", code=CODE)
        if header_size == 14:
            (header_crc,) = struct.unpack_from("<H", data, start + 12)
            if header_crc and header_crc != compute_crc(data, start=start, end=start + 12):
                raise InvalidInput("The FIT file is damaged: its header's checksum does not match.", code=CODE)
        (file_crc,) = struct.unpack_from("<H", data, end)
        if file_crc != compute_crc(data, start=start, end=end):
            raise InvalidInput("The FIT file is damaged: its checksum does not match its content "
                               "(it was cut short or altered).", code=CODE)
        start = end + 2


def _refusal(exc: Exception) -> InvalidInput:
    """Turn fitdecode's error into a sentence naming the problem."""
    if isinstance(exc, FitCRCError):
        return InvalidInput("The FIT file is damaged: its checksum does not match its content "
                            "(it was cut short or altered).", code=CODE)
    if isinstance(exc, FitEOFError):
        return InvalidInput(f"The FIT file is truncated: a message runs past its end (byte {exc.offset:,}).",
                            code=CODE)
    if isinstance(exc, FitHeaderError):
        return InvalidInput(f"The FIT file is damaged: its data is followed by something that is not FIT ({exc}).",
                            code=CODE)
    if isinstance(exc, FitParseError):
        return InvalidInput(f"The FIT file is damaged: {exc}.", code=CODE)
    if isinstance(exc, (ValueError, AssertionError, struct.error)):
        # fitdecode asserts that a message fits in the data its header announces, and refuses empty fields.
        return InvalidInput("The FIT file is damaged: a message declares a size it cannot have.", code=CODE)
    return InvalidInput(f"The FIT file could not be decoded ({type(exc).__name__}: {exc}).", code=CODE)


class _MemoryFitReader(fitdecode.FitReader):
    """fitdecode's reader over bytes in memory, reading them with BytesIO.read alone.

    Its own _read_bytes goes through a loop made for sockets and pipes (retrying short and blocked
    reads), once per field: that was half the time of decoding a FIT file. Everything else is fitdecode's.
    It runs with CrcCheck.DISABLED: _check_files has checked every checksum before.
    """

    def _read_bytes(self, size: int) -> bytes:
        if size <= 0:
            raise ValueError("size")
        chunk = self._fd.read(size)
        if len(chunk) != size:
            raise FitEOFError(size, len(chunk), self._read_offset)
        self._chunk_size += size
        self._read_offset += size
        self._read_size += size
        return chunk


class _FitTrack:
    """The messages of one FIT stream -> segments, course points and warnings."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.segment = Segment()
        self.paused = False
        self.waypoints: list[Waypoint] = []
        self.records = 0
        self.unplaced = 0
        self.relative = 0
        self.course = False
        self.name = ""
        self.creator = ""
        self.version = ""

    def new_segment(self) -> None:
        """Close the current segment (if it has points) and start another."""
        if self.segment.lats:
            self.segments.append(self.segment)
            self.segment = Segment()

    def record(self, fields: list) -> None:
        """Add a `record` message's point, or count it when it has no position."""
        self.records += 1
        sc_lat = sc_lon = stamp = None
        altitude = enhanced = None
        for field in fields:
            definition, profile_field = field.field_def, field.field
            if profile_field is not None:
                num = profile_field.def_num
            elif definition is not None and not definition.is_dev:
                num = definition.def_num
            else:
                continue
            if definition is not None and definition.is_dev:
                continue  # a developer field: its numbers are its own, not the profile's
            if num == 0:
                sc_lat = field.value
            elif num == 1:
                sc_lon = field.value
            elif num == _TIMESTAMP:
                stamp = field.value
            elif num == 78:
                enhanced = field.value
            elif num == 2:
                altitude = field.value
        if not isinstance(sc_lat, int) or not isinstance(sc_lon, int):
            self.unplaced += 1
            return
        lat, lon = sc_lat * 180 / 2**31, sc_lon * 180 / 2**31
        ele = enhanced if isinstance(enhanced, (int, float)) else altitude if isinstance(altitude, (int, float)) \
            else None
        ele = None if ele is None else float(ele)
        if not point_is_valid(lat, lon, ele):
            raise explain_point(lat, lon, ele, f"Record {self.records:,}", CODE)
        if self.paused:
            self.new_segment()
            self.paused = False
        segment = self.segment
        segment.lats.append(lat)
        segment.lons.append(lon)
        segment.eles.append(ele)
        segment.times.append(self.utc(stamp))

    def utc(self, stamp: object) -> float | None:
        """Return a FIT time as POSIX seconds, or None (and count it) when it is relative to power-on."""
        if not isinstance(stamp, int):
            return None
        if stamp < RELATIVE_LIMIT:
            self.relative += 1
            return None
        return float(stamp + FIT_EPOCH)

    def event(self, fields: list) -> None:
        """Note a timer stop: the next positioned record starts a new segment."""
        values = {f.def_num: f.value for f in fields if f.field_def is None or not f.field_def.is_dev}
        if values.get(0) == "timer" and values.get(1) in _STOPS:
            self.paused = True

    def file_id(self, fields: list) -> None:
        """Read the file's type (a course is a plan) and the device that wrote it."""
        values = {f.def_num: f.value for f in fields if f.field_def is None or not f.field_def.is_dev}
        self.course = self.course or values.get(0) == "course"
        if not self.creator:
            product = values.get(8) or values.get(2)
            self.creator = " ".join(str(v) for v in (values.get(1), product) if v not in (None, ""))

    def course_point(self, fields: list) -> None:
        """Keep a course point (a named turn, summit or water stop) as a waypoint."""
        values = {f.def_num: f.value for f in fields if f.field_def is None or not f.field_def.is_dev}
        sc_lat, sc_lon = values.get(2), values.get(3)
        if not isinstance(sc_lat, int) or not isinstance(sc_lon, int):
            return
        lat, lon = sc_lat * 180 / 2**31, sc_lon * 180 / 2**31
        number = len(self.waypoints) + 1
        if not point_is_valid(lat, lon, None):
            raise explain_point(lat, lon, None, f"Course point {number}", CODE)
        stamp = self.utc(values.get(1))
        when = None if stamp is None or not FIRST_SECOND <= stamp <= LAST_SECOND else datetime.fromtimestamp(
            stamp, timezone.utc)
        name = values.get(6)
        self.waypoints.append(Waypoint(str(name).strip() if name else f"Course point {number}", lat, lon, None,
                                       when, str(values.get(5) or "")))

    def result(self) -> ParsedTrack:
        """Return the track; refuse a file with no positioned record."""
        self.new_segment()
        if not self.segments:
            raise InvalidInput(f"The FIT file has no positions to draw: none of its {self.records:,} records has one "
                               "(was it recorded without GPS, or indoors?).", code=CODE)
        for segment in self.segments:
            segment.planned = self.course
        warnings = []
        if self.unplaced:
            warnings.append(Note("positions_missing", f"{self.unplaced:,} record{'s' if self.unplaced != 1 else ''} "
                                 f"without a position {'were' if self.unplaced != 1 else 'was'} skipped."))
        if self.relative:
            warnings.append(Note("relative_times", f"{self.relative:,} record times count from when the device was "
                                 "switched on, not clock times; those points have no time."))
        return ParsedTrack(name=self.name, segments=self.segments, waypoints=self.waypoints, version=self.version,
                           creator=self.creator, warnings=warnings, file_segments=len(self.segments), format="fit")


def read_fit(data: bytes) -> ParsedTrack:
    """Decode and validate FIT bytes; raise InvalidInput naming the problem when they are unusable."""
    if not looks_like_fit(data):
        raise InvalidInput("This is not a FIT file: it does not start with a FIT header.", code=CODE)
    _check_files(data)
    track = _FitTrack()
    reader = _MemoryFitReader(io.BytesIO(data), processor=None, check_crc=fitdecode.CrcCheck.DISABLED,
                                 error_handling=fitdecode.ErrorHandling.IGNORE)
    frames = iter(reader)
    headers = 0
    try:
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except Exception as exc:  # a broken file must be a 400 whatever fitdecode raises
                raise _refusal(exc) from exc
            kind = frame.frame_type
            if kind == fitdecode.FIT_FRAME_DATA:
                number = frame.def_mesg.global_mesg_num
                if number == _RECORD:
                    track.record(frame.fields)
                elif number == _EVENT:
                    track.event(frame.fields)
                elif number == _FILE_ID:
                    track.file_id(frame.fields)
                elif number == _COURSE_POINT:
                    track.course_point(frame.fields)
                elif number == _COURSE and not track.name:
                    name = next((f.value for f in frame.fields if f.def_num == 5 and f.field_def is not None
                                 and not f.field_def.is_dev), None)
                    track.name = str(name).strip() if name else ""
            elif kind == fitdecode.FIT_FRAME_HEADER:
                headers += 1
                if headers == 1:
                    major, minor = frame.proto_ver
                    track.version = f"FIT protocol {major}.{minor}"
                else:
                    track.new_segment()  # a further file of a chained FIT is another recording
    finally:
        reader.close()
    return track.result()


__all__ = ["FitError", "looks_like_fit", "read_fit"]
