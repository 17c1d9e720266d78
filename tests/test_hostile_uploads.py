"""Hostile uploads through every way in: the workspace form (with and without its script), the API and the CLI.

Each case is tried on each path. A refused file gets a 4xx (or a non-zero exit) with a message a person
understands, and leaves every row and media file as it was; a file that is really valid, whatever it is
called, is kept under a content-hash name inside the media folder with its name cleaned and escaped.
Nothing ever answers 500, and nothing ever reaches a listener on a loopback port.
"""

from __future__ import annotations

import html
import io
import json
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from travelmap import db, media
from travelmap.formats.read import sniff
from travelmap.models import Photo, Track
from travelmap.text import clean_filename

from . import databases
from . import hostile as h
from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG, count_rows, media_files, seeded_copy

MAX_UPLOAD_MB = 0.25
LIMIT_BYTES = int(MAX_UPLOAD_MB * 1024 * 1024)
PATHS = ["form", "form-nojs", "api", "cli"]
SLOW_S = 10.0  # every case, bombs included, is answered well within this

# Pillow says so when it skips broken EXIF entries; the photo is still read, which is what these cases check.
pytestmark = pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning",
                                        "ignore:Tag data larger than file:UserWarning")


# ---------------------------------------------------------------- one app for the module


@dataclass
class World:
    """The module's app (a seeded copy with a small upload limit), its clients and the loopback listener."""

    app: object
    root: Path
    token: str
    author: object  # a logged-in test client
    csrf: str
    listener: h.Listener
    inputs: Path  # where the CLI cases write their files, one folder each
    payloads: dict = field(default_factory=dict)

    def state(self) -> tuple[dict, list[str]]:
        with self.app.app_context():
            return count_rows(db.session()), media_files(self.app)

    def stray_files(self) -> list[str]:
        """Files under the instance folder that are neither the database nor media."""
        media_root = self.root / "media"
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*")
                      if p.is_file() and media_root not in p.parents and not p.name.startswith(databases.SQLITE_FILE))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("hostile")
    with databases.outliving_tests(root):  # the module shares this instance
        app = seeded_copy(seeded_template, root, MAX_UPLOAD_MB=MAX_UPLOAD_MB)
        token = make_author(app, "demo")
        author = app.test_client()
        login(author, "demo")
        listener = h.Listener()
        try:
            yield World(app, root, token, author, csrf_token(author, f"/author/trips/{DEMO_SLUG}"), listener,
                        tmp_path_factory.mktemp("hostile-inputs"))
        finally:
            listener.close()
            with app.app_context():
                db.engine().dispose()


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """A file to upload: refused (status and a phrase of the message) or accepted (a phrase of a warning)."""

    id: str
    filename: str
    build: Callable[[int], bytes]  # listener port -> bytes
    status: int | None = None  # the 4xx the API answers; None when the file is accepted
    phrase: str = ""
    content_type: str | None = None  # accepted photos: what the content says it is
    placed: bool | None = None  # accepted photos: whether they get a place from their EXIF


def refuse(id: str, filename: str, build: Callable[[int], bytes], status: int, phrase: str) -> Case:
    return Case(id, filename, build, status, phrase)


def accept(id: str, filename: str, build: Callable[[int], bytes], code: str = "", **kw: object) -> Case:
    """A file that is kept; `code` is the warning it must carry (matched by code, never by wording)."""
    return Case(id, filename, build, None, code, **kw)  # type: ignore[arg-type]


def const(data: bytes) -> Callable[[int], bytes]:
    return lambda _port: data


P = h.point
NOT_WELL_FORMED = "not well-formed XML"
UNSAFE = "may not contain a DTD or entity declarations"

