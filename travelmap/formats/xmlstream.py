"""One hardened, streaming expat pass for the XML track formats (GPX, TCX, KML). No Flask here.

The bytes are fed to expat in chunks; nothing keeps a tree or a copy of the document. Before any reader
sees an element, this module refuses what no track file needs and a parser must never do: a DTD or an
entity declaration (billion laughs, external entities: nothing is expanded or fetched, this is
defusedxml's defence), and nesting deeper than MAX_DEPTH elements (a real GPX nests fewer than 10;
200,000 nested elements crash parsers that recurse, and cost memory in any that builds a tree).
Namespace processing is off: readers match local names, and a prefix the file never declares (some
Strava-derived exports) is read with a warning instead of failing the whole file.
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat as expat
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import InvalidInput
from ..notes import Note
from .common import ParsedTrack

MAX_DEPTH = 64
CHUNK_BYTES = 1 << 16

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LABELS = {"gpx": "GPX", "trainingcenterdatabase": "TCX", "kml": "KML"}


class XmlReader:
    """A streaming reader of one XML track format: subclasses get start and end events for every element."""

    label = "XML"  # the format's name in messages
    code = "invalid_xml"  # the error code of its messages

    def __init__(self) -> None:
        self.parser: Any = None  # the expat parser, set when the document's root is reached
        self.depth = 0
        self.skip_at = 0  # while non-zero: the depth of an element whose whole content is ignored
        self.declared = {"xml", "xmlns"}
        self.undeclared: set[str] = set()
        self.buffer: list[str] = []
        self.names: dict[str, str] = {}  # element name -> local name, for readers that match local names

    # ------------------------------------------------------------------ what subclasses write

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Handle an element's start (name without its prefix removed; attrs as written)."""

    def end(self, name: str) -> None:
        """Handle an element's end."""

    def result(self) -> ParsedTrack:
        """Return what the document held, validated; raise InvalidInput when it holds nothing to draw."""
        raise NotImplementedError

    # ------------------------------------------------------------------ what subclasses use

    def skip(self) -> None:
        """Ignore the element that just started and everything inside it."""
        self.skip_at = self.depth

    def capture(self) -> None:
        """Collect the text of the element that just started, up to its first child element."""
        self.buffer.clear()
        self.parser.CharacterDataHandler = self.buffer.append

    def captured(self) -> str | None:
        """Stop collecting text and return it (None when there was none, as ElementTree's .text)."""
        self.parser.CharacterDataHandler = None
        return "".join(self.buffer) or None

    def line(self) -> int:
        """Return the line expat is at."""
        return int(self.parser.CurrentLineNumber)

    def prefix_warnings(self) -> list[Note]:
        """Say which namespace prefixes the file used without declaring them."""
        if not self.undeclared:
            return []
        return [Note("undeclared_prefixes", f"The file uses namespace prefixes it never declares "
                     f"({', '.join(sorted(self.undeclared))}); it was read all the same.")]

    # ------------------------------------------------------------------ the expat callbacks

    def on_start(self, name: str, attrs: dict[str, str]) -> None:
        """Count the depth, note prefixes, and pass the event on unless it is inside an ignored element."""
        depth = self.depth = self.depth + 1
        if depth > MAX_DEPTH:
            raise InvalidInput(f"This file nests elements more than {MAX_DEPTH} deep (line {self.line()}); "
                               f"real {self.label} files nest fewer than 10, so it was refused.", code="too_deep")
        if attrs:
            self._note_attribute_prefixes(attrs)
        if ":" in name:
            prefix = name.split(":", 1)[0]
            if prefix not in self.declared:
                self.undeclared.add(prefix)
        if not self.skip_at:
            self.start(name, attrs)

    def on_end(self, name: str) -> None:
        """Pass the event on unless it is inside an ignored element; close the ignored element."""
        if self.skip_at:
            if self.depth == self.skip_at:
                self.skip_at = 0
        else:
            self.end(name)
        self.depth -= 1

    def _note_attribute_prefixes(self, attrs: dict[str, str]) -> None:
        """Record xmlns:p declarations and prefixes used on attributes."""
        for key in attrs:
            if ":" in key:
                prefix, _, local = key.partition(":")
                if prefix == "xmlns":
                    self.declared.add(local)
                    self.undeclared.discard(local)
                elif prefix not in self.declared:
                    self.undeclared.add(prefix)


