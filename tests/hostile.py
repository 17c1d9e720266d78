"""Hostile upload payloads, built small and cached: XML bombs and external references, broken GPX values,
images that lie about themselves (bombs, truncation, wrong names), broken EXIF (GPS, IFD loops), and a
loopback listener that proves nothing was fetched."""

from __future__ import annotations

import functools
import io
import json
import socket
import struct
import threading
import zlib
from datetime import datetime

from PIL import Image

from .gpxfactory import gpx_document, straight_track
from .photofactory import R, jpeg
from .trackfactory import (
    FIT_EPOCH,
    MESG,
    Encoder,
    fit_file,
    fit_header,
    geojson_document,
    kml_document,
    kmz_archive,
    tcx_document,
)

# ---------------------------------------------------------------- a loopback listener


class Listener:
    """A TCP server on 127.0.0.1 that accepts and records every connection (nothing may ever reach it)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hostile-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    request = conn.recv(4096)
                except OSError:
                    request = b""
                self.connections.append(request or b"(connected, sent nothing)")
                try:
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nleaked")
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


# ---------------------------------------------------------------- GPX

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="hostile" xmlns="http://www.topografix.com/GPX/1/1">')


def doc(body: str) -> bytes:
    """Wrap GPX 1.1 elements in a <gpx> document."""
    return f"{HEAD}\n{body}\n</gpx>".encode()


def point(lat: str = "40.1", lon: str = "110.2", inner: str = "") -> bytes:
    """A one-track file whose first point has these raw attribute values (the second point is good)."""
    return doc(f'<trk><trkseg><trkpt lat="{lat}" lon="{lon}">{inner}</trkpt>'
               '<trkpt lat="40.101" lon="110.201"/></trkseg></trk>')


@functools.cache
def good_gpx(salt: str = "") -> bytes:
    """A small valid track; the salt (a comment) makes its content hash unique."""
    data = gpx_document([straight_track(30)], name="Hostile test track")
    return data.replace(b"<trk>", f"<!-- {salt} --><trk>".encode(), 1) if salt else data


def billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY l0 "lol">{entities}]><gpx>&l9;</gpx>'.encode()


def quadratic_blowup() -> bytes:
    """One 20 kB entity referenced 1,000 times: 20 MB if expanded, 24 kB on the wire."""
    return ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x "' + "x" * 20_000 + '">]>'
            + doc("<trk><name>" + "&x;" * 1000 + "</name></trk>").decode().split("?>", 1)[1]).encode()


def external_entity(port: int) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/e">]>'
            f'<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&e;</name>'
            '<trkseg><trkpt lat="1" lon="2"/></trkseg></trk></gpx>').encode()


def external_dtd(port: int) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://127.0.0.1:{port}/x.dtd">'
            '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
            '<trk><trkseg><trkpt lat="1" lon="2"/></trkseg></trk></gpx>').encode()


def parameter_entity(port: int) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]>'
            '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
            '<trk><trkseg><trkpt lat="1" lon="2"/></trkseg></trk></gpx>').encode()


def xinclude_and_schema(port: int) -> bytes:
    """A valid track that names the listener in xsi:schemaLocation and an XInclude: neither may be fetched."""
    return good_gpx(f"xinclude {port}").replace(
        b'xmlns="http://www.topografix.com/GPX/1/1">',
        b'xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://127.0.0.1:%d/gpx.xsd">'
        b'<extensions><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://127.0.0.1:%d/x"/>'
        b'</extensions>' % (port, port), 1)


def oversized_gpx(limit_bytes: int) -> bytes:
    """A valid track padded with a comment to just over the upload limit (accepted if anything parsed it)."""
    data = good_gpx("oversized")
    return data.replace(b"<trk>", b"<!--" + b" " * (limit_bytes + 1024 - len(data)) + b"--><trk>", 1)


def deeply_nested(levels: int = 5000, closed: bool = True) -> bytes:
    """A track whose extensions nest `levels` elements deep (parsers that recurse can crash; 200,000 crashed gpxpy).

    Unclosed, the file stays under the hostile suite's upload limit however deep it goes.
    """
    nested = b"<extensions>" + b"<a>" * levels + (b"</a>" * levels + b"</extensions>" if closed else b"")
    return good_gpx("deep").replace(b"<trk>", nested + b"<trk>", 1)


def long_track_name() -> bytes:
    """A valid track whose <name> is 1,000 characters (longer than any name column)."""
    return gpx_document([straight_track(20, lat=41.0)], name="Ω" * 1000)


# ---------------------------------------------------------------- FIT, TCX, KML, KMZ, GeoJSON


TRACK = straight_track(30, lat=40.7, lon=110.1, ele=lambda i, d: 1000.0 + i)


@functools.cache
def good_fit() -> bytes:
    """A small valid FIT activity (written by Garmin's FIT SDK)."""
    return fit_file([TRACK])


def truncated_fit() -> bytes:
    """A FIT file cut short in the middle of its records."""
    data = good_fit()
    return data[: len(data) * 2 // 3]


def fit_bad_crc() -> bytes:
    """A FIT file with one byte of its records altered (a bit flipped on the way), so its checksum fails."""
    data = bytearray(good_fit())
    data[len(data) // 2] ^= 0x5A
    return bytes(data)


def fit_impossible_size() -> bytes:
    """A FIT file whose header announces four gigabytes of records."""
    return fit_header(good_fit(), data_size=0xFFFF_FFF0)


def fit_impossible_header() -> bytes:
    """A FIT file whose header says it is 200 bytes long (a FIT header is 12 or 14)."""
    return fit_header(good_fit(), header_size=200)


@functools.cache
def fit_without_positions() -> bytes:
    """A valid FIT file of an indoor ride: records with heart rate and time, none with a position."""
    encoder = Encoder()
    encoder.on_mesg(MESG["FILE_ID"], {"type": "activity", "manufacturer": "development", "product": 1,
                                      "time_created": FIT_EPOCH})
    for _ in range(50):
        encoder.on_mesg(MESG["RECORD"], {"timestamp": FIT_EPOCH, "heart_rate": 120})
    return encoder.close()


@functools.cache
def fit_without_positions_named(salt: str) -> bytes:
    """A FIT file with only a file id whose serial number comes from the salt (chained to a FIT, it changes the
    file's hash and none of its points)."""
    encoder = Encoder()
    encoder.on_mesg(MESG["FILE_ID"], {"type": "activity", "manufacturer": "development", "product": 1,
                                      "serial_number": zlib.crc32(salt.encode()), "time_created": FIT_EPOCH})
    return encoder.close()


def good_kml(salt: str = "") -> bytes:
    return kml_document(tracks=[TRACK], name=f"Hostile KML {salt}".strip())


def kml_with_entity(port: int) -> bytes:
    """KML that declares an external entity on the loopback listener (XXE)."""
    return (f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/kml">]>'
            + good_kml().decode().split("?>", 1)[1].replace("<name>Hostile KML</name>", "<name>&e;</name>")).encode()


def kml_with_dtd(port: int) -> bytes:
    """KML that names an external DTD on the loopback listener."""
    return (f'<?xml version="1.0"?><!DOCTYPE kml SYSTEM "http://127.0.0.1:{port}/kml.dtd">'
            + good_kml().decode().split("?>", 1)[1]).encode()


def kml_network_link(port: int) -> bytes:
    """A valid KML track with a NetworkLink to the loopback listener: read, and the link is never fetched."""
    link = (f"<NetworkLink><name>More</name><Link><href>http://127.0.0.1:{port}/more.kml</href>"
            "<refreshMode>onInterval</refreshMode><refreshInterval>1</refreshInterval></Link></NetworkLink>")
    return good_kml("linked").replace(b"<Document>", b"<Document>" + link.encode(), 1)


def deeply_nested_kml(levels: int = 5000) -> bytes:
    """A KML whose Document holds `levels` nested Folders (a real one nests a few)."""
    return good_kml("deep").replace(b"<Document>", b"<Document>" + b"<Folder>" * levels + b"</Folder>" * levels, 1)


def deeply_nested_tcx(levels: int = 5000) -> bytes:
    """A TCX whose first trackpoint's extensions nest `levels` elements deep."""
    nested = b"<Extensions>" + b"<a>" * levels + b"</a>" * levels + b"</Extensions>"
    return tcx_document([TRACK]).replace(b"</Trackpoint>", nested + b"</Trackpoint>", 1)


def tcx_with_entity(port: int) -> bytes:
    body = tcx_document([TRACK]).decode().split("?>", 1)[1]
    return (f'<?xml version="1.0"?><!DOCTYPE TrainingCenterDatabase [<!ENTITY e SYSTEM '
            f'"http://127.0.0.1:{port}/tcx">]>' + body.replace("Test Device", "&e;")).encode()


def kmz_bomb() -> bytes:
    """A KMZ whose doc.kml expands 130 KB of deflated spaces to 128 MB (over any track's size)."""
    kml = good_kml("bomb")
    padded = kml.replace(b"<Document>", b"<Document>" + b" " * (128 << 20), 1)
    return kmz_archive({"doc.kml": padded})


def kmz_ratio_bomb() -> bytes:
    """A KMZ whose doc.kml expands 2 KB to 2 MB: a thousand to one, where real KML is about ten to one."""
    kml = good_kml("ratio")
    padded = kml.replace(b"<Document>", b"<Document>" + b" " * (2 << 20), 1)
    return kmz_archive({"doc.kml": padded})


def kmz_without_kml() -> bytes:
    return kmz_archive({"readme.txt": b"Nothing to see here.", "images/icon.png": good_png(4)})


def kmz_with_entity(port: int) -> bytes:
    return kmz_archive({"doc.kml": kml_with_entity(port)})


def geojson_out_of_range() -> bytes:
    """A LineString whose second position has latitude 95."""
    return json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "LineString", "coordinates": [[110.1, 40.7], [110.2, 95.0], [110.3, 40.8]]}}).encode()


