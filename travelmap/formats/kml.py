"""KML 2.2 bytes (Google Earth, My Maps, OpenTracks …) -> ParsedTrack, on the hardened streaming XML pass.

What is read, wherever it sits in folders, placemarks and multi-geometries:
- a gx:Track (or a KML 2.3 Track): one segment with its <when> times paired with its <gx:coord>s;
  gx:MultiTrack holds several;
- a LineString: a planned line (it has no times), like a GPX route;
- a Point placemark: a waypoint, with its TimeStamp when it has one. A point off the Earth (OpenTracks
  writes a statistics marker at latitude 100) is left out with a warning: it is no place to stop at.
Coordinates are read as they stream, so one LineString of a million points costs its numbers, not its
text. Polygons and network links are ignored (nothing is ever fetched). No Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import InvalidInput
from ..notes import Note
from .common import (
    NAIVE_TIMES_ANY,
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

CODE = "invalid_kml"

_CONTAINERS = {"kml", "Document", "Folder"}
_GEOMETRIES = {"Point", "LineString", "MultiGeometry", "MultiTrack", "Track", "Polygon"}
# Which elements the reader follows under which (local names); everything else is skipped.
_CHILDREN = {
    "kml": {"Document", "Folder", "Placemark", "name"},
    "Document": {"Document", "Folder", "Placemark", "name"},
    "Folder": {"Folder", "Placemark", "Document"},
    "Placemark": _GEOMETRIES | {"name", "description", "TimeStamp"},
    "MultiGeometry": _GEOMETRIES,
    "MultiTrack": {"Track"},
    "Track": {"when", "coord"},
    "TimeStamp": {"when"},
    "Point": {"coordinates"},
    "LineString": {"coordinates"},
}
_TUPLE = re.compile(r"[^\s,]+(?:\s*,\s*[^\s,]+)*")
_COMMA = re.compile(r"\s*,\s*")


class KmlReader(XmlReader):
    """The events of one <kml> document -> tracks, planned lines and waypoints."""

    label, code = "KML", CODE

    def __init__(self) -> None:
        super().__init__()
        self.times = TimeReader()
        self.path: list[str] = []
        self.tracks: list[Segment] = []
        self.lines: list[Segment] = []
        self.waypoints: list[Waypoint] = []
        self.warnings: set[Note] = set()
        self.document_name: str | None = None
        self.placemark_name: str | None = None
        self.first_line_name: str | None = None
        self.placemark_desc = ""
        self.placemark_when: tuple[int, int] | None = None
        self.placemark_points: list[tuple[float, float, float | None, int]] = []
        self.segment = Segment()
        self.track_times: list[float | None] = []
        self.carry = ""  # the unfinished coordinate tuple at the end of the last piece of text
        self.geometry = ""  # the Point or LineString whose <coordinates> are being read

    # ------------------------------------------------------------------ events

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Follow containers, placemarks and geometries; skip styles, views, extended data and the rest."""
        tag = self.names.get(name) or self.names.setdefault(name, local_name(name))
        if not self.path:
            self.path.append(tag)
            return
        parent = self.path[-1]
        if parent in ("name", "description", "when", "coord"):  # text ends at a child element
            self.captured()
            self.skip()
            return
        if parent == "coordinates":
            self.parser.CharacterDataHandler = None
            self.skip()
            return
        if tag not in _CHILDREN.get(parent, ()):
            if tag == "NetworkLink":
                self.warnings.add(Note("network_links_ignored", "Network links (other KML files on the web) were "
                                       "ignored: nothing is fetched."))
            self.skip()
            return
        self.path.append(tag)
        if tag in ("name", "description", "when", "coord"):
            self.capture()
        elif tag == "coordinates":
            self.carry = ""
            self.geometry = parent
            self.parser.CharacterDataHandler = self._coordinate_text
        elif tag == "Placemark":
            self.placemark_name, self.placemark_desc, self.placemark_when = None, "", None
            self.placemark_points = []
        elif tag == "Track":
            self.segment = Segment()
            self.track_times = []
        elif tag == "LineString":
            self.segment = Segment(planned=True)
        elif tag == "Polygon":
            self.warnings.add(Note("areas_ignored", "Polygons (areas) were ignored."))
            self.path.pop()
            self.skip()

    def end(self, name: str) -> None:
        """Close fields, coordinates, geometries and placemarks."""
        tag = self.path.pop()
        parent = self.path[-1] if self.path else ""
        if tag in ("name", "description", "when", "coord"):
            self._close_text(tag, parent, self.captured())
        elif tag == "coordinates":
            self.parser.CharacterDataHandler = None
            self._tuples(self.carry, final=True)
            self.carry = ""
        elif tag == "Track":
            self._close_track()
        elif tag == "LineString":
            if self.segment.lats:
                self.lines.append(self.segment)
                self.first_line_name = self.first_line_name or self.placemark_name
        elif tag == "Placemark":
            self._close_placemark()

    # ------------------------------------------------------------------ text

    def _close_text(self, tag: str, parent: str, text: str | None) -> None:
        if tag == "name":
            if parent == "Placemark":
                self.placemark_name = text.strip() if text else None
            elif parent in _CONTAINERS and self.document_name is None and text and text.strip():
                self.document_name = text.strip()
        elif tag == "description":
            self.placemark_desc = (text or "").strip()
        elif tag == "when":
            when = None if text is None or not text.strip() else self.times.read(text)
            if parent == "Track":
                if text is not None and text.strip() and when is None:
                    raise InvalidInput(f"Line {self.line()} has a time that cannot be read: {text.strip()[:40]!r}.",
                                       code=CODE)
                self.track_times.append(self._stamp(when, f"The gx:Track's time on line {self.line()}"))
            elif parent == "TimeStamp" and self.placemark_when is None:
                if when is None and text and text.strip():
                    self.warnings.add(Note("waypoint_times_unreadable", "Some placemark times could not be read; "
                                           "those waypoints have no time."))
                self.placemark_when = when
        elif tag == "coord":
            values = (text or "").split()
            self._add(values, "gx:coord")

    def _stamp(self, when: tuple[int, int] | None, where: str) -> float | None:
        if when is None:
            return None
        if not in_range(*when):
            raise InvalidInput(f"{where} is out of range: {time_text(*when)}.", code=CODE)
        return when[0] / 1_000_000

    # ------------------------------------------------------------------ coordinates

    def _coordinate_text(self, data: str) -> None:
        """Read the complete tuples of a piece of <coordinates> text; keep the last one, which may go on."""
        self.carry = self._tuples(self.carry + data, final=False)

    def _tuples(self, text: str, final: bool) -> str:
        """Add every 'lon,lat[,alt]' tuple in text; return the unfinished tail unless final."""
        matches = list(_TUPLE.finditer(text))
        if not final and matches:
            tail = matches.pop()
            rest = text[tail.start():]
        else:
            rest = ""
        for match in matches:
            self._add(_COMMA.split(match.group()), "coordinates")
        return rest

    def _add(self, values: list[str], what: str) -> None:
        """Add one position (longitude, latitude[, altitude]) to the open geometry."""
        if len(values) < 2:
            raise InvalidInput(f"Line {self.line()} has a position that is not 'longitude,latitude[,altitude]' in its "
                               f"<{what}>: {' '.join(values)[:40]!r}.", code=CODE)
        try:
            lon, lat = float(values[0]), float(values[1])
            ele = float(values[2]) if len(values) > 2 else None
        except ValueError:
            raise InvalidInput(f"Line {self.line()} has a position that is not made of numbers in its <{what}>: "
                               f"{','.join(values)[:40]!r}.", code=CODE) from None
        owner = self.geometry if what == "coordinates" else "Track"
        if owner == "Point":
            self.placemark_points.append((lat, lon, ele, self.line()))
            return
        if not point_is_valid(lat, lon, ele):
            label = "gx:Track" if owner == "Track" else "LineString"
            where = f"The {label} ending on line {self.line()}, point {len(self.segment) + 1}"
            raise explain_point(lat, lon, ele, where, CODE)
        segment = self.segment
        segment.lats.append(lat)
        segment.lons.append(lon)
        segment.eles.append(ele)
        if owner == "LineString":
            segment.times.append(None)  # a gx:Track's times are paired with its positions when it closes

    # ------------------------------------------------------------------ geometries

    def _close_track(self) -> None:
        segment, times = self.segment, self.track_times
        if times and len(times) != len(segment):
            raise InvalidInput(f"The gx:Track ending on line {self.line()} has {len(times):,} <when> and "
                               f"{len(segment):,} <gx:coord>; each position needs its time.", code=CODE)
        segment.times = times or [None] * len(segment)
        if segment.lats:
            self.tracks.append(segment)
            self.first_line_name = self.first_line_name or self.placemark_name

    def _close_placemark(self) -> None:
        for lat, lon, ele, line in self.placemark_points:
            number = len(self.waypoints) + 1
            name = self.placemark_name or f"Placemark {number}"
            if not point_is_valid(lat, lon, ele):
                problem = explain_point(lat, lon, ele, f"The placemark {name!r} (line {line})", CODE)
                self.warnings.add(Note("waypoint_left_out", f"{problem.message[:-1]}; it was left out."))
                continue
            when = self.placemark_when
            time = as_datetime(*when) if when is not None and in_range(*when) else None
            self.waypoints.append(Waypoint(name, lat, lon, ele, time, self.placemark_desc))

    # ------------------------------------------------------------------ the result

    def result(self, fmt: str = "kml") -> ParsedTrack:
        """Return the document's tracks and lines; refuse one with nothing to draw."""
        segments = self.tracks + self.lines
        if not segments:
            found = f" (only {len(self.waypoints):,} placemark points)" if self.waypoints else ""
            raise InvalidInput(f"The KML file has no track or line to draw{found}.", code=CODE)
        warnings = self.warnings | set(self.prefix_warnings())
        if self.times.naive:
            warnings.add(NAIVE_TIMES_ANY)
        name = self.document_name or self.first_line_name or ""
        return ParsedTrack(name=name, segments=segments, waypoints=self.waypoints, version="", creator="",
                           warnings=sorted(warnings), file_segments=len(segments), format=fmt)


def pick_kml(root: str) -> KmlReader:
    """Return a KML reader for a <kml> root; refuse any other root."""
    tag = local_name(root)
    if tag != "kml":
        raise InvalidInput(f"This XML file is not KML: its root element is <{tag}>, not <kml>.", code=CODE)
    return KmlReader()


def read_kml(data: bytes | Iterable[bytes], fmt: str = "kml") -> ParsedTrack:
    """Read and validate KML bytes (or chunks of them); raise InvalidInput with a plain message when unusable."""
    reader = read_xml(data, pick_kml, "KML", CODE)
    assert isinstance(reader, KmlReader)
    return reader.result(fmt)
