"""Editing through the workspace and the API: every validation rule both ways, revisions, nothing half-stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Stop, Trip

from .authoring_helpers import bearer, login, make_author, post_form
from .conftest import DEMO_SLUG, count_rows

T = f"/trips/{DEMO_SLUG}"
LONG = "x" * 201


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    """An API token of the demo trip's owner."""
    return make_author(seeded_app, "demo")


@pytest.fixture
def author(seeded_app, token):  # type: ignore[no-untyped-def]
    """A test client logged in as the demo trip's owner."""
    client = seeded_app.test_client()
    login(client, "demo")
    return client


def rows(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return count_rows(db.session())


STOP = {"name": "Jining", "lat": "41.03", "lon": "113.13", "leg": "1"}
BAD_INPUT = [
    # (what, API url, API body, form url, form data, field, status)
    ("latitude 91", f"/api{T}/stops", {**STOP, "lat": 91}, f"/author{T}/stops/new", {**STOP, "lat": "91"}, "lat", 400),
    (
        "longitude -181",
        f"/api{T}/stops",
        {**STOP, "lon": -181},
        f"/author{T}/stops/new",
        {**STOP, "lon": "-181"},
        "lon",
        400,
    ),
    (
        "NaN latitude",
        f"/api{T}/stops",
        {**STOP, "lat": "NaN"},
        f"/author{T}/stops/new",
        {**STOP, "lat": "NaN"},
        "lat",
        400,
    ),
    (
        "text as longitude",
        f"/api{T}/stops",
        {**STOP, "lon": "east"},
        f"/author{T}/stops/new",
        {**STOP, "lon": "east"},
        "lon",
        400,
    ),
    (
        "a missing name",
        f"/api{T}/stops",
        {**STOP, "name": ""},
        f"/author{T}/stops/new",
        {**STOP, "name": " "},
        "name",
        400,
    ),
    ("an unknown leg", f"/api{T}/stops", {**STOP, "leg": 9}, f"/author{T}/stops/new", {**STOP, "leg": "9"}, "leg", 404),
    (
        "a bad arrival time",
        f"/api{T}/stops",
        {**STOP, "arrived_at": "yesterday"},
        f"/author{T}/stops/new",
        {**STOP, "arrived_at": "yesterday"},
        "arrived_at",
        400,
    ),
    (
        "a slug with capitals",
        "/api/trips",
        {"title": "T", "slug": "Bad Slug!"},
        "/author/trips/new",
        {"title": "T", "slug": "Bad Slug!", "visibility": "private"},
        "slug",
        400,
    ),
    (
        "a taken slug",
        "/api/trips",
        {"title": "T", "slug": DEMO_SLUG},
        "/author/trips/new",
        {"title": "T", "slug": DEMO_SLUG, "visibility": "private"},
        "slug",
        409,
    ),
    (
        "an over-long title",
        "/api/trips",
        {"title": LONG},
        "/author/trips/new",
        {"title": LONG, "visibility": "private"},
        "title",
        400,
    ),
    (
        "an unknown visibility",
        "/api/trips",
        {"title": "T", "visibility": "secret"},
        "/author/trips/new",
        {"title": "T", "visibility": "secret"},
        "visibility",
        400,
    ),
    (
        "a javascript: post URL",
        "/api/posts",
        {"title": "P", "url": "javascript:alert(1)"},
        "/author/posts/new",
        {"title": "P", "url": "javascript:alert(1)"},
        "url",
        400,
    ),
    (
        "a data: licence URL",
        "/api/posts",
        {"title": "P", "licence_url": "data:text/html,x"},
        "/author/posts/new",
        {"title": "P", "licence_url": "data:text/html,x"},
        "licence_url",
        400,
    ),
    (
        "a bad colour",
        f"/api{T}/legs",
        {"name": "L", "colour": "red;x"},
        f"/author{T}/legs/new",
        {"name": "L", "colour": "red;x"},
        "colour",
        400,
    ),
    (
        "an unknown transport",
        f"/api{T}/legs",
        {"name": "L", "transport": "rocket"},
        f"/author{T}/legs/new",
        {"name": "L", "transport": "rocket"},
        "transport",
        400,
    ),
]


@pytest.mark.parametrize(
    "what, api_url, api_body, form_url, form_data, field, status", BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_through_the_api_names_the_field_and_stores_nothing(
    seeded_app, token, what, api_url, api_body, form_url, form_data, field, status
):
    before = rows(seeded_app)
    response = seeded_app.test_client().post(api_url, json=api_body, headers=bearer(token))
    assert response.status_code == status
    error = response.json["error"]
    assert error.get("field") == field and len(error["message"]) > 10
    assert rows(seeded_app) == before


@pytest.mark.parametrize(
    "what, api_url, api_body, form_url, form_data, field, status", BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_through_a_form_redisplays_it_with_a_message_and_stores_nothing(
    seeded_app, author, what, api_url, api_body, form_url, form_data, field, status
):
    before = rows(seeded_app)
    response = post_form(author, form_url, form_data)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    for name, value in form_data.items():
        # What the user typed comes back (a select can only show its own options).
        if value.strip() and len(value) < 100 and name not in {"leg", "visibility", "transport"}:
            assert value.replace("&", "&amp;").replace("'", "&#39;") in page or value in page
    assert rows(seeded_app) == before


def test_the_api_wants_json(seeded_app, token):
    client = seeded_app.test_client()
    response = client.post(
        "/api/trips", data="title=x", headers={**bearer(token), "Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415 and response.json["error"]["code"] == "not_json"
    response = client.post(
        "/api/trips", data="{not json", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_a_markdown_body_with_script_is_stored_but_shown_sanitised(seeded_app, token):
    client = seeded_app.test_client()
    body = "Hi <script>alert(1)</script><img src=x onerror=alert(2)>"
    response = client.post("/api/posts", json={"title": "Sneaky", "body": body}, headers=bearer(token))
    assert response.status_code == 201
    page = client.get(f"/posts/{response.json['slug']}").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page


def revision(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session().scalar(select(Trip.revision).where(Trip.slug == DEMO_SLUG))


CHANGES = [
    ("PATCH", f"/api{T}", {"summary": "New summary"}),
    ("POST", f"/api{T}/legs", {"name": "Side trip"}),
    ("PATCH", f"/api{T}/legs/1", {"colour": "#123456"}),
    ("DELETE", f"/api{T}/legs/3", None),
    ("POST", f"/api{T}/stops", {"name": "Jining", "lat": 41.03, "lon": 113.13, "leg": 1}),
    ("PATCH", f"/api{T}/stops/hohhot", {"lat": 40.85}),
    ("DELETE", f"/api{T}/stops/hohhot", None),
    ("PATCH", "/api/posts/baotou-capital-of-rare-earths", {"title": "Renamed post"}),
]


@pytest.mark.parametrize("method, url, payload", CHANGES, ids=[f"{c[0]} {c[1]}" for c in CHANGES])
def test_every_change_bumps_the_trip_revision_and_shows_on_the_public_page(seeded_app, token, method, url, payload):
    client = seeded_app.test_client()
    before_page = client.get(T)
    before = revision(seeded_app)
    response = client.open(url, method=method, json=payload, headers=bearer(token))
    assert response.status_code in (200, 201, 204), response.get_data(as_text=True)
    assert revision(seeded_app) > before
    assert client.get(T, headers={"If-None-Match": before_page.headers["ETag"]}).status_code == 200


def test_a_stop_arrival_is_entered_in_local_time_and_stored_in_utc(seeded_app, token):
    client = seeded_app.test_client()
    response = client.post(
        f"/api{T}/stops",
        json={"name": "Jining", "lat": 41.03, "lon": 113.13, "leg": 1, "arrived_at": "2010-10-11T13:05"},
        headers=bearer(token),
    )
    assert response.status_code == 201
    assert response.json["arrived_at"] == "2010-10-11T13:05:00+08:00"
    assert response.json["timezone"] == "Asia/Shanghai"
    with seeded_app.app_context():
        stop = db.session().scalar(select(Stop).where(Stop.slug == "jining"))
        assert stop.arrived_at.utcoffset() == timedelta(0) and stop.arrived_at.hour == 5


def test_legs_reorder_and_stops_move_between_legs(seeded_app, token):
    client = seeded_app.test_client()
    assert client.patch(f"/api{T}/legs/3", json={"position": 1}, headers=bearer(token)).status_code == 200
    trip = client.get(f"/api{T}", headers=bearer(token)).json
    assert [leg["name"] for leg in trip["legs"]] == ["Beijing", "Inner Mongolia", "Baotou"]
    moved = client.patch(f"/api{T}/stops/hohhot", json={"leg": 3}, headers=bearer(token))
    assert moved.status_code == 200 and moved.json["leg"] == 3
    trip = client.get(f"/api{T}", headers=bearer(token)).json
    assert trip["legs"][2]["stops"][-1]["slug"] == "hohhot"
    assert [s["position"] for s in trip["legs"][1]["stops"]] == list(range(1, len(trip["legs"][1]["stops"]) + 1))


def test_a_post_links_any_number_of_stops_and_the_form_shows_which(seeded_app, token, author):
    client = seeded_app.test_client()
    trip = client.get(f"/api{T}", headers=bearer(token)).json
    ids = [s["id"] for leg in trip["legs"] for s in leg["stops"]][:3]
    response = client.post("/api/posts", json={"title": "Three places", "stops": ids}, headers=bearer(token))
    assert response.status_code == 201 and {s["id"] for s in response.json["stops"]} == set(ids)
    page = author.get(f"/author/posts/{response.json['slug']}/edit").get_data(as_text=True)
    boxes = [tag for tag in re.findall(r"<input[^>]*>", page) if 'name="stops"' in tag]
    checked = {int(re.search(r'value="(\d+)"', tag).group(1)) for tag in boxes if re.search(r"\bchecked\b", tag)}
    assert checked == set(ids)


def test_deleting_a_trip_asks_first_naming_what_goes_then_removes_rows_and_files(seeded_app, author):
    from .conftest import media_files

    page = author.get(f"/author{T}/delete").get_data(as_text=True)
    assert "3 legs, 8 stops, 5 tracks and 8 photos" in page
    assert media_files(seeded_app)
    response = post_form(author, f"/author{T}/delete", {})
    assert response.status_code == 302
    with seeded_app.app_context():
        counts = count_rows(db.session())
    assert counts["trips"] == counts["legs"] == counts["stops"] == counts["tracks"] == counts["photos"] == 0
    assert counts["posts"] > 0
    assert media_files(seeded_app) == []


def test_the_workspace_builds_a_trip_from_nothing(seeded_app, author):
    response = post_form(
        author,
        "/author/trips/new",
        {"title": "Weekend in Datong", "visibility": "public", "summary": "", "slug": "", "timezone": "Asia/Shanghai"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/author/trips/weekend-in-datong"
    trip = "/author/trips/weekend-in-datong"
    assert (
        post_form(author, f"{trip}/legs/new", {"name": "Datong", "colour": "#0f766e", "transport": ""}).status_code
        == 302
    )
    response = post_form(author, "/author/posts/new", {"title": "Yungang grottoes", "body": "Caves *full* of Buddhas."})
    assert response.status_code == 302
    response = post_form(
        author,
        f"{trip}/stops/new",
        {
            "name": "Yungang",
            "lat": "40.1100",
            "lon": "113.1225",
            "leg": "1",
            "arrived_at": "2010-10-20T09:30",
            "post": "yungang-grottoes",
        },
    )
    assert response.status_code == 302
    page = author.get("/trips/weekend-in-datong").get_data(as_text=True)
    assert "Yungang" in page and 'href="/posts/yungang-grottoes"' in page
    assert "<em>full</em>" in author.get("/posts/yungang-grottoes").get_data(as_text=True)


def test_the_cli_creates_authors_and_tokens_and_revokes_them(seeded_app):
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["create-author", "ann", "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-author", "ann", "--password-stdin"], input="a long password\n")
    assert result.exit_code != 0 and "already an author" in result.output
    result = runner.invoke(args=["create-author", "bob", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least 8" in result.output
    result = runner.invoke(args=["create-token", "ann", "--name", "laptop"])
    assert result.exit_code == 0
    raw = result.output.strip().splitlines()[-1]
    client = seeded_app.test_client()
    assert client.get("/api/trips", headers=bearer(raw)).status_code == 200
    listing = runner.invoke(args=["list-tokens", "ann"]).output
    assert "laptop" in listing and "last used 20" in listing
    token_id = listing.split("\t")[0]
    assert runner.invoke(args=["revoke-token", "ann", token_id]).exit_code == 0
    assert client.get("/api/trips", headers=bearer(raw)).status_code == 401
    assert runner.invoke(args=["create-token", "nobody"]).exit_code != 0
    with seeded_app.app_context():
        from travelmap.models import ApiToken

        stored = db.session().scalars(select(ApiToken.token_hash)).all()
        assert raw not in stored and all(len(h) == 64 for h in stored)


def test_a_new_trip_that_gets_a_deleted_trips_id_never_shows_the_old_trips_cached_pages(app):
    token = make_author(app, "ann")
    client = app.test_client()

    def create(title: str, slug: str) -> int:
        response = client.post(
            "/api/trips", json={"title": title, "slug": slug, "visibility": "public"}, headers=bearer(token)
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        with app.app_context():
            return db.session().scalar(select(Trip.id).where(Trip.slug == slug))

    first = create("Alpha crossing", "same-slug")
    assert "Alpha crossing" in client.get("/trips/same-slug").get_data(as_text=True)
    assert client.delete("/api/trips/same-slug", headers=bearer(token)).status_code == 204
    second = create("Bravo crossing", "same-slug")
    page = client.get("/trips/same-slug").get_data(as_text=True)
    assert "Bravo crossing" in page and "Alpha crossing" not in page
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert second == first  # SQLite handed out the same id: the revision alone tells the trips apart


def test_a_token_label_over_the_limit_is_refused_by_name_and_nothing_is_created(seeded_app):
    make_author(seeded_app, "ann")
    client = seeded_app.test_client()
    login(client, "ann")
    with seeded_app.app_context():
        before = count_rows(db.session())["api_tokens"]
    response = post_form(client, "/author/tokens", {"name": "x" * 101})
    assert response.status_code == 400 and "at most 100 characters" in response.get_data(as_text=True)
    with seeded_app.app_context():
        assert count_rows(db.session())["api_tokens"] == before
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["create-token", "ann", "--name", "y" * 101])
    assert result.exit_code == 1 and "at most 100 characters" in result.output


def test_a_stop_form_saves_what_was_typed_before_it_opens_a_new_post_linked_to_the_stop(seeded_app, author):
    trip = f"/author/trips/{DEMO_SLUG}"
    form = author.get(f"{trip}/stops/new").get_data(as_text=True)
    assert 'name="then" value="post"' in form
    assert not re.search(r'placeholder="-?\d+\.\d+"', form)  # no trip's coordinates as placeholders
    response = post_form(author, f"{trip}/stops/new", {"name": "Wudangzhao", "lat": "40.8011", "lon": "110.3261",
                                                          "leg": "2", "then": "post"})
    assert response.status_code == 302
    with seeded_app.app_context():
        stop = db.session().scalar(select(Stop).where(Stop.name == "Wudangzhao"))
        assert stop is not None and (stop.lat, stop.lon) == (40.8011, 110.3261)
        stop_id = stop.id
    assert response.headers["Location"] == f"/author/posts/new?stop={stop_id}"
    new_post = author.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'<input[^>]*checked[^>]*value="{stop_id}"|<input[^>]*value="{stop_id}"[^>]*checked', new_post)
    # Saving an existing stop the same way keeps the edit too.
    response = post_form(author, f"{trip}/stops/{stop_id}/edit", {"name": "Wudang Lamasery", "lat": "40.8011",
                                                                     "lon": "110.3261", "leg": "2", "then": "post"})
    assert response.headers["Location"] == f"/author/posts/new?stop={stop_id}"
    with seeded_app.app_context():
        assert db.session().get(Stop, stop_id).name == "Wudang Lamasery"


def test_an_empty_posts_list_says_so_without_an_empty_table(app):
    make_author(app, "newcomer")
    client = app.test_client()
    login(client, "newcomer")
    page = client.get("/author/posts").get_data(as_text=True)
    assert "No posts yet" in page and "<table" not in page


def test_the_owner_of_a_private_trip_gets_a_link_to_preview_its_reader_pages(seeded_app, author):
    trip = f"/author/trips/{DEMO_SLUG}"
    page = author.get(trip).get_data(as_text=True)
    assert "View the trip page" in page and "Preview the trip page" not in page
    with seeded_app.app_context():
        db.session().scalar(select(Trip).where(Trip.slug == DEMO_SLUG)).visibility = "private"
        db.session().commit()
    page = author.get(trip).get_data(as_text=True)
    assert f'href="/trips/{DEMO_SLUG}"' in page and "Preview the trip page as readers will see it" in page
    assert author.get(f"/trips/{DEMO_SLUG}").status_code == 200
    assert author.get(f"/trips/{DEMO_SLUG}/story").status_code == 200
    assert seeded_app.test_client().get(f"/trips/{DEMO_SLUG}").status_code == 404