def geojson_flat_line() -> bytes:
    """A LineString whose coordinates are one position, not a list of positions (wrong nesting)."""
    return json.dumps({"type": "LineString", "coordinates": [110.1, 40.7]}).encode()


def geojson_lines_as_positions() -> bytes:
    """A MultiLineString given positions where lines belong (wrong nesting)."""
    return json.dumps({"type": "MultiLineString", "coordinates": [[110.1, 40.7], [110.2, 40.8]]}).encode()


def geojson_latitude_first() -> bytes:
    """Latitude and longitude swapped (a common mistake): longitude 110 read as a latitude."""
    return json.dumps({"type": "LineString", "coordinates": [[40.7, 110.1], [40.8, 110.2]]}).encode()


def geojson_other_crs() -> bytes:
    """A 2008-style GeoJSON in a projected coordinate system (metres, not degrees)."""
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                       "features": [{"type": "Feature", "properties": {}, "geometry": {
                           "type": "LineString", "coordinates": [[12245000.0, 4970000.0], [12246000.0, 4971000.0]]}}]
                       }).encode()


def geojson_deeply_nested(levels: int = 100_000) -> bytes:
    """Arrays nested 100,000 deep (a recursive reader would blow its stack)."""
    return b'{"type": "LineString", "coordinates": ' + b"[" * levels + b"]" * levels + b"}"


