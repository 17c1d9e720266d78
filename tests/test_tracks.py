"""GPX tracks: every way in (API, workspace, CLI), real exports, hostile files, and stats with known truth."""

from __future__ import annotations

import io
import json
import math
import re
from datetime import timedelta

import pytest
from geographiclib.geodesic import Geodesic
from sqlalchemy import select

from travelmap import db, geo
from travelmap.geo import decode_polyline
from travelmap.gpx import parse_gpx
from travelmap.models import Stop, Track
from travelmap.services.trips import trip_by_slug
from travelmap.trackstats import compute_stats

from .authoring_helpers import bearer, login, make_author
from .conftest import DEMO_SLUG, corpus_dir, count_rows, media_files, seeded_copy
from .gpxfactory import START, gpx_document, hilly, straight_track

UPLOAD = f"/api/trips/{DEMO_SLUG}/legs/1/tracks"


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


def upload(client, token, data: bytes, name: str = "track.gpx", url: str = UPLOAD):  # type: ignore[no-untyped-def]
    return client.post(url, data={"file": (io.BytesIO(data), name)}, headers=bearer(token),
                       content_type="multipart/form-data")


def state(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return count_rows(db.session()), media_files(app)


# ---------------------------------------------------------------- the real-world corpus

def manifest_facts() -> dict[str, tuple[int, int, int]]:
    """Read (points, segments, waypoints) per GPX file from the corpus manifest's summary table."""
    text = (corpus_dir() / "MANIFEST.md").read_text(encoding="utf-8")
    facts = {}
    for name, _trk, seg, pts, rte, rpts, wpt in re.findall(
            r"\| `gpx/([^`]+)` \| gpx \|[^\n]*?trk (\d+)/seg (\d+)/pt (\d+), rte (\d+)/(\d+), wpt (\d+)", text):
        routes = int(rte) if int(rpts) else 0
        facts[name] = (int(pts) + int(rpts), int(seg) + routes, int(wpt))
    return facts


def corpus_files() -> list[str]:
    folder = corpus_dir() / "gpx"
    return sorted(p.name for p in folder.glob("*.gpx")) if folder.is_dir() else []


@pytest.mark.parametrize("name", corpus_files() or ["corpus-missing"])
def test_every_real_world_gpx_file_imports_with_the_counts_the_manifest_lists(seeded_app, token, name, require_corpus):
    data = (require_corpus / "gpx" / name).read_bytes()
    before = state(seeded_app)
    response = upload(seeded_app.test_client(), token, data, name)
    if name == "togeojson__bad.gpx":
        assert response.status_code == 400 and "latitude" in response.json["error"]["message"]
        assert state(seeded_app) == before
        return
    assert response.status_code == 201, response.json
    points, segments, waypoints = manifest_facts()[name]
    body = response.json
    assert (body["points"], body["waypoints"]) == (points, waypoints)
    assert body["segments"] == segments
    for key in ("distance_m", "ascent_m", "descent_m", "duration_s", "moving_time_s"):
        assert body[key] is None or (math.isfinite(body[key]) and body[key] >= 0), key


def test_the_timezone_offset_file_keeps_its_instant(require_corpus):
    parsed = parse_gpx((require_corpus / "gpx" / "opentracks__gpx_timezone.gpx").read_bytes())
    text = (require_corpus / "gpx" / "opentracks__gpx_timezone.gpx").read_text()
    assert "+01:15" in text
    stamp = re.search(r"<trkpt[^>]*>.*?<time>([^<]+)</time>", text, re.S).group(1)
    from datetime import datetime

    assert parsed.segments[0].times[0] == datetime.fromisoformat(stamp).timestamp()


def test_a_file_with_tracks_out_of_time_order_gets_a_positive_duration(require_corpus):
    stats = compute_stats(parse_gpx((require_corpus / "gpx" / "togeojson__blue_hills.gpx").read_bytes()))
    assert stats["duration_s"] > 0 and stats["started_at"] < stats["ended_at"]
    assert 0 <= stats["moving_time_s"] <= stats["duration_s"]


# ---------------------------------------------------------------- hostile and broken files

HEAD = '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'


def doc(body: str) -> bytes:
    return f"{HEAD}\n{body}</gpx>".encode()


def pt(**attrs: str) -> str:
    inner = attrs.pop("inner", "")
    attributes = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return doc(f"<trk><trkseg><trkpt {attributes}>{inner}</trkpt><trkpt lat=\"1\" lon=\"1\"/></trkseg></trk>").decode()


BOMB = ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">' +
        "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]><gpx>&i;</gpx>")
