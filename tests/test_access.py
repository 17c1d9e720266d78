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


# ---------------------------------------------------------------- the post visibility table
# A post is seen by a reader only through a stop of a trip that reader may see (its owner always sees it), and
# its page links only to trips the reader may see: public ones, the trip the reader came from (named by
# ?trip=, which our own links from non-public trips carry) and, for the owner, all of them.

SIDE = "side-trip"


def link_post(app, demo: str | None, side: str | None) -> None:  # type: ignore[no-untyped-def]
    """Give the demo trip visibility `demo` (None: its Baotou stop no longer links the post) and, unless side is
    None, add a second trip of the same owner with that visibility whose one stop links the post too."""
    from travelmap.services import authoring
    from travelmap.services.trips import touch

    with app.app_context():
        s = db.session()
        trip = s.scalars(select(Trip).where(Trip.slug == DEMO_SLUG)).one()
        if demo is None:
            s.scalars(select(Stop).where(Stop.slug == "baotou")).one().post = None
        else:
            trip.visibility = demo
        touch(trip)
        if side is not None:
            other = authoring.create_trip(s, trip.owner, {"title": "Side trip to Wudang", "slug": SIDE,
                                                          "visibility": side})
            authoring.add_leg(s, other, {"name": "Wudang"})
            authoring.add_stop(s, other, {"name": "Wudang lamasery", "lat": 40.88, "lon": 110.3, "leg": 1,
                                          "post": POST})
        s.commit()


# (demo trip, side trip) visibilities -> viewer -> (status, trips the plain post page shows, indexable)
POST_TABLE = {
    ("public", None): {"anonymous": (200, {"demo"}, True), "other": (200, {"demo"}, True),
                       "owner": (200, {"demo"}, True)},
    ("unlisted", None): {"anonymous": (200, set(), False), "other": (200, set(), False),
                         "owner": (200, {"demo"}, False)},
    ("private", None): {"anonymous": (404, None, None), "other": (404, None, None),
                        "owner": (200, {"demo"}, False)},
    (None, None): {"anonymous": (404, None, None), "other": (404, None, None), "owner": (200, set(), False)},
    ("public", "unlisted"): {"anonymous": (200, {"demo"}, True), "other": (200, {"demo"}, True),
                             "owner": (200, {"demo", "side"}, False)},
    ("public", "private"): {"anonymous": (200, {"demo"}, True), "other": (200, {"demo"}, True),
                            "owner": (200, {"demo", "side"}, False)},
    ("unlisted", "unlisted"): {"anonymous": (200, set(), False), "other": (200, set(), False),
                               "owner": (200, {"demo", "side"}, False)},
    ("private", "unlisted"): {"anonymous": (200, set(), False), "other": (200, set(), False),
                              "owner": (200, {"demo", "side"}, False)},
}
# The same page reached from the side trip (/posts/<slug>?trip=side-trip): the trips it shows then.
VIA_SIDE = {
    ("public", "unlisted"): {"anonymous": {"demo", "side"}, "other": {"demo", "side"}},
    ("public", "private"): {"anonymous": {"demo"}, "other": {"demo"}},
    ("unlisted", "unlisted"): {"anonymous": {"side"}, "other": {"side"}},
    ("private", "unlisted"): {"anonymous": {"side"}, "other": {"side"}},
}
MARKS = {"demo": (DEMO_SLUG, "Inner Mongolia, Baotou"), "side": (SIDE, "Wudang")}


def shown_trips(html: str) -> set[str]:
    """Which of the two trips a page names anywhere (links, map data, breadcrumbs, social tags)."""
    return {name for name, marks in MARKS.items() if any(mark in html for mark in marks)}