def good_geojson() -> bytes:
    return geojson_document([TRACK])


# ---------------------------------------------------------------- images


def good_jpeg(salt: int = 0) -> bytes:
    """A valid small JPEG; the salt changes its colour (and so its content hash)."""
    return jpeg(taken=datetime(2010, 10, 14, 10, 0), offset="+08:00", lat=40.6, lon=109.9,
                colour=(salt * 37 % 256, salt * 91 % 256, 200))


def good_png(salt: int = 0) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (salt * 53 % 256, 10, 90)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A ~650-byte JPEG whose frame header claims width × height pixels."""
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, "JPEG", quality=10)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_text_bomb() -> bytes:
    """A small PNG with a zTXt chunk that inflates to 64 MB."""
    body = good_png(7)
    bomb = _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * (64 << 20), 9))
    return body[:33] + bomb + body[33:]


def png_bad_crc() -> bytes:
    data = bytearray(good_png(3))
    data[29] ^= 0xFF  # the IHDR chunk's checksum
    return bytes(data)


def truncated_png() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((320, 240), 64).convert("RGB").save(out, "PNG")
    data = out.getvalue()
    return data[: len(data) // 2]


def truncated_jpeg() -> bytes:
    return jpeg(size=(640, 480))[:1500]


def other_format(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(out, fmt)
    return out.getvalue()


def truncated_webp() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(out, "WEBP")
    data = out.getvalue()
    return data[: len(data) // 2]


@functools.cache
def good_heic() -> bytes:
    """A small valid HEIC (pillow_heif encodes it)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.effect_noise((128, 96), 40).convert("RGB").save(out, "HEIF")
    return out.getvalue()


