"""Hostile requests that are not uploads: JSON bodies and numbers too large for any id."""

from __future__ import annotations

import pytest

from travelmap import db

from .authoring_helpers import make_author
from .conftest import DEMO_SLUG, count_rows


@pytest.fixture
def hostile_json_app(seeded_app):  # type: ignore[no-untyped-def]
    return seeded_app, make_author(seeded_app, "demo")


@pytest.mark.parametrize("what, body", [
    ("JSON nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000),
    ("not JSON", b"{nope"),
    ("a JSON array", b"[1, 2]"),
    ("JSON null", b"null"),
])
def test_hostile_json_bodies_get_a_clear_400_on_every_json_route(hostile_json_app, what, body):
    app, token = hostile_json_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with app.app_context():
        before = count_rows(db.session())
    for method, url in (("POST", "/api/trips"), ("PATCH", f"/api/trips/{DEMO_SLUG}"),
                        ("POST", f"/api/trips/{DEMO_SLUG}/stops"), ("POST", "/api/posts"),
                        ("PATCH", f"/api/trips/{DEMO_SLUG}/legs/1")):
        response = client.open(url, method=method, data=body, headers=headers)
        assert response.status_code == 400, (what, url, response.get_data(as_text=True))
        assert "JSON" in response.get_json()["error"]["message"]
    with app.app_context():
        assert count_rows(db.session()) == before


def test_numbers_too_large_for_any_id_are_a_404_or_400_never_a_database_error(hostile_json_app):
    app, token = hostile_json_app
    client = app.test_client()
    huge = "9" * 20
    for url in (f"/trips/{DEMO_SLUG}/photos/{huge}/thumb.jpg", f"/trips/{DEMO_SLUG}/legs/{huge}",
                f"/trips/{DEMO_SLUG}/legs/{huge}.geojson", f"/trips/{DEMO_SLUG}/tracks/{huge}.gpx",
                f"/trips/{DEMO_SLUG}/legs/{2**31}/lines.json"):
        assert client.get(url).status_code == 404, url
    response = client.post("/api/posts", json={"title": "Numbers", "stops": [10**30]},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "stops"
    result = app.test_cli_runner().invoke(args=["revoke-token", "demo", str(10**30)])
    assert result.exit_code == 2 and "Traceback" not in result.output