def post_client(app, who: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    if who != "anonymous":
        login(client, "demo" if who == "owner" else "other")
    return client


@pytest.mark.parametrize("viewer", ["anonymous", "other", "owner"])
@pytest.mark.parametrize("case", list(POST_TABLE), ids=[f"{d}+{s}" for d, s in POST_TABLE])
def test_posts_follow_the_visibility_table(seeded_app, people, case, viewer):
    link_post(seeded_app, *case)
    status, shown, indexable = POST_TABLE[case][viewer]
    client = post_client(seeded_app, viewer)
    response = client.get(f"/posts/{POST}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    if status == 404:
        assert "Baotou" not in html and "Capital of Rare Earths" not in html
        return
    assert "Capital of Rare Earths" in html
    assert shown_trips(html) == shown
    assert ('<meta name="robots" content="noindex">' not in html) == indexable
    if case in VIA_SIDE and viewer != "owner":
        via = client.get(f"/posts/{POST}?trip={SIDE}").get_data(as_text=True)
        assert shown_trips(via) == VIA_SIDE[case][viewer]
        assert ('<meta name="robots" content="noindex">' in via) == (VIA_SIDE[case][viewer] != {"demo"})


# (demo trip, side trip) visibilities -> oEmbed status for the plain post address and for it via the side trip
# (oEmbed consumers are anonymous: a private trip is 401 whoever asks, a post with no place to show is 404).
POST_OEMBED = {
    ("public", None): (200, None), ("unlisted", None): (404, None), ("private", None): (401, None),
    (None, None): (404, None), ("public", "unlisted"): (200, 200), ("public", "private"): (200, 200),
    ("unlisted", "unlisted"): (404, 200), ("private", "unlisted"): (404, 200),
}


@pytest.mark.parametrize("case", list(POST_OEMBED), ids=[f"{d}+{s}" for d, s in POST_OEMBED])
def test_oembed_for_a_post_follows_the_same_table(seeded_app, people, case):
    from urllib.parse import quote

    link_post(seeded_app, *case)
    plain, via_side = POST_OEMBED[case]
    client = seeded_app.test_client()
    for status, page, allowed in ((plain, f"/posts/{POST}", {"demo"}),
                                  (via_side, f"/posts/{POST}?trip={SIDE}", {"demo", "side"})):
        if status is None:
            continue
        response = client.get(f"/oembed?url={quote('http://localhost' + page, safe='')}")
        assert response.status_code == status, page
        if status == 200:
            assert shown_trips(response.get_data(as_text=True)) <= (allowed if case[1] == "unlisted" else {"demo"})
            assert shown_trips(response.get_data(as_text=True))


def test_links_from_a_trip_that_is_not_public_carry_it_to_the_post_page(seeded_app, people):
    link_post(seeded_app, "public", "unlisted")
    client = seeded_app.test_client()
    side = client.get(f"/trips/{SIDE}").get_data(as_text=True)
    assert f'href="/posts/{POST}?trip={SIDE}"' in side
    stop = client.get(f"/trips/{SIDE}/stops/wudang-lamasery").get_data(as_text=True)
    assert f'href="/posts/{POST}?trip={SIDE}"' in stop
    assert f"/posts/{POST}?trip={SIDE}" in client.get(f"/trips/{SIDE}.geojson").get_data(as_text=True)
    assert f"/posts/{POST}?trip={SIDE}" in client.get(f"/trips/{SIDE}/feed.atom").get_data(as_text=True)
    # The public trip's links stay plain, and its feed and exports never name the unlisted trip.
    public = client.get(T).get_data(as_text=True)
    assert f'href="/posts/{POST}"' in public and SIDE not in public
    for url in (f"{T}/feed.atom", f"{T}.geojson", f"{T}.gpx", f"{T}/photos.json", f"{T}/stops/baotou"):
        assert SIDE not in client.get(url).get_data(as_text=True), url


def test_a_post_page_shows_photos_only_from_the_places_it_shows(seeded_app, people):
    link_post(seeded_app, "private", None)
    owner = post_client(seeded_app, "owner")
    assert "tm-gallery" in owner.get(f"/posts/{POST}").get_data(as_text=True)
    link_post(seeded_app, "unlisted", None)
    assert "tm-gallery" not in seeded_app.test_client().get(f"/posts/{POST}").get_data(as_text=True)


@pytest.mark.parametrize("case", list(POST_TABLE), ids=[f"{d}+{s}" for d, s in POST_TABLE])
def test_the_sql_filters_select_exactly_what_the_visibility_rules_allow(seeded_app, people, case):
    from travelmap.models import Author, Post
    from travelmap.services.reading import readable_posts, readable_trips
    from travelmap.visibility import can_read_post, can_read_trip

    link_post(seeded_app, *case)
    with seeded_app.app_context():
        s = db.session()
        viewers = [None] + list(s.scalars(select(Author.id)))
        trips = list(s.scalars(select(Trip)))
        for viewer in viewers:
            selected = set(s.scalars(select(Trip.id).where(readable_trips(viewer))))
            assert selected == {t.id for t in trips if can_read_trip(t.visibility, t.owner_id, viewer)}
            for post in s.scalars(select(Post)):
                linked = [(stop.leg.trip.visibility, stop.leg.trip.owner_id) for stop in post.stops]
                found = s.scalar(select(Post.id).where(Post.id == post.id, readable_posts(viewer))) is not None
                assert found == can_read_post(post.owner_id, linked, viewer), (post.slug, viewer)