GPX_REFUSED = [
    refuse("billion laughs", "laughs.gpx", lambda _: h.billion_laughs(), 400, UNSAFE),
    refuse("quadratic blow-up", "quadratic.gpx", lambda _: h.quadratic_blowup(), 400, UNSAFE),
    refuse("external entity to a loopback port", "xxe.gpx", h.external_entity, 400, UNSAFE),
    refuse("external DTD on a loopback port", "dtd.gpx", h.external_dtd, 400, UNSAFE),
    refuse("external parameter entity", "param.gpx", h.parameter_entity, 400, UNSAFE),
    refuse("truncated XML", "cut.gpx", lambda _: h.good_gpx()[:-40], 400, NOT_WELL_FORMED),
    refuse("NUL byte inside", "nul.gpx", const(h.good_gpx().replace(b"<trk>", b"<trk>\0", 1)), 400, NOT_WELL_FORMED),
    refuse("XML of no track format", "root.gpx", const(b'<?xml version="1.0"?><track><pt/></track>'), 415,
           "its root element is <track>; GPX, TCX and KML files are read"),
    refuse("KML with nothing to draw, named .gpx", "kml.gpx",
           const(b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark/></Document>'
                 b'</kml>'), 400, "The KML file has no track or line to draw"),
    refuse("empty file", "empty.gpx", const(b""), 400, "The file is empty"),
    refuse("only whitespace", "blank.gpx", const(b" \n\t\r\n"), 400, "The file is empty"),
    refuse("a PNG named .gpx", "image.gpx", lambda _: h.good_png(), 415, "not GPX, FIT, TCX, KML, KMZ or GeoJSON"),
    refuse("text that is no track", "notes.fit", const(b"lat,lon\n40.1,110.2\n"), 415,
           "not GPX, FIT, TCX, KML, KMZ or GeoJSON"),
    refuse("an unknown declared encoding", "klingon.gpx", const(b'<?xml version="1.0" encoding="klingon"?><gpx/>'),
           400, "unknown text encoding (klingon)"),
    refuse("no points", "nopoints.gpx", const(h.doc('<wpt lat="1" lon="2"/><trk><trkseg/></trk>')), 400,
           "no track or route points"),
    refuse("latitude 95", "lat95.gpx", const(P(lat="95")), 400, "latitude 95.0, outside -90..90"),
    refuse("longitude -200", "lon200.gpx", const(P(lon="-200")), 400, "longitude -200.0, outside -180..180"),
    refuse("NaN latitude", "nan.gpx", const(P(lat="NaN")), 400, "latitude that is not a finite number"),
    refuse("infinite longitude", "inf.gpx", const(P(lon="-Infinity")), 400, "longitude that is not a finite number"),
    refuse("latitude 1e999", "huge.gpx", const(P(lat="1e999")), 400, "latitude that is not a finite number"),
    refuse("infinite elevation", "ele.gpx", const(P(inner="<ele>inf</ele>")), 400, "elevation that is not a finite"),
    refuse("elevation 1e308", "ele308.gpx", const(P(inner="<ele>1e308</ele>")), 400, "elevation 1e+308 m, outside"),
    refuse("garbage latitude", "north.gpx", const(P(lat="north")), 400, "latitude is 'north', not a number"),
    refuse("empty latitude", "emptylat.gpx", const(P(lat="")), 400, "latitude is empty, not a number"),
    refuse("garbage elevation", "high.gpx", const(P(inner="<ele>high</ele>")), 400, "'high' as <ele>, not a number"),
    refuse("garbage satellite count", "sat.gpx", const(P(inner="<sat>1.5</sat>")), 400,
           "'1.5' as <sat>, not a whole number"),
    refuse("garbage fix type", "fix.gpx", const(P(inner="<fix>banana</fix>")), 400,
           "'banana' as <fix>, which must be one of none, 2d, 3d, dgps, pps"),
    refuse("unreadable time", "time.gpx", const(P(inner="<time>14/10/2010 10:51</time>")), 400,
           "time that cannot be read"),
    refuse("the 13th month", "month13.gpx", const(P(inner="<time>2010-13-01T00:00:00Z</time>")), 400,
           "time that cannot be read: '2010-13-01T00:00:00Z'"),
    refuse("a time before year 1 in UTC", "year1.gpx", const(P(inner="<time>0001-01-01T00:00:00+14:00</time>")), 400,
           "time out of range"),
    refuse("a time after year 9999 in UTC", "year9999.gpx",
           const(P(inner="<time>9999-12-31T23:59:59-12:00</time>")), 400, "time out of range"),
    refuse("5,000 nested extension elements", "deep.gpx", lambda _: h.deeply_nested(), 400,
           "nests elements more than 64 deep"),
    refuse("60,000 nested extension elements", "deeper.gpx", lambda _: h.deeply_nested(60_000, closed=False), 400,
           "nests elements more than 64 deep"),
]