def local_name(name: str) -> str:
    """Return an element name without its namespace prefix."""
    return name.rpartition(":")[2]


class _Forbidden(Exception):
    """A DTD, entity declaration or external reference was found."""


def _forbid(*_: object) -> None:
    raise _Forbidden()


def _forbid_reference(*_: object) -> int:
    raise _Forbidden()


def _head_and_chunks(data: bytes | Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """Return the first bytes (enough to find the encoding) and an iterator over all the bytes in chunks."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        whole = bytes(data) if not isinstance(data, bytes) else data
        return whole[:1024], (whole[i:i + CHUNK_BYTES] for i in range(0, len(whole), CHUNK_BYTES))
    source = iter(data)
    head = b""
    taken: list[bytes] = []
    for chunk in source:
        taken.append(chunk)
        head += chunk[:1024]
        if len(head) >= 1024:
            break

    def chained() -> Iterator[bytes]:
        yield from taken
        yield from source

    return head[:1024], chained()


def encoding_of(head: bytes) -> tuple[str, int]:
    """Return (Python codec name, length of the byte-order mark) from a document's first bytes.

    Byte-order marks win, then UTF-16 without one (recognised by its first '<'), then the XML
    declaration; UTF-8 otherwise. A declared UTF-16 or UTF-32 without a mark is taken as UTF-8:
    the bytes are 8-bit, whatever the declaration says.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return encoding, len(bom)
    if head.startswith(b"<\x00"):
        return "utf-16-le", 0
    if head.startswith(b"\x00<"):
        return "utf-16-be", 0
    match = _DECLARED_ENCODING.match(head.lstrip()[:200])
    declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    if declared in {"utf-16", "utf-32"}:
        declared = "utf-8"
    return declared, 0


def read_xml(data: bytes | Iterable[bytes], pick: Callable[[str], XmlReader], label: str = "XML",
             code: str = "invalid_xml") -> XmlReader:
    """Stream a document through hardened expat; pick(root element name) returns the reader that gets its events.

    Raises InvalidInput naming the problem (and the line) for anything that is not safe, well-formed XML.
    """
    head, chunks = _head_and_chunks(data)
    encoding, bom = encoding_of(head)
    try:
        b"".decode(encoding)  # refuses names Python does not know and codecs that are not text encodings
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise InvalidInput(f"The file declares an unknown text encoding ({encoding}).", code=code) from None
    # UTF-8 goes to expat as it is (decoding only checks it); other encodings are decoded chunk by chunk
    # and expat reads them as UTF-8, whatever their declaration says.
    as_bytes = codecs.lookup(encoding).name == "utf-8"
    parser = expat.ParserCreate(encoding="utf-8")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid_reference
    chosen: list[XmlReader] = []

    def doctype(name: str, *_: object) -> None:
        nonlocal label
        label = _LABELS.get(local_name(name or "").lower(), label)
        raise _Forbidden()

    def root(name: str, attrs: dict[str, str]) -> None:
        reader = pick(name)
        chosen.append(reader)
        reader.parser = parser
        parser.StartElementHandler = reader.on_start
        parser.EndElementHandler = reader.on_end
        reader.on_start(name, attrs)

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    offset = -bom
    try:
        for chunk in chunks:
            if offset < 0:
                chunk, offset = chunk[bom:], 0  # the first chunk always holds the whole mark
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"This is not a {label} file: byte {offset + max(exc.start, 0)} is not {encoding} "
                                   "text (is it an image or another binary file?).", code=code) from exc
            parser.Parse(chunk if as_bytes else text, False)
            offset += len(chunk)
        try:
            tail = decoder.decode(b"", True)
        except UnicodeDecodeError:
            raise InvalidInput(f"This is not a {label} file: it ends in the middle of a {encoding} character.",
                               code=code) from None
        parser.Parse(b"" if as_bytes else tail, True)
    except _Forbidden:
        raise InvalidInput(f"{label} files may not contain a DTD or entity declarations; this one does, "
                           "so it was refused.", code="unsafe_xml") from None
    except expat.ExpatError as exc:
        what = chosen[0].label if chosen else label
        raise InvalidInput(f"This is not well-formed XML (line {exc.lineno}, column {exc.offset}): "
                           f"is it really a {what} file?", code=chosen[0].code if chosen else code) from exc
    finally:
        parser.StartElementHandler = parser.EndElementHandler = parser.CharacterDataHandler = None
    return chosen[0]
