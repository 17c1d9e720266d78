"""KMZ bytes (a zip holding a KML) -> ParsedTrack: the KML member is streamed, never unpacked whole.

A KMZ is refused, saying why, when it is no readable zip, holds no KML, has its KML encrypted, or is a
zip bomb: the KML may expand to at most MAX_KML_BYTES, and to at most MAX_RATIO times its compressed
size (real KML compresses about ten to one). Both are checked on the bytes as they come out of the
decompressor, so a member that lies about its size gains nothing. No Flask here.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Generator

from ..errors import InvalidInput, TooLarge
from .common import ParsedTrack
from .kml import read_kml

CODE = "invalid_kmz"
MAX_KML_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100
_CHUNK = 1 << 16
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def looks_like_zip(data: bytes) -> bool:
    """Tell whether the bytes start like a zip archive."""
    return data[:4] in _ZIP_MAGIC


def _kml_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """Return the KML a KMZ shows: doc.kml at the top, else the first .kml in the archive."""
    kmls = [info for info in archive.infolist() if info.filename.lower().endswith(".kml") and not info.is_dir()]
    if not kmls:
        names = ", ".join(info.filename for info in archive.infolist()[:5]) or "nothing"
        raise InvalidInput(f"The KMZ archive holds no KML file (it holds {names}).", code=CODE)
    member = next((info for info in kmls if info.filename.lower() == "doc.kml"), kmls[0])
    if member.flag_bits & 0x1:
        raise InvalidInput(f"The KMZ archive's {member.filename} is encrypted (protected by a password), "
                           "so it cannot be read.", code=CODE)
    _check_sizes(member, member.file_size)
    return member


def _check_sizes(member: zipfile.ZipInfo, expanded: int) -> None:
    """Refuse a member that expands (or says it expands) beyond the size or ratio limits."""
    if expanded > MAX_KML_BYTES:
        raise TooLarge(f"The KMZ archive's {member.filename} expands to more than {MAX_KML_BYTES // 2**20} MB, "
                       "more than any track needs, so it was refused.", code="zip_bomb")
    if expanded > 1024 * 1024 and expanded > MAX_RATIO * max(member.compress_size, 1):
        raise InvalidInput(f"The KMZ archive's {member.filename} expands more than {MAX_RATIO} times "
                           f"({member.compress_size:,} bytes to over {expanded:,}): it looks like a zip bomb, so it "
                           "was refused.", code="zip_bomb")


def _chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Generator[bytes, None, None]:
    """Yield the member's bytes as they are decompressed, within the limits."""
    total = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                _check_sizes(member, total)
                yield chunk
    except NotImplementedError as exc:
        raise InvalidInput(
            f"The KMZ archive's {member.filename} is compressed in a way this site cannot read ({exc}).", code=CODE
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
        raise InvalidInput(
            f"The KMZ archive is damaged: {member.filename} cannot be unpacked ({exc}).", code=CODE
        ) from exc


def read_kmz(data: bytes) -> ParsedTrack:
    """Read the KML inside KMZ bytes; raise InvalidInput (or TooLarge for a bomb) naming the problem."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidInput(f"This KMZ file is not a readable zip archive ({exc}).", code=CODE) from exc
    with archive:
        chunks = _chunks(archive, _kml_member(archive))
        try:
            return read_kml(chunks, fmt="kmz")
        finally:
            chunks.close()  # closes the member even when the KML was refused half-way
