"""GPX bytes -> validated, typed track data (gpxpy behind a defused XML check). No Flask here."""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import defusedxml.ElementTree as safe_et
import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException

from .errors import InvalidInput

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class Segment:
    """One continuous run of points; times are POSIX seconds (UTC), None where absent."""

    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    eles: list[float | None] = field(default_factory=list)
    times: list[float | None] = field(default_factory=list)
    planned: bool = False  # a <rte>: a planned line, not a recording

    def __len__(self) -> int:
        return len(self.lats)


@dataclass
class Waypoint:
    """A named point from the file's <wpt> elements."""

    name: str
    lat: float
    lon: float
    ele: float | None
    time: datetime | None
    description: str


@dataclass
class ParsedGpx:
    """What a GPX file holds, validated."""

    name: str
    segments: list[Segment]
    waypoints: list[Waypoint]
    version: str
    creator: str
    warnings: list[str]

    @property
    def point_count(self) -> int:
        """Count the points of every segment."""
        return sum(len(s) for s in self.segments)


def decode(data: bytes) -> str:
    """Decode GPX bytes by their byte-order mark or XML declaration (UTF-8 otherwise)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            data, declared = data[len(bom):], encoding
            break
    else:
        match = _DECLARED_ENCODING.match(data.lstrip()[:200])
        declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    try:
        text = data.decode(declared)
    except LookupError:
        raise InvalidInput(f"The file declares an unknown text encoding ({declared}).", code="invalid_gpx")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"The file is not valid {declared} text (byte {exc.start}).", code="invalid_gpx")
    # The declaration names the bytes' encoding, which no longer applies to a str.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def _check_xml(text: str) -> None:
    """Refuse DTDs, entities and external references, and anything that is not a <gpx> document."""
    try:
        root = safe_et.fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        raise InvalidInput("GPX files may not contain a DTD or entity declarations; this one does, so it was refused.",
                           code="unsafe_xml")
    except safe_et.ParseError as exc:
        line, column = exc.position
        raise InvalidInput(f"This is not well-formed XML (line {line}, column {column}): is it really a GPX file?",
                           code="invalid_gpx")
    tag = root.tag.rsplit("}", 1)[-1]
    if tag != "gpx":
        raise InvalidInput(f"This XML file is not GPX: its root element is <{tag}>, not <gpx>.", code="invalid_gpx")


def _finite(value: float | None, what: str, where: str) -> float | None:
    """Return the value if it is a finite number, else raise naming the point."""
    if value is None:
        return None
    if not math.isfinite(value):
        raise InvalidInput(f"{where} has an {what} that is not a finite number ({value}).", code="invalid_gpx")
    return float(value)


def _posix(time: datetime | None, warnings: set[str]) -> float | None:
    """Return a POSIX timestamp; naive times are UTC per the GPX rule (with a warning)."""
    if time is None:
        return None
    if time.tzinfo is None:
        warnings.add("Some times have no time zone; they were taken as UTC, as the GPX standard says.")
        time = time.replace(tzinfo=timezone.utc)
    return time.timestamp()


def _points_segment(points: list, planned: bool, label: str, warnings: set[str]) -> Segment:
    """Validate gpxpy points into a Segment; raise naming the first bad point."""
    segment = Segment(planned=planned)
    for n, point in enumerate(points, start=1):
        where = f"{label}, point {n}"
        lat, lon = point.latitude, point.longitude
        if lat is None or lon is None:
            raise InvalidInput(f"{where} has no latitude or longitude.", code="invalid_gpx")
        lat = _finite(lat, "latitude", where)
        lon = _finite(lon, "longitude", where)
        if not -90 <= lat <= 90:  # type: ignore[operator]
            raise InvalidInput(f"{where} has latitude {lat}, outside -90..90.", code="invalid_gpx")
        if not -180 <= lon <= 180:  # type: ignore[operator]
            raise InvalidInput(f"{where} has longitude {lon}, outside -180..180.", code="invalid_gpx")
        segment.lats.append(lat)  # type: ignore[arg-type]
        segment.lons.append(lon)  # type: ignore[arg-type]
        segment.eles.append(_finite(point.elevation, "elevation", where))
        segment.times.append(_posix(point.time, warnings))
    return segment


def parse_gpx(data: bytes) -> ParsedGpx:
    """Parse and validate GPX 1.0/1.1 bytes; raise InvalidInput with a plain message when they are unusable."""
    if not data.strip():
        raise InvalidInput("The file is empty.", code="invalid_gpx")
    text = decode(data)
    _check_xml(text)
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise InvalidInput(f"This GPX file could not be read: {exc}", code="invalid_gpx") from exc
    warnings: set[str] = set()
    segments: list[Segment] = []
    for t, track in enumerate(gpx.tracks, start=1):
        for s, seg in enumerate(track.segments, start=1):
            if seg.points:
                segments.append(_points_segment(seg.points, False, f"Track {t}, segment {s}", warnings))
    for r, route in enumerate(gpx.routes, start=1):
        if route.points:
            segments.append(_points_segment(route.points, True, f"Route {r}", warnings))
    waypoints = []
    for w, wpt in enumerate(gpx.waypoints, start=1):
        seg = _points_segment([wpt], False, f"Waypoint {w}", warnings)
        time = wpt.time.replace(tzinfo=wpt.time.tzinfo or timezone.utc) if wpt.time else None
        waypoints.append(Waypoint(wpt.name or f"Waypoint {w}", seg.lats[0], seg.lons[0], seg.eles[0], time,
                                  wpt.description or ""))
    if not segments:
        raise InvalidInput("The file has no track or route points to draw.", code="invalid_gpx")
    name = next((t.name for t in gpx.tracks if t.name), None) or gpx.name or next(
        (r.name for r in gpx.routes if r.name), None) or ""
    return ParsedGpx(name=name.strip(), segments=segments, waypoints=waypoints, version=gpx.version or "",
                     creator=gpx.creator or "", warnings=sorted(warnings))