DEEP = "nests elements more than 64 deep"
NOT_RFC_7946 = "outside -90..90"
OTHER_REFUSED = [
    refuse("truncated FIT", "cut.fit", lambda _: h.truncated_fit(), 400, "The FIT file is truncated"),
    refuse("FIT with a bad checksum", "crc.fit", lambda _: h.fit_bad_crc(), 400,
           "The FIT file is damaged: its checksum does not match"),
    refuse("FIT announcing four gigabytes of records", "huge.fit", lambda _: h.fit_impossible_size(), 400,
           "its header announces 4,294,967,280 bytes of records"),
    refuse("FIT with a 200-byte header", "header.fit", lambda _: h.fit_impossible_header(), 400,
           "its header says it is 200 bytes long; a FIT header is 12 or 14"),
    refuse("FIT without positions (indoors)", "indoor.fit", lambda _: h.fit_without_positions(), 400,
           "The FIT file has no positions to draw"),
    refuse("KMZ expanding to 128 MB (zip bomb)", "bomb.kmz", lambda _: h.kmz_bomb(), 413,
           "expands to more than 64 MB"),
    refuse("KMZ expanding a thousandfold (zip bomb)", "ratio.kmz", lambda _: h.kmz_ratio_bomb(), 400,
           "it looks like a zip bomb"),
    refuse("KMZ holding no KML", "nokml.kmz", lambda _: h.kmz_without_kml(), 400, "The KMZ archive holds no KML file"),
    refuse("KMZ cut short", "cut.kmz", lambda _: h.kmz_ratio_bomb()[:200], 400, "not a readable zip archive"),
    refuse("KMZ whose KML has an external entity", "xxe.kmz", h.kmz_with_entity, 400,
           "KML files may not contain a DTD"),
    refuse("KML with an external entity", "xxe.kml", h.kml_with_entity, 400, "KML files may not contain a DTD"),
    refuse("KML with an external DTD", "dtd.kml", h.kml_with_dtd, 400, "KML files may not contain a DTD"),
    refuse("KML with 5,000 nested folders", "deep.kml", lambda _: h.deeply_nested_kml(), 400, DEEP),
    refuse("TCX with an external entity", "xxe.tcx", h.tcx_with_entity, 400, "TCX files may not contain a DTD"),
    refuse("TCX with 5,000 nested elements", "deep.tcx", lambda _: h.deeply_nested_tcx(), 400, DEEP),
    refuse("GeoJSON latitude 95", "lat95.geojson", lambda _: h.geojson_out_of_range(), 400,
           "position 2 has latitude 95.0, outside -90..90"),
    refuse("GeoJSON with latitude and longitude swapped", "swapped.geojson", lambda _: h.geojson_latitude_first(),
           400, "position 1 has latitude 110.1, outside -90..90"),
    refuse("GeoJSON LineString of one bare position", "flat.geojson", lambda _: h.geojson_flat_line(), 400,
           "(LineString) is not a list of positions"),
    refuse("GeoJSON MultiLineString of positions", "multi.geojson", lambda _: h.geojson_lines_as_positions(), 400,
           "(MultiLineString), line 1 is not a list of positions"),
    refuse("GeoJSON in a projected coordinate system", "crs.geojson", lambda _: h.geojson_other_crs(), 400,
           "uses the coordinate system 'EPSG:3857'"),
    refuse("GeoJSON nested 100,000 deep", "deep.geojson", lambda _: h.geojson_deeply_nested(), 400,
           "nests its arrays or objects too deep"),
]
TRACK_REFUSED = GPX_REFUSED + OTHER_REFUSED

# A file name that is hostile but a file that is good: kept, under a cleaned name.
NAMES = [
    ("a path that climbs out", "../../../../tmp/evil.gpx"),
    ("a Windows path that climbs out", "..\\..\\windows\\evil.gpx"),
    ("300 characters", "t" * 296 + ".gpx"),
    ("300 characters that are not Latin", "北" * 296 + ".gpx"),
    ("control characters", "ride\x1b[31m\r\n\t\x7f\u202egpx.exe.gpx"),
    ("only control characters", "\x01\x02\x03"),
    ("not Latin", "包头 → Пекин مسار 🚲.gpx"),
    ("markup", "<img src=x onerror=alert(1)>.gpx"),
]


def _nameless(port: int) -> bytes:
    return h.good_gpx().replace(b"<name>Hostile test track</name>", b"")


TRACK_ACCEPTED = [
    accept("schemaLocation and XInclude on a loopback port", "xinclude.gpx", h.xinclude_and_schema),
    accept("KML named .gpx", "really-kml.gpx", lambda _: h.good_kml("named gpx"), "wrong_suffix"),
    accept("FIT named .gpx", "really-fit.gpx", lambda _: h.good_fit(), "wrong_suffix"),
    accept("GeoJSON named .json", "walk.json", lambda _: h.good_geojson()),
    accept("a KML network link to a loopback port", "linked.kml", h.kml_network_link, "network_links_ignored"),
    accept("a 1,000-character track name", "longname.gpx", lambda _: h.long_track_name()),
    *(accept(f"named with {what}", name, _nameless) for what, name in NAMES),
]


PHOTO_REFUSED = [
    refuse("text, not an image", "diary.jpg", const(b"Dear diary, today we saw the mine."), 415,
           "not a JPEG, HEIC, PNG or WebP image"),
    refuse("empty file", "empty.jpg", const(b""), 400, "The file is empty"),
    refuse("GIF", "anim.jpg", lambda _: h.other_format("GIF"), 415, "not a JPEG, HEIC, PNG or WebP image"),
    refuse("TIFF", "scan.tif", lambda _: h.other_format("TIFF"), 415, "not a JPEG, HEIC, PNG or WebP image"),
    refuse("SVG with an external entity", "vector.jpg", h.svg_with_entity, 415, "not a JPEG, HEIC, PNG or WebP image"),
    refuse("HEIC header over garbage", "fake.heic", lambda _: h.fake_heic(), 415,
           "not a JPEG, HEIC, PNG or WebP image"),
    refuse("PNG with a broken checksum", "crc.png", lambda _: h.png_bad_crc(), 415, "not a JPEG, HEIC, PNG or WebP"),
    refuse("truncated JPEG", "cut.jpg", lambda _: h.truncated_jpeg(), 400, "damaged or truncated"),
    refuse("truncated PNG", "cut.png", lambda _: h.truncated_png(), 400, "damaged or truncated"),
    refuse("truncated WebP", "cut.webp", lambda _: h.truncated_webp(), 400, "damaged"),
    refuse("truncated HEIC", "cut.heic", lambda _: h.truncated_heic(), 400, "damaged or truncated"),
    refuse("PNG text chunk inflating to 64 MB", "ztxt.png", lambda _: h.png_text_bomb(), 400, "damaged"),
    refuse("PNG claiming 70 megapixels (over our limit, under Pillow's)", "70mp.png",
           lambda _: h.png_claiming(8367, 8367), 413, "8367×8367 pixels, over the limit of 60 megapixels"),
    refuse("JPEG claiming 100 megapixels (Pillow's warning only)", "100mp.jpg",
           lambda _: h.jpeg_claiming(10_000, 10_000), 413, "more than 60 megapixels"),
    refuse("PNG claiming 400 megapixels (Pillow's error)", "400mp.png", lambda _: h.png_claiming(20_000, 20_000), 413,
           "more than 60 megapixels"),
    refuse("PNG claiming 1 × 2³¹ pixels", "thin.png", lambda _: h.png_claiming(1, 2**31 - 1), 413, "megapixels"),
]

