"""Recognise a track file by its content (never its name) and hand it to its reader. No Flask here."""

from __future__ import annotations

import codecs
from pathlib import PurePath

from ..errors import InvalidInput, TooLarge, UnsupportedType
from ..notes import Note
from .common import ParsedTrack
from .fit import looks_like_fit, read_fit
from .geojson import read_geojson
from .gpx import GpxReader
from .kinds import KINDS
from .kml import KmlReader
from .kmz import looks_like_zip, read_kmz
from .tcx import TcxReader
from .xmlstream import XmlReader, encoding_of, local_name, read_xml

FORMATS = "GPX, FIT, TCX, KML, KMZ or GeoJSON"
_READERS: dict[str, type[XmlReader]] = {"gpx": GpxReader, "TrainingCenterDatabase": TcxReader, "kml": KmlReader}
_EXTENSIONS = {suffix: kind.name for kind in KINDS.values() for suffix in (kind.suffix, *kind.other_suffixes)}


def _first_character(data: bytes) -> str:
    """Return the first character that is not white space, in the encoding the bytes announce ('' if none)."""
    head = data[:1024]
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # JSON may be UTF-32; it starts like UTF-16
        encoding, bom = ("utf-32-le" if head.startswith(codecs.BOM_UTF32_LE) else "utf-32-be"), 4
    else:
        encoding, bom = encoding_of(head)
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head[bom:])
    except LookupError:
        text = head[bom:].decode("utf-8", "replace")
    return text.replace("\x00", "").lstrip()[:1]  # NULs: UTF-16 or UTF-32 JSON without a byte-order mark


def sniff(data: bytes) -> str | None:
    """Return 'fit', 'kmz', 'xml' or 'json' by the file's first bytes, or None when it is none of them."""
    if looks_like_fit(data):
        return "fit"
    if looks_like_zip(data):
        return "kmz"
    first = _first_character(data)
    if first == "<":
        return "xml"
    if first in ("{", "["):
        return "json"
    return None


def _pick(root: str) -> XmlReader:
    """Return the reader for an XML document's root element; refuse roots of no track format."""
    tag = local_name(root)
    reader = _READERS.get(tag)
    if reader is None:
        raise UnsupportedType(f"This XML file is not a track: its root element is <{tag[:40]}>; "
                              "GPX, TCX and KML files are read.")
    return reader()


def read_track(data: bytes, name: str = "", max_points: int | None = None) -> ParsedTrack:
    """Read a GPX, FIT, TCX, KML, KMZ or GeoJSON file, recognised by its content; the name only adds a warning.

    Raises InvalidInput (400) naming the problem for a broken or hostile file of a known format,
    TooLarge (413) for a KMZ that expands too far or a file of more than max_points points,
    UnsupportedType (415) for anything else.
    """
    if not data or data.isspace():
        raise InvalidInput("The file is empty.", code="invalid_track")
    kind = sniff(data)
    if kind == "fit":
        parsed = read_fit(data)
    elif kind == "kmz":
        parsed = read_kmz(data)
    elif kind == "json":
        parsed = read_geojson(data)
    elif kind == "xml":
        parsed = read_xml(data, _pick).result()
    else:
        raise UnsupportedType(f"This file is not a track this site can read: it is not {FORMATS} "
                              "(is it an image or another kind of file?).")
    # Checked where the file is read (in the sandbox's child), so a worker never receives, measures and draws more
    # points than it is sized for: FIT packs a point into 17 bytes, so one 32 MB file can hold 1.85 million.
    points = parsed.point_count + len(parsed.waypoints)
    if max_points is not None and points > max_points:
        raise TooLarge(f"This file holds {points:,} points; one track may hold at most {max_points:,}. Split it "
                       "into shorter tracks (a day each, say) and upload those.", code="too_many_points")
    suffix = PurePath(name).suffix.lower()
    named = _EXTENSIONS.get(suffix)
    if named is not None and named != parsed.format:
        what = KINDS[parsed.format].label
        parsed.warnings.append(Note("wrong_suffix", f"The file is named {suffix} but is a {what} file; it was read "
                                    f"as {what}."))
    return parsed
