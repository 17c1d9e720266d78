"""What every track reader returns, and the checks every reader applies to a point. No Flask here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from ..errors import InvalidInput
from ..notes import Note

# Below the deepest sea floor or above the edge of space, an elevation is garbage (and would make the
# climb infinite, which JSON cannot carry).
MIN_ELEVATION_M, MAX_ELEVATION_M = -12_000.0, 100_000.0

FIRST_SECOND = datetime.min.replace(tzinfo=timezone.utc).timestamp()
LAST_SECOND = datetime.max.replace(tzinfo=timezone.utc).timestamp()

NAIVE_TIMES = Note("naive_times", "Some times have no time zone; they were taken as UTC, as the GPX standard says.")
NAIVE_TIMES_ANY = Note("naive_times", "Some times have no time zone; they were taken as UTC.")


@dataclass
class Segment:
    """One continuous run of points; times are POSIX seconds (UTC), None where absent."""

    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    eles: list[float | None] = field(default_factory=list)
    times: list[float | None] = field(default_factory=list)
    planned: bool = False  # a route, course or untimed line: a plan, not a recording

    def __len__(self) -> int:
        return len(self.lats)


@dataclass
class Waypoint:
    """A named point: a GPX <wpt>, a KML Point placemark, a TCX or FIT course point, a GeoJSON Point."""

    name: str
    lat: float
    lon: float
    ele: float | None
    time: datetime | None
    description: str


@dataclass
class ParsedTrack:
    """What a track file holds, validated, whatever its format."""

    name: str
    segments: list[Segment]
    waypoints: list[Waypoint]
    version: str
    creator: str
    warnings: list[Note]
    file_segments: int = 0  # segments in the file, empty ones included (GPX: <trkseg> and non-empty <rte>)
    format: str = "gpx"  # gpx, fit, tcx, kml, kmz or geojson

    @property
    def point_count(self) -> int:
        """Count the points of every segment."""
        return sum(len(s) for s in self.segments)


def point_is_valid(lat: float, lon: float, ele: float | None) -> bool:
    """Tell whether a point is on the Earth with a believable elevation (NaN and infinities fail)."""
    return -90 <= lat <= 90 and -180 <= lon <= 180 and (ele is None or MIN_ELEVATION_M <= ele <= MAX_ELEVATION_M)


def explain_point(lat: float, lon: float, ele: float | None, where: str, code: str) -> InvalidInput:
    """Return the error that says what is wrong with a point that failed point_is_valid."""
    for value, what in ((lat, "latitude"), (lon, "longitude"), (ele, "elevation")):
        if value is not None and value - value != 0:  # NaN or an infinity
            article = "an" if what[0] in "aeiou" else "a"
            return InvalidInput(f"{where} has {article} {what} that is not a finite number ({value}).", code=code)
    if not -90 <= lat <= 90:
        return InvalidInput(f"{where} has latitude {lat}, outside -90..90.", code=code)
    if not -180 <= lon <= 180:
        return InvalidInput(f"{where} has longitude {lon}, outside -180..180.", code=code)
    return InvalidInput(f"{where} has elevation {ele:g} m, outside {MIN_ELEVATION_M:g}..{MAX_ELEVATION_M:g} m.",
                        code=code)


# The ISO 8601 forms gpxpy reads (so that both readers agree on every file), also used for KML, TCX and GeoJSON.
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[T ]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})"
                        r"(\.[0-9]{1,15})?(Z|[+\-\u2212][0-9]{2}:?(?:[0-9]{2})?)?")
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class TimeReader:
    """Read ISO 8601 times to exact POSIX seconds, remembering day numbers (a track has few days, many times)."""

    def __init__(self) -> None:
        self._days: dict[str, int] = {}
        self._offsets: dict[str, int] = {"Z": 0}
        self.naive = False  # set once a time without a zone was read

    def read(self, text: str) -> tuple[int, int] | None:
        """Return (microseconds since 1970 in UTC, the zone's offset in minutes), or None if unreadable.

        A time without a zone is UTC (and sets `naive`). The offset may be a day or more, which no real
        zone is: in_range() refuses those.
        """
        text = text.strip()
        match = _TIMESTAMP.fullmatch(text)
        if match is None:
            return None
        day_text = text[:match.end(3)]
        days = self._days.get(day_text)
        if days is None:
            try:
                days = date(*map(int, match.group(1, 2, 3))).toordinal() - _EPOCH_DAY
            except ValueError:
                return None
            self._days[day_text] = days
        hour, minute, second = int(match.group(4)), int(match.group(5)), int(match.group(6))
        if hour > 23 or minute > 59 or second > 59:
            return None
        fraction, zone = match.group(7), match.group(8)
        micro = int(fraction[1:7].ljust(6, "0")) if fraction else 0
        if zone is None:
            self.naive = True
            offset = 0
        else:
            known = self._offsets.get(zone)
            offset = _offset_minutes(zone) if known is None else known
            self._offsets[zone] = offset
        seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset * 60
        return seconds * 1_000_000 + micro, offset


def _offset_minutes(zone: str) -> int:
    """Return a zone's offset in minutes as gpxpy's SimpleTZ reads it ('+01:15', '-0500', '+03')."""
    sign = -1 if zone[0] in "-\u2212" else 1
    digits = zone[1:]
    minutes = int(digits[-2:]) if len(digits) >= 4 else 0
    return sign * (int(digits[:2]) * 60 + minutes)


def in_range(micros: int, offset: int) -> bool:
    """Tell whether a read time lies within the years 1-9999 in UTC and has a real zone (under a day)."""
    return -1440 < offset < 1440 and FIRST_SECOND <= micros / 1_000_000 <= LAST_SECOND


def time_text(micros: int, offset: int) -> str:
    """Write a read time back with its zone, as far as Python can (for messages)."""
    local = datetime(1970, 1, 1) + timedelta(microseconds=micros + offset * 60_000_000)
    if -1440 < offset < 1440:
        return local.replace(tzinfo=timezone(timedelta(minutes=offset))).isoformat()
    return local.isoformat() + " with an impossible time zone"


def as_datetime(micros: int, offset: int) -> datetime:
    """Return a read time as an aware datetime in its own zone."""
    utc = _EPOCH + timedelta(microseconds=micros)
    return utc.astimezone(timezone(timedelta(minutes=offset))) if offset else utc
