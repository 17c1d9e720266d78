"""Old addresses: a renamed trip, stop or post keeps answering at its old slug with a permanent redirect to the
new one (the rest of the path and the query kept), and the old slug stays reserved for its owner."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Track

from .authoring_helpers import bearer, login, make_author
from .conftest import DEMO_SLUG

OLD, NEW = DEMO_SLUG, "mongolia-by-rail-and-road"
POST = "baotou-capital-of-rare-earths"


@pytest.fixture
def tokens(seeded_app):  # type: ignore[no-untyped-def]
    return {"owner": make_author(seeded_app, "demo"), "other": make_author(seeded_app, "other")}


def patch(app, url: str, token: str, **fields):  # type: ignore[no-untyped-def]
    response = app.test_client().patch(f"/api{url}", json=fields, headers=bearer(token))
    assert response.status_code == 200, response.json
    return response


def rename_trip(app, token: str, slug: str) -> None:  # type: ignore[no-untyped-def]
    patch(app, f"/trips/{current_slug(app)}", token, slug=slug)


def current_slug(app) -> str:  # type: ignore[no-untyped-def]
    from travelmap.models import Trip

    with app.app_context():
        return db.session().scalar(select(Trip.slug))


def ids(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        return s.scalar(select(Track.id)), s.scalar(select(Photo.id).where(Photo.lat.is_not(None)))


# Each reader address of a trip (with a query where it takes one); {slug} is the trip's slug.
TRIP_ADDRESSES = [
    "/trips/{slug}", "/trips/{slug}?utm_source=blog", "/trips/{slug}/legs/2", "/trips/{slug}/stops/baotou",
    "/trips/{slug}.geojson?photos=0", "/trips/{slug}/legs/2.geojson", "/trips/{slug}.gpx", "/trips/{slug}/legs/1.gpx",
    "/trips/{slug}/legs/1/lines.json?v=7", "/trips/{slug}/photos.json", "/trips/{slug}/feed.atom",
    "/trips/{slug}/preview.png?width=600", "/embed/trips/{slug}?leg=2&photos=0&height=400",
    "/embed/trips/{slug}?stop=baotou", "/trips/{slug}/tracks/{track}.gpx", "/trips/{slug}/photos/{photo}/thumb.jpg",
]


@pytest.mark.parametrize("address", TRIP_ADDRESSES)
def test_every_old_trip_address_redirects_permanently_to_the_new_one(seeded_app, tokens, address):
    track, photo = ids(seeded_app)
    rename_trip(seeded_app, tokens["owner"], NEW)
    old, new = (address.format(slug=s, track=track, photo=photo) for s in (OLD, NEW))
    client = seeded_app.test_client()
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"] == new
    assert client.get(new, buffered=True).status_code == 200  # buffered: a file answer closes its file


def test_a_trip_renamed_twice_sends_both_old_addresses_straight_to_the_newest(seeded_app, tokens):
    rename_trip(seeded_app, tokens["owner"], "second-name")
    rename_trip(seeded_app, tokens["owner"], NEW)
    client = seeded_app.test_client()
    for slug in (OLD, "second-name"):
        assert client.get(f"/trips/{slug}/legs/1").headers["Location"] == f"/trips/{NEW}/legs/1"


def test_an_old_address_is_reserved_for_its_owner_and_another_author_gets_a_409(seeded_app, tokens):
    rename_trip(seeded_app, tokens["owner"], NEW)
    client = seeded_app.test_client()
    taken = client.post("/api/trips", json={"title": "Mine now", "slug": OLD}, headers=bearer(tokens["other"]))
    assert taken.status_code == 409
    error = taken.json["error"]
    assert error["field"] == "slug" and "another author" in error["message"] and OLD in error["message"]
    # Renaming a trip of theirs to it is refused the same way.
    mine = client.post("/api/trips", json={"title": "Other trip"}, headers=bearer(tokens["other"])).json["slug"]
    assert client.patch(f"/api/trips/{mine}", json={"slug": OLD}, headers=bearer(tokens["other"])).status_code == 409
    # A title that would make the same slug gets another one.
    same_title = client.post("/api/trips", json={"title": "Inner Mongolia Baotou Beijing"},
                             headers=bearer(tokens["other"]))
    assert same_title.status_code == 201 and same_title.json["slug"] != OLD
    assert client.get(f"/trips/{OLD}").headers["Location"] == f"/trips/{NEW}"


def test_the_owner_may_take_an_old_address_back_for_the_same_or_another_trip(seeded_app, tokens):
    rename_trip(seeded_app, tokens["owner"], NEW)
    rename_trip(seeded_app, tokens["owner"], OLD)  # back again: the old name is the trip's own once more
    client = seeded_app.test_client()
    assert client.get(f"/trips/{OLD}").status_code == 200
    assert client.get(f"/trips/{NEW}").headers["Location"] == f"/trips/{OLD}"
    # Another trip of the owner's may have the interim name: it then leads there, no longer to the first trip.
    created = client.post("/api/trips", json={"title": "Another", "slug": NEW, "visibility": "public"},
                          headers=bearer(tokens["owner"]))
    assert created.status_code == 201
    assert client.get(f"/trips/{NEW}").status_code == 200 and b"Another" in client.get(f"/trips/{NEW}").data


def test_a_private_trip_s_old_address_is_404_to_everyone_but_its_owner(seeded_app, tokens):
    patch(seeded_app, f"/trips/{OLD}", tokens["owner"], visibility="private", slug=NEW)
    assert seeded_app.test_client().get(f"/trips/{OLD}").status_code == 404
    other = seeded_app.test_client()
    login(other, "other")
    assert other.get(f"/trips/{OLD}").status_code == 404
    owner = seeded_app.test_client()
    login(owner, "demo")
    assert owner.get(f"/trips/{OLD}").headers["Location"] == f"/trips/{NEW}"


def test_an_old_stop_address_redirects_and_a_new_stop_may_take_it(seeded_app, tokens):
    patch(seeded_app, f"/trips/{OLD}/stops/baotou", tokens["owner"], slug="baotou-centre")
    client = seeded_app.test_client()
    assert client.get(f"/trips/{OLD}/stops/baotou?x=1").headers["Location"] == f"/trips/{OLD}/stops/baotou-centre?x=1"
    embed = client.get(f"/embed/trips/{OLD}?stop=baotou&photos=0")
    assert embed.status_code == 301 and embed.headers["Location"] == f"/embed/trips/{OLD}?stop=baotou-centre&photos=0"
    # Both renamed at once: one redirect, to the new trip's new stop.
    rename_trip(seeded_app, tokens["owner"], NEW)
    assert client.get(f"/trips/{OLD}/stops/baotou").headers["Location"] == f"/trips/{NEW}/stops/baotou-centre"
    # The owner adds a stop called baotou again: the address is that stop's now.
    added = client.post(f"/api/trips/{NEW}/stops", json={"name": "Baotou", "slug": "baotou", "lat": 40.6, "lon": 109.9,
                                                         "leg": 2}, headers=bearer(tokens["owner"]))
    assert added.status_code == 201, added.json
    assert client.get(f"/trips/{NEW}/stops/baotou").status_code == 200


def test_an_old_post_address_redirects_and_is_reserved_for_its_owner(seeded_app, tokens):
    patch(seeded_app, f"/posts/{POST}", tokens["owner"], slug="rare-earths")
    client = seeded_app.test_client()
    assert client.get(f"/posts/{POST}?trip=x").headers["Location"] == "/posts/rare-earths?trip=x"
    taken = client.post("/api/posts", json={"title": "Mine", "slug": POST}, headers=bearer(tokens["other"]))
    assert taken.status_code == 409 and "another author" in taken.json["error"]["message"]
    mine = client.post("/api/posts", json={"title": "Mine", "slug": POST}, headers=bearer(tokens["owner"]))
    assert mine.status_code == 201


def test_oembed_answers_for_an_old_address_with_the_new_one(seeded_app, tokens):
    rename_trip(seeded_app, tokens["owner"], NEW)
    body = seeded_app.test_client().get(f"/oembed?url={quote(f'http://localhost/trips/{OLD}/legs/2', safe='')}").json
    assert f'src="http://localhost/embed/trips/{NEW}?leg=2"' in body["html"]


def test_deleting_a_trip_frees_its_old_and_current_addresses(seeded_app, tokens):
    rename_trip(seeded_app, tokens["owner"], NEW)
    client = seeded_app.test_client()
    assert client.delete(f"/api/trips/{NEW}", headers=bearer(tokens["owner"])).status_code == 204
    assert client.get(f"/trips/{OLD}").status_code == 404
    for slug in (OLD, NEW):
        response = client.post("/api/trips", json={"title": "Taken", "slug": slug}, headers=bearer(tokens["other"]))
        assert response.status_code == 201, response.json
    from travelmap.models import OldSlug

    with seeded_app.app_context():
        assert not db.session().scalars(select(OldSlug).where(OldSlug.kind == "trip")).all()


def test_a_backup_keeps_the_old_addresses_of_the_trip_its_stops_and_posts(seeded_app, tokens):
    from travelmap.services.archive import default_owner, export_trip, import_trip
    from travelmap.services.trips import trip_by_slug

    patch(seeded_app, f"/trips/{OLD}/stops/baotou", tokens["owner"], slug="baotou-centre")
    patch(seeded_app, f"/posts/{POST}", tokens["owner"], slug="rare-earths")
    rename_trip(seeded_app, tokens["owner"], NEW)
    media, buffer = Path(seeded_app.config["MEDIA_DIR"]), io.BytesIO()
    with seeded_app.app_context():
        s = db.session()
        document = export_trip(s, trip_by_slug(s, NEW), media, buffer)
    assert document["trip"]["old_slugs"] == [OLD]
    assert [stop["old_slugs"] for leg in document["legs"] for stop in leg["stops"] if stop["old_slugs"]] == [["baotou"]]
    assert [post["old_slugs"] for post in document["posts"] if post["old_slugs"]] == [[POST]]
    client = seeded_app.test_client()
    assert client.delete(f"/api/trips/{NEW}", headers=bearer(tokens["owner"])).status_code == 204
    assert client.delete("/api/posts/rare-earths", headers=bearer(tokens["owner"])).status_code == 204
    assert client.get(f"/trips/{OLD}").status_code == 404
    with seeded_app.app_context():
        s = db.session()
        import_trip(s, io.BytesIO(buffer.getvalue()), media, default_owner(s, "demo"))
        s.commit()
    assert client.get(f"/trips/{OLD}/stops/baotou").headers["Location"] == f"/trips/{NEW}/stops/baotou-centre"
    assert client.get(f"/posts/{POST}").headers["Location"] == "/posts/rare-earths"


def test_a_restore_skips_old_addresses_that_are_taken_here_and_says_so(seeded_app, tokens):
    from travelmap.services.archive import default_owner, export_trip, import_trip
    from travelmap.services.trips import trip_by_slug

    rename_trip(seeded_app, tokens["owner"], NEW)
    media, buffer = Path(seeded_app.config["MEDIA_DIR"]), io.BytesIO()
    with seeded_app.app_context():
        s = db.session()
        export_trip(s, trip_by_slug(s, NEW), media, buffer)
    client = seeded_app.test_client()
    assert client.delete(f"/api/trips/{NEW}", headers=bearer(tokens["owner"])).status_code == 204
    assert client.post("/api/trips", json={"title": "Taken", "slug": OLD, "visibility": "public"},
                       headers=bearer(tokens["other"])).status_code == 201
    with seeded_app.app_context():
        s = db.session()
        notes: list[str] = []
        import_trip(s, io.BytesIO(buffer.getvalue()), media, default_owner(s, "demo"), notes=notes)
        s.commit()
    assert any(OLD in note for note in notes)
    assert client.get(f"/trips/{OLD}").status_code == 200 and b"Taken" in client.get(f"/trips/{OLD}").data


def test_a_post_link_made_from_an_unlisted_trip_before_it_was_renamed_still_shows_that_trip(seeded_app, tokens):
    patch(seeded_app, f"/trips/{OLD}", tokens["owner"], visibility="unlisted")
    reader = seeded_app.test_client()
    link = f"/posts/{POST}?trip={OLD}"
    assert f"/trips/{OLD}" in reader.get(link).get_data(as_text=True)
    rename_trip(seeded_app, tokens["owner"], NEW)
    page = reader.get(link).get_data(as_text=True)
    assert f"/trips/{NEW}/stops/baotou" in page and f"?trip={NEW}" in page