NO_PLACE = {"placed": False, "content_type": "image/jpeg"}
PHOTO_ACCEPTED = [
    accept("PNG named .jpg", "really-a-png.jpg", lambda _: h.good_png(1), "wrong_suffix",
           content_type="image/png", placed=False),
    accept("JPEG named .png", "really-a-jpeg.png", lambda _: h.good_jpeg(2), "wrong_suffix",
           content_type="image/jpeg", placed=True),
    accept("HEIC named .jpg", "really-a-heic.jpg", lambda _: h.good_heic(), "wrong_suffix",
           content_type="image/heif", placed=False),
    accept("XMP with an external entity", "xmp.jpg", h.jpeg_with_xmp_entity, content_type="image/jpeg", placed=True),
    accept("IFD0 pointing at itself", "loop0.jpg", lambda _: h.exif_ifd0_loop(), **NO_PLACE),
    accept("EXIF and GPS IFDs pointing at IFD0", "loopsub.jpg", lambda _: h.exif_sub_ifd_loop(), **NO_PLACE),
    accept("a GPS IFD pointing at itself", "loopgps.jpg", lambda _: h.gps_ifd_self_loop(), **NO_PLACE),
    accept("a GPS IFD past the end of the file", "gpsend.jpg", lambda _: h.gps_pointer_past_the_end(), **NO_PLACE),
    accept("GPS entries claiming four billion values", "gpscount.jpg", lambda _: h.gps_huge_count(), **NO_PLACE),
    accept("GPS values of the wrong types", "gpstypes.jpg", lambda _: h.gps_wrong_types(),
           "gps_malformed", **NO_PLACE),
    accept("GPS zero denominators", "gpszero.jpg", lambda _: h.gps_zero_denominators(),
           "gps_malformed", **NO_PLACE),
    accept("GPS latitude of four million degrees", "gpsfar.jpg", lambda _: h.gps_out_of_range(), "gps_out_of_range",
           **NO_PLACE),
    accept("a time offset of +99:99", "offset.jpg",
           lambda _: h.exif_time("2010:10:14 10:00:00", "+99:99", (9, 9, 1)), "offset_invalid",
           **NO_PLACE),
    accept("a time in year 1 east of Greenwich", "year1.jpg",
           lambda _: h.exif_time("0001:01:01 00:00:00", "+08:00", (9, 9, 2)), "time_out_of_range", **NO_PLACE),
    accept("a time in year 9999 west of Greenwich", "year9999.jpg",
           lambda _: h.exif_time("9999:12:31 23:59:59", "-08:00", (9, 9, 3)), "time_out_of_range", **NO_PLACE),
    accept("a time of zeros", "zeros.jpg", lambda _: h.exif_time("0000:00:00 00:00:00", None, (9, 9, 4)),
           "time_unreadable", **NO_PLACE),
    *(accept(f"named with {what}", name.replace(".gpx", ".jpg"), lambda _: h.good_jpeg(3), content_type="image/jpeg",
             placed=True) for what, name in NAMES),
]


def payload(world: World, case: Case) -> bytes:
    """Build each case's bytes once per module."""
    if case not in world.payloads:
        world.payloads[case] = case.build(world.listener.port)
    return world.payloads[case]


def salted(data: bytes, salt: str, kind: str) -> bytes:
    """Make an accepted file unique per path, so none is a duplicate: a comment in XML, a member in JSON, a
    second (empty) FIT file chained to a FIT, a file added to a KMZ, bytes after an image's end."""
    if kind == "photo":
        return data + f"\0{salt}".encode()
    shape = sniff(data)
    if shape == "xml":
        head, _, tail = data.rpartition(b"</")
        return head + f"<!-- {salt} -->".encode() + b"</" + tail
    if shape == "json":
        return json.dumps({**json.loads(data), "salt": salt}).encode()
    if shape == "fit":
        return data + h.fit_without_positions_named(salt)
    assert shape == "kmz", shape
    members = {info.filename: zipfile.ZipFile(io.BytesIO(data)).read(info) for info in
               zipfile.ZipFile(io.BytesIO(data)).infolist()}
    return h.kmz_archive({**members, "salt.txt": salt.encode()})


