"""Warnings have codes (issue 13): made in one catalogue, stored and sent as {"code", "message"}, matched by code,
shown by their message; rows from before codes are converted by migration 0003."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from travelmap import db, notes
from travelmap.models import Photo, Track
from travelmap.notes import CODES, Note

from . import databases
from .authoring_helpers import bearer, login, make_author
from .conftest import DEMO_SLUG, PROJECT_ROOT
from .gpxfactory import gpx_document, straight_track
from .photofactory import jpeg

SOURCES = sorted((PROJECT_ROOT / "travelmap").rglob("*.py"))


def _made_codes() -> set[str]:
    """Every code the package writes as Note("code", …)."""
    found: set[str] = set()
    for path in SOURCES:
        found |= set(re.findall(r'\bNote\(\s*"([a-z_]+)"', path.read_text()))
    return found


def test_every_code_made_anywhere_is_in_the_catalogue_and_every_catalogued_code_is_made():
    made = _made_codes()
    assert made - set(CODES) == set()
    assert set(CODES) - made == {"note"}  # "note" only labels warnings stored before codes


def test_the_readme_documents_every_code():
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert [code for code in CODES if f"`{code}`" not in readme] == []


def test_no_code_outside_the_catalogue_matches_a_warning_by_its_wording():
    # "place it by hand" and "no place yet" were how a hand-placed photo found the warnings to drop.
    for path in SOURCES:
        if path.name == "notes.py" or "migrations" in path.parts:
            continue
        source = path.read_text()
        assert not re.search(r'"[^"]*" (not )?in (w|warning|note)\b', source), path


def test_stored_notes_and_bare_messages_from_before_codes_load_alike():
    assert notes.load({"code": "naive_times", "message": "m"}) == Note("naive_times", "m")
    assert notes.load("An old sentence.") == Note("note", "An old sentence.")
    assert notes.stored([Note("gps_no_fix", "x")]) == [{"code": "gps_no_fix", "message": "x"}]
    assert notes.without([{"code": "needs_place", "message": "a"}, "b"], "needs_place") == [
        {"code": "note", "message": "b"}]


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


def test_a_track_upload_answers_its_warnings_as_codes_with_messages(seeded_app, token):
    data = gpx_document([straight_track(20)]).replace(b"Z</time>", b"</time>")
    response = seeded_app.test_client().post(
        f"/api/trips/{DEMO_SLUG}/legs/1/tracks", headers=bearer(token),
        data={"file": (io.BytesIO(data), "naive.gpx")}, content_type="multipart/form-data")
    assert response.status_code == 201
    assert response.json["warnings"] == [
        {"code": "naive_times", "message": "Some times have no time zone; they were taken as UTC, as the GPX "
                                           "standard says."}]
    with seeded_app.app_context():
        track = db.session().get(Track, response.json["id"])
        assert track.warnings == response.json["warnings"]
        trip = seeded_app.test_client().get(f"/api/trips/{DEMO_SLUG}", headers=bearer(token)).json
        listed = next(t for leg in trip["legs"] for t in leg["tracks"] if t["id"] == track.id)
        assert listed["warnings"] == response.json["warnings"]


def test_the_workspace_and_the_cli_show_the_message_not_the_code(seeded_app, token, tmp_path):
    data = gpx_document([straight_track(20, lat=41.5)]).replace(b"Z</time>", b"</time>")
    path = tmp_path / "naive.gpx"
    path.write_bytes(data)
    result = seeded_app.test_cli_runner().invoke(args=["import-track", str(path), "--trip", DEMO_SLUG, "--leg", "1"])
    assert result.exit_code == 0, result.output
    assert "warning: Some times have no time zone; they were taken as UTC" in result.output
    assert "naive_times" not in result.output and "{" not in result.output
    client = seeded_app.test_client()
    login(client, "demo")
    response = client.post(f"/api/trips/{DEMO_SLUG}/photos", headers=bearer(token),
                           data={"file": (io.BytesIO(jpeg(taken=datetime(2001, 1, 1, 10, 0))), "nogps.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 201
    codes = [w["code"] for w in response.json[0]["warnings"]]
    assert "needs_place" in codes
    page = client.get(f"/author/trips/{DEMO_SLUG}/photos").get_data(as_text=True)
    assert "place it by hand" in page and "needs_place" not in page and "&#39;code&#39;" not in page


def test_placing_a_photo_by_hand_drops_its_needs_place_warning_by_code_whatever_its_wording(seeded_app, token):
    client = seeded_app.test_client()
    response = client.post(f"/api/trips/{DEMO_SLUG}/photos", headers=bearer(token),
                           data={"file": (io.BytesIO(jpeg(taken=datetime(2001, 1, 1, 10, 0))), "nogps.jpg")},
                           content_type="multipart/form-data")
    photo_id = response.json[0]["id"]
    with seeded_app.app_context():
        photo = db.session().get(Photo, photo_id)
        # Reworded, and another warning that happens to use the old words: only the code decides.
        photo.warnings = [{"code": "needs_place", "message": "Somewhere, some day."},
                          {"code": "time_taken_as_utc", "message": "No place yet to infer a zone: place it by hand."}]
        db.session().commit()
    placed = client.patch(f"/api/trips/{DEMO_SLUG}/photos/{photo_id}", json={"lat": 40.6, "lon": 109.9},
                          headers=bearer(token))
    assert placed.status_code == 200
    assert [w["code"] for w in placed.json["warnings"]] == ["time_taken_as_utc"]


LEGACY_TRACK = ["Some times have no time zone; they were taken as UTC, as the GPX standard says.",
                "Empty track segments were ignored.",
                "A sentence no version ever wrote."]
LEGACY_PHOTO = ["The GPS position is 0, 0 (a camera without a fix), so it was ignored.",
                "The photo has neither GPS nor a time: place it by hand.",
                "No track point lies within 30 minutes of the photo's time, so it has no place yet: place it by hand.",
                "The camera's clock offset (+00:02:30) was learned from a photo in the same upload that has GPS.",
                "The file is named .jpg but is a PNG image; it was read as PNG."]


def test_migration_0003_gives_old_warnings_their_codes_and_keeps_their_words(tmp_path):
    url = databases.url_for(tmp_path)
    engine = create_engine(url)
    config = db.alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002_old_slugs")
            connection.execute(text(
                "INSERT INTO authors (id, username, display_name, created_at) VALUES (1, 'ann', '', :now)"),
                {"now": datetime(2020, 1, 1)})
            connection.execute(text(
                "INSERT INTO trips (id, slug, title, summary, visibility, owner_id, timezone, demo, "
                "blur_photo_locations, created_at, updated_at, revision) VALUES (1, 't', 'T', '', 'public', 1, "
                "'UTC', false, false, :now, :now, 1)"), {"now": datetime(2020, 1, 1)})
            connection.execute(text("INSERT INTO legs (id, trip_id, position, name, colour) VALUES (1, 1, 1, 'L', "
                                    "'#000000')"))
            connection.execute(text(
                "INSERT INTO tracks (id, trip_id, leg_id, name, original_name, sha256, gpx_path, point_count, "
                "segment_count, waypoint_count, distance_m, min_lat, min_lon, max_lat, max_lon, display_geometry, "
                "detail_geometry, lines, profile, warnings, created_at) VALUES (1, 1, 1, 'T', 't.gpx', 'ab', "
                "'gpx/ab/ab.gpx', 2, 1, 0, 1.0, 0, 0, 1, 1, '[]', '[]', '{}', '[]', :warnings, :now)"),
                {"warnings": json.dumps(LEGACY_TRACK), "now": datetime(2020, 1, 1)})
            connection.execute(text(
                "INSERT INTO photos (id, trip_id, sha256, original_name, caption, camera, width, height, "
                "content_type, original_path, display_path, thumb_path, warnings, created_at) VALUES (1, 1, 'cd', "
                "'p.jpg', '', '', 1, 1, 'image/jpeg', 'o', 'd', 't', :warnings, :now)"),
                {"warnings": json.dumps(LEGACY_PHOTO), "now": datetime(2020, 1, 1)})
            command.upgrade(config, "head")
            track = connection.execute(text("SELECT original_path, format, warnings FROM tracks")).one()
            photo = connection.execute(text("SELECT warnings FROM photos")).one()
    finally:
        engine.dispose()
    assert track[0] == "gpx/ab/ab.gpx" and track[1] == "gpx"
    track_notes = track[2] if isinstance(track[2], list) else json.loads(track[2])
    photo_notes = photo[0] if isinstance(photo[0], list) else json.loads(photo[0])
    assert [n["code"] for n in track_notes] == ["naive_times", "empty_segments", "note"]
    assert [n["message"] for n in track_notes] == LEGACY_TRACK
    assert [n["code"] for n in photo_notes] == ["gps_no_fix", "needs_place", "needs_place", "clock_offset_learned",
                                                "wrong_suffix"]
    assert [n["message"] for n in photo_notes] == LEGACY_PHOTO
