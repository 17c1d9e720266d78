"""Who may do what: one table of (who × route → status), CSRF, cookies versus tokens, headers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Stop, Trip

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG

POST = "baotou-capital-of-rare-earths"
T = f"/trips/{DEMO_SLUG}"


@pytest.fixture
def people(seeded_app):  # type: ignore[no-untyped-def]
    """The demo trip's owner (the 'demo' author, given a password) and another author, with tokens."""
    return {"owner": make_author(seeded_app, "demo"), "other": make_author(seeded_app, "other")}


def stop_id(app, slug: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session().scalar(select(Stop.id).where(Stop.slug == slug))


# (method, url, expected status for anonymous, another author, the owner)
HTML_ROUTES = [
    ("GET", "/author", 302, 200, 200),
    ("GET", "/author/trips/new", 302, 200, 200),
    ("GET", f"/author{T}", 302, 403, 200),
    ("GET", f"/author{T}/delete", 302, 403, 200),
    ("GET", f"/author{T}/legs/new", 302, 403, 200),
    ("GET", f"/author{T}/legs/1/edit", 302, 403, 200),
    ("GET", f"/author{T}/legs/1/delete", 302, 403, 200),
    ("GET", f"/author{T}/stops/new", 302, 403, 200),
    ("GET", f"/author{T}/stops/{{hohhot}}/edit", 302, 403, 200),
    ("GET", f"/author{T}/stops/{{hohhot}}/delete", 302, 403, 200),
    ("GET", "/author/posts", 302, 200, 200),
    ("GET", "/author/posts/new", 302, 200, 200),
    ("GET", f"/author/posts/{POST}/edit", 302, 403, 200),
    ("GET", f"/author/posts/{POST}/delete", 302, 403, 200),
    ("GET", "/author/tokens", 302, 200, 200),
]

API_ROUTES = [
    ("GET", "/api/trips", None, 401, 200, 200),
    ("POST", "/api/trips", {"title": "New"}, 401, 201, 201),
    ("GET", f"/api{T}", None, 401, 403, 200),
    ("PATCH", f"/api{T}", {"summary": "Changed"}, 401, 403, 200),
    ("POST", f"/api{T}/legs", {"name": "Extra"}, 401, 403, 201),
    ("PATCH", f"/api{T}/legs/1", {"name": "Renamed"}, 401, 403, 200),
    ("POST", f"/api{T}/stops", {"name": "Jining", "lat": 41.03, "lon": 113.13, "leg": 1}, 401, 403, 201),
    ("PATCH", f"/api{T}/stops/hohhot", {"name": "Huhhot"}, 401, 403, 200),
    ("DELETE", f"/api{T}/stops/tailings-lake", None, 401, 403, 204),
    ("GET", "/api/posts", None, 401, 200, 200),
    ("GET", f"/api/posts/{POST}", None, 401, 403, 200),
    ("PATCH", f"/api/posts/{POST}", {"summary": "New words"}, 401, 403, 200),
    ("DELETE", f"/api{T}/legs/3", None, 401, 403, 204),
    ("DELETE", f"/api{T}/tracks/1", None, 401, 403, 204),
    ("DELETE", f"/api/posts/{POST}", None, 401, 403, 204),
    ("DELETE", f"/api{T}", None, 401, 403, 204),
]


@pytest.mark.parametrize("who", ["anonymous", "other", "owner"])
@pytest.mark.parametrize("method, url, anonymous, other, owner", HTML_ROUTES, ids=[r[1] for r in HTML_ROUTES])
def test_workspace_pages_follow_the_access_table(seeded_app, people, who, method, url, anonymous, other, owner):
    client = seeded_app.test_client()
    if who != "anonymous":
        login(client, "demo" if who == "owner" else "other")
    url = url.replace("{hohhot}", str(stop_id(seeded_app, "hohhot")))
    response = client.open(url, method=method)
    expected = {"anonymous": anonymous, "other": other, "owner": owner}[who]
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected == 302:
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("who", ["anonymous", "other", "owner"])
@pytest.mark.parametrize("method, url, payload, anonymous, other, owner", API_ROUTES, ids=[r[1] for r in API_ROUTES])
def test_api_routes_follow_the_access_table(seeded_app, people, who, method, url, payload, anonymous, other, owner):
    client = seeded_app.test_client()
    headers = bearer(people[who]) if who != "anonymous" else {}
    response = client.open(url, method=method, json=payload, headers=headers)
    expected = {"anonymous": anonymous, "other": other, "owner": owner}[who]
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected >= 400:
        assert response.json["error"]["message"]


def test_a_refused_change_changes_nothing(seeded_app, people):
    client = seeded_app.test_client()
    client.patch(f"/api{T}", json={"title": "Hijacked"}, headers=bearer(people["other"]))
    client.delete(f"/api{T}", headers=bearer(people["other"]))
    with seeded_app.app_context():
        assert db.session().scalar(select(Trip.title)) == "Inner Mongolia, Baotou and back to Beijing"


def test_the_api_never_accepts_a_session_cookie_alone(seeded_app, people):
    client = seeded_app.test_client()
    login(client, "demo")
    assert client.get("/author").status_code == 200
    response = client.get("/api/trips")
    assert response.status_code == 401 and "Bearer" in response.json["error"]["message"]


def test_a_revoked_or_made_up_token_is_refused(seeded_app, people):
    client = seeded_app.test_client()
    assert client.get("/api/trips", headers=bearer("tm_made-up")).status_code == 401
    from travelmap.models import ApiToken
    from travelmap.services.accounts import revoke_token

    with seeded_app.app_context():
        s = db.session()
        token = s.scalars(select(ApiToken).join(ApiToken.author).where(ApiToken.name == "tests")).first()
        revoke_token(s, token.author, token.id)
        s.commit()
        username = token.author.username
    assert (
        client.get("/api/trips", headers=bearer(people["owner" if username == "demo" else "other"])).status_code == 401
    )


def test_a_form_post_without_a_csrf_token_gets_400_and_changes_nothing(seeded_app, people):
    client = seeded_app.test_client()
    login(client, "demo")
    response = client.post(f"/author{T}", data={"title": "No token"})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    response = client.post(f"/author{T}", data={"title": "Bad token", "csrf_token": "forged"})
    assert response.status_code == 400
    with seeded_app.app_context():
        assert db.session().scalar(select(Trip.title)) == "Inner Mongolia, Baotou and back to Beijing"


def test_login_rejects_a_wrong_password_and_is_csrf_protected(seeded_app, people):
    client = seeded_app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": "demo", "password": "wrong password", "csrf_token": token})
    assert response.status_code == 401 and "do not match" in response.get_data(as_text=True)
    assert client.post("/login", data={"username": "demo", "password": "correct horse battery"}).status_code == 400


def test_login_only_redirects_to_pages_of_this_site(seeded_app, people):
    client = seeded_app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": "demo",
            "password": "correct horse battery",
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"] == "/author"


def test_the_session_cookie_is_httponly_and_samesite_lax(seeded_app, people):
    client = seeded_app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": "demo", "password": "correct horse battery", "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_can_be_switched_on(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAVELMAP_SECURE_COOKIES", "1")
    from .conftest import make_app

    assert make_app(tmp_path).config["SESSION_COOKIE_SECURE"] is True


def test_workspace_pages_may_not_be_framed(seeded_app, people):
    client = seeded_app.test_client()
    for url in ("/login", "/author"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_owner_can_see_a_private_trip_page_but_others_cannot(seeded_app, people):
    with seeded_app.app_context():
        s = db.session()
        s.scalars(select(Trip)).one().visibility = "private"
        s.commit()
    owner, other = seeded_app.test_client(), seeded_app.test_client()
    login(owner, "demo")
    login(other, "other")
    assert owner.get(T).status_code == 200
    assert other.get(T).status_code == 404
    assert seeded_app.test_client().get(T).status_code == 404