# ---------------------------------------------------------------- the paths


@dataclass
class Result:
    status: int  # HTTP status, or the CLI's exit code
    message: str  # what a person reads: the error message, the page's text, or the CLI's output
    ok: bool  # the file was stored
    page: str = ""  # the HTML a person sees, where there is one
    elapsed: float = 0.0


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _json_error(response) -> str:  # type: ignore[no-untyped-def]
    body = response.get_json(silent=True) or {}
    return body.get("error", {}).get("message", "") if isinstance(body, dict) else ""


def cli_file(world: World, filename: str, data: bytes) -> str:
    """Write the upload where the CLI can read it, under its name as far as the file system allows."""
    inputs = world.inputs / str(len(list(world.inputs.iterdir())))
    folder = inputs / "a" / "b" / "c" / "d"
    folder.mkdir(parents=True)
    name = filename.replace("\0", "")
    if "/" in name:  # a path that climbs: pass it as such (it stays inside the inputs folder)
        target = folder / name
        assert inputs in target.resolve().parents
        target.resolve().parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return str(target)
    while len(name.encode()) > 255:  # NAME_MAX: drop characters from the front, as clean_filename does
        name = name[1:]
    (folder / name).write_bytes(data)
    return str(folder / name)


def as_browsers_send(filename: str) -> str:
    """A file name as browsers put it in a multipart header (the HTML standard escapes only CR, LF and quotes)."""
    return filename.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def send_gpx(world: World, path: str, filename: str, data: bytes) -> Result:
    start = time.perf_counter()
    files = {"file": (io.BytesIO(data), as_browsers_send(filename))}
    api, form = f"/api/trips/{DEMO_SLUG}/legs/1/tracks", f"/author/trips/{DEMO_SLUG}/legs/1/tracks"
    if path == "api":
        r = world.app.test_client().post(api, data=files, headers=bearer(world.token),
                                         content_type="multipart/form-data")
        result = Result(r.status_code, _json_error(r), r.status_code == 201)
    elif path == "form":  # what the page's script sends: one file, JSON back
        r = world.author.post(form, data=files, content_type="multipart/form-data",
                              headers={"Accept": "application/json", "X-CSRFToken": world.csrf})
        result = Result(r.status_code, _json_error(r), r.status_code == 201)
    elif path == "form-nojs":  # the plain form: a results page
        r = world.author.post(form, data={**files, "csrf_token": world.csrf}, content_type="multipart/form-data")
        page = r.get_data(as_text=True)
        result = Result(r.status_code, _text(page), r.status_code == 200 and 'class="tm-ok"' in page, page)
    else:
        r = world.app.test_cli_runner().invoke(
            args=["import-track", cli_file(world, filename, data), "--trip", DEMO_SLUG, "--leg", "1"])
        assert r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
        result = Result(r.exit_code, r.output, r.exit_code == 0)
    result.elapsed = time.perf_counter() - start
    return result


def send_photo(world: World, path: str, filename: str, data: bytes, clock_offset: str | None = None) -> Result:
    start = time.perf_counter()
    files: dict[str, object] = {"file": (io.BytesIO(data), as_browsers_send(filename))}
    if clock_offset is not None:
        files["clock_offset"] = clock_offset
    url = f"/author/trips/{DEMO_SLUG}/photos"
    if path == "api":
        r = world.app.test_client().post(f"/api/trips/{DEMO_SLUG}/photos", data=files, headers=bearer(world.token),
                                         content_type="multipart/form-data")
        result = Result(r.status_code, _json_error(r), r.status_code == 201)
    elif path == "form":  # what the page's script sends: JSON back, then it shows the page with the flashed notes
        r = world.author.post(url, data=files, content_type="multipart/form-data",
                              headers={"Accept": "application/json", "X-CSRFToken": world.csrf})
        body = r.get_json(silent=True) or {}
        page = world.author.get(url).get_data(as_text=True) if r.status_code == 201 else ""
        message = " ".join(body.get("refused", [])) if r.status_code == 201 else _json_error(r)
        result = Result(r.status_code, message, r.status_code == 201 and body.get("added") == 1, page)
    elif path == "form-nojs":
        r = world.author.post(url, data={**files, "csrf_token": world.csrf}, content_type="multipart/form-data")
        page = world.author.get(url).get_data(as_text=True) if r.status_code == 302 else r.get_data(as_text=True)
        flashes = " ".join(re.findall(r'<div class="tm-flash[^"]*" role="[^"]+">(.*?)</div>', page, re.S))
        result = Result(r.status_code, html.unescape(flashes) if r.status_code == 302 else _text(page),
                        r.status_code == 302 and "1 photo added" in flashes, page)
    else:
        offset = ["--clock-offset", clock_offset] if clock_offset is not None else []
        r = world.app.test_cli_runner().invoke(args=["import-photos", cli_file(world, filename, data),
                                                     "--trip", DEMO_SLUG, *offset])
        assert r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
        result = Result(r.exit_code, r.output, r.exit_code == 0 and "1 photo added" in r.output)
    result.elapsed = time.perf_counter() - start
    return result


