"""Every track format, end to end: each way in (API, workspace form, CLI, backup archive) takes GPX, FIT, TCX,
KML, KMZ and GeoJSON by content; the original is kept with its own suffix and content type and served as it
was uploaded; a GPX of any track is made from its stored points; the exports include every format; the
waypoints of every format that has them can become stops."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import gpxpy
import pytest
from sqlalchemy import select

from travelmap import db, geo
from travelmap.models import Stop, Track, Trip

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG, count_rows, media_files
from .gpxfactory import gpx_document, straight_track
from .test_archive import export_bytes, instance, restore
from .trackfactory import fit_file, geojson_document, kml_document, kmz_archive, tcx_document

POINTS = straight_track(40, lat=40.62, lon=109.93, ele=lambda i, d: 1000.0 + i)
MARKS = [("Water", 40.6205, 109.9305), ("Summit", 40.6210, 109.9310)]


def sample(fmt: str, salt: int = 0) -> bytes:
    """A 40-point track in the format, with two named waypoints where the format has them; salt changes its hash."""
    points = [(lat + salt * 1e-6, lon, ele, when) for lat, lon, ele, when in POINTS]
    if fmt == "gpx":
        return gpx_document([points], waypoints=[(lat, lon, name, None) for name, lat, lon in MARKS])
    if fmt == "fit":
        return fit_file([points], course_points=MARKS)
    if fmt == "tcx":
        return tcx_document([points], course="Test course", course_points=MARKS)
    if fmt == "kml":
        return kml_document(tracks=[points], points=MARKS)
    if fmt == "kmz":
        return kmz_archive({"doc.kml": kml_document(tracks=[points], points=MARKS)})
    return geojson_document([points], points=MARKS)


FORMATS = ["gpx", "fit", "tcx", "kml", "kmz", "geojson"]
SUFFIX = {"gpx": ".gpx", "fit": ".fit", "tcx": ".tcx", "kml": ".kml", "kmz": ".kmz", "geojson": ".geojson"}
CONTENT_TYPE = {"gpx": "application/gpx+xml", "fit": "application/vnd.ant.fit",
                "tcx": "application/vnd.garmin.tcx+xml", "kml": "application/vnd.google-earth.kml+xml",
                "kmz": "application/vnd.google-earth.kmz", "geojson": "application/geo+json"}


def upload(app, token: str, data: bytes, name: str, query: str = ""):  # type: ignore[no-untyped-def]
    return app.test_client().post(f"/api/trips/{DEMO_SLUG}/legs/1/tracks{query}", headers=bearer(token),
                                  data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_imports_through_the_api_and_its_original_is_served_as_uploaded(seeded_app, fmt):
    token = make_author(seeded_app, "demo")
    data = sample(fmt)
    response = upload(seeded_app, token, data, f"morning{SUFFIX[fmt]}")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["points"] == 40 and body["format"] == fmt and body["warnings"] == []
    with seeded_app.app_context():
        track = db.session().get(Track, body["id"])
        assert track.format == fmt and track.original_path.endswith(SUFFIX[fmt])
        assert (Path(seeded_app.config["MEDIA_DIR"]) / track.original_path).read_bytes() == data
    client = seeded_app.test_client()
    original = client.get(f"/trips/{DEMO_SLUG}/tracks/{body['id']}/original")
    assert original.status_code == 200 and original.data == data
    assert original.mimetype == CONTENT_TYPE[fmt]
    assert f'filename=morning{SUFFIX[fmt]}' in original.headers["Content-Disposition"]
    as_gpx = client.get(f"/trips/{DEMO_SLUG}/tracks/{body['id']}.gpx")
    assert as_gpx.status_code == 200 and as_gpx.mimetype == "application/gpx+xml"
    assert "filename=morning.gpx" in as_gpx.headers["Content-Disposition"]
    if fmt == "gpx":
        assert as_gpx.data == data  # the old address keeps serving the file as uploaded
    else:
        converted = gpxpy.parse(as_gpx.data.decode())
        points = [p for t in converted.tracks for s in t.segments for p in s.points] + [
            p for r in converted.routes for p in r.points]
        assert len(points) == 40
        assert [p.latitude for p in points] == pytest.approx([p[0] for p in POINTS], abs=1e-6)


def test_an_original_whose_name_says_another_format_is_downloaded_under_its_true_suffix(seeded_app):
    token = make_author(seeded_app, "demo")
    body = upload(seeded_app, token, sample("fit"), "ride.gpx").get_json()
    assert [w["code"] for w in body["warnings"]] == ["wrong_suffix"]
    original = seeded_app.test_client().get(f"/trips/{DEMO_SLUG}/tracks/{body['id']}/original")
    assert "filename=ride.fit" in original.headers["Content-Disposition"]


def test_the_leg_page_links_the_original_of_a_track_that_is_not_gpx_beside_its_gpx(seeded_app):
    token = make_author(seeded_app, "demo")
    track_id = upload(seeded_app, token, sample("fit"), "ride.fit").get_json()["id"]
    page = seeded_app.test_client().get(f"/trips/{DEMO_SLUG}/legs/1").get_data(as_text=True)
    assert f'href="/trips/{DEMO_SLUG}/tracks/{track_id}/original"' in page and "FIT ↓" in page
    assert f'href="/trips/{DEMO_SLUG}/tracks/{track_id}.gpx"' in page


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_waypoints_of_every_format_become_stops_when_asked(seeded_app, fmt):
    token = make_author(seeded_app, "demo")
    response = upload(seeded_app, token, sample(fmt), f"walk{SUFFIX[fmt]}", "?waypoints=stops")
    assert response.status_code == 201, response.get_json()
    with seeded_app.app_context():
        stops = db.session().scalars(select(Stop).where(Stop.name.in_(["Water", "Summit"]))).all()
        assert sorted((s.name, round(s.lat, 4), round(s.lon, 4)) for s in stops) == sorted(
            (name, round(lat, 4), round(lon, 4)) for name, lat, lon in MARKS)


@pytest.mark.parametrize("fmt", ["fit", "kmz", "geojson"])
def test_the_trip_exports_include_tracks_of_every_format(seeded_app, fmt):
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    assert client.post(f"/api/trips/{DEMO_SLUG}/legs", json={"name": "Imported"},
                       headers=bearer(token)).status_code == 201
    legs = client.get(f"/api/trips/{DEMO_SLUG}", headers=bearer(token)).get_json()["legs"]
    position = legs[-1]["position"]
    response = client.post(f"/api/trips/{DEMO_SLUG}/legs/{position}/tracks", headers=bearer(token),
                           data={"file": (io.BytesIO(sample(fmt)), f"x{SUFFIX[fmt]}")},
                           content_type="multipart/form-data")
    assert response.status_code == 201
    geojson = client.get(f"/trips/{DEMO_SLUG}/legs/{position}.geojson").get_json()
    line = next(f for f in geojson["features"] if f["properties"].get("kind") == "leg")
    assert line["geometry"]["coordinates"][0] == pytest.approx([POINTS[0][1], POINTS[0][0]], abs=1e-5)
    assert line["geometry"]["coordinates"][-1] == pytest.approx([POINTS[-1][1], POINTS[-1][0]], abs=1e-5)
    gpx = gpxpy.parse(client.get(f"/trips/{DEMO_SLUG}/legs/{position}.gpx").get_data(as_text=True))
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    assert len(points) == 40 and points[0].time is not None and points[-1].elevation == pytest.approx(1039.0)


def test_the_workspace_form_accepts_every_format_and_says_so(seeded_app):
    make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    page = client.get(f"/author/trips/{DEMO_SLUG}").get_data(as_text=True)
    assert "GPX, FIT, TCX, KML/KMZ or GeoJSON" in page
    accept = set(page.split('name="file" multiple accept="', 1)[1].split('"', 1)[0].split(","))
    assert {".gpx", ".fit", ".tcx", ".kml", ".kmz", ".geojson", ".json"} <= accept
    data = {"file": (io.BytesIO(sample("tcx")), "run.tcx"),
            "csrf_token": csrf_token(client, f"/author/trips/{DEMO_SLUG}")}
    response = client.post(f"/author/trips/{DEMO_SLUG}/legs/1/tracks", data=data, content_type="multipart/form-data")
    assert response.status_code == 200 and 'class="tm-ok"' in response.get_data(as_text=True)


@pytest.mark.parametrize("command", ["import-track", "import-gpx"])
def test_the_cli_imports_every_format_under_either_name(seeded_app, tmp_path, command):
    paths = []
    for n, fmt in enumerate(FORMATS):
        path = tmp_path / f"day{n}{SUFFIX[fmt]}"
        path.write_bytes(sample(fmt, salt=n + 1))
        paths.append(str(path))
    result = seeded_app.test_cli_runner().invoke(args=[command, *paths, "--trip", DEMO_SLUG, "--leg", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok      day") == len(FORMATS)
    with seeded_app.app_context():
        formats = db.session().scalars(select(Track.format).where(Track.original_name.like("day%"))).all()
    assert sorted(formats) == sorted(FORMATS)


def test_a_backup_keeps_each_original_in_its_own_format_and_restores_it(seeded_app, tmp_path):
    token = make_author(seeded_app, "demo")
    uploaded = {}
    for n, fmt in enumerate(FORMATS[1:], start=1):
        data = sample(fmt, salt=n)
        uploaded[fmt] = data
        assert upload(seeded_app, token, data, f"day{n}{SUFFIX[fmt]}").status_code == 201
    archive = export_bytes(seeded_app)
    members = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    for n, fmt in enumerate(FORMATS[1:], start=1):
        member = next(m for m in members if m.endswith(f"-day{n}{SUFFIX[fmt]}"))
        assert zipfile.ZipFile(io.BytesIO(archive)).read(member) == uploaded[fmt]
    other = instance(tmp_path / "other")
    slug = restore(other, archive)
    with other.app_context():
        s = db.session()
        trip = s.scalar(select(Trip).where(Trip.slug == slug))
        tracks = {t.original_name: t for leg in trip.legs for t in leg.tracks}
        for n, fmt in enumerate(FORMATS[1:], start=1):
            track = tracks[f"day{n}{SUFFIX[fmt]}"]
            assert track.format == fmt and track.point_count == 40
            assert (Path(other.config["MEDIA_DIR"]) / track.original_path).read_bytes() == uploaded[fmt]


def test_a_refused_file_of_a_new_format_leaves_nothing_behind(seeded_app):
    token = make_author(seeded_app, "demo")
    with seeded_app.app_context():
        before = count_rows(db.session()), media_files(seeded_app)
    data = sample("fit")
    response = upload(seeded_app, token, data[:-40], "cut.fit")
    assert response.status_code == 400
    assert "The FIT file is truncated" in response.get_json()["error"]["message"]
    with seeded_app.app_context():
        assert (count_rows(db.session()), media_files(seeded_app)) == before


# ---------------------------------------------------------------- edits and privacy zones over any original


def points_of(gpx_text: str) -> list[tuple[float, float]]:
    parsed = gpxpy.parse(gpx_text)
    return [(p.latitude, p.longitude) for t in parsed.tracks for s in t.segments for p in s.points] + [
        (p.latitude, p.longitude) for r in parsed.routes for p in r.points]


@pytest.mark.parametrize("fmt", ["fit", "kml"])
def test_a_track_of_another_format_is_trimmed_split_and_restored_over_its_original(seeded_app, fmt):
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    data = sample(fmt)
    track = upload(seeded_app, token, data, f"edit{SUFFIX[fmt]}").get_json()
    api = f"/api/trips/{DEMO_SLUG}/tracks/{track['id']}"
    trimmed = client.post(f"{api}/trim", json={"start": 5, "end": 34}, headers=bearer(token))
    assert trimmed.status_code == 200, trimmed.get_json()
    assert trimmed.get_json()["points"] == 30 and trimmed.get_json()["format"] == fmt
    # An edited track never hands out its whole original: both addresses give GPX of the points it holds now.
    for url in (f"/trips/{DEMO_SLUG}/tracks/{track['id']}/original", f"/trips/{DEMO_SLUG}/tracks/{track['id']}.gpx"):
        download = client.get(url)
        assert download.mimetype == "application/gpx+xml" and download.data != data
        assert 'filename="edit (edited).gpx"' in download.headers["Content-Disposition"]
        kept = [c for p in points_of(download.get_data(as_text=True)) for c in p]
        assert kept == pytest.approx([c for p in POINTS[5:35] for c in p[:2]], abs=1e-6)
    split = client.post(f"{api}/split", json={"at": 10}, headers=bearer(token))
    assert split.status_code == 201, split.get_json()
    first, second = split.get_json()["first"], split.get_json()["second"]
    assert (first["points"], second["points"], second["format"]) == (11, 20, fmt)
    restored = client.post(f"{api}/restore", headers=bearer(token))
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["points"] == 40
    with seeded_app.app_context():
        row = db.session().get(Track, track["id"])
        assert (row.point_count, row.format, row.edited) == (40, fmt, False)
        assert db.session().get(Track, second["id"]) is None
    assert client.get(f"/trips/{DEMO_SLUG}/tracks/{track['id']}/original").data == data


def test_a_privacy_zone_over_a_fit_track_withholds_its_original_on_every_address(seeded_app):
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    points = straight_track(200, lat=40.7, lon=110.1, step_m=25.0)
    data = fit_file([points])
    track_id = upload(seeded_app, token, data, "home.fit").get_json()["id"]
    original = f"/trips/{DEMO_SLUG}/tracks/{track_id}/original"
    assert client.get(original).data == data
    home = points[0][:2]
    zone = client.post("/api/privacy-zones", json={"lat": home[0], "lon": home[1], "radius_m": 500, "name": "Home"},
                       headers=bearer(token))
    assert zone.status_code == 201, zone.get_json()
    for url in (original, f"/trips/{DEMO_SLUG}/tracks/{track_id}.gpx"):
        download = client.get(url)
        assert download.status_code == 200 and download.mimetype == "application/gpx+xml"
        assert "filename=home.gpx" in download.headers["Content-Disposition"]
        seen = points_of(download.get_data(as_text=True))
        assert seen and not [p for p in seen if geo.haversine_m(*p, *home) < 500]
    client.delete(f"/api/privacy-zones/{zone.get_json()['id']}", headers=bearer(token))
    assert client.get(original).data == data


def test_the_gpx_export_keeps_a_planned_kml_line_as_a_route(seeded_app):
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    assert client.post(f"/api/trips/{DEMO_SLUG}/legs", json={"name": "Planned"},
                       headers=bearer(token)).status_code == 201
    position = client.get(f"/api/trips/{DEMO_SLUG}", headers=bearer(token)).get_json()["legs"][-1]["position"]
    response = client.post(f"/api/trips/{DEMO_SLUG}/legs/{position}/tracks", headers=bearer(token),
                           data={"file": (io.BytesIO(kml_document(lines=[POINTS])), "plan.kml")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    gpx = gpxpy.parse(client.get(f"/trips/{DEMO_SLUG}/legs/{position}.gpx").get_data(as_text=True))
    assert [len(r.points) for r in gpx.routes] == [40] and not gpx.tracks
    whole = gpxpy.parse(client.get(f"/trips/{DEMO_SLUG}.gpx").get_data(as_text=True))
    assert any(len(r.points) == 40 for r in whole.routes)
    geojson = client.get(f"/trips/{DEMO_SLUG}/legs/{position}.geojson").get_json()
    line = next(f for f in geojson["features"] if f["properties"].get("kind") == "leg")
    assert line["geometry"]["coordinates"][0] == pytest.approx([POINTS[0][1], POINTS[0][0]], abs=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_with_more_points_than_a_track_may_hold_is_refused_in_words_and_stores_nothing(
        tmp_path, seeded_template, fmt):
    from .conftest import seeded_copy

    def rows(app):  # type: ignore[no-untyped-def]
        with app.app_context():
            return count_rows(db.session())

    (tmp_path / "tight").mkdir()
    (tmp_path / "roomy").mkdir()
    app = seeded_copy(seeded_template, tmp_path / "tight", MAX_TRACK_POINTS="41")  # each sample: 40 points, 2 marks
    token = make_author(app, "demo")
    before, files = rows(app), media_files(app)
    response = upload(app, token, sample(fmt), f"big{SUFFIX[fmt]}")
    assert response.status_code == 413, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "too_many_points"
    assert "42 points" in error["message"] and "at most 41" in error["message"]
    assert rows(app) == before and media_files(app) == files
    # At the limit, it goes in.
    roomy = seeded_copy(seeded_template, tmp_path / "roomy", MAX_TRACK_POINTS="42")
    assert upload(roomy, make_author(roomy, "demo"), sample(fmt), f"big{SUFFIX[fmt]}").status_code == 201


def test_the_track_point_limit_is_a_setting_that_must_be_a_number():
    from travelmap.config import parse_limits

    assert parse_limits({"MAX_TRACK_POINTS": "250000"}).max_points == 250_000
    assert parse_limits({}).max_points == 1_000_000
    with pytest.raises(ValueError, match="TRAVELMAP_MAX_TRACK_POINTS"):
        parse_limits({"MAX_TRACK_POINTS": "lots"})
