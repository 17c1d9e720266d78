"""A track far from the rest of its trip (a stray file from another journey) is flagged, with the distance, in its
upload result (API, workspace, CLI) and in the workspace's track list; geo.far_from is the rule."""

from __future__ import annotations

import io

import pytest

from travelmap import geo
from travelmap.services.faraway import message

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG
from .gpxfactory import gpx_document, straight_track
from .multipart import multipart

PARIS, BEIJING = (48.8566, 2.3522), (39.9042, 116.4074)


def test_far_from_measures_the_nearest_pair_and_answers_none_within_the_limit():
    assert geo.far_from([PARIS], [BEIJING]) == pytest.approx(geo.haversine_m(*PARIS, *BEIJING) / 1000, rel=1e-9)
    assert geo.far_from([PARIS, (40.0, 115.0)], [BEIJING]) is None  # one point near is enough
    assert geo.far_from([], [BEIJING]) is None and geo.far_from([PARIS], []) is None  # nothing to be far from
    assert geo.far_from([(0.0, 179.9)], [(0.0, -179.9)]) is None  # across the antimeridian: 22 km
    assert geo.far_from([(89.9, 0.0)], [(89.9, 180.0)]) is None  # across the pole: 22 km
    east = (0.0, 301 / 111.195)  # 301 km east along the equator
    assert geo.far_from([(0.0, 0.0)], [east]) == pytest.approx(301, abs=0.1)
    assert geo.far_from([(0.0, 0.0)], [east], km=400) is None


def test_far_from_stays_fast_on_long_lines():
    import time

    line = [(40 + i * 1e-3, 110.0) for i in range(3_000)]
    started = time.perf_counter()
    assert geo.far_from(line, [PARIS] * 20_000) == pytest.approx(7_560, abs=100)
    assert time.perf_counter() - started < 5


def test_the_warning_states_the_distance_and_the_continents():
    assert message(7_043.6, {"Europe"}, {"Asia"}) == ("This track lies 7,040 km from the rest of the trip, in Europe, "
                                                      "while the rest of the trip is in Asia. Is it in the right trip?")
    assert message(412.4, {"Asia"}, {"Asia"}) == ("This track lies 412 km from the rest of the trip. "
                                                  "Is it in the right trip?")


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


def upload(client, token, data: bytes, name: str, trip: str = DEMO_SLUG):  # type: ignore[no-untyped-def]
    return client.post(f"/api/trips/{trip}/legs/1/tracks", headers=bearer(token), **multipart(data, name))


def test_a_stray_track_from_another_continent_gets_a_warning_with_its_distance(seeded_app, token, require_corpus):
    response = upload(seeded_app.test_client(), token, (require_corpus / "gpx" / "phpgpx__endomondo.gpx").read_bytes(),
                      "endomondo.gpx")
    assert response.status_code == 201
    assert 6_000 < response.json["far_away_km"] < 8_000
    far = [w["message"] for w in response.json["warnings"] if w["code"] == "far_away"]
    assert far == [f"This track lies {round(response.json['far_away_km'], -1):,.0f} km from the rest of the trip, in "
                   "Europe, while the rest of the trip is in Asia. Is it in the right trip?"]


def test_a_track_within_300_km_of_a_stop_or_track_is_not_flagged(seeded_app, token):
    client = seeded_app.test_client()
    near = straight_track(40, lat=42.5, lon=111.0)  # ~200 km north of Hohhot: far from the tracks, near no stop
    response = upload(client, token, gpx_document([near]), "north.gpx")
    assert response.json["far_away_km"] is None
    alone = straight_track(40, lat=46.5, lon=111.0)  # 4° further north: flagged, and the distance is stated
    response = upload(client, token, gpx_document([alone], name="Up north"), "alone.gpx")
    assert 440 < response.json["far_away_km"] < 446  # from the track before it, the nearest thing of the trip
    assert any(w["code"] == "far_away" and f"lies {round(response.json['far_away_km']):,} km" in w["message"]
               for w in response.json["warnings"])


def test_the_first_track_of_an_empty_trip_is_far_from_nothing(seeded_app, token):
    client = seeded_app.test_client()
    slug = client.post("/api/trips", json={"title": "New"}, headers=bearer(token)).json["slug"]
    client.post(f"/api/trips/{slug}/legs", json={"name": "One"}, headers=bearer(token))
    response = upload(client, token, gpx_document([straight_track(30, lat=48.8, lon=2.3)]), "paris.gpx", slug)
    assert response.status_code == 201 and response.json["far_away_km"] is None
    assert not any(w["code"] == "far_away" for w in response.json["warnings"])


def test_the_workspace_shows_the_warning_in_the_upload_result_and_the_track_list(seeded_app, token):
    client = seeded_app.test_client()
    login(client, "demo")
    stray = gpx_document([straight_track(30, lat=48.8, lon=2.3)], name="Evening in Paris")
    response = client.post(
        f"/author/trips/{DEMO_SLUG}/legs/1/tracks", data={"file": (io.BytesIO(stray), "paris.gpx")},
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client, f"/author/trips/{DEMO_SLUG}")},
        content_type="multipart/form-data")
    assert response.status_code == 201 and "from the rest of the trip" in response.json["far_away"]
    page = client.get(f"/author/trips/{DEMO_SLUG}").get_data(as_text=True)
    assert page.count("from the rest of the trip") == 1
    assert "Evening in Paris" in page.split("from the rest of the trip")[0].rsplit("tm-worktrack", 1)[-1]


def test_the_cli_prints_the_warning(seeded_app, tmp_path):
    stray = tmp_path / "paris.gpx"
    stray.write_bytes(gpx_document([straight_track(30, lat=48.8, lon=2.3)]))
    result = seeded_app.test_cli_runner().invoke(args=["import-gpx", str(stray), "--trip", DEMO_SLUG, "--leg", "1"])
    assert result.exit_code == 0, result.output
    assert "warning: This track lies" in result.output and "km from the rest of the trip" in result.output