def stored_name(path: str, filename: str) -> str:
    """The name a person will see: what the path delivers, cleaned.

    A file system keeps at most 255 bytes of a name; a multipart header reads a backslash as an escape.
    """
    if path == "cli":
        name = filename.replace("\0", "").rsplit("/", 1)[-1]
        while len(name.encode()) > 255:
            name = name[1:]
        return clean_filename(name)
    return clean_filename(re.sub(r"\\(.)", r"\1", as_browsers_send(filename)))


def assert_refused(result: Result, case: Case, path: str, kind: str) -> None:
    """Check the refusal a person gets on this path: its status, and the message in words naming the file."""
    assert result.status < 500 and not result.ok, (result.status, result.message)
    if path == "cli":
        assert result.status == 1 and f"failed  {case.filename}: " in result.message, result.message
        assert "1 of 1 files were not imported" in result.message
    elif path == "form-nojs" and kind == "gpx":  # a results page, a line per file
        assert result.status == 200 and 'class="tm-failed"' in result.page
    elif path == "form-nojs":  # back to the photos page, which flashes what was refused
        assert result.status == 302 and "0 photos added" in result.message
    elif path == "form" and kind == "photo":  # the script gets the notes as JSON, then shows that page too
        assert result.status == 201 and "0 photos added" in _text(result.page)
    else:
        assert result.status == case.status, (result.status, result.message)
    assert case.phrase in result.message, result.message
    for raw in ("Traceback", "Error(", "Exception", "<built-in", "object at 0x", "\\x"):
        assert raw not in result.message, result.message
    if kind == "photo":
        assert case.filename in result.message  # which file of the batch it was
    if kind == "photo" and path == "api":
        assert "Nothing from this upload was stored" in result.message


# ---------------------------------------------------------------- the suite


def ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


@pytest.fixture(autouse=True)
def _quiet_listener(world):  # type: ignore[no-untyped-def]
    """After every case, the loopback listener has seen no connection."""
    yield
    assert world.listener.connections == []


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", TRACK_REFUSED, ids=ids(TRACK_REFUSED))
def test_a_hostile_track_file_is_refused_in_words_and_changes_nothing(world, case, path):
    before, strays = world.state(), world.stray_files()
    result = send_gpx(world, path, case.filename, payload(world, case))
    assert_refused(result, case, path, "gpx")
    assert result.elapsed < SLOW_S
    assert world.state() == before and world.stray_files() == strays


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", PHOTO_REFUSED, ids=ids(PHOTO_REFUSED))
def test_a_hostile_photo_is_refused_in_words_and_changes_nothing(world, case, path):
    before, strays = world.state(), world.stray_files()
    result = send_photo(world, path, case.filename, payload(world, case))
    assert_refused(result, case, path, "photo")
    assert result.elapsed < SLOW_S
    assert world.state() == before and world.stray_files() == strays


def _added(before: tuple[dict, list[str]], after: tuple[dict, list[str]]) -> tuple[dict, set[str]]:
    rows = {table: after[0][table] - n for table, n in before[0].items() if after[0][table] != n}
    return rows, set(after[1]) - set(before[1])


