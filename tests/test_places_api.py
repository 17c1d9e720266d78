"""Places by name over HTTP: GET /api/places (bearer token) and its twin for the workspace's script."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .authoring_helpers import login, make_author

KEYS = {"name", "country", "country_code", "lat", "lon", "population", "timezone", "matched"}


def body(response: TestResponse) -> Any:
    """Return a response's JSON body."""
    return json.loads(response.get_data(as_text=True))


@pytest.fixture
def token(app: Flask) -> str:
    return make_author(app, "ada")


@pytest.fixture
def api(app: Flask, token: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def workspace(app: Flask, token: str) -> FlaskClient:
    client = app.test_client()
    login(client, "ada")
    return client


@pytest.mark.parametrize("query, name", [("Baotou", "Baotou"), ("包头", "Baotou"), ("Hohhot", "Hohhot"),
                                         ("Xilinhot", "Xilinhot"), ("呼和浩特", "Hohhot")])
def test_the_api_finds_a_town_by_name_best_first(api: FlaskClient, query: str, name: str) -> None:
    response = api.get("/api/places", query_string={"q": query})
    assert response.status_code == 200 and response.mimetype == "application/json"
    best = body(response)[0]
    assert set(best) == KEYS
    assert (best["name"], best["country"], best["country_code"], best["timezone"]) == (name, "China", "CN",
                                                                                      "Asia/Shanghai")
    assert best["matched"] == query
    assert isinstance(best["lat"], float) and isinstance(best["population"], int)


def test_the_limit_caps_the_answer(api: FlaskClient) -> None:
    assert len(body(api.get("/api/places?q=san&limit=3"))) == 3
    assert len(body(api.get("/api/places?q=san"))) == 10


@pytest.mark.parametrize("url, field, words", [
    ("/api/places", "q", "place name"),
    ("/api/places?q=", "q", "place name"),
    ("/api/places?q=%20%20", "q", "place name"),
    ("/api/places?q=" + "x" * 101, "q", "at most 100"),
    ("/api/places?q=Baotou&limit=0", "limit", "between 1 and 50"),
    ("/api/places?q=Baotou&limit=51", "limit", "between 1 and 50"),
    ("/api/places?q=Baotou&limit=ten", "limit", "number"),
    ("/api/places?q=Bao%00tou", "q", "control characters"),
    ("/api/places/nearest?lat=40.6", "lon", "required"),
    ("/api/places/nearest?lat=91&lon=109", "lat", "between -90 and 90"),
    ("/api/places/nearest?lat=nan&lon=109", "lat", "finite"),
    ("/api/places/nearest?lat=40&lon=109&max_km=100000", "max_km", "between"),
])
def test_a_bad_query_is_a_400_that_names_the_field_and_says_what_is_wrong(
        api: FlaskClient, url: str, field: str, words: str) -> None:
    response = api.get(url)
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["field"] == field and words in error["message"], error


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}])
def test_the_api_wants_a_valid_token(app: Flask, token: str, headers: dict) -> None:
    for url in ("/api/places?q=Baotou", "/api/places/nearest?lat=40.65&lon=109.84"):
        response = app.test_client().get(url, headers=headers)
        assert response.status_code == 401 and body(response)["error"]["code"] == "unauthorized"


def test_a_logged_in_browser_cookie_alone_does_not_open_the_api(workspace: FlaskClient) -> None:
    assert workspace.get("/api/places?q=Baotou").status_code == 401


def test_the_workspace_twin_answers_the_same_for_a_logged_in_author(workspace: FlaskClient, api: FlaskClient) -> None:
    mine = workspace.get("/author/places?q=包头", headers={"Accept": "application/json"})
    assert mine.status_code == 200 and body(mine) == body(api.get("/api/places?q=包头"))
    refused = workspace.get("/author/places?q=", headers={"Accept": "application/json"})
    assert refused.status_code == 400 and body(refused)["error"]["field"] == "q"


def test_the_workspace_twin_is_for_authors_only(app: Flask) -> None:
    response = app.test_client().get("/author/places?q=Baotou")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert app.test_client().get("/author/places/nearest?lat=40.65&lon=109.84").status_code == 302


def test_nearest_names_the_town_around_a_point_with_its_distance(api: FlaskClient, workspace: FlaskClient) -> None:
    (baotou,) = body(api.get("/api/places/nearest?lat=40.6574&lon=109.8403"))
    assert baotou["name"] == "Baotou" and set(baotou) == KEYS | {"distance_m"}
    assert 0 < baotou["distance_m"] < 5000
    assert body(api.get("/api/places/nearest?lat=-40&lon=-130")) == []
    assert body(workspace.get("/author/places/nearest?lat=40.6574&lon=109.8403")) == [baotou]


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "%", "_",
                                   "' OR 1=1 --", "{{7*7}}", "\\", "../../etc/passwd", "\u202e", "😀"])
def test_characters_that_mean_something_elsewhere_are_just_text_here(api: FlaskClient, query: str) -> None:
    response = api.get("/api/places", query_string={"q": query})
    assert response.status_code in (200, 400)
    assert response.mimetype == "application/json"
    assert isinstance(body(response), (list, dict))


def test_names_come_back_as_plain_text_not_html_escaped(api: FlaskClient) -> None:
    # Typed with a plain apostrophe, found under GeoNames' typographic one, and sent back exactly so.
    assert body(api.get("/api/places?q=Xi'an&limit=1"))[0]["name"] == "Xi’an"
    raw = api.get("/api/places?q=包头").get_data(as_text=True)
    assert "&#" not in raw and "&amp;" not in raw and json.loads(raw)[0]["matched"] == "包头"