def truncated_heic() -> bytes:
    data = good_heic()
    return data[: len(data) // 2]


def fake_heic() -> bytes:
    """An ISO-BMFF 'ftyp heic' box followed by garbage."""
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\xde\xad\xbe\xef" * 64


def svg_with_entity(port: int) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/svg">]>'
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&e;</text></svg>').encode()


def jpeg_with_xmp_entity(port: int) -> bytes:
    """A valid JPEG whose XMP packet declares an external entity pointing at the listener."""
    xmp = (f'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><!DOCTYPE x [<!ENTITY e SYSTEM '
           f'"http://127.0.0.1:{port}/xmp">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>'
           '<?xpacket end="w"?>').encode()
    data = good_jpeg(11)
    segment = b"http://ns.adobe.com/xap/1.0/\0" + xmp
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment + data[2:]


def _plain_jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def with_exif(tiff: bytes, colour: tuple[int, int, int]) -> bytes:
    """A plain JPEG with a hand-made TIFF structure as its EXIF (APP1) segment."""
    data = _plain_jpeg(colour)
    segment = b"Exif\0\0" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment + data[2:]


def _ifd(entries: list[tuple[int, int, int, bytes]], next_offset: int) -> bytes:
    """Little-endian IFD: (tag, type, count, 4-byte value or offset) entries and the next-IFD offset."""
    out = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        out += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
    return out + struct.pack("<I", next_offset)


LONG, ASCII, RATIONAL, SHORT = 4, 2, 5, 3


def exif_ifd0_loop() -> bytes:
    """IFD0's next-IFD offset points back at IFD0 itself."""
    tiff = b"II*\0" + struct.pack("<I", 8) + _ifd([(0x010F, ASCII, 4, b"Cam\0")], 8)
    return with_exif(tiff, (10, 160, 30))


def exif_sub_ifd_loop() -> bytes:
    """The EXIF and GPS sub-IFD pointers point back at IFD0 (which holds those pointers)."""
    tiff = b"II*\0" + struct.pack("<I", 8) + _ifd(
        [(0x8769, LONG, 1, struct.pack("<I", 8)), (0x8825, LONG, 1, struct.pack("<I", 8))], 8)
    return with_exif(tiff, (10, 170, 30))


def gps_ifd_self_loop() -> bytes:
    """A GPS IFD whose next-IFD offset points at itself, and whose GPS pointer in IFD0 is fine."""
    ifd0_size = 2 + 12 + 4
    gps_at = 8 + ifd0_size
    ifd0 = _ifd([(0x8825, LONG, 1, struct.pack("<I", gps_at))], 0)
    gps = _ifd([(1, ASCII, 2, b"N\0"), (3, ASCII, 2, b"E\0")], gps_at)
    return with_exif(b"II*\0" + struct.pack("<I", 8) + ifd0 + gps, (10, 180, 30))


def gps_pointer_past_the_end() -> bytes:
    tiff = b"II*\0" + struct.pack("<I", 8) + _ifd([(0x8825, LONG, 1, struct.pack("<I", 0x7FFF_FFF0))], 0)
    return with_exif(tiff, (10, 190, 30))


def gps_huge_count() -> bytes:
    """A GPS latitude entry claiming four billion rationals at an offset past the end."""
    ifd0_size = 2 + 12 + 4
    gps_at = 8 + ifd0_size
    ifd0 = _ifd([(0x8825, LONG, 1, struct.pack("<I", gps_at))], 0)
    gps = _ifd([(1, ASCII, 2, b"N\0"), (2, RATIONAL, 0xFFFF_FFFF, struct.pack("<I", 64)),
                (3, ASCII, 2, b"E\0"), (4, RATIONAL, 0xFFFF_FFFF, struct.pack("<I", 64))], 0)
    return with_exif(b"II*\0" + struct.pack("<I", 8) + ifd0 + gps, (10, 200, 30))


def gps_wrong_types() -> bytes:
    """GPS latitude written as text and longitude as one SHORT, instead of three rationals each."""
    ifd0_size = 2 + 12 + 4
    gps_at = 8 + ifd0_size
    text_at = gps_at + 2 + 4 * 12 + 4
    ifd0 = _ifd([(0x8825, LONG, 1, struct.pack("<I", gps_at))], 0)
    gps = _ifd([(1, ASCII, 2, b"N\0"), (2, ASCII, 6, struct.pack("<I", text_at)),
                (3, ASCII, 2, b"E\0"), (4, SHORT, 1, struct.pack("<H", 110))], 0)
    return with_exif(b"II*\0" + struct.pack("<I", 8) + ifd0 + gps + b"forty\0", (30, 30, 140))


def gps_zero_denominators() -> bytes:
    return jpeg(gps={1: "N", 2: (R(40, 0), R(1, 0), R(0, 0)), 3: "E", 4: (R(110, 0), R(0, 0), R(0, 0))},
                colour=(40, 40, 150))


def gps_out_of_range() -> bytes:
    return jpeg(gps={1: "N", 2: (R(4_000_000, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(110, 1), R(0, 1), R(0, 1))},
                colour=(50, 50, 160))


def exif_time(text: str, offset: str | None, colour: tuple[int, int, int]) -> bytes:
    """A JPEG whose DateTimeOriginal (and OffsetTimeOriginal) are these raw strings."""
    image = Image.new("RGB", (48, 32), colour)
    exif = Image.Exif()
    exif[0x8769] = {0x9003: text, **({0x9011: offset} if offset is not None else {})}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def oversized_jpeg(limit_bytes: int) -> bytes:
    """A valid JPEG padded after its end to just over the upload limit (accepted if anything decoded it)."""
    data = good_jpeg(99)
    return data + b"\0" * (limit_bytes + 1024 - len(data))



# ---------------------------------------------------------------- hostile values for fields (not files)
# Each is (what it is, the value). Every field that takes a number, a time, a date, a slug, a colour or a
# clock offset gets each of its kind, through every way in, and must answer a clear 400 that changes nothing.

NUMBERS_JSON = [
    ("an integer too large for a float", 10**400),
    ("a negative integer too large for a float", -(10**400)),
    ("1e999 as text", "1e999"),
    ("NaN as text", "NaN"),
    ("5,000 nines as text", "9" * 5000),
]
NUMBERS_TEXT = [
    ("1e999", "1e999"),
    ("NaN", "NaN"),
    ("400 nines", "9" * 400),
    ("5,000 nines", "9" * 5000),
    ("minus 400 nines", "-" + "9" * 400),
]
TIMES = [
    ("year 1 at +14:00 (year 0 in UTC)", "0001-01-01T00:00:00+14:00"),
    ("year 9999 at -12:00 (year 10000 in UTC)", "9999-12-31T23:59:59-12:00"),
    ("year 1 in the stop's local time, east of Greenwich", "0001-01-01T00:00"),
    ("the last hours of 9999 in UTC, 10000 in the stop's zone", "9999-12-31T20:00:00+00:00"),
    ("a five-digit year", "10000-01-01T00:00"),
    ("5,000 nines", "9" * 5000),
]
DAYS = [
    ("year 0", "0000-01-01"),
    ("a five-digit year", "10000-01-01"),
    ("5,000 nines", "9" * 5000),
]
SLUGS = [
    ("a slug ending in a newline", "hostile-slug\n"),
    ("a slug ending in CR LF", "hostile-slug\r\n"),
    ("a newline inside", "hostile\nslug"),
    ("a NUL inside", "hostile\x00slug"),
]
COLOURS = [
    ("a colour ending in a newline", "#c2410c\n"),
    ("a colour with a newline and more", "#c2410c\nred"),
]
TIME_ZONES = [
    ("a name of 5,000 letters", "A" * 5000),
    ("a name ending in a newline", "Asia/Shanghai\n"),
    ("a path that climbs", "../../../etc/passwd"),
    ("a NUL inside", "Asia/\x00Shanghai"),
]
CLOCK_OFFSETS = [
    ("1e308 hours", "+1e308:00:00"),
    ("5,000 nines", "+" + "9" * 5000),
    ("a billion hours", "+1000000000:00:00"),
    ("NaN hours", "+nan:00:00"),
    ("infinite", "inf"),
]
