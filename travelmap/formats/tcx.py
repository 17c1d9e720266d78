"""TCX (Garmin Training Center) bytes -> ParsedTrack, on the same hardened streaming XML pass as GPX.

Activities, their laps, tracks and trackpoints, and courses: each activity (or course) is one segment,
its laps and <Track>s joined in order, as GPSBabel joins them. A new <Track> is no proof of a pause:
devices start one after losing the satellites too, with the lap's distance and time running on (the
corpus's Forerunner 305 run covers 3.3 km across its three tracks, 174 m within them). A course is a
planned line when it carries no times, and its course points are waypoints. Trackpoints without a
position are skipped and counted in the warnings. No Flask here.
"""

from __future__ import annotations

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

CODE = "invalid_tcx"

# Which elements the reader follows under which (local names); everything else is skipped.
_CHILDREN = {
    "TrainingCenterDatabase": {"Activities", "Courses"},
    "Activities": {"Activity", "MultiSportSession"},
    "MultiSportSession": {"FirstSport", "NextSport"},
    "FirstSport": {"Activity"},
    "NextSport": {"Activity"},
    "Activity": {"Lap", "Creator"},
    "Creator": {"Name"},
    "Lap": {"Track"},
    "Courses": {"Course"},
    "Course": {"Name", "Lap", "Track", "CoursePoint"},
    "Track": {"Trackpoint"},
    "Trackpoint": {"Time", "Position", "AltitudeMeters"},
    "CoursePoint": {"Name", "Time", "Position", "AltitudeMeters", "Notes"},
    "Position": {"LatitudeDegrees", "LongitudeDegrees"},
}
_TEXT = {"Name", "Time", "AltitudeMeters", "LatitudeDegrees", "LongitudeDegrees", "Notes"}


