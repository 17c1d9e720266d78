"""Editing tracks: rename, move, trim, split and restore through the API and the workspace, measured against files
cut by hand, with every output following each edit, and hostile requests refused with nothing changed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import gpxpy
import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Track, TrackSegment, Trip

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG, count_rows, media_files
from .gpxfactory import gpx_document, straight_track
from .multipart import multipart

API = f"/api/trips/{DEMO_SLUG}"
STATS = ("points", "distance_m", "ascent_m", "descent_m", "duration_s", "moving_time_s", "started_at", "ended_at",
         "bbox")


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


def upload(client, token, data: bytes, name: str = "track.gpx", leg: int = 1):  # type: ignore[no-untyped-def]
    response = client.post(f"{API}/legs/{leg}/tracks", headers=bearer(token), **multipart(data, name))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def stats(body: dict) -> dict:
    return {key: body[key] for key in STATS}


def stored(app, track_id: int) -> dict:  # type: ignore[no-untyped-def]
    """Everything a track derives from its points, as stored."""
    with app.app_context():
        track = db.session().get(Track, track_id)
        assert track is not None
        return {"segments": [(s.position, s.point_count, s.planned, s.points) for s in track.segments],
                "lines": track.lines, "display": track.display_geometry, "detail": track.detail_geometry,
                "profile": track.profile, "max_speed": track.max_speed_mps, "segment_count": track.segment_count,
                "point_count": track.point_count}


def revision(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session().scalar(select(Trip.revision).where(Trip.slug == DEMO_SLUG))


def cut_by_hand(text: str, first: int, last: int) -> bytes:
    """Keep <trkpt> number first..last (counted over the whole file) and drop the others, byte for byte otherwise."""
    counter = iter(range(10**9))

    def keep(match: re.Match) -> str:
        return match.group(0) if first <= next(counter) <= last else ""

    return re.sub(r"<trkpt\b.*?</trkpt>", keep, text, flags=re.S).encode()


# ---------------------------------------------------------------- trim, split, restore: the numbers


@pytest.mark.parametrize("name, first, last", [
    ("gpxgo__visnjan.gpx", 40, 350),  # one segment, with elevations and times
    ("phpgpx__endomondo.gpx", 300, 4800),  # two segments: the trim cuts into both
])
def test_stats_after_a_trim_equal_the_stats_of_the_file_trimmed_by_hand(seeded_app, token, require_corpus, name,
                                                                        first, last):
    client = seeded_app.test_client()
    text = (require_corpus / "gpx" / name).read_text(encoding="utf-8")
    track = upload(client, token, text.encode(), name)
    response = client.post(f"{API}/tracks/{track['id']}/trim", json={"start": first, "end": last},
                           headers=bearer(token))
    assert response.status_code == 200, response.json
    by_hand = upload(client, token, cut_by_hand(text, first, last), "by-hand.gpx", leg=2)
    assert stats(response.json) == stats(by_hand)
    assert response.json["points"] == last - first + 1
    ours, theirs = stored(seeded_app, track["id"]), stored(seeded_app, by_hand["id"])
    for key in ("segments", "lines", "display", "detail", "profile", "max_speed"):
        assert ours[key] == theirs[key], key


def test_split_halves_sum_to_the_whole(seeded_app, token, require_corpus):
    client = seeded_app.test_client()
    whole = upload(client, token, (require_corpus / "gpx" / "georust__garmin-activity.gpx").read_bytes(), "ride.gpx")
    response = client.post(f"{API}/tracks/{whole['id']}/split", json={"at": 500}, headers=bearer(token))
    assert response.status_code == 201, response.json
    first, second = response.json["first"], response.json["second"]
    assert first["id"] == whole["id"] and second["id"] != whole["id"]
    assert first["points"] + second["points"] == whole["points"] + 1  # both keep the split point
    assert first["distance_m"] + second["distance_m"] == pytest.approx(whole["distance_m"], abs=0.2)
    assert first["duration_s"] + second["duration_s"] == pytest.approx(whole["duration_s"], abs=0.2)
    assert first["moving_time_s"] + second["moving_time_s"] == pytest.approx(whole["moving_time_s"], rel=0.01)
    assert first["ascent_m"] + second["ascent_m"] == pytest.approx(whole["ascent_m"], rel=0.05)
    assert (first["started_at"], second["ended_at"]) == (whole["started_at"], whole["ended_at"])
    assert first["ended_at"] == second["started_at"]
    assert second["name"] == "casual stroll (2)" and second["leg"] == 1
    trip = client.get(API, headers=bearer(token)).json
    assert sum(t["id"] in (first["id"], second["id"]) for leg in trip["legs"] for t in leg["tracks"]) == 2


def test_restore_gives_back_the_original_exactly(seeded_app, token, require_corpus):
    client = seeded_app.test_client()
    original = upload(client, token, (require_corpus / "gpx" / "phpgpx__endomondo.gpx").read_bytes(), "run.gpx")
    before = stored(seeded_app, original["id"])
    rows_before = count_rows_of(seeded_app)
    client.post(f"{API}/tracks/{original['id']}/trim", json={"start": 10, "end": 5000}, headers=bearer(token))
    second = client.post(f"{API}/tracks/{original['id']}/split", json={"at": 2000, "name": "Afterwards"},
                         headers=bearer(token)).json["second"]
    client.patch(f"{API}/tracks/{second['id']}", json={"leg": 2}, headers=bearer(token))
    client.post(f"{API}/tracks/{second['id']}/trim", json={"start": 5}, headers=bearer(token))
    response = client.post(f"{API}/tracks/{original['id']}/restore", headers=bearer(token))
    assert response.status_code == 200, response.json
    assert response.json["removed"] == ["Afterwards"] and response.json["edited"] is False
    assert stats(response.json) == stats(original)
    assert stored(seeded_app, original["id"]) == before
    assert count_rows_of(seeded_app) == rows_before
    assert [e["op"] for e in response.json["edits"]] == ["trim", "split", "restore"]


def count_rows_of(app) -> dict:  # type: ignore[no-untyped-def]
    with app.app_context():
        return count_rows(db.session())


def test_restoring_the_second_part_brings_the_whole_file_back_as_that_track(seeded_app, token):
    client = seeded_app.test_client()
    whole = upload(client, token, gpx_document([straight_track(60)]), "line.gpx")
    second = client.post(f"{API}/tracks/{whole['id']}/split", json={"at": 20}, headers=bearer(token)).json["second"]
    response = client.post(f"{API}/tracks/{second['id']}/restore", headers=bearer(token))
    assert response.status_code == 200 and response.json["points"] == 60
    assert response.json["removed"] == ["Test track"]
    assert client.get(f"{API}/tracks/{whole['id']}", headers=bearer(token)).status_code == 404
    # The file is whole again in one track, so it can be split again.
    again = client.post(f"{API}/tracks/{second['id']}/split", json={"at": 30}, headers=bearer(token))
    assert again.status_code == 201 and again.json["second"]["points"] == 30


def test_a_trim_by_time_keeps_the_points_recorded_between_the_two_times(seeded_app, token):
    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(100, dt_s=10)]), "timed.gpx")  # 02:00:00 … 02:16:30
    response = client.post(f"{API}/tracks/{track['id']}/trim",
                           json={"start": "2010-10-14T02:01:05Z", "end": "2010-10-14T10:10:00+08:00"},
                           headers=bearer(token))
    assert response.status_code == 200, response.json
    assert response.json["started_at"] == "2010-10-14T02:01:10+00:00"
    assert response.json["ended_at"] == "2010-10-14T02:10:00+00:00"
    assert response.json["points"] == 54
    # Without an offset, a time is the local time where the track starts (Inner Mongolia: UTC+8).
    response = client.post(f"{API}/tracks/{track['id']}/split", json={"at": "2010-10-14T10:05:00"},
                           headers=bearer(token))
    assert response.status_code == 201
    assert response.json["second"]["started_at"] == "2010-10-14T02:05:00+00:00"


def test_point_numbers_count_the_track_as_it_is_now(seeded_app, token):
    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(100)]), "count.gpx")
    client.post(f"{API}/tracks/{track['id']}/trim", json={"start": 10, "end": 89}, headers=bearer(token))
    response = client.post(f"{API}/tracks/{track['id']}/trim", json={"start": 10}, headers=bearer(token))
    assert response.json["points"] == 70
    assert response.json["edits"][-1] | {"at": None} == {"op": "trim", "first": 20, "last": 89, "of": 100, "at": None}


def test_rename_and_move_to_another_leg(seeded_app, token):
    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(30)]), "moving.gpx")
    was = revision(seeded_app)
    response = client.patch(f"{API}/tracks/{track['id']}", json={"name": "  Morning walk ", "leg": 2},
                            headers=bearer(token))
    assert response.status_code == 200
    assert (response.json["name"], response.json["leg"]) == ("Morning walk", 2)
    assert revision(seeded_app) > was
    legs = client.get(API, headers=bearer(token)).json["legs"]
    assert [t["name"] for t in legs[1]["tracks"]].count("Morning walk") == 1
    assert all(t["id"] != track["id"] for t in legs[0]["tracks"])
    assert [e["op"] for e in response.json["edits"]] == ["rename", "move"]


# ---------------------------------------------------------------- every output follows every edit


def test_exports_pages_and_downloads_follow_every_edit(seeded_app, token):
    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(200)], name="Exported walk"), "walk.gpx", leg=2)
    reader = seeded_app.test_client()

    def outputs() -> dict:
        gpx = gpxpy.parse(reader.get(f"/trips/{DEMO_SLUG}/legs/2.gpx").get_data(as_text=True))
        walks = [t for t in gpx.tracks if t.name.startswith("Exported walk")]
        geojson = reader.get(f"/trips/{DEMO_SLUG}/legs/2.geojson").json
        leg = next(f for f in geojson["features"] if f["properties"]["kind"] == "leg")
        with reader.get(f"/trips/{DEMO_SLUG}/tracks/{track['id']}.gpx") as download:
            points = sum(len(s.points) for t in gpxpy.parse(download.get_data(as_text=True)).tracks
                         for s in t.segments)
        return {"gpx": sorted(len(s.points) for t in walks for s in t.segments),
                "geojson_m": leg["properties"]["distance_m"],
                "lines": reader.get(f"/trips/{DEMO_SLUG}/legs/2/lines.json").get_data(as_text=True),
                "page": reader.get(f"/trips/{DEMO_SLUG}/legs/2").get_data(as_text=True).count("Exported walk"),
                "download": points}

    first = outputs()
    assert first["gpx"] == [200] and first["download"] == 200
    client.post(f"{API}/tracks/{track['id']}/trim", json={"start": 50}, headers=bearer(token))
    trimmed = outputs()
    assert trimmed["gpx"] == [150] and trimmed["download"] == 150
    assert trimmed["geojson_m"] < first["geojson_m"] and trimmed["lines"] != first["lines"]
    client.post(f"{API}/tracks/{track['id']}/split", json={"at": 50}, headers=bearer(token))
    split = outputs()
    assert split["gpx"] == [51, 100] and split["page"] >= 2
    assert split["geojson_m"] == pytest.approx(trimmed["geojson_m"], abs=0.5)
    client.post(f"{API}/tracks/{track['id']}/restore", headers=bearer(token))
    restored = outputs()
    assert restored == first
    # Readers get the edited points; the untouched file stays the author's.
    with reader.get(f"/trips/{DEMO_SLUG}/tracks/{track['id']}.gpx") as download:
        assert download.data.startswith(b'<?xml version="1.0"')


def test_a_reader_never_gets_the_points_a_trim_cut_away(seeded_app, token):
    client = seeded_app.test_client()
    home = straight_track(20, lat=40.3, lon=109.9)

    def near_home(lat: float, lon: float) -> bool:
        return any(abs(lat - h[0]) < 1e-4 and abs(lon - h[1]) < 1e-4 for h in home)

    data = gpx_document([home + straight_track(100, lat=40.4, lon=110.2)], name="From home")
    track = upload(client, token, data, "from-home.gpx", leg=2)
    client.post(f"{API}/tracks/{track['id']}/trim", json={"start": 20}, headers=bearer(token))
    reader = seeded_app.test_client()
    for url in (f"/trips/{DEMO_SLUG}/tracks/{track['id']}.gpx", f"/trips/{DEMO_SLUG}.gpx",
                f"/trips/{DEMO_SLUG}/legs/2.gpx"):
        with reader.get(url) as response:
            gpx = gpxpy.parse(response.get_data(as_text=True))
        places = [(p.latitude, p.longitude) for t in gpx.tracks for seg in t.segments for p in seg.points]
        assert places and not any(near_home(lat, lon) for lat, lon in places), url
    geojson = reader.get(f"/trips/{DEMO_SLUG}.geojson").json
    coords = [c for f in geojson["features"] if f["geometry"]["type"] != "Point"
              for c in (f["geometry"]["coordinates"] if f["geometry"]["type"] == "LineString"
                        else [c for line in f["geometry"]["coordinates"] for c in line])]
    assert coords and not any(near_home(lat, lon) for lon, lat in coords)
    # The owner still has the file as uploaded.
    login(client, "demo")
    with client.get(f"/author/trips/{DEMO_SLUG}/tracks/{track['id']}/original") as original:
        assert original.status_code == 200 and original.data == data


# ---------------------------------------------------------------- hostile requests: a clear 4xx, nothing changed


def snapshot(app) -> tuple:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        tracks = [(t.id, t.name, t.leg_id, t.part, t.keep_from, t.keep_to, t.point_count, t.distance_m)
                  for t in s.scalars(select(Track).order_by(Track.id))]
        points = [(p.track_id, p.points) for p in s.scalars(select(TrackSegment).order_by(TrackSegment.id))]
        return count_rows(s), tracks, points, revision(app), media_files(app)


HOSTILE = [
    ("trim to nothing", "trim", {"start": 30, "end": 30}, 400, "leave 1 point"),
    ("trim backwards", "trim", {"start": 40, "end": 10}, 400, "comes after"),
    ("trim with no bounds", "trim", {}, 400, "Say where"),
    ("trim past the end", "trim", {"end": 60}, 400, "from 0 to 59"),
    ("negative point", "trim", {"start": -1}, 400, "from 0 to 59"),
    ("huge number", "trim", {"start": 10**40}, 400, "from 0 to 59"),
    ("huge number as text", "trim", {"start": "9" * 5000}, 400, "not '999"),
    ("float too big", "trim", {"end": 1e308}, 400, "from 0 to 59"),
    ("fractional point", "trim", {"start": 1.5}, 400, "whole point number"),
    ("a word", "trim", {"start": "beginning"}, 400, "point number (0 to 59) or a time"),
    ("a list", "trim", {"start": [1]}, 400, "point number (0 to 59) or a time"),
    ("an object", "trim", {"end": {"at": 3}}, 400, "point number (0 to 59) or a time"),
    ("true", "split", {"at": True}, 400, "point number (0 to 59) or a time"),
    ("a time with no point after it", "trim", {"start": "2031-01-01T00:00:00Z"}, 400, "No point of this track"),
    ("a time before the track", "split", {"at": "0001-01-01T00:00:00+14:00"}, 400, "from 1 to 58"),
    ("a year past 9999", "trim", {"end": "10000-01-01T00:00:00Z"}, 400, "or a time such as"),
    ("split at the start", "split", {"at": 0}, 400, "from 1 to 58"),
    ("split at the end", "split", {"at": 59}, 400, "from 1 to 58"),
    ("split nowhere", "split", {}, 400, "Say where to split"),
    ("split with a bad name", "split", {"at": 5, "name": "x" * 301}, 400, "too long"),
    ("empty name", "patch", {"name": "  "}, 400, "name is required"),
    ("name not text", "patch", {"name": 42}, 400, "name must be text"),
    ("control characters", "patch", {"name": "a\x00b"}, 400, "control characters"),
    ("no such leg", "patch", {"leg": 99}, 400, "no leg 99"),
    ("leg not a number", "patch", {"leg": "first"}, 400, "leg must be a number"),
    ("leg huge", "patch", {"leg": 10**30}, 400, "leg"),
]


@pytest.mark.parametrize("what, action, payload, status, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_edit_gets_a_clear_4xx_and_changes_nothing(seeded_app, token, what, action, payload, status,
                                                               message):
    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(60)]), "target.gpx")
    before = snapshot(seeded_app)
    url = f"{API}/tracks/{track['id']}"
    if action == "patch":
        response = client.patch(url, json=payload, headers=bearer(token))
    else:
        response = client.post(f"{url}/{action}", json=payload, headers=bearer(token))
    assert response.status_code == status, response.get_data(as_text=True)
    assert message in response.json["error"]["message"]
    assert snapshot(seeded_app) == before


def test_edits_of_a_track_that_is_not_there_or_not_this_trips_are_404_and_others_trips_403(seeded_app, token):
    client = seeded_app.test_client()
    other_token = make_author(seeded_app, "ann")
    other = client.post("/api/trips", json={"title": "Elsewhere"}, headers=bearer(other_token)).json["slug"]
    client.post(f"/api/trips/{other}/legs", json={"name": "Only"}, headers=bearer(other_token))
    theirs = client.post(f"/api/trips/{other}/legs/1/tracks", headers=bearer(other_token),
                         data={"file": (io.BytesIO(gpx_document([straight_track(30)])), "theirs.gpx")},
                         content_type="multipart/form-data").json
    before = snapshot(seeded_app)
    for method, suffix, payload in (("patch", "", {"name": "Mine now"}), ("post", "/trim", {"start": 3}),
                                    ("post", "/split", {"at": 3}), ("post", "/restore", None)):
        for url in (f"{API}/tracks/{theirs['id']}", f"{API}/tracks/99999999999999999999", f"{API}/tracks/0"):
            response = getattr(client, method)(url + suffix, json=payload, headers=bearer(token))
            assert response.status_code == 404, (url, response.json)
        response = getattr(client, method)(f"/api/trips/{other}/tracks/{theirs['id']}{suffix}", json=payload,
                                           headers=bearer(token))
        assert response.status_code == 403
    response = client.post(f"{API}/tracks/1/trim", data="start=3", headers=bearer(token))
    assert response.status_code == 415
    assert snapshot(seeded_app) == before


def test_a_two_point_track_cannot_be_split_and_says_why(seeded_app, token):
    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(2)]), "tiny.gpx")
    response = client.post(f"{API}/tracks/{track['id']}/split", json={"at": 1}, headers=bearer(token))
    assert response.status_code == 400 and "too few to split" in response.json["error"]["message"]


def test_an_edit_whose_original_file_is_missing_says_so(seeded_app, token):
    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(30)]), "lost.gpx")
    with seeded_app.app_context():
        path = db.session().get(Track, track["id"]).original_path
    (Path(seeded_app.config["MEDIA_DIR"]) / path).unlink()
    response = client.post(f"{API}/tracks/{track['id']}/trim", json={"start": 3}, headers=bearer(token))
    assert response.status_code == 500 and response.json["error"]["code"] == "media_missing"
    assert "travelmap check" in response.json["error"]["message"]


# ---------------------------------------------------------------- the workspace


def workspace(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "demo")
    return client


def test_the_workspace_trims_splits_restores_and_deletes_a_track(seeded_app, token):
    client = workspace(seeded_app)
    track = upload(client, token, gpx_document([straight_track(120)], name="Edited in the workspace"), "ws.gpx")
    editor = f"/author/trips/{DEMO_SLUG}/tracks/{track['id']}"
    page = client.get(editor).get_data(as_text=True)
    assert 'id="tm-track-data"' in page and "Trim the track" in page and "Split the track here" in page
    assert 'class="tm-profile-svg"' not in page  # a track without heights has no profile, but still a map
    trimmed = client.post(f"{editor}/trim",
                          data={"start": "10", "end": "109", "csrf_token": csrf_token(client, editor)})
    assert trimmed.status_code == 302
    assert stored(seeded_app, track["id"])["point_count"] == 100
    refused = client.post(f"{editor}/trim", data={"start": "50", "end": "50", "csrf_token": csrf_token(client, editor)})
    assert refused.status_code == 400 and "a track needs at least two" in refused.get_data(as_text=True)
    split = client.post(f"{editor}/split", data={"split-at": "40", "split-name": "Second half",
                                                  "csrf_token": csrf_token(client, editor)})
    assert split.status_code == 302
    page = client.get(editor).get_data(as_text=True)
    assert "Second half" in page and "Restore the original" in page and "Holds points 10 to 50" in page
    restored = client.post(f"{editor}/restore", data={"csrf_token": csrf_token(client, editor)})
    assert restored.status_code == 302 and stored(seeded_app, track["id"])["point_count"] == 120
    renamed = client.post(editor, data={"name": "Renamed", "leg": "2", "csrf_token": csrf_token(client, editor)})
    assert renamed.status_code == 302
    confirm = client.get(f"{editor}/delete")
    assert confirm.status_code == 200 and "Delete the track “Renamed”?" in confirm.get_data(as_text=True)
    assert "120 points" in confirm.get_data(as_text=True)
    before = media_files(seeded_app)
    deleted = client.post(f"{editor}/delete", data={"csrf_token": csrf_token(client, f"{editor}/delete")})
    assert deleted.status_code == 302
    assert client.get(editor).status_code == 404
    assert len(media_files(seeded_app)) == len(before) - 1


def test_the_workspace_upload_answers_what_the_page_needs_to_show_the_track_without_a_reload(seeded_app, token):
    client = workspace(seeded_app)
    response = client.post(
        f"/author/trips/{DEMO_SLUG}/legs/2/tracks",
        data={"file": (io.BytesIO(gpx_document([straight_track(40)], name="Live")), "live.gpx")},
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client, f"/author/trips/{DEMO_SLUG}")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    body = response.json
    assert body["edit_url"] == f"/author/trips/{DEMO_SLUG}/tracks/{body['id']}"
    assert body["delete_url"] == f"/author/trips/{DEMO_SLUG}/tracks/{body['id']}/delete"
    assert body["lines"] and body["colour"].startswith("#") and body["far_away"] is None


# ---------------------------------------------------------------- backups keep the edits


def test_a_backup_keeps_trims_and_splits(seeded_app, token, tmp_path):
    from travelmap.services.archive import export_trip, import_trip

    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(90)], name="Backed up"), "backup.gpx")
    client.post(f"{API}/tracks/{track['id']}/trim", json={"start": 5, "end": 84}, headers=bearer(token))
    second = client.post(f"{API}/tracks/{track['id']}/split", json={"at": 30}, headers=bearer(token)).json["second"]
    client.patch(f"{API}/tracks/{second['id']}", json={"leg": 2, "name": "Later"}, headers=bearer(token))
    media = Path(seeded_app.config["MEDIA_DIR"])
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalar(select(Trip).where(Trip.slug == DEMO_SLUG))
        export_trip(s, trip, media, tmp_path / "trip.zip")
        copy = import_trip(s, tmp_path / "trip.zip", media, trip.owner, slug="copy")
        s.commit()
        made = {t.name: (t.point_count, t.keep_from, t.keep_to, t.part, t.leg.position, [e["op"] for e in t.edits])
                for leg in copy.legs for t in leg.tracks if t.sha256 == s.get(Track, track["id"]).sha256}
    assert made == {"Backed up": (31, 5, 35, 0, 1, ["trim", "split"]),
                    "Later": (50, 35, 84, 1, 2, ["trim", "split", "rename", "move"])}


def test_the_track_edits_migration_goes_down_and_up_again(app):
    with app.app_context():
        db.migrate(db.engine(), "0001", down=True)
        db.upgrade_schema(db.engine())
        with db.engine().connect() as connection:
            from sqlalchemy import inspect

            columns = {c["name"] for c in inspect(connection).get_columns("tracks")}
    assert {"part", "keep_from", "keep_to", "edits"} <= columns


@pytest.mark.parametrize("keep", [{"keep_from": 5, "keep_to": 10**9}, {"keep_from": 40, "keep_to": 5},
                                  {"keep_from": "5", "keep_to": 30}, {"keep_from": None, "keep_to": 30}])
def test_a_backup_whose_points_range_is_impossible_is_refused_and_stores_nothing(seeded_app, token, tmp_path, keep):
    import json
    import zipfile

    from travelmap.services.archive import export_trip, import_trip

    client = seeded_app.test_client()
    track = upload(client, token, gpx_document([straight_track(90)], name="Backed up"), "backup.gpx")
    client.post(f"{API}/tracks/{track['id']}/trim", json={"start": 5, "end": 84}, headers=bearer(token))
    media = Path(seeded_app.config["MEDIA_DIR"])
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalar(select(Trip).where(Trip.slug == DEMO_SLUG))
        export_trip(s, trip, media, tmp_path / "trip.zip")
        with zipfile.ZipFile(tmp_path / "trip.zip") as source, \
                zipfile.ZipFile(tmp_path / "bad.zip", "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "trip.json":
                    doc = json.loads(data)
                    entry = next(t for leg in doc["legs"] for t in leg["tracks"] if t["name"] == "Backed up")
                    entry.update(keep)
                    data = json.dumps(doc).encode()
                target.writestr(info, data)
        rows = count_rows(s)
        with pytest.raises(Exception) as refused:
            import_trip(s, tmp_path / "bad.zip", media, trip.owner, slug="copy")
        s.rollback()
        assert "keep_from and keep_to must be point numbers" in str(refused.value)
        assert getattr(refused.value, "status", None) == 400
        assert count_rows(s) == rows