QUADRATIC = '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x "' + "x" * 50_000 + '">]><gpx>' + "&x;" * 2000 + "</gpx>"
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY e SYSTEM "http://127.0.0.1:9/secret">]><gpx>&e;</gpx>'

BAD_FILES = [
    # Recognised by content: an image or a CSV named .gpx is no track format at all (415), not broken GPX.
    ("binary, not XML", b"\x89PNG\r\n\x1a\n not xml at all", 415, "not a track this site can read"),
    ("text, not XML", b"lat,lon\n40.1,110.2\n", 415, "not GPX, FIT, TCX, KML, KMZ or GeoJSON"),
    ("empty file", b"", 400, "empty"),
    (
        # A KML file named .gpx is read as KML (a test_track_formats case imports one); an empty one has nothing.
        "empty KML renamed .gpx",
        b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>',
        400,
        "The KML file has no track or line to draw",
    ),
    ("truncated XML", doc('<trk><trkseg><trkpt lat="1" lon="2">')[:-20], 400, "not well-formed"),
    ("no points at all", doc("<metadata><name>x</name></metadata>"), 400, "no track or route points"),
    ("latitude 95", pt(lat="95", lon="2").encode(), 400, "latitude 95.0, outside"),
    ("longitude 200", pt(lat="1", lon="200").encode(), 400, "longitude 200.0, outside"),
    ("NaN latitude", pt(lat="NaN", lon="2").encode(), 400, "latitude that is not a finite number"),
    ("infinite longitude", pt(lat="1", lon="inf").encode(), 400, "longitude that is not a finite number"),
    ("empty latitude", pt(lat="", lon="2").encode(), 400, "latitude is empty"),
    ("missing longitude", pt(lat="1").encode(), 400, "no latitude or longitude"),
    ("garbage latitude", pt(lat="north", lon="2").encode(), 400, "latitude is 'north'"),
    (
        "infinite elevation",
        pt(lat="1", lon="2", inner="<ele>Infinity</ele>").encode(),
        400,
        "elevation that is not a finite",
    ),
    ("text elevation", pt(lat="1", lon="2", inner="<ele>high</ele>").encode(), 400, "'high' as <ele>"),
    (
        "unreadable time",
        pt(lat="1", lon="2", inner="<time>14/10/2010 10:51</time>").encode(),
        400,
        "time that cannot be read",
    ),
    ("billion laughs", BOMB.encode(), 400, "DTD or entity"),
    ("quadratic blow-up", QUADRATIC.encode(), 400, "DTD or entity"),
    ("external entity", EXTERNAL.encode(), 400, "DTD or entity"),
]


