"""GPX bytes -> validated, typed track data (gpxpy behind a streaming DTD and entity check). No Flask here."""

from __future__ import annotations

import codecs
import math
import re
import xml.etree.ElementTree as ElementTree
import xml.parsers.expat as expat
from dataclasses import dataclass, field
from datetime import datetime, timezone

import gpxpy
import gpxpy.gpx
import gpxpy.gpxfield
import gpxpy.parser

from .errors import InvalidInput

# gpxpy picks lxml when it is installed and is then about twice as slow on big files;
# the standard ElementTree (expat) is the faster backend for its parse, so pin it.
gpxpy.parser.mod_etree = ElementTree

# Below the deepest sea floor or above the edge of space, an elevation is garbage (and would make the
# climb infinite, which JSON cannot carry).
MIN_ELEVATION_M, MAX_ELEVATION_M = -12_000.0, 100_000.0

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


class _Forbidden(Exception):
    """A DTD, entity declaration or external reference was found."""


def _forbid(*_: object) -> None:
    raise _Forbidden()


def _check_xml(text: str) -> None:
    """Refuse DTDs, entity declarations and external references, and anything that is not a <gpx> document.

    This is defusedxml's defence (expat handlers that refuse DOCTYPE, ENTITY and external references)
    run as a streaming pre-pass with no Python call per element: about 4% of gpxpy's own parse,
    nothing expanded, nothing fetched, no tree kept. Only then does gpxpy see the text.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    root: list[str] = []

    def first_element(name: str, attributes: object) -> None:
        root.append(name)
        parser.StartElementHandler = None

    parser.StartElementHandler = first_element
    try:
        parser.Parse(text, True)
    except _Forbidden:
        raise InvalidInput("GPX files may not contain a DTD or entity declarations; this one does, so it was refused.",
                           code="unsafe_xml")
    except expat.ExpatError as exc:
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNBOUND_PREFIX]:
            raise _UnboundPrefix() from exc
        raise InvalidInput(f"This is not well-formed XML (line {exc.lineno}, column {exc.offset}): "
                           "is it really a GPX file?", code="invalid_gpx")
    tag = root[0].rsplit("}", 1)[-1] if root else ""
    if tag != "gpx":
        raise InvalidInput(f"This XML file is not GPX: its root element is <{tag}>, not <gpx>.", code="invalid_gpx")


class _UnboundPrefix(Exception):
    """The file uses a namespace prefix it never declares."""


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


def _readable_time(value: str) -> bool:
    """Tell whether gpxpy can turn a <time> into a datetime (its pattern also matches month 13 or year 0)."""
    try:
        return gpxpy.gpxfield.parse_time(value) is not None
    except (ValueError, OverflowError, gpxpy.gpx.GPXException):
        return False


def _check_times(text: str) -> None:
    """Refuse a <time> gpxpy cannot read (it would silently drop it), naming its line."""
    for match in _TIME.finditer(text):
        if not _readable_time(match.group(1)):
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


def _points_segment(points: list, planned: bool, label: str, warnings: set[str]) -> Segment:
    """Validate gpxpy points into a Segment; raise naming the first bad point."""
    segment = Segment(planned=planned)
    lats, lons, eles, times = segment.lats, segment.lons, segment.eles, segment.times
    isfinite = math.isfinite
    for point in points:
        lat, lon, ele, time = point.latitude, point.longitude, point.elevation, point.time
        if lat is None or lon is None or not (isfinite(lat) and isfinite(lon) and -90 <= lat <= 90
                                             and -180 <= lon <= 180) or (ele is not None and not (
                                                 isfinite(ele) and MIN_ELEVATION_M <= ele <= MAX_ELEVATION_M)):
            _explain_point(lat, lon, ele, f"{label}, point {len(lats) + 1}")
        lats.append(float(lat))
        lons.append(float(lon))
        eles.append(None if ele is None else float(ele))
        if time is None:
            times.append(None)
            continue
        if time.tzinfo is None:
            warnings.add("Some times have no time zone; they were taken as UTC, as the GPX standard says.")
            time = time.replace(tzinfo=timezone.utc)
        try:
            stamp = time.timestamp()
        except (ValueError, OverflowError):  # a time zone of a day or more
            stamp = math.nan
        if not _FIRST_SECOND <= stamp <= _LAST_SECOND:  # e.g. 0001-01-01T00:00:00+14:00 is in year 0 in UTC
            raise InvalidInput(f"{label}, point {len(lats)} has a time out of range: {_time_text(time)}.",
                               code="invalid_gpx")
        times.append(stamp)
    return segment


_FIRST_SECOND = datetime.min.replace(tzinfo=timezone.utc).timestamp()
_LAST_SECOND = datetime.max.replace(tzinfo=timezone.utc).timestamp()


def _time_text(time: datetime) -> str:
    """Write a time as the file did, as far as Python can."""
    try:
        return time.isoformat()
    except (ValueError, OverflowError):
        return time.replace(tzinfo=None).isoformat() + " with an impossible time zone"


def _explain_point(lat: float | None, lon: float | None, ele: float | None, where: str) -> None:
    """Raise the error that says what is wrong with one point."""
    if lat is None or lon is None:
        raise InvalidInput(f"{where} has no latitude or longitude.", code="invalid_gpx")
    _finite(lat, "latitude", where)
    _finite(lon, "longitude", where)
    _finite(ele, "elevation", where)
    if not -90 <= lat <= 90:
        raise InvalidInput(f"{where} has latitude {lat}, outside -90..90.", code="invalid_gpx")
    if not -180 <= lon <= 180:
        raise InvalidInput(f"{where} has longitude {lon}, outside -180..180.", code="invalid_gpx")
    raise InvalidInput(f"{where} has elevation {ele:g} m, outside {MIN_ELEVATION_M:g}..{MAX_ELEVATION_M:g} m.",
                       code="invalid_gpx")


_BAD_NUMBER = re.compile(r"could not convert string to float: '(.*)'\)?$")
_BAD_WHOLE = re.compile(r"^Invalid value for <(\w+)>\.\.\. (.*) \(invalid literal for int\(\)", re.S)
_BAD_CHOICE = re.compile(r'^Invalid value "(.*)", possible: \((.*)\)$', re.S)


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
    not_int = _BAD_WHOLE.search(message)
    if not_int:
        tag, value = not_int.group(1), not_int.group(2)
        line = _line_of(text, f">{value}<")
        return f"{f'Line {line}' if line else 'A point'} has {value[:40]!r} as <{tag}>, not a whole number."
    choice = _BAD_CHOICE.search(message)
    if choice:
        value = choice.group(1)
        allowed = ", ".join(dict.fromkeys(re.findall(r"'([^']*)'", choice.group(2))))
        tag = re.search(rf"<(\w+)>\s*{re.escape(value)}\s*<", text)
        line = _line_of(text, f">{value}<")
        return (f"{f'Line {line}' if line else 'A point'} has {value[:40]!r} as <{tag.group(1) if tag else '?'}>, "
                f"which must be one of {allowed}.")
    if "is mandatory" in message:
        return "A point has no latitude or longitude: every <trkpt>, <rtept> and <wpt> needs both."
    return f"This GPX file could not be read: {message}"


def parse_gpx(data: bytes) -> ParsedGpx:
    """Parse and validate GPX 1.0/1.1 bytes; raise InvalidInput with a plain message when they are unusable."""
    if not data.strip():
        raise InvalidInput("The file is empty.", code="invalid_gpx")
    text = decode(data)
    warnings: set[str] = set()
    try:
        _check_xml(text)
    except _UnboundPrefix:
        text = _declare_missing_prefixes(text, warnings)
        _check_xml(text)
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
    if "<time" in text and any(t is None for seg in segments for t in seg.times):
        _check_times(text)  # gpxpy turns an unreadable <time> into None: find it and say so
    if not segments:
        raise InvalidInput("The file has no track or route points to draw.", code="invalid_gpx")
    name = next((t.name for t in gpx.tracks if t.name), None) or gpx.name or next(
        (r.name for r in gpx.routes if r.name), None) or ""
    return ParsedGpx(name=name.strip(), segments=segments, waypoints=waypoints, version=gpx.version or "",
                     creator=gpx.creator or "", warnings=sorted(warnings), file_segments=file_segments)
