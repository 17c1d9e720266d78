"""GPX bytes -> validated, typed track data: the streaming reader of travelmap.formats under its first names.

Callers keep importing parse_gpx, ParsedGpx, Segment, Waypoint and decode from here; the reader itself
lives in travelmap/formats/gpx.py beside the other formats. No Flask here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import gpxpy.parser

from .errors import InvalidInput
from .formats.common import MAX_ELEVATION_M, MIN_ELEVATION_M, ParsedTrack, Segment, Waypoint
from .formats.gpx import read_gpx
from .formats.xmlstream import encoding_of

__all__ = ["MAX_ELEVATION_M", "MIN_ELEVATION_M", "ParsedGpx", "Segment", "Waypoint", "decode", "parse_gpx"]

# gpxpy stays the reference reader in the tests and the writer of exports. It picks lxml when that is
# installed and is then about twice as slow on big files; the standard ElementTree (expat) is faster, so pin it.
gpxpy.parser.mod_etree = ElementTree

ParsedGpx = ParsedTrack


def decode(data: bytes) -> str:
    """Decode GPX bytes by their byte-order mark or XML declaration (UTF-8 otherwise) into one string."""
    encoding, bom = encoding_of(data[:1024])
    try:
        text = data[bom:].decode(encoding)
    except LookupError:
        raise InvalidInput(f"The file declares an unknown text encoding ({encoding}).", code="invalid_gpx") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"This is not a GPX file: byte {exc.start} is not {encoding} text "
                           "(is it an image or another binary file?).", code="invalid_gpx") from exc
    # The declaration names the bytes' encoding, which no longer applies to a str.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def parse_gpx(data: bytes) -> ParsedGpx:
    """Parse and validate GPX 1.0/1.1 bytes in one streaming pass; raise InvalidInput with a plain message."""
    return read_gpx(data)