@pytest.mark.parametrize("what, data, status, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_gpx_file_gets_a_clear_4xx_and_stores_nothing(seeded_app, token, what, data, status, message):
    before = state(seeded_app)
    response = upload(seeded_app.test_client(), token, data)
    assert response.status_code == status
    assert message in response.json["error"]["message"]
    assert state(seeded_app) == before


def test_an_oversized_upload_gets_413_before_it_is_parsed(tmp_path, seeded_template):
    app = seeded_copy(seeded_template, tmp_path, MAX_UPLOAD_MB=0.05)
    token = make_author(app, "demo")
    before = state(app)
    response = upload(app.test_client(), token, b"<gpx>" + b" " * 100_000 + b"</gpx>")
    assert response.status_code == 413 and "0.05 MB" in response.json["error"]["message"]
    assert state(app) == before


def test_the_same_file_twice_is_a_409_naming_the_existing_track(seeded_app, token):
    data = gpx_document([straight_track(50)])
    client = seeded_app.test_client()
    first = upload(client, token, data)
    assert first.status_code == 201
    again = upload(client, token, data, url=f"/api/trips/{DEMO_SLUG}/legs/2/tracks")
    assert again.status_code == 409 and again.json["error"]["existing_id"] == first.json["id"]


def test_undeclared_namespace_prefixes_import_with_a_warning(seeded_app, token):
    data = doc(
        '<trk><trkseg><trkpt lat="1" lon="2"><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>120'
        '</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt><trkpt lat="1.001" lon="2"/></trkseg></trk>'
    )
    response = upload(seeded_app.test_client(), token, data)
    assert response.status_code == 201
    assert any(w["code"] == "undeclared_prefixes" and "gpxtpx" in w["message"] for w in response.json["warnings"])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "iso-8859-1", "utf-8-sig"])
def test_utf16_latin1_and_byte_order_marks_all_read(encoding):
    text = (
        gpx_document([straight_track(5)], name="Tr\u00e4ck")
        .decode()
        .replace('encoding="UTF-8"', f'encoding="{"UTF-16" if encoding.startswith("utf-16") else encoding.upper()}"')
    )
    parsed = parse_gpx(text.encode(encoding))
    assert parsed.name == "Tr\u00e4ck" and parsed.point_count == 5


def test_naive_times_are_utc_with_a_warning(seeded_app, token):
    data = gpx_document([straight_track(20)]).replace(b"Z</time>", b"</time>")
    response = upload(seeded_app.test_client(), token, data)
    assert response.status_code == 201 and response.json["started_at"] == START.isoformat()
    assert [w["code"] for w in response.json["warnings"]] == ["naive_times"]


def test_gpxpy_is_pinned_to_the_faster_elementtree_backend():
    import xml.etree.ElementTree as ElementTree

    import gpxpy.parser

    assert gpxpy.parser.mod_etree is ElementTree and gpxpy.parser.library() != "LXML"


# ---------------------------------------------------------------- stats with known truth


def test_distance_is_within_half_a_percent_of_the_true_geodesic():
    for lat, azimuth in ((0.5, 90), (45, 0), (69, 45), (-33, 120)):
        points = straight_track(2000, lat=lat, azimuth=azimuth, step_m=7.5)
        stats = compute_stats(parse_gpx(gpx_document([points])))
        truth = sum(Geodesic.WGS84.Inverse(a[0], a[1], b[0], b[1])["s12"] for a, b in zip(points, points[1:]))
        assert abs(stats["distance_m"] - truth) / truth < 0.005
        assert abs(stats["distance_m"] - truth) / truth < 1e-4  # in fact far better


def test_a_long_gap_between_points_is_measured_as_a_true_geodesic():
    points = [(39.9042, 116.4074, None, START), (40.8424, 111.7490, None, START + timedelta(hours=5))]
    stats = compute_stats(parse_gpx(gpx_document([points])))
    truth = Geodesic.WGS84.Inverse(39.9042, 116.4074, 40.8424, 111.7490)["s12"]
    assert abs(stats["distance_m"] - truth) < 0.01


@pytest.mark.parametrize(
    "step_m, wavelength, amplitude", [(1.4, 1000, 20), (10, 1000, 20), (5, 2000, 50), (25, 4000, 80)]
)
def test_ascent_with_five_metres_of_noise_stays_within_ten_percent_of_the_truth(step_m, wavelength, amplitude):
    n = int(10_000 / step_m)
    noisy = straight_track(n, step_m=step_m, ele=hilly(amplitude, wavelength, 5.0))
    clean = straight_track(n, step_m=step_m, ele=hilly(amplitude, wavelength, 0.0))
    truth = sum(max(0.0, b[2] - a[2]) for a, b in zip(clean, clean[1:]))
    naive = sum(max(0.0, b[2] - a[2]) for a, b in zip(noisy, noisy[1:]))
    stats = compute_stats(parse_gpx(gpx_document([noisy])))
    assert abs(stats["ascent_m"] - truth) / truth < 0.10
    assert abs(stats["descent_m"] - truth) / truth < 0.10
    assert naive > 1.5 * truth  # the plain sum is what we avoid


