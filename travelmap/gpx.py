"""GPX bytes -> validated, typed track data (gpxpy behind a defused XML check). No Flask here."""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import xml.etree.ElementTree as ElementTree

import defusedxml.ElementTree as safe_et
import gpxpy
import gpxpy.gpx
import gpxpy.gpxfield
import gpxpy.parser
from defusedxml import DefusedXmlException

from .errors import InvalidInput

# gpxpy picks lxml when it is installed and is then about twice as slow on big files;
# the standard ElementTree (expat) is the faster backend for its parse, so pin it.
gpxpy.parser.mod_etree = ElementTree

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_TIME = re.compile(r"<time>\s*([^<]*?)\s*</time>")
_PREFIX_USE = re.compile(r"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*=")
_PREFIX_DECL = re.compile(r"\sxmlns:([A-Za-z_][\w.-]*)\s*=")
_GPX_OPEN = re.compile(r"<gpx\b")


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
    file_segments: int = 0  # <trkseg> and non-empty <rte> in the file, empty ones included

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
        if data.startswith(b"<\x00"):
            declared = "utf-16-le"
        elif data.startswith(b"\x00<"):
            declared = "utf-16-be"
        else:
            match = _DECLARED_ENCODING.match(data.lstrip()[:200])
            declared = match.group(1).decode("ascii").lower() if match else "utf-8"
            if declared in {"utf-16", "utf-32"}:  # declared, but no byte-order mark: the bytes disagree
                declared = "utf-8"
    try:
        text = data.decode(declared)
    except LookupError:
        raise InvalidInput(f"The file declares an unknown text encoding ({declared}).", code="invalid_gpx")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"This is not a GPX file: byte {exc.start} is not {declared} text "
                           "(is it an image or another binary file?).", code="invalid_gpx")
    # The declaration names the bytes' encoding, which no longer applies to a str.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


class _RootOnly:
    """A parser target that remembers the root tag and keeps nothing else (bounded memory)."""

    def __init__(self) -> None:
        self.root: str | None = None

    def start(self, tag: str, attrib: dict) -> None:
        if self.root is None:
            self.root = tag

    def end(self, tag: str) -> None: ...

    def data(self, data: str) -> None: ...

    def close(self) -> str | None:
        return self.root


def _check_xml(text: str) -> None:
    """Refuse DTDs, entities and external references, and anything that is not a <gpx> document.

    A streaming pass with defusedxml's parser: nothing is expanded or fetched, no tree is kept.
    """
    parser = safe_et.DefusedXMLParser(target=_RootOnly(), forbid_dtd=True, forbid_entities=True,
                                      forbid_external=True)
    try:
        parser.feed(text)
        root = parser.close() or ""
    except DefusedXmlException:
        raise InvalidInput("GPX files may not contain a DTD or entity declarations; this one does, so it was refused.",
                           code="unsafe_xml")
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise InvalidInput(f"This is not well-formed XML (line {line}, column {column}): is it really a GPX file?",
                           code="invalid_gpx")
    tag = root.rsplit("}", 1)[-1]
    if tag != "gpx":
        raise InvalidInput(f"This XML file is not GPX: its root element is <{tag}>, not <gpx>.", code="invalid_gpx")


def _declare_missing_prefixes(text: str, warnings: set[str]) -> str:
    """Declare namespace prefixes a file uses but never declares (some Strava-derived exports do this)."""
    used = {a or b for a, b in _PREFIX_USE.findall(text)} - {"xml", "xmlns"}
    missing = sorted(used - set(_PREFIX_DECL.findall(text)))
    if not missing:
        return text
    match = _GPX_OPEN.search(text)
    if match is None:
        return text
    declarations = "".join(f' xmlns:{p}="urn:travelmap:undeclared:{p}"' for p in missing)
    warnings.add(f"The file uses namespace prefixes it never declares ({', '.join(missing)}); "
                 "they were declared for it so that it could be read.")
    return text[: match.end()] + declarations + text[match.end():]


def _check_times(text: str) -> None:
    """Refuse a <time> gpxpy cannot read (it would silently drop it), naming its line."""
    pattern = gpxpy.gpxfield.RE_TIMESTAMP
    for match in _TIME.finditer(text):
        if not pattern.match(match.group(1)):
            line = text.count("\n", 0, match.start()) + 1
            raise InvalidInput(f"Line {line} has a time that cannot be read: {match.group(1)[:40]!r}.",
                               code="invalid_gpx")


def _finite(value: float | None, what: str, where: str) -> float | None:
    """Return the value if it is a finite number, else raise naming the point."""
    if value is None:
        return None
    if not math.isfinite(value):
        article = "an" if what[0] in "aeiou" else "a"
        raise InvalidInput(f"{where} has {article} {what} that is not a finite number ({value}).", code="invalid_gpx")
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


_BAD_NUMBER = re.compile(r"could not convert string to float: '(.*)'\)?$")


def _line_of(text: str, needle: str) -> int | None:
    """Return the line number where needle first occurs."""
    at = text.find(needle)
    return None if at < 0 else text.count("\n", 0, at) + 1


def _explain(exc: Exception, text: str) -> str:
    """Turn gpxpy's terse errors into a sentence naming the line."""
    message = str(exc)
    bad = _BAD_NUMBER.search(message)
    if bad:
        value = bad.group(1)
        for attr in ("lat", "lon"):
            line = _line_of(text, f'{attr}="{value}"')
            if line:
                what = "latitude" if attr == "lat" else "longitude"
                return f"Line {line} has a point whose {what} is {'empty' if not value else repr(value)}, not a number."
        tag = re.search(r"<(\w+)>", message)
        line = _line_of(text, f">{value}<")
        where = f"Line {line}" if line else "A point"
        return f"{where} has {'an empty' if not value else repr(value) + ' as'} <{tag.group(1) if tag else '?'}>, not a number."
    if "is mandatory" in message:
        return "A point has no latitude or longitude: every <trkpt>, <rtept> and <wpt> needs both."
    return f"This GPX file could not be read: {message}"


def parse_gpx(data: bytes) -> ParsedGpx:
    """Parse and validate GPX 1.0/1.1 bytes; raise InvalidInput with a plain message when they are unusable."""
    if not data.strip():
        raise InvalidInput("The file is empty.", code="invalid_gpx")
    text = decode(data)
    warnings: set[str] = set()
    text = _declare_missing_prefixes(text, warnings)
    _check_xml(text)
    _check_times(text)
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise InvalidInput(_explain(exc, text), code="invalid_gpx") from exc
    segments: list[Segment] = []
    file_segments = 0
    for t, track in enumerate(gpx.tracks, start=1):
        for s, seg in enumerate(track.segments, start=1):
            file_segments += 1
            if seg.points:
                segments.append(_points_segment(seg.points, False, f"Track {t}, segment {s}", warnings))
            else:
                warnings.add("Empty track segments were ignored.")
    for r, route in enumerate(gpx.routes, start=1):
        if route.points:
            file_segments += 1
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
                     creator=gpx.creator or "", warnings=sorted(warnings), file_segments=file_segments)
