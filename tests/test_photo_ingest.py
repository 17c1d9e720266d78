"""Photos: the real-world corpus, hostile files, geotagging from the track, clock offsets, privacy, pages."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select

from travelmap import db, geo, photos
from travelmap.models import Leg, Photo, Stop, Trip

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG, corpus_dir, count_rows, media_files, seeded_copy
from .gpxfactory import START, gpx_document, straight_track
from .photofactory import R, jpeg, png

PHOTOS = f"/api/trips/{DEMO_SLUG}/photos"
LIMIT = 60_000_000


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


def send(client, token, files, url=PHOTOS, **form):  # type: ignore[no-untyped-def]
    data = {"file": [(io.BytesIO(content), name) for name, content in files], **form}
    return client.post(url, data=data, headers=bearer(token), content_type="multipart/form-data")


def state(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return count_rows(db.session()), media_files(app)


# ---------------------------------------------------------------- the real-world corpus

def manifest_photos() -> dict[str, dict]:
    """Read each photo's facts from the corpus manifest's per-file sections."""
    text = (corpus_dir() / "MANIFEST.md").read_text(encoding="utf-8")
    facts = {}
    for block in text.split("\n### `photos/")[1:]:
        name = block.split("`", 1)[0]
        usable = "usable GPS: yes" in block
        latlon = re.search(r"Pillow decimal lat/lon: ([-\d.]+), ([-\d.]+)", block)
        dto = re.search(r"DateTimeOriginal (\d{4}:\d\d:\d\d \d\d:\d\d:\d\d)", block)
        facts[name] = {"usable": usable, "lat": float(latlon.group(1)) if usable else None,
                       "lon": float(latlon.group(2)) if usable else None, "dto": dto.group(1) if dto else None}
    return facts


def corpus_photos() -> list[str]:
    folder = corpus_dir() / "photos"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


EDGE_WARNINGS = {
    "mdx__Samsung_GT-I9000_Galaxy_S.jpg": "gps_no_fix",
    "mdx__Nikon_D5000.jpg": "gps_malformed",
    "mdx__exif-at-eof.heic": "offset_disagrees",
}


@pytest.mark.parametrize("name", corpus_photos() or ["corpus-missing"])
def test_every_real_world_photo_gives_the_manifest_place_and_time(name, require_corpus):
    facts = manifest_photos()[name]
    info = photos.analyse((require_corpus / "photos" / name).read_bytes(), max_pixels=LIMIT, name=name,
                          fallback_tz="UTC").info
    if facts["usable"]:
        assert abs(info.lat - facts["lat"]) < 1e-5 and abs(info.lon - facts["lon"]) < 1e-5
    else:
        assert info.lat is None and info.lon is None
    if facts["dto"]:
        local = info.taken_at.astimezone(timezone(timedelta(minutes=info.utc_offset_min)))
        assert local.strftime("%Y:%m:%d %H:%M:%S") == facts["dto"]
    else:
        assert info.taken_at is None
    if name in EDGE_WARNINGS:
        assert EDGE_WARNINGS[name] in [w.code for w in info.warnings], info.warnings


def test_a_time_without_offset_is_read_in_the_zone_of_the_photos_own_place(require_corpus):
    # Samsung Note 5 in Florida: local 21:23:12 with no offset; its GPS clock says 01:22:57 UTC the next day.
    info = photos.analyse((require_corpus / "photos" / "goexif__gps.jpg").read_bytes(), max_pixels=LIMIT).info
    assert abs(info.taken_at - datetime(2018, 4, 29, 1, 22, 57, tzinfo=timezone.utc)) < timedelta(seconds=30)
    assert any(w.code == "time_zone_guessed" and "America/New_York" in w.message for w in info.warnings)


def test_an_explicit_offset_is_used(require_corpus):
    info = photos.analyse((require_corpus / "photos" / "exifsamples__HMD_Nokia_8.3_5G.jpg").read_bytes(),
                          max_pixels=LIMIT).info
    assert info.taken_at == datetime(2022, 8, 14, 11, 12, 31, tzinfo=timezone.utc) and info.utc_offset_min == 180


def test_heic_photos_import_through_the_api(seeded_app, token, require_corpus):
    data = (require_corpus / "photos" / "mdx__IMG_1034.heic").read_bytes()
    response = send(seeded_app.test_client(), token, [("IMG_1034.heic", data)])
    assert response.status_code == 201
    body = response.json[0]
    assert body["location_source"] == "exif" and abs(body["lat"] - 23.1779167) < 1e-5
    thumb = seeded_app.test_client().get(body["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


# ---------------------------------------------------------------- hostile and broken files

def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def claims_10000_square() -> bytes:
    """A ~650-byte JPEG whose header claims 10000 × 10000 pixels."""
    import struct

    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, "JPEG", quality=10)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 10_000, 10_000)
    return bytes(data)


REFUSED = [
    ("not an image", ("notes.jpg", b"Dear diary, today we saw the mine."), 415, "not a JPEG, HEIC, PNG or WebP"),
    ("empty file", ("empty.jpg", b""), 400, "empty"),
    ("truncated JPEG", ("cut.jpg", jpeg(size=(640, 480))[:1500]), 400, "damaged or truncated"),
    ("claims 10000x10000 (651 bytes)", ("bomb.jpg", claims_10000_square()), 413, "megapixels"),
    ("decompression bomb over the cap", ("bomb.png", bomb_png(20_000, 20_000)), 413, "megapixels"),
]


@pytest.mark.parametrize("what, upload, status, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_an_unusable_file_is_refused_with_its_name_and_nothing_of_the_batch_is_stored(
    seeded_app, token, what, upload, status, message
):
    before = state(seeded_app)
    good = ("good.jpg", jpeg(taken=datetime(2010, 10, 14, 10, 0), offset="+08:00", lat=40.6, lon=109.9))
    response = send(seeded_app.test_client(), token, [good, upload])
    assert response.status_code == status
    error = response.json["error"]
    assert message in error["message"] and upload[0] in error["message"] and error["file"] == upload[0]
    assert "Nothing from this upload was stored" in error["message"]
    assert state(seeded_app) == before


def test_a_bomb_that_only_triggers_pillows_warning_is_refused_too(tmp_path, seeded_template):
    app = seeded_copy(
        seeded_template, tmp_path, MAX_MEGAPIXELS=170
    )  # above Pillow's 89 MP warning, below its 179 MP error
    token = make_author(app, "demo")
    before = state(app)
    response = send(app.test_client(), token, [("warn.png", bomb_png(10_000, 10_000))])  # 100 MP
    assert response.status_code == 413 and "megapixels" in response.json["error"]["message"]
    assert state(app) == before


ACCEPTED_WITH_A_WARNING = [
    ("PNG named .jpg", ("really-a.jpg", png()), "wrong_suffix", None),
    (
        "GPS without references",
        ("norefs.jpg", jpeg(gps={2: (R(40, 1), R(0, 1), R(0, 1)), 4: (R(110, 1), R(0, 1), R(0, 1))})),
        "gps_no_hemisphere",
        None,
    ),
    (
        "zero denominators",
        ("zero.jpg", jpeg(gps={1: "N", 2: (R(40, 0), R(1, 1), R(0, 1)), 3: "E", 4: (R(110, 1), R(0, 1), R(0, 1))})),
        "gps_malformed",
        None,
    ),
    (
        "latitude 91",
        ("lat91.jpg", jpeg(gps={1: "N", 2: (R(91, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(110, 1), R(0, 1), R(0, 1))})),
        "gps_out_of_range",
        None,
    ),
    ("null island", ("zero-zero.jpg", jpeg(lat=0.0, lon=0.0)), "gps_no_fix", None),
]


@pytest.mark.parametrize(
    "what, upload, warning, _", ACCEPTED_WITH_A_WARNING, ids=[a[0] for a in ACCEPTED_WITH_A_WARNING]
)
def test_a_photo_with_a_wrong_name_or_broken_gps_is_kept_without_a_place_and_says_why(
    seeded_app, token, what, upload, warning, _
):
    response = send(seeded_app.test_client(), token, [upload])
    assert response.status_code == 201
    body = response.json[0]
    assert warning in [w["code"] for w in body["warnings"]], body["warnings"]
    if what != "PNG named .jpg":
        assert body["lat"] is None and body["location_source"] is None
    else:
        with seeded_app.app_context():
            assert db.session().get(Photo, body["id"]).content_type == "image/png"


def test_the_same_photo_twice_is_skipped_with_a_note(seeded_app, token):
    client = seeded_app.test_client()
    photo = ("a.jpg", jpeg(taken=datetime(2010, 10, 14, 10, 0), offset="+08:00", lat=40.6, lon=109.9))
    assert send(client, token, [photo]).status_code == 201
    again = send(client, token, [photo, ("copy.jpg", photo[1])])
    assert again.status_code == 201
    assert all(r.get("skipped") for r in again.json) and again.json[0]["warnings"][0]["code"] == "duplicate_skipped"


# ---------------------------------------------------------------- geotagging from the track


@pytest.fixture
def tracked(seeded_app, token):  # type: ignore[no-untyped-def]
    """A trip with one 1 s track of 2,000 points at 12 m/s; returns (client, slug, points)."""
    client = seeded_app.test_client()
    trip = client.post("/api/trips", json={"title": "Geotag test", "timezone": "Asia/Shanghai"}, headers=bearer(token))
    slug = trip.json["slug"]
    client.post(f"/api/trips/{slug}/legs", json={"name": "Drive"}, headers=bearer(token))
    points = straight_track(2000, step_m=12, dt_s=1)
    response = client.post(
        f"/api/trips/{slug}/legs/1/tracks",
        headers=bearer(token),
        data={"file": (io.BytesIO(gpx_document([points])), "drive.gpx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    return client, slug, points


def truth(points, when: datetime) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    i = int((when - START).total_seconds())
    return points[i][0], points[i][1]


def local(when: datetime) -> datetime:
    return when.astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None)


def test_photos_with_only_a_time_are_placed_within_ten_metres_of_where_they_were_taken(tracked, token):
    client, slug, points = tracked
    moments = [START + timedelta(seconds=s) for s in (30, 555, 1234, 1990)]
    files = [
        (f"p{i}.jpg", jpeg(taken=local(m), offset="+08:00", colour=(i * 40, 80, 80))) for i, m in enumerate(moments)
    ]
    response = send(client, token, files, url=f"/api/trips/{slug}/photos")
    assert response.status_code == 201
    for body, moment in zip(response.json, moments):
        lat, lon = truth(points, moment)
        assert body["location_source"] == "track" and body["time_gap_s"] <= 1
        assert geo.haversine_m(body["lat"], body["lon"], lat, lon) < 10


def test_a_photo_far_from_any_track_time_gets_no_place_and_a_warning(tracked, token):
    client, slug, _ = tracked
    far = START + timedelta(hours=5)
    response = send(
        client, token, [("late.jpg", jpeg(taken=local(far), offset="+08:00"))], url=f"/api/trips/{slug}/photos"
    )
    body = response.json[0]
    assert body["lat"] is None and "needs_place" in [w["code"] for w in body["warnings"]]


def test_a_given_clock_offset_is_applied(tracked, token):
    client, slug, points = tracked
    moment = START + timedelta(seconds=800)
    fast_camera = local(moment) + timedelta(seconds=150)  # the camera clock runs 2.5 minutes fast
    response = send(
        client,
        token,
        [("fast.jpg", jpeg(taken=fast_camera, offset="+08:00"))],
        url=f"/api/trips/{slug}/photos",
        clock_offset="-00:02:30",
    )
    body = response.json[0]
    assert geo.haversine_m(body["lat"], body["lon"], *truth(points, moment)) < 10


def test_the_clock_offset_is_learned_from_a_photo_of_the_same_camera_with_gps(tracked, token):
    client, slug, points = tracked
    with_gps = START + timedelta(seconds=300)
    lat, lon = truth(points, with_gps)
    reference = jpeg(
        taken=local(with_gps) + timedelta(seconds=150), offset="+08:00", lat=lat, lon=lon, camera=("Fuji", "X")
    )
    target = START + timedelta(seconds=1500)
    other = jpeg(taken=local(target) + timedelta(seconds=150), offset="+08:00", camera=("Fuji", "X"), colour=(1, 2, 3))
    response = send(client, token, [("ref.jpg", reference), ("other.jpg", other)], url=f"/api/trips/{slug}/photos")
    placed = response.json[1]
    assert placed["location_source"] == "track"
    assert geo.haversine_m(placed["lat"], placed["lon"], *truth(points, target)) < 10
    assert "clock_offset_learned" in [w["code"] for w in placed["warnings"]]


def test_photos_attach_to_the_nearest_stop_within_the_radius(seeded_app, token):
    response = send(
        seeded_app.test_client(),
        token,
        [("near.jpg", jpeg(taken=datetime(2010, 10, 14, 11, 0), offset="+08:00", lat=40.6580, lon=109.8410))],
    )
    assert response.json[0]["stop"] == "baotou"


# ---------------------------------------------------------------- derivatives and privacy


def test_published_copies_are_upright_and_carry_no_exif_comment_or_trailing_data(seeded_app, token):
    data = jpeg(
        size=(160, 80),
        orientation=6,
        taken=datetime(2010, 10, 14, 10, 0),
        offset="+08:00",
        lat=40.6,
        lon=109.9,
        comment=b"<script>alert('x')</script>",
        trailer=b"<html><body>hidden page</body></html>",
    )
    client = seeded_app.test_client()
    body = send(client, token, [("rotated.jpg", data)]).json[0]
    assert (body["width"], body["height"]) == (80, 160)
    for url in (body["display_url"], body["thumbnail_url"]):
        response = client.get(url)
        assert response.headers["X-Content-Type-Options"] == "nosniff" and response.mimetype == "image/jpeg"
        copy = Image.open(io.BytesIO(response.data))
        assert not copy.getexif() and "comment" not in copy.info
        assert copy.height > copy.width  # orientation applied once
        corner = copy.convert("RGB").getpixel((copy.width - 2, 2))  # the dark corner rotated to the top right
        assert sum(corner) < 200
        assert b"<script>" not in response.data and b"<html>" not in response.data
        assert response.data.rstrip(b"\x00").endswith(b"\xff\xd9")
    with seeded_app.app_context():
        original = db.session().get(Photo, body["id"]).original_path
    assert client.get(f"/media/{original}").status_code == 404


def test_a_trip_can_blur_photo_places_for_readers(seeded_app, token):
    client = seeded_app.test_client()
    assert (
        client.patch(f"/api/trips/{DEMO_SLUG}", json={"blur_photo_locations": True}, headers=bearer(token)).status_code
        == 200
    )
    page = client.get(f"/trips/{DEMO_SLUG}").get_data(as_text=True)
    data = re.search(r"travelmapPhotos\([^,]+, [^,]+, (\{.*?\})\);", page, re.S).group(1)
    import json

    from travelmap.geo import decode_polyline

    for lat, _lon in decode_polyline(json.loads(data)["points"]):
        assert round(lat * 100, 6) == round(lat * 100)


# ---------------------------------------------------------------- pages and other ways in


def test_stop_and_post_pages_show_their_photos_as_a_gallery(reader):
    stop_page = reader.get(f"/trips/{DEMO_SLUG}/stops/baotou").get_data(as_text=True)
    assert 'class="tm-gallery"' in stop_page and "/media/display/" in stop_page and "/static/lightbox.js" in stop_page
    post_page = reader.get("/posts/baotou-capital-of-rare-earths").get_data(as_text=True)
    assert 'class="tm-gallery"' in post_page


def test_the_workspace_keeps_good_photos_reports_bad_ones_and_places_by_hand(seeded_app, token):
    client = seeded_app.test_client()
    login(client, "demo")
    url = f"/author/trips/{DEMO_SLUG}/photos"
    unplaced = jpeg(colour=(9, 9, 9))  # no time, no GPS
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "file": [(io.BytesIO(unplaced), "lost.jpg"), (io.BytesIO(b"nope"), "bad.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "1 photo added" in page and "bad.jpg" in page and "No place yet" in page
    with seeded_app.app_context():
        photo_id = db.session().scalar(select(Photo.id).where(Photo.original_name == "lost.jpg"))
    edit = f"{url}/{photo_id}"
    response = client.post(
        edit, data={"csrf_token": csrf_token(client, edit), "caption": "Found it", "lat": "40.6575", "lon": "109.8404"}
    )
    assert response.status_code == 302
    with seeded_app.app_context():
        photo = db.session().get(Photo, photo_id)
        assert photo.location_source == "manual" and photo.stop.slug == "baotou" and photo.caption == "Found it"


def test_the_cli_imports_a_folder_of_photos(seeded_app, tmp_path):
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg(taken=datetime(2010, 10, 14, 10, 5), offset="+08:00", lat=40.6, lon=109.9))
    (folder / "b.JPG").write_bytes(jpeg(taken=datetime(2010, 10, 14, 10, 6), offset="+08:00", colour=(5, 5, 5)))
    (folder / "notes.txt").write_text("not a photo")
    result = seeded_app.test_cli_runner().invoke(args=["import-photos", str(folder), "--trip", DEMO_SLUG])
    assert result.exit_code == 0, result.output
    assert "2 photos added" in result.output


def _trip_with_stops(zone: str, stop_zones: list[str]) -> Trip:
    trip = Trip(title="t", slug="t", timezone=zone)
    leg = Leg(position=1, name="l")
    leg.stops = [Stop(name=f"s{i}", slug=f"s{i}", lat=0.0, lon=0.0, timezone=z, position=i)
                 for i, z in enumerate(stop_zones, start=1)]
    trip.legs = [leg]
    return trip


@pytest.mark.parametrize("trip_zone, stop_zones, named, source", [
    ("Europe/Berlin", ["Asia/Shanghai", "Asia/Shanghai"], "Europe/Berlin", "the trip's time zone"),
    ("UTC", ["Asia/Shanghai", "Asia/Shanghai", "Asia/Tokyo"], "Asia/Shanghai",
     "the time zone of most of the trip's stops"),
    ("UTC", [], "UTC", None),
])
def test_a_photo_time_without_offset_names_the_zone_it_was_read_in_and_where_that_zone_came_from(
        trip_zone, stop_zones, named, source):
    from travelmap.services.photos import trip_zone as zone_of

    zone, where = zone_of(_trip_with_stops(trip_zone, stop_zones))
    info = photos.analyse(jpeg(taken=datetime(2010, 10, 14, 12, 0)), max_pixels=LIMIT, name="x.jpg",
                          fallback_tz=zone, fallback_source=where).info
    said = " ".join(w.message for w in info.warnings)
    assert [w.code for w in info.warnings] == ["time_zone_guessed"]
    if source is None:
        assert "UTC" in said
    else:
        assert f"in {named} (from {source}" in said, said
    local = info.taken_at.astimezone(ZoneInfo(named))
    assert (local.hour, local.minute) == (12, 0)