def test_moving_time_leaves_out_a_pause_with_gps_jitter():
    import random

    rng = random.Random(3)
    walk = straight_track(600, step_m=1.4, dt_s=1.0)  # 10 minutes walking
    last = walk[-1]
    pause = [
        (
            last[0] + rng.uniform(-3e-5, 3e-5),
            last[1] + rng.uniform(-3e-5, 3e-5),
            None,
            last[3] + timedelta(seconds=i + 1),
        )
        for i in range(900)
    ]  # 15 minutes standing, ±3 m jitter
    walk_on = straight_track(600, lat=last[0], lon=last[1], step_m=1.4, start=pause[-1][3] + timedelta(seconds=1))
    stats = compute_stats(parse_gpx(gpx_document([walk + pause + walk_on])))
    assert abs(stats["duration_s"] - 2100) < 2
    assert abs(stats["moving_time_s"] - 1200) < 60


def test_repeated_and_backward_times_give_no_negative_or_infinite_values():
    points = straight_track(100)
    points[50] = (*points[50][:3], points[49][3])  # repeated time
    points[70] = (*points[70][:3], points[60][3])  # time runs backwards
    stats = compute_stats(parse_gpx(gpx_document([points])))
    for key in ("distance_m", "duration_s", "moving_time_s", "max_speed_mps"):
        assert math.isfinite(stats[key]) and stats[key] >= 0, key
    assert stats["duration_s"] == 99


def test_max_speed_ignores_a_single_wild_point():
    points = straight_track(300, step_m=10, dt_s=1)  # 10 m/s
    lat, lon, ele, when = points[150]
    points[150] = (lat + 0.01, lon, ele, when)  # one fix 1.1 km off
    stats = compute_stats(parse_gpx(gpx_document([points])))
    assert stats["max_speed_mps"] == pytest.approx(10, rel=0.05)


def test_elevation_smoothing_and_gain_are_plain_functions():
    assert geo.elevation_gain([0, 10, 0, 10, 0], 5) == (20, 20)
    assert geo.elevation_gain([0, 3, 0, 3, 0], 5) == (0, 0)
    assert geo.smooth([0, 0, 10, 0, 0], [0, 1, 2, 3, 4], 0.5, min_points=0) == [0, 0, 10, 0, 0]


# ---------------------------------------------------------------- the other ways in


def test_waypoints_can_become_stops(seeded_app, token):
    data = gpx_document(
        [straight_track(30)], waypoints=[(40.0001, 110.0001, "Camp", START), (40.002, 110.003, "Well", None)]
    )
    response = upload(seeded_app.test_client(), token, data, url=UPLOAD + "?waypoints=stops")
    assert response.status_code == 201
    with seeded_app.app_context():
        names = db.session().scalars(select(Stop.name).where(Stop.slug.in_(["camp", "well"]))).all()
    assert sorted(names) == ["Camp", "Well"]