class TcxReader(XmlReader):
    """The events of one <TrainingCenterDatabase> -> a segment per activity or course, course points as waypoints."""

    label, code = "TCX", CODE

    def __init__(self) -> None:
        super().__init__()
        self.times = TimeReader()
        self.path: list[str] = []
        self.segments: list[Segment] = []
        self.waypoints: list[Waypoint] = []
        self.segment = Segment()
        self.in_course = False
        self.trackpoints = 0
        self.unplaced = 0
        self.name = ""
        self.creator = ""
        self.fields: dict[str, str] = {}
        self.when: tuple[int, int] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Follow activities, courses, tracks and points; skip the rest (laps' totals, extensions, …)."""
        tag = self.names.get(name) or self.names.setdefault(name, local_name(name))
        if not self.path:
            self.path.append(tag)
            return
        parent = self.path[-1]
        if parent in _TEXT:  # a child inside a text field: the text ends there
            self.captured()
            self.skip()
            return
        if tag not in _CHILDREN.get(parent, ()):
            self.skip()
            return
        self.path.append(tag)
        if tag in _TEXT:
            self.capture()
        elif tag in ("Trackpoint", "CoursePoint"):
            self.fields = {}
            self.when = None
        elif tag in ("Activity", "Course"):
            self.segment = Segment()
            self.in_course = tag == "Course"

    def end(self, name: str) -> None:
        """Close fields, points, tracks and courses."""
        tag = self.path.pop()
        if tag in _TEXT:
            text = self.captured()
            parent = self.path[-1] if self.path else ""
            if text is None:
                return
            if tag == "Name":
                if parent == "Creator" and not self.creator:
                    self.creator = text.strip()
                elif parent == "Course" and not self.name:
                    self.name = text.strip()
                elif parent == "CoursePoint":
                    self.fields.setdefault(tag, text)
            elif tag == "Time":
                when = self.times.read(text)
                if when is None:
                    raise InvalidInput(f"Line {self.line()} has a time that cannot be read: {text.strip()[:40]!r}.",
                                       code=CODE)
                self.when = self.when or when
            else:
                self.fields.setdefault(tag, text)
        elif tag == "Trackpoint":
            self._trackpoint()
        elif tag == "CoursePoint":
            self._course_point()
        elif tag in ("Activity", "Course"):
            if self.segment.lats:
                self.segment.planned = self.in_course and all(t is None for t in self.segment.times)
                self.segments.append(self.segment)

    def _number(self, tag: str) -> float | None:
        text = self.fields.get(tag)
        if text is None:
            return None
        try:
            return float(text.strip())
        except ValueError:
            raise InvalidInput(f"Line {self.line()} has {text.strip()[:40]!r} as <{tag}>, not a number.",
                               code=CODE) from None

    def _point(self, what: str, number: int) -> tuple[float, float, float | None, tuple[int, int] | None] | None:
        """Return the point's (lat, lon, ele, time), None without a position; raise naming it when it is unusable."""
        lat, lon = self._number("LatitudeDegrees"), self._number("LongitudeDegrees")
        if lat is None or lon is None:
            return None
        ele = self._number("AltitudeMeters")
        if not point_is_valid(lat, lon, ele):
            raise explain_point(lat, lon, ele, f"{what} {number:,} (line {self.line()})", CODE)
        when = self.when
        if when is not None and not in_range(*when):
            raise InvalidInput(
                f"{what} {number:,} (line {self.line()}) has a time out of range: {time_text(*when)}.", code=CODE
            )
        return lat, lon, ele, when

    def _trackpoint(self) -> None:
        self.trackpoints += 1
        point = self._point("Trackpoint", self.trackpoints)
        if point is None:
            self.unplaced += 1
            return
        lat, lon, ele, when = point
        segment = self.segment
        segment.lats.append(lat)
        segment.lons.append(lon)
        segment.eles.append(ele)
        segment.times.append(None if when is None else when[0] / 1_000_000)

    def _course_point(self) -> None:
        number = len(self.waypoints) + 1
        point = self._point("Course point", number)
        if point is None:
            return
        lat, lon, ele, when = point
        name = (self.fields.get("Name") or "").strip() or f"Course point {number}"
        self.waypoints.append(
            Waypoint(
                name,
                lat,
                lon,
                ele,
                None if when is None else as_datetime(*when),
                (self.fields.get("Notes") or "").strip(),
            )
        )

    def result(self) -> ParsedTrack:
        """Return the track; refuse a file with no positioned trackpoint."""
        if not self.segments:
            raise InvalidInput(
                f"The TCX file has no positions to draw ({self.trackpoints:,} trackpoints, none with a position).",
                code=CODE,
            )
        warnings = self.prefix_warnings()
        if self.unplaced:
            warnings.append(Note(
                "positions_missing",
                f"{self.unplaced:,} trackpoint{'s' if self.unplaced != 1 else ''} without a position "
                f"{'were' if self.unplaced != 1 else 'was'} skipped.",
            ))
        if self.times.naive:
            warnings.append(NAIVE_TIMES_ANY)
        return ParsedTrack(
            name=self.name,
            segments=self.segments,
            waypoints=self.waypoints,
            version="",
            creator=self.creator,
            warnings=sorted(warnings),
            file_segments=len(self.segments),
            format="tcx",
        )


def pick_tcx(root: str) -> TcxReader:
    """Return a TCX reader for a <TrainingCenterDatabase> root; refuse any other root."""
    tag = local_name(root)
    if tag != "TrainingCenterDatabase":
        raise InvalidInput(
            f"This XML file is not TCX: its root element is <{tag}>, not <TrainingCenterDatabase>.", code=CODE
        )
    return TcxReader()


def read_tcx(data: bytes | Iterable[bytes]) -> ParsedTrack:
    """Read and validate TCX bytes; raise InvalidInput with a plain message when they are unusable."""
    reader = read_xml(data, pick_tcx, "TCX", CODE)
    assert isinstance(reader, TcxReader)
    return reader.result()
