"""GPX 1.0/1.1 bytes -> ParsedTrack in one streaming expat pass. No Flask here.

It reads what gpxpy reads, the way gpxpy reads it (a test compares the two on every real file): the
elements of the GPX namespace, which carry no prefix; for each field the first child of that name and
its text up to its first child element; whole numbers, numbers and one-of values checked as gpxpy
checks them; the GPX time forms gpxpy understands. Each point becomes four numbers in a segment's
lists as soon as it ends; no element object is ever built, so memory is the points and one chunk.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InvalidInput
from ..notes import Note
from .common import (
    NAIVE_TIMES,
    ParsedTrack,
    Segment,
    TimeReader,
    Waypoint,
    as_datetime,
    explain_point,
    in_range,
    point_is_valid,
    time_text,
)
from .xmlstream import XmlReader, local_name, read_xml

CODE = "invalid_gpx"

# What gpxpy checks in a point: numbers, whole numbers and one-of values (their first occurrence only).
_NUMBERS = {"ele", "magvar", "geoidheight", "hdop", "vdop", "pdop", "ageofdgpsdata"}
_GPX10_TRKPT_NUMBERS = _NUMBERS | {"course", "speed"}  # GPX 1.0 track points also have course and speed
_WHOLE = {"sat", "dgpsid"}
_FIX = ("none", "2d", "3d", "dgps", "pps", "3")
_POINT_TEXT = {"time", "name", "desc"}

# Where the reader is in the document.
_ROOT, _META, _TRK, _SEG, _RTE, _PT, _FIELD = range(7)
_TRKPT, _RTEPT, _WPT = range(3)


class GpxReader(XmlReader):
    """The events of one <gpx> document -> tracks, routes and waypoints, validated point by point."""

    label, code = "GPX", CODE

    def __init__(self) -> None:
        super().__init__()
        self.times = TimeReader()
        self.state = _ROOT
        self.version = self.creator = ""
        self.gpx11 = False
        self.name: str | None = None  # <metadata><name> in 1.1, <name> under <gpx> in 1.0
        self.track_names: list[str | None] = []
        self.route_names: list[str | None] = []
        self.tracks: list[Segment] = []
        self.routes: list[Segment] = []
        self.waypoints: list[Waypoint] = []
        self.file_segments = 0
        self.warnings: set[Note] = set()
        # Fields already read (gpxpy reads the first of each): in the point, its track or route, the file's top.
        self.seen: set[str] = set()
        self.parent_seen: set[str] = set()
        self.root_seen: set[str] = set()
        self.meta_seen: set[str] = set()
        self.segment = Segment()
        self.segment_number = 0
        self.field = ""
        self.field_owner = _ROOT
        # the point being read
        self.kind = _TRKPT
        self.numbers = _NUMBERS
        self.lat = self.lon = 0.0
        self.ele: float | None = None
        self.when: tuple[int, int] | None = None
        self.point_name: str | None = None
        self.point_desc: str | None = None

    # ------------------------------------------------------------------ events

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Follow the GPX structure; skip everything else (extensions, unknown and prefixed elements)."""
        state = self.state
        if state == _PT:
            if name in self.seen or not (name in self.numbers or name in _POINT_TEXT or name in _WHOLE
                                         or name == "fix"):
                self.skip()
                return
            self.seen.add(name)
            self._open_field(name, _PT)
        elif state == _SEG:
            if name != "trkpt":
                self.skip()
                return
            self._open_point(_TRKPT, attrs)
        elif state == _FIELD:
            self.captured()  # gpxpy's .text stops at the first child element
            self.skip()
        elif state == _TRK:
            if name == "trkseg":
                self.segment = Segment()
                self.segment_number += 1
                self.state = _SEG
            elif name in ("name", "number") and name not in self.parent_seen:
                self.parent_seen.add(name)
                self._open_field(name, _TRK)
            else:
                self.skip()
        elif state == _RTE:
            if name == "rtept":
                self._open_point(_RTEPT, attrs)
            elif name in ("name", "number") and name not in self.parent_seen:
                self.parent_seen.add(name)
                self._open_field(name, _RTE)
            else:
                self.skip()
        elif state == _ROOT:
            self._start_in_root(name, attrs)
        else:  # _META
            self._start_header_field(name, attrs, _META)

    def end(self, name: str) -> None:
        """Finish fields, points, segments, tracks and routes."""
        state = self.state
        if state == _FIELD:
            self._close_field()
        elif state == _PT:
            self._close_point()
        elif state == _SEG:
            self.file_segments += 1
            if self.segment.lats:
                self.tracks.append(self.segment)
            else:
                self.warnings.add(Note("empty_segments", "Empty track segments were ignored."))
            self.state = _TRK
        elif state == _RTE:
            if self.segment.lats:
                self.file_segments += 1
                self.routes.append(self.segment)
            self.state = _ROOT
        elif state == _TRK or state == _META:
            self.state = _ROOT

    # ------------------------------------------------------------------ the document's top

    def _start_in_root(self, name: str, attrs: dict[str, str]) -> None:
        """Handle the <gpx> element itself and its children."""
        if self.depth == 1:
            self.version = attrs.get("version") or ""
            self.creator = attrs.get("creator") or ""
            self.gpx11 = self.version == "1.1"  # gpxpy reads GPX 1.0 fields for any other version
            return
        if name == "trk":
            self.track_names.append(None)
            self.segment_number = 0
            self.parent_seen = set()
            self.state = _TRK
        elif name == "rte":
            self.route_names.append(None)
            self.segment = Segment(planned=True)
            self.parent_seen = set()
            self.state = _RTE
        elif name == "wpt":
            self._open_point(_WPT, attrs)
        elif self.gpx11:
            if name == "metadata" and "metadata" not in self.root_seen:
                self.root_seen.add("metadata")
                self.state = _META
            else:
                self.skip()
        else:
            self._start_header_field(name, attrs, _ROOT)

    def _start_header_field(self, name: str, attrs: dict[str, str], owner: int) -> None:
        """Read the file's name and check its <bounds> (in <metadata> for 1.1, under <gpx> for 1.0)."""
        seen = self.meta_seen if owner == _META else self.root_seen
        if name in seen or name not in ("name", "bounds"):
            self.skip()
            return
        seen.add(name)
        if name == "name":
            self._open_field(name, owner)
            return
        for key in ("minlat", "maxlat", "minlon", "maxlon"):
            value = attrs.get(key)
            if value is not None:
                try:
                    float(value.strip())
                except ValueError:
                    raise InvalidInput(f"Line {self.line()} has {value[:40]!r} as the <bounds> {key}, not a number.",
                                       code=CODE) from None
        self.skip()

    # ------------------------------------------------------------------ points

    def _open_point(self, kind: int, attrs: dict[str, str]) -> None:
        """Start a <trkpt>, <rtept> or <wpt>: read and check its latitude and longitude."""
        lat, lon = attrs.get("lat"), attrs.get("lon")
        if lat is None or lon is None:
            raise InvalidInput(f"Line {self.line()} has a point with no latitude or longitude: every <trkpt>, "
                               "<rtept> and <wpt> needs both.", code=CODE)
        try:
            self.lat = float(lat.strip())
        except ValueError:
            raise self._not_a_number("latitude", lat) from None
        try:
            self.lon = float(lon.strip())
        except ValueError:
            raise self._not_a_number("longitude", lon) from None
        self.kind = kind
        self.numbers = _GPX10_TRKPT_NUMBERS if kind == _TRKPT and not self.gpx11 else _NUMBERS
        self.ele = None
        self.when = None
        self.point_name = self.point_desc = None
        self.seen.clear()
        self.state = _PT

    def _not_a_number(self, what: str, value: str) -> InvalidInput:
        value = value.strip()
        return InvalidInput(f"Line {self.line()} has a point whose {what} is {'empty' if not value else repr(value)}, "
                            "not a number.", code=CODE)

    def _open_field(self, name: str, owner: int) -> None:
        self.field, self.field_owner = name, owner
        self.state = _FIELD
        self.capture()

    def _close_field(self) -> None:
        """Check and keep the text of a point's, track's, route's or the file's field."""
        text = self.captured()
        name, owner = self.field, self.field_owner
        self.state = owner
        if text is None:
            return
        if owner != _PT:
            if name == "number":
                self._whole(name, text)
            elif owner == _TRK:
                self.track_names[-1] = text
            elif owner == _RTE:
                self.route_names[-1] = text
            else:
                self.name = text
            return
        if name == "ele":
            self.ele = self._number(name, text)
        elif name == "time":
            self.when = self.times.read(text)
            if self.when is None:
                raise InvalidInput(f"Line {self.line()} has a time that cannot be read: {text.strip()[:40]!r}.",
                                   code=CODE)
        elif name in self.numbers:
            self._number(name, text)
        elif name in _WHOLE:
            self._whole(name, text)
        elif name == "fix":
            if text not in _FIX:
                raise InvalidInput(f"Line {self.line()} has {text[:40]!r} as <fix>, which must be one of "
                                   f"{', '.join(_FIX)}.", code=CODE)
        elif name == "name":
            self.point_name = text
        elif name == "desc":
            self.point_desc = text

    def _number(self, name: str, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            value = text.strip()
            raise InvalidInput(f"Line {self.line()} has {'an empty' if not value else repr(value) + ' as'} <{name}>, "
                               "not a number.", code=CODE) from None

    def _whole(self, name: str, text: str) -> None:
        try:
            int(text.strip())
        except ValueError:
            raise InvalidInput(f"Line {self.line()} has {text[:40]!r} as <{name}>, not a whole number.",
                               code=CODE) from None

    def _where(self) -> str:
        """Name the point being read, as messages do ('Track 1, segment 2, point 3')."""
        if self.kind == _TRKPT:
            return f"Track {len(self.track_names)}, segment {self.segment_number}, point {len(self.segment.lats) + 1}"
        if self.kind == _RTEPT:
            return f"Route {len(self.route_names)}, point {len(self.segment.lats) + 1}"
        return f"Waypoint {len(self.waypoints) + 1}, point 1"

    def _close_point(self) -> None:
        """Check the finished point and add it to its segment (or keep it as a waypoint)."""
        kind, lat, lon, ele, when = self.kind, self.lat, self.lon, self.ele, self.when
        if not point_is_valid(lat, lon, ele):
            raise explain_point(lat, lon, ele, self._where(), CODE)
        stamp: float | None = None
        if when is not None:
            micros, offset = when
            if not in_range(micros, offset):
                raise InvalidInput(f"{self._where()} has a time out of range: {time_text(micros, offset)}.", code=CODE)
            stamp = micros / 1_000_000
        if kind == _WPT:
            self.state = _ROOT
            time = None if when is None else as_datetime(*when)
            self.waypoints.append(
                Waypoint(
                    self.point_name or f"Waypoint {len(self.waypoints) + 1}", lat, lon, ele, time, self.point_desc or ""
                )
            )
            return
        self.state = _SEG if kind == _TRKPT else _RTE
        segment = self.segment
        segment.lats.append(lat)
        segment.lons.append(lon)
        segment.eles.append(ele)
        segment.times.append(stamp)

    # ------------------------------------------------------------------ the result

    def result(self) -> ParsedTrack:
        """Return what the document held; raise when it holds nothing to draw."""
        segments = self.tracks + self.routes
        if not segments:
            raise InvalidInput("The file has no track or route points to draw.", code=CODE)
        if self.times.naive:
            self.warnings.add(NAIVE_TIMES)
        name = (
            next((n for n in self.track_names if n), None)
            or self.name
            or next((n for n in self.route_names if n), None)
            or ""
        )
        return ParsedTrack(
            name=name.strip(),
            segments=segments,
            waypoints=self.waypoints,
            version=self.version,
            creator=self.creator,
            warnings=sorted(self.warnings | set(self.prefix_warnings())),
            file_segments=self.file_segments,
            format="gpx",
        )


def pick_gpx(root: str) -> GpxReader:
    """Return a GPX reader for a <gpx> root; refuse any other root."""
    tag = local_name(root)
    if tag != "gpx":
        raise InvalidInput(f"This XML file is not GPX: its root element is <{tag}>, not <gpx>.", code=CODE)
    return GpxReader()


def read_gpx(data: bytes | Iterable[bytes]) -> ParsedTrack:
    """Read and validate GPX 1.0/1.1 bytes; raise InvalidInput with a plain message when they are unusable."""
    if isinstance(data, bytes) and (not data or data.isspace()):
        raise InvalidInput("The file is empty.", code=CODE)
    reader = read_xml(data, pick_gpx, "GPX", CODE)
    assert isinstance(reader, GpxReader)
    return reader.result()