def test_the_workspace_uploads_several_files_each_on_its_own(seeded_app, token):
    client = seeded_app.test_client()
    login(client, "demo")
    from .authoring_helpers import csrf_token

    good, bad = gpx_document([straight_track(40)]), b"<gpx>broken"
    page = client.post(
        f"/author/trips/{DEMO_SLUG}/legs/1/tracks",
        data={
            "csrf_token": csrf_token(client, f"/author/trips/{DEMO_SLUG}"),
            "file": [(io.BytesIO(good), "good.gpx"), (io.BytesIO(bad), "bad.gpx")],
        },
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "good.gpx" in text and "not well-formed XML" in text
    with seeded_app.app_context():
        assert db.session().scalar(select(Track.id).where(Track.original_name == "good.gpx")) is not None


def test_the_workspace_upload_answers_json_for_the_progress_script(seeded_app, token):
    client = seeded_app.test_client()
    login(client, "demo")
    from .authoring_helpers import csrf_token

    response = client.post(
        f"/author/trips/{DEMO_SLUG}/legs/2/tracks",
        data={"file": (io.BytesIO(gpx_document([straight_track(40)])), "one.gpx")},
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client, f"/author/trips/{DEMO_SLUG}")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and response.json["points"] == 40
    response = client.post(
        f"/author/trips/{DEMO_SLUG}/legs/2/tracks",
        data={"file": (io.BytesIO(b'<gpx version="1.1"><trk><trkseg><trkpt lat="1" lon="2"></trkseg>'), "x.gpx")},
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client, f"/author/trips/{DEMO_SLUG}")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "well-formed" in response.json["error"]["message"]


def test_the_cli_imports_files_and_reports_each(seeded_app, tmp_path):
    good = tmp_path / "good.gpx"
    good.write_bytes(gpx_document([straight_track(40)]))
    bad = tmp_path / "bad.gpx"
    bad.write_bytes(b"<kml/>")
    result = seeded_app.test_cli_runner().invoke(
        args=["import-gpx", str(good), str(bad), "--trip", DEMO_SLUG, "--leg", "2"]
    )
    assert result.exit_code != 0
    assert "ok      good.gpx" in result.output and "failed  bad.gpx: The KML file has no track" in result.output
    with seeded_app.app_context():
        assert db.session().scalar(select(Track.leg_id).where(Track.original_name == "good.gpx")) is not None


def test_the_leg_page_has_a_profile_downloads_and_the_method(reader):
    page = reader.get(f"/trips/{DEMO_SLUG}/legs/2").get_data(as_text=True)
    assert 'class="tm-profile-svg"' in page and 'id="tm-profile-data"' in page
    assert "turning points" in page  # says how climb is counted
    links = re.findall(rf'href="(/trips/{DEMO_SLUG}/tracks/\d+\.gpx)"', page)
    assert len(links) == 3
    response = reader.get(links[0])
    assert response.status_code == 200 and response.data.startswith(b"<?xml")
    assert "attachment" in response.headers["Content-Disposition"]


def test_the_leg_page_draws_the_detailed_geometry(reader, reader_app):
    page = reader.get(f"/trips/{DEMO_SLUG}/legs/1").get_data(as_text=True)
    drawn = json.loads(re.search(r"travelmapTrip\([^,]+,\s*\[[^\]]*\],\s*(\{.*?\})\);\n", page).group(1))
    with reader_app.app_context():
        trip = trip_by_slug(db.session(), DEMO_SLUG, lines=True)
        tracks = trip.legs[0].tracks
        display = [part["line"] for t in tracks for part in t.lines["display"]]
        overview = [part["line"] for t in tracks for part in t.lines["overview"]]
    assert drawn["legs"][0]["lines"] == display  # the 10 m lines, from the start
    assert sum(map(len, map(decode_polyline, display))) > sum(map(len, map(decode_polyline, overview)))
    trip_page = reader.get(f"/trips/{DEMO_SLUG}").get_data(as_text=True)
    on_trip = json.loads(re.search(r"travelmapTrip\([^,]+,\s*\[[^\]]*\],\s*(\{.*?\})\);\n", trip_page).group(1))
    assert on_trip["legs"][0]["lines"] == overview and on_trip["legs"][0]["detail"]  # the trip map zooms into them


def test_a_gpx_file_with_overlong_names_imports_with_the_names_shortened(seeded_app, token):
    data = gpx_document([straight_track(50)], waypoints=[(40.0, 110.0, "W" * 400, None)], name="N" * 1000)
    response = upload(seeded_app.test_client(), token, data, url=UPLOAD + "?waypoints=stops")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["name"] == "N" * 300
    with seeded_app.app_context():
        assert db.session().scalar(select(Stop.name).where(Stop.name.like("WWW%"))) == "W" * 200
