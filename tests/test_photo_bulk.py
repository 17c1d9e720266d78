"""Photos in bulk: place, caption, attach, detach and delete many photos at once from the review list (a plain form
with CSRF) and the API, refusing the whole request when any id is not a photo of the trip."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Stop, Trip

from .authoring_helpers import PASSWORD, bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG, count_rows, media_files
from .multipart import multipart
from .photofactory import jpeg

API = f"/api/trips/{DEMO_SLUG}"
WORK = f"/author/trips/{DEMO_SLUG}/photos"
BAOTOU = (40.6574, 109.8403)
assert PASSWORD  # the helpers log in with it


def upload(client, token: str, slug: str, data: bytes, name: str = "p.jpg") -> dict:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/trips/{slug}/photos", headers=bearer(token), **multipart(data, name))
    assert response.status_code == 201, response.json
    return response.json[0]


@pytest.fixture
def demo(seeded_app):  # type: ignore[no-untyped-def]
    """The demo trip's owner: (API token, logged-in workspace client, ids of the trip's photos)."""
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    with seeded_app.app_context():
        ids = list(db.session().scalars(select(Photo.id).join(Trip).where(Trip.slug == DEMO_SLUG).order_by(Photo.id)))
    assert len(ids) >= 8
    return token, client, ids


@pytest.fixture
def eve(seeded_app):  # type: ignore[no-untyped-def]
    """Another author with a trip holding one photo: (token, trip slug, photo id)."""
    token = make_author(seeded_app, "eve")
    client = seeded_app.test_client()
    slug = client.post("/api/trips", json={"title": "Eve's", "visibility": "public"},
                       headers=bearer(token)).json["slug"]
    photo = upload(client, token, slug, jpeg(lat=48.85, lon=2.35, colour=(1, 2, 3)))
    return token, slug, photo["id"]


def state(app) -> tuple:  # type: ignore[no-untyped-def]
    """Everything a refused request must leave as it was: rows, files, photo fields and revisions."""
    with app.app_context():
        s = db.session()
        photos = [(p.id, p.caption, p.lat, p.lon, p.stop_id, p.location_source) for p in s.scalars(select(Photo))]
        revisions = sorted(tuple(row) for row in s.execute(select(Trip.id, Trip.revision)))
        return count_rows(s), media_files(app), sorted(photos, key=lambda p: p[0]), revisions


def revision(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session().scalar(select(Trip.revision).where(Trip.slug == DEMO_SLUG)) or 0


# ---------------------------------------------------------------- the API

def test_placing_twelve_photos_through_the_api_puts_each_at_the_spot_by_hand_and_bumps_the_revision(seeded_app, demo):
    token, _, ids = demo
    client = seeded_app.test_client()
    more = [upload(client, token, DEMO_SLUG, jpeg(colour=(n * 20, 10, 10)), f"x{n}.jpg")["id"] for n in range(4)]
    chosen = ids[:8] + more
    before = revision(seeded_app)
    response = client.post(f"{API}/photos/bulk", headers=bearer(token),
                           json={"ids": chosen, "action": "place", "lat": BAOTOU[0], "lon": BAOTOU[1]})
    assert response.status_code == 200, response.json
    assert response.json["ids"] == sorted(chosen, key=lambda i: [p["id"] for p in response.json["photos"]].index(i))
    assert response.json["message"].startswith("12 photos placed at 40.65740, 109.84030")
    assert {(p["lat"], p["lon"], p["location_source"]) for p in response.json["photos"]} == {(*BAOTOU, "manual")}
    assert {p["stop"] for p in response.json["photos"]} == {"baotou"}  # each joins the stop it lies at
    assert revision(seeded_app) > before


def test_captioning_attaching_and_detaching_many_photos_through_the_api(seeded_app, demo):
    token, _, ids = demo
    client = seeded_app.test_client()
    answer = client.post(f"{API}/photos/bulk", headers=bearer(token),
                         json={"ids": ids[:3], "action": "caption", "caption": "  On the road  "}).json
    assert [p["caption"] for p in answer["photos"]] == ["On the road"] * 3
    answer = client.post(f"{API}/photos/bulk", headers=bearer(token),
                         json={"ids": ids[:3], "action": "stop", "stop": "hohhot"}).json
    assert [p["stop"] for p in answer["photos"]] == ["hohhot"] * 3
    answer = client.post(f"{API}/photos/bulk", headers=bearer(token),
                         json={"ids": ids[:2], "action": "stop", "stop": None}).json
    assert [p["stop"] for p in answer["photos"]] == [None, None]
    assert answer["message"] == "2 photos detached from their stop."


def test_deleting_many_photos_through_the_api_removes_their_rows_and_then_their_files(seeded_app, demo):
    token, _, ids = demo
    with seeded_app.app_context():
        gone = [f for p in db.session().scalars(select(Photo).where(Photo.id.in_(ids[:3])))
                for f in (p.original_path, p.display_path, p.thumb_path)]
    before = media_files(seeded_app)
    assert set(gone) <= set(before)
    response = seeded_app.test_client().post(f"{API}/photos/bulk", headers=bearer(token),
                                             json={"ids": ids[:3], "action": "delete"})
    assert response.status_code == 200 and response.json["message"] == "3 photos deleted."
    with seeded_app.app_context():
        assert db.session().scalars(select(Photo).where(Photo.id.in_(ids[:3]))).all() == []
    assert not set(gone) & set(media_files(seeded_app))
    assert len(media_files(seeded_app)) == len(before) - len(set(gone))


@pytest.mark.parametrize("action", [{"action": "place", "lat": 1, "lon": 2}, {"action": "caption", "caption": "x"},
                                    {"action": "stop", "stop": "baotou"}, {"action": "delete"}])
def test_an_id_of_someone_elses_photo_refuses_the_whole_request_with_404_and_changes_nothing(seeded_app, demo, eve,
                                                                                               action):
    token, client, ids = demo
    foreign = eve[2]
    before = state(seeded_app)
    response = seeded_app.test_client().post(f"{API}/photos/bulk", headers=bearer(token),
                                             json={"ids": [ids[0], foreign], **action})
    assert response.status_code == 404
    assert response.json["error"]["message"] == f"This trip has no photo {foreign}. Nothing was changed."
    # The workspace form says the same, with the same status, and changes nothing either.
    response = client.post(f"{WORK}/bulk", data={"csrf_token": csrf_token(client, WORK), "ids": [ids[0], foreign],
                                                 **{k: str(v) for k, v in action.items()}, "confirm": "yes"})
    assert response.status_code == 404
    assert f"This trip has no photo {foreign}. Nothing was changed." in response.get_data(as_text=True)
    assert state(seeded_app) == before
    # Nor may eve act on the demo trip's photos through her own trip.
    response = seeded_app.test_client().post(f"/api/trips/{eve[1]}/photos/bulk", headers=bearer(eve[0]),
                                             json={"ids": [foreign, ids[0]], **action})
    assert response.status_code == 404 and state(seeded_app) == before
    # … nor through the demo trip, which is not hers (the API's rule for another author's trip: 403).
    response = seeded_app.test_client().post(f"{API}/photos/bulk", headers=bearer(eve[0]),
                                             json={"ids": [ids[0]], **action})
    assert response.status_code == 403 and state(seeded_app) == before


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"action": "place", "lat": 1, "lon": 2}, 400, "Choose at least one photo"),
    ({"ids": [], "action": "caption"}, 400, "Choose at least one photo"),
    ({"ids": "1,2", "action": "caption"}, 400, "Choose at least one photo"),
    ({"ids": ["one"], "action": "caption"}, 400, "ids must be a number"),
    ({"ids": [1], "action": "paint"}, 400, "action must be one of: place, caption, stop, delete"),
    ({"ids": [1], "action": "place", "lat": 91, "lon": 0}, 400, "lat"),
    ({"ids": [1], "action": "place"}, 400, "lat is required"),
    ({"ids": [1], "action": "caption", "caption": ["x"]}, 400, "caption must be text"),
    ({"ids": [1], "action": "caption", "caption": "x" * 3000}, 400, "caption is too long"),
    ({"ids": [1], "action": "stop", "stop": "nowhere"}, 404, "no stop 'nowhere'"),
    ({"ids": [1], "action": "stop", "stop": {"id": 1}}, 400, "stop must be a stop's id or slug"),
])
def test_bad_bulk_requests_are_clear_4xx_answers_that_change_nothing(seeded_app, demo, body, status, words):
    token, _, ids = demo
    body = {**body, "ids": [ids[0] if i == 1 else i for i in body["ids"]]} if isinstance(body.get("ids"), list) \
        else body
    before = state(seeded_app)
    response = seeded_app.test_client().post(f"{API}/photos/bulk", headers=bearer(token), json=body)
    assert response.status_code == status, response.json
    assert words in response.json["error"]["message"]
    assert state(seeded_app) == before


# ---------------------------------------------------------------- the workspace form

def test_the_review_list_acts_on_the_ticked_photos_as_a_plain_form(seeded_app, demo):
    _, client, ids = demo
    page = client.get(WORK).get_data(as_text=True)
    assert page.count('name="ids"') == len(ids) and 'form="bulk"' in page
    token = csrf_token(client, WORK)
    response = client.post(f"{WORK}/bulk", data={"csrf_token": token, "ids": [str(i) for i in ids[:4]],
                                                 "action": "place", "lat": "40.8", "lon": "111.6"})
    assert response.status_code == 302 and response.headers["Location"].endswith(WORK)
    assert "4 photos placed at 40.80000, 111.60000." in client.get(WORK).get_data(as_text=True)
    client.post(f"{WORK}/bulk", data={"csrf_token": token, "ids": [str(ids[0])], "action": "caption",
                                      "caption": "Temple"})
    with seeded_app.app_context():
        photos = {p.id: p for p in db.session().scalars(select(Photo).where(Photo.id.in_(ids[:4])))}
        assert {(p.lat, p.lon, p.location_source) for p in photos.values()} == {(40.8, 111.6, "manual")}
        assert photos[ids[0]].caption == "Temple"
        stop = db.session().scalar(select(Stop).where(Stop.slug == "baotou"))
        assert stop is not None
        stop_id = stop.id
    client.post(f"{WORK}/bulk", data={"csrf_token": token, "ids": [str(i) for i in ids[:2]], "action": "stop",
                                      "stop": str(stop_id)})
    with seeded_app.app_context():
        assert {p.stop_id for p in db.session().scalars(select(Photo).where(Photo.id.in_(ids[:2])))} == {stop_id}


def test_select_all_without_script_comes_back_with_every_box_ticked(seeded_app, demo):
    _, client, ids = demo
    page = client.get(f"{WORK}?select=all").get_data(as_text=True)
    assert page.count(" checked>") == len(ids)


def test_the_bulk_form_refuses_a_post_without_its_csrf_token(seeded_app, demo):
    _, client, ids = demo
    before = state(seeded_app)
    response = client.post(f"{WORK}/bulk", data={"ids": [str(ids[0])], "action": "delete", "confirm": "yes"})
    assert response.status_code == 400
    assert state(seeded_app) == before


def test_deleting_from_the_review_list_asks_first_listing_what_goes(seeded_app, demo):
    _, client, ids = demo
    token = csrf_token(client, WORK)
    with seeded_app.app_context():
        names = [p.original_name for p in db.session().scalars(select(Photo).where(Photo.id.in_(ids[:2])))]
    before = state(seeded_app)
    response = client.post(f"{WORK}/bulk", data={"csrf_token": token, "ids": [str(i) for i in ids[:2]],
                                                 "action": "delete"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Delete 2 photos?" in page
    assert all(name in page for name in names)
    assert page.count('type="hidden" name="ids"') == 2 and 'name="confirm" value="yes"' in page
    assert state(seeded_app) == before  # asking deletes nothing
    response = client.post(f"{WORK}/bulk", data={"csrf_token": token, "ids": [str(i) for i in ids[:2]],
                                                 "action": "delete", "confirm": "yes"})
    assert response.status_code == 302
    assert "2 photos deleted." in client.get(WORK).get_data(as_text=True)
    with seeded_app.app_context():
        assert db.session().scalars(select(Photo).where(Photo.id.in_(ids[:2]))).all() == []


def test_a_failed_bulk_action_says_why_with_a_4xx_and_keeps_the_selection(seeded_app, demo):
    _, client, ids = demo
    response = client.post(f"{WORK}/bulk", data={"csrf_token": csrf_token(client, WORK),
                                                 "ids": [str(i) for i in ids[:3]], "action": "place", "lat": "north",
                                                 "lon": "1", "caption": "kept"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "lat must be a number, not &#39;north&#39;." in page
    assert page.count(" checked>") == 3 and 'value="kept"' in page


def test_a_caption_set_in_bulk_is_escaped_on_the_review_list_and_the_confirmation(seeded_app, demo):
    token, client, ids = demo
    evil = '<img src=x onerror="alert(1)">'
    seeded_app.test_client().post(f"{API}/photos/bulk", headers=bearer(token),
                                  json={"ids": ids[:1], "action": "caption", "caption": evil})
    review = client.get(WORK).get_data(as_text=True)
    confirm = client.post(f"{WORK}/bulk", data={"csrf_token": csrf_token(client, WORK), "ids": [str(ids[0])],
                                                "action": "delete"}).get_data(as_text=True)
    for page in (review, confirm):
        assert evil not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