def _inside_media(world: World, relpath: str) -> Path:
    root = (world.root / "media").resolve()
    full = (root / relpath).resolve()
    assert root in full.parents, relpath
    return full


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", TRACK_ACCEPTED, ids=ids(TRACK_ACCEPTED))
def test_a_valid_track_file_with_a_hostile_name_or_content_is_kept_safely(world, case, path):
    data = salted(payload(world, case), f"{case.id} {path}", "gpx")
    before, strays = world.state(), world.stray_files()
    result = send_gpx(world, path, case.filename, data)
    assert result.ok, (result.status, result.message)
    rows, files = _added(before, world.state())
    with world.app.app_context():
        track = db.session().scalar(select(Track).where(Track.sha256 == media.sha256(data)))
        assert track is not None
        assert rows == {"tracks": 1, "track_segments": track.segment_count}
        assert files == {track.original_path} and _inside_media(world, track.original_path).read_bytes() == data
        assert not case.phrase or case.phrase in [w["code"] for w in track.warnings], track.warnings
        name = stored_name(path, case.filename)
        assert track.original_name == name and 0 < len(name) <= 300
        assert 0 < len(track.name) <= Track.__table__.c.name.type.length
        track_id = track.id
    assert world.stray_files() == strays
    if result.page:  # the results page shows the cleaned name, escaped
        assert html.escape(name, quote=False) in result.page and "<img src=x" not in result.page
    client = world.app.test_client()
    assert client.get(f"/trips/{DEMO_SLUG}/legs/1").status_code == 200
    download = client.get(f"/trips/{DEMO_SLUG}/tracks/{track_id}/original")
    assert download.status_code == 200 and download.data == data
    assert client.get(f"/trips/{DEMO_SLUG}/tracks/{track_id}.gpx").status_code == 200


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", PHOTO_ACCEPTED, ids=ids(PHOTO_ACCEPTED))
def test_a_valid_photo_with_a_hostile_name_or_broken_metadata_is_kept_safely(world, case, path):
    data = salted(payload(world, case), f"{case.id} {path}", "photo")
    before, strays = world.state(), world.stray_files()
    result = send_photo(world, path, case.filename, data)
    assert result.ok, (result.status, result.message)
    rows, files = _added(before, world.state())
    with world.app.app_context():
        photo = db.session().scalar(select(Photo).where(Photo.sha256 == media.sha256(data)))
        assert photo is not None and rows == {"photos": 1}
        assert files == {photo.original_path, photo.display_path, photo.thumb_path}
        assert _inside_media(world, photo.original_path).read_bytes() == data
        assert photo.content_type == case.content_type
        assert photo.original_path.endswith({"image/png": ".png", "image/jpeg": ".jpg", "image/heif": ".heic"}[
            case.content_type])
        for copy in (photo.display_path, photo.thumb_path):
            with Image.open(_inside_media(world, copy)) as published:
                assert published.format == "JPEG" and not published.getexif()
        assert (photo.location_source == "exif") is case.placed, (photo.lat, photo.warnings)
        assert not case.phrase or case.phrase in [w["code"] for w in photo.warnings], photo.warnings
        name = stored_name(path, case.filename)
        assert photo.original_name == name and 0 < len(name) <= 300
        photo_id, thumb = photo.id, photo.thumb_path
        placed = photo.lat is not None and photo.lon is not None
    assert world.stray_files() == strays
    client = world.app.test_client()
    assert client.get(f"/trips/{DEMO_SLUG}/photos.json").status_code == 200
    # Readers get a photo once it has a place; its author always (the workspace shows it).
    assert client.get(f"/media/{thumb}", buffered=True).status_code == (200 if placed else 404)
    assert world.author.get(f"/media/{thumb}", buffered=True).status_code == 200
    api = client.patch(f"/api/trips/{DEMO_SLUG}/photos/{photo_id}", json={"caption": "checked"},
                       headers=bearer(world.token))
    assert api.status_code == 200, api.get_json()
    if case.id.startswith("named with"):  # the workspace shows the cleaned name, escaped
        page = world.author.get(f"/author/trips/{DEMO_SLUG}/photos/{photo_id}").get_data(as_text=True)
        assert html.escape(name, quote=False) in page and "<img src=x" not in page


# ---------------------------------------------------------------- too large: refused before anything reads it


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", ["gpx", "photo"])
def test_an_upload_over_the_size_limit_is_refused_before_it_is_parsed(world, kind, path, monkeypatch):
    parsed = []
    import travelmap.photos
    import travelmap.sandbox
    import travelmap.services.tracks

    # Every parse goes through the sandbox (or, with it off, calls the parser here): watch both.
    monkeypatch.setattr(travelmap.sandbox, "run", lambda *a, **k: parsed.append(a) or 1 / 0)
    monkeypatch.setattr(travelmap.services.tracks, "read_track", lambda *a, **k: parsed.append(a) or 1 / 0)
    monkeypatch.setattr(travelmap.photos, "analyse", lambda *a, **k: parsed.append(a) or 1 / 0)
    data = h.oversized_gpx(LIMIT_BYTES) if kind == "gpx" else h.oversized_jpeg(LIMIT_BYTES)
    before, strays = world.state(), world.stray_files()
    send = send_gpx if kind == "gpx" else send_photo
    result = send(world, path, f"big.{'gpx' if kind == 'gpx' else 'jpg'}", data)
    assert not result.ok and parsed == []
    if path == "cli":
        assert result.status == 1 and f"over the {MAX_UPLOAD_MB} MB limit" in result.message, result.message
    else:
        assert result.status == 413 and f"too large: the limit is {MAX_UPLOAD_MB} MB" in result.message, result.message
    assert world.state() == before and world.stray_files() == strays


# ---------------------------------------------------------------- single cases that need their own setup


def test_a_photo_over_pillows_warning_size_is_refused_with_its_true_size(tmp_path, seeded_template):
    app = seeded_copy(seeded_template, tmp_path, MAX_MEGAPIXELS=170)  # above Pillow's 89 MP warning
    token = make_author(app, "demo")
    response = app.test_client().post(f"/api/trips/{DEMO_SLUG}/photos", headers=bearer(token),
                                      data={"file": (io.BytesIO(h.png_claiming(10_000, 10_000)), "warn.png")},
                                      content_type="multipart/form-data")
    assert response.status_code == 413
    message = response.json["error"]["message"]
    # Pillow refuses it past its own 89 MP, so say that: it is not over 170 MP.
    assert "more than 89 megapixels" in message and "170" not in message, message


