"""The privacy-zone endpoints of the JSON API: GET/POST /api/privacy-zones and DELETE /api/privacy-zones/<id>."""

from __future__ import annotations

import pytest

from travelmap import db
from travelmap.geo import haversine_m
from travelmap.models import PrivacyZone

from .authoring_helpers import bearer, make_author
from .conftest import DEMO_SLUG, count_rows

BEIJING = {"lat": 39.9042, "lon": 116.4074}


@pytest.fixture
def people(seeded_app):
    """The demo trip's owner and another author, with tokens."""
    return {"owner": make_author(seeded_app, "demo"), "other": make_author(seeded_app, "other")}


def _add(client, token, **body):
    return client.post("/api/privacy-zones", json=body, headers=bearer(token))


def test_an_author_adds_lists_and_deletes_a_zone(client, people):
    created = _add(client, people["owner"], **BEIJING, radius_m=500, name="Home")
    assert created.status_code == 201, created.get_json()
    zone = created.get_json()
    assert {k: zone[k] for k in ("lat", "lon", "radius_m", "name")} == {**BEIJING, "radius_m": 500, "name": "Home"}
    assert zone["created_at"].endswith("+00:00")
    assert not {"hidden_lat", "hidden_lon", "hidden_radius_m"} & set(zone)  # the cut circle stays on the server
    assert client.get("/api/privacy-zones", headers=bearer(people["owner"])).get_json() == [zone]
    assert client.delete(f"/api/privacy-zones/{zone['id']}", headers=bearer(people["owner"])).status_code == 204
    assert client.get("/api/privacy-zones", headers=bearer(people["owner"])).get_json() == []
    assert client.delete(f"/api/privacy-zones/{zone['id']}", headers=bearer(people["owner"])).status_code == 404


def test_the_hidden_circle_is_chosen_once_holds_the_zone_and_is_not_centred_on_it(seeded_app, client, people):
    zone = _add(client, people["owner"], **BEIJING, radius_m=1000).get_json()
    with seeded_app.app_context():
        row = db.session().get(PrivacyZone, zone["id"])
        offset = haversine_m(row.lat, row.lon, row.hidden_lat, row.hidden_lon)
        assert offset <= 1000.1
        assert row.hidden_radius_m >= offset + 1000 + 200 - 0.1
        first = (row.hidden_lat, row.hidden_lon, row.hidden_radius_m)
    # Drawn again at the same place, the zone is cut at the same circle: a reader gains nothing by comparing.
    client.delete(f"/api/privacy-zones/{zone['id']}", headers=bearer(people["owner"]))
    again = _add(client, people["owner"], **BEIJING, radius_m=1000).get_json()
    with seeded_app.app_context():
        row = db.session().get(PrivacyZone, again["id"])
        assert (row.hidden_lat, row.hidden_lon, row.hidden_radius_m) == first


@pytest.mark.parametrize(("body", "field"), [
    ({**BEIJING, "radius_m": 99}, "radius_m"),
    ({**BEIJING, "radius_m": 5001}, "radius_m"),
    ({**BEIJING, "radius_m": -300}, "radius_m"),
    ({**BEIJING, "radius_m": "a lot"}, "radius_m"),
    ({**BEIJING, "radius_m": "NaN"}, "radius_m"),
    ({**BEIJING, "radius_m": True}, "radius_m"),
    ({**BEIJING}, "radius_m"),
    ({"lat": 90.5, "lon": 116.4, "radius_m": 500}, "lat"),
    ({"lat": -91, "lon": 116.4, "radius_m": 500}, "lat"),
    ({"lat": 40, "lon": 180.01, "radius_m": 500}, "lon"),
    ({"lat": 40, "lon": -181, "radius_m": 500}, "lon"),
    ({"lat": "Infinity", "lon": 116.4, "radius_m": 500}, "lat"),
    ({"lon": 116.4, "radius_m": 500}, "lat"),
    ({"lat": 40, "radius_m": 500}, "lon"),
    ({**BEIJING, "radius_m": 500, "name": "x" * 201}, "name"),
    ({**BEIJING, "radius_m": 500, "name": 7}, "name"),
])
def test_a_zone_out_of_bounds_is_refused_naming_the_field_and_storing_nothing(seeded_app, client, people, body, field):
    with seeded_app.app_context():
        before = count_rows(db.session())
    response = _add(client, people["owner"], **body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field
    assert field in error["message"]
    with seeded_app.app_context():
        assert count_rows(db.session()) == before


def test_the_bounds_themselves_are_allowed(client, people):
    for radius in (100, 5000):
        assert _add(client, people["owner"], lat=-90, lon=180, radius_m=radius).status_code == 201
    assert _add(client, people["owner"], lat=90, lon=-180, radius_m=2500.5).status_code == 201


def test_a_body_that_is_not_json_is_a_415(client, people):
    response = client.post("/api/privacy-zones", data="lat=1", headers=bearer(people["owner"]))
    assert response.status_code == 415


def test_zones_need_a_token_and_a_cookie_is_not_enough(client):
    assert client.get("/api/privacy-zones").status_code == 401
    assert client.post("/api/privacy-zones", json={**BEIJING, "radius_m": 500}).status_code == 401
    assert client.delete("/api/privacy-zones/1").status_code == 401


def test_another_authors_zone_is_a_404_and_never_listed(client, people):
    zone = _add(client, people["owner"], **BEIJING, radius_m=500).get_json()
    assert client.delete(f"/api/privacy-zones/{zone['id']}", headers=bearer(people["other"])).status_code == 404
    assert client.get("/api/privacy-zones", headers=bearer(people["other"])).get_json() == []
    assert client.delete("/api/privacy-zones/999999", headers=bearer(people["other"])).status_code == 404
    assert len(client.get("/api/privacy-zones", headers=bearer(people["owner"])).get_json()) == 1


def test_an_author_has_at_most_fifty_zones(client, people):
    for n in range(50):
        assert _add(client, people["owner"], lat=10 + n / 10, lon=20, radius_m=100).status_code == 201
    response = _add(client, people["owner"], lat=0, lon=0, radius_m=100)
    assert response.status_code == 400
    assert "50 privacy zones" in response.get_json()["error"]["message"]


def test_adding_or_deleting_a_zone_re_renders_every_trip_of_the_author(client, people):
    def revision():
        return client.get(f"/api/trips/{DEMO_SLUG}", headers=bearer(people["owner"])).get_json()["revision"]

    before = revision()
    zone = _add(client, people["owner"], lat=45.0, lon=10.0, radius_m=500).get_json()  # far from the trip
    assert revision() > before
    added = revision()
    assert client.delete(f"/api/privacy-zones/{zone['id']}", headers=bearer(people["owner"])).status_code == 204
    assert revision() > added
    # Another author's zone leaves the demo trip alone.
    unchanged = revision()
    _add(client, people["other"], **BEIJING, radius_m=500)
    assert revision() == unchanged