def test_a_file_name_that_is_not_utf8_gets_a_clear_answer_from_the_api(world):
    """curl sends a legacy (Latin-1) file name as raw bytes; the multipart body then cannot be read at all."""
    before = world.state()
    boundary = "hostileboundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="caf'.encode()
            + b'\xe9.gpx"\r\nContent-Type: application/gpx+xml\r\n\r\n' + salted(h.good_gpx(), "latin1", "gpx")
            + f"\r\n--{boundary}--\r\n".encode())
    response = world.app.test_client().post(f"/api/trips/{DEMO_SLUG}/legs/1/tracks", data=body,
                                            headers=bearer(world.token),
                                            content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert "with a UTF-8 file name" in response.json["error"]["message"]
    assert world.state() == before


@pytest.mark.parametrize("command", ["import-track", "import-gpx", "import-photos"])
def test_a_file_name_that_is_not_utf8_is_imported_by_the_cli_under_a_clean_name(world, command):
    """A legacy Latin-1 name on disk reaches Python with surrogate escapes, which no database can store."""
    import os

    folder = os.fsencode(world.inputs / f"latin1-{command}")
    os.makedirs(folder)
    kind, data = (("gpx", h.good_gpx()) if command != "import-photos" else ("photo", h.good_jpeg(5)))
    data = salted(data, f"latin1 {command}", kind)
    target = os.path.join(folder, b"caf\xe9." + (b"gpx" if kind == "gpx" else b"jpg"))
    with open(target, "wb") as fh:
        fh.write(data)
    args = [command, os.fsdecode(target), "--trip", DEMO_SLUG] + (["--leg", "1"] if kind == "gpx" else [])
    result = world.app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0 and result.exception is None, (result.output, result.exc_info)
    with world.app.app_context():
        model = Track if kind == "gpx" else Photo
        row = db.session().scalar(select(model).where(model.sha256 == media.sha256(data)))
        assert row.original_name == f"caf.{'gpx' if kind == 'gpx' else 'jpg'}"


# ---------------------------------------------------------------- a good photo with a hostile clock offset


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("what, offset", h.CLOCK_OFFSETS, ids=[c[0] for c in h.CLOCK_OFFSETS])
def test_a_hostile_clock_offset_is_refused_in_words_on_every_way_in_and_changes_nothing(world, what, offset, path):
    before, strays = world.state(), world.stray_files()
    result = send_photo(world, path, "offset.jpg", salted(h.good_jpeg(21), f"offset {what} {path}", "photo"),
                        clock_offset=offset)
    assert not result.ok
    if path == "cli":
        assert result.status == 1, result.message
    elif path == "form-nojs":  # back to the photos page, which says why
        assert result.status == 302
    else:  # the API, and the page's script, which shows the JSON error's message
        assert result.status == 400, (result.status, result.message)
    assert "clock offset" in result.message.lower() and "Traceback" not in result.message, result.message
    assert world.state() == before and world.stray_files() == strays


# ---------------------------------------------------------------- the backup archive (travelmap import-trip)


def archive_with_track(data: bytes, name: str, slug: str = "hostile-archive") -> bytes:
    """A minimal travelmap backup: one private trip, one leg, and this file as its track."""
    member = f"tracks/001-{re.sub(r'[^A-Za-z0-9._-]+', '-', name)}"
    document = {"format": "travelmap-trip", "version": 1,
                "trip": {"slug": slug, "title": "Hostile archive", "visibility": "private"},
                "posts": [], "photos": [],
                "legs": [{"position": 1, "name": "Leg", "stops": [],
                          "tracks": [{"file": member, "sha256": media.sha256(data), "original_name": name}]}]}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("trip.json", json.dumps(document))
        zf.writestr(member, data)
    return out.getvalue()


def import_archive(world: World, archive: bytes) -> Result:
    path = world.inputs / f"archive-{len(list(world.inputs.iterdir()))}.zip"
    path.write_bytes(archive)
    start = time.perf_counter()
    r = world.app.test_cli_runner().invoke(args=["import-trip", str(path), "--author", "demo"])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
    return Result(r.exit_code, r.output, r.exit_code == 0, elapsed=time.perf_counter() - start)


@pytest.mark.parametrize("case", TRACK_REFUSED, ids=ids(TRACK_REFUSED))
def test_a_backup_holding_a_hostile_track_file_is_refused_whole_in_words(world, case):
    before, strays = world.state(), world.stray_files()
    result = import_archive(world, archive_with_track(payload(world, case), case.filename))
    assert result.status == 1 and not result.ok, result.message
    assert case.phrase in result.message, result.message
    for raw in ("Traceback", "Error(", "Exception", "<built-in", "object at 0x"):
        assert raw not in result.message, result.message
    assert result.elapsed < SLOW_S
    assert world.state() == before and world.stray_files() == strays


def test_a_backup_holding_a_track_of_each_new_format_is_restored(world):
    """The same minimal archive with a good file imports, so the refusals above are the files' doing."""
    for n, data in enumerate([h.good_fit(), h.good_kml("archive"), h.good_geojson(),
                              h.kmz_archive({"doc.kml": h.good_kml("archive kmz")})]):
        result = import_archive(world, archive_with_track(data, f"good-{n}", f"good-archive-{n}"))
        assert result.ok, result.message
