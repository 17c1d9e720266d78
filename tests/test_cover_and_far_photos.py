"""A trip's cover photo (chosen by its author, shown on its card and in its link preview, never one readers may not
see), far-away photos, and the move map centred on the photo."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Trip, TripCover

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG
from .multipart import multipart
from .photofactory import jpeg

API = f"/api/trips/{DEMO_SLUG}"
WORK = f"/author/trips/{DEMO_SLUG}/photos"
GREEN = (20, 200, 40)


def upload(client, token: str, data: bytes, name: str = "p.jpg", slug: str = DEMO_SLUG) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/trips/{slug}/photos", headers=bearer(token), **multipart(data, name))
    assert response.status_code == 201, response.json
    return response.json[0]


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


@pytest.fixture
def green(seeded_app, token):  # type: ignore[no-untyped-def]
    """A big green photo placed near Baotou, in the demo trip: its id."""
    return upload(seeded_app.test_client(), token, jpeg(lat=40.65, lon=109.84, size=(800, 600), colour=GREEN),
                  "green.jpg")["id"]


def card_image(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/").get_data(as_text=True)
    card = page[page.index(f'href="/trips/{DEMO_SLUG}"'):]
    return re.search(r'<img class="tm-card-cover" src="([^"]+)"', card).group(1)  # type: ignore[union-attr]


def test_the_author_chooses_a_cover_which_the_front_page_card_shows(seeded_app, token, green):
    client = seeded_app.test_client()
    assert f"/photos/{green}/" not in card_image(client)  # the fallback: the trip's first placed photo
    response = client.patch(API, json={"cover_photo": green}, headers=bearer(token))
    assert response.status_code == 200 and response.json["cover_photo"] == green
    assert f"/photos/{green}/" in card_image(seeded_app.test_client())
    response = client.patch(API, json={"cover_photo": None}, headers=bearer(token))
    assert response.json["cover_photo"] is None
    assert f"/photos/{green}/" not in card_image(seeded_app.test_client())


def test_the_make_cover_button_chooses_the_cover_in_the_workspace(seeded_app, token, green):
    owner = seeded_app.test_client()
    login(owner, "demo")
    assert "Make cover" in owner.get(WORK).get_data(as_text=True)
    response = owner.post(f"/author/trips/{DEMO_SLUG}/cover", data={"csrf_token": csrf_token(owner, WORK),
                                                                     "photo": str(green)})
    assert response.status_code == 302
    page = owner.get(WORK).get_data(as_text=True)
    assert "is the trip&#39;s cover now" in page and "Stop using as cover" in page
    assert owner.post(f"/author/trips/{DEMO_SLUG}/cover", data={"photo": ""}).status_code == 400  # no CSRF token
    assert seeded_app.test_client().get(API, headers=bearer(token)).json["cover_photo"] == green


def test_a_photo_readers_may_not_see_cannot_be_chosen_as_the_cover(seeded_app, token, green):
    client = seeded_app.test_client()
    unplaced = upload(client, token, jpeg(), "nowhere.jpg")["id"]
    response = client.patch(API, json={"cover_photo": unplaced}, headers=bearer(token))
    assert response.status_code == 400 and "has no place yet" in response.json["error"]["message"]
    other = make_author(seeded_app, "eve")
    slug = client.post("/api/trips", json={"title": "Eve's"}, headers=bearer(other)).json["slug"]
    foreign = upload(client, other, jpeg(lat=1, lon=1), slug=slug)["id"]
    response = client.patch(API, json={"cover_photo": foreign}, headers=bearer(token))
    assert response.status_code == 404 and response.json["error"]["message"] == f"This trip has no photo {foreign}."
    for bad in ("one", True, 1.5, [green]):
        assert client.patch(API, json={"cover_photo": bad}, headers=bearer(token)).status_code == 400
    assert client.post("/api/privacy-zones", json={"lat": 40.65, "lon": 109.84, "radius_m": 2000},
                       headers=bearer(token)).status_code == 201
    response = client.patch(API, json={"cover_photo": green}, headers=bearer(token))
    assert response.status_code == 400 and "privacy zones" in response.json["error"]["message"]
    assert client.get(API, headers=bearer(token)).json["cover_photo"] is None


def test_a_cover_that_falls_in_a_privacy_zone_later_gives_way_on_the_card_and_in_the_preview(seeded_app, token, green):
    client = seeded_app.test_client()
    client.patch(API, json={"cover_photo": green}, headers=bearer(token))
    assert f"/photos/{green}/" in card_image(client)
    client.post("/api/privacy-zones", json={"lat": 40.65, "lon": 109.84, "radius_m": 2000}, headers=bearer(token))
    reader = seeded_app.test_client()
    assert f"/photos/{green}/" not in card_image(reader)
    assert not is_green(preview_pixel(reader))


def test_deleting_the_cover_photo_clears_the_choice(seeded_app, token, green):
    client = seeded_app.test_client()
    client.patch(API, json={"cover_photo": green}, headers=bearer(token))
    assert client.delete(f"{API}/photos/{green}", headers=bearer(token)).status_code == 204
    assert client.get(API, headers=bearer(token)).json["cover_photo"] is None
    with seeded_app.app_context():
        assert db.session().scalars(select(TripCover)).all() == []


def preview_pixel(client, xy: tuple[int, int] = (200, 250)) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    response = client.get(f"/trips/{DEMO_SLUG}/preview.png", buffered=True)
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.data)) as image:
        return image.convert("RGB").getpixel(xy)  # type: ignore[return-value]


def is_green(pixel: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 30 for a, b in zip(pixel, GREEN))


def test_the_link_preview_draws_the_chosen_cover_beside_the_route(seeded_app, token, green):
    client = seeded_app.test_client()
    assert not is_green(preview_pixel(client))
    client.patch(API, json={"cover_photo": green}, headers=bearer(token))
    assert is_green(preview_pixel(seeded_app.test_client()))  # the revision changed, so the cached copy did too
    page = seeded_app.test_client().get(f"/trips/{DEMO_SLUG}").get_data(as_text=True)
    assert re.search(r'<meta property="og:image" content="[^"]+/trips/' + DEMO_SLUG + r'/preview\.png', page)


def test_a_backup_carries_the_cover_choice(seeded_app, token, green, tmp_path):
    from travelmap.services.archive import export_trip, import_trip

    seeded_app.test_client().patch(API, json={"cover_photo": green}, headers=bearer(token))
    media = Path(seeded_app.config["MEDIA_DIR"])
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalar(select(Trip).where(Trip.slug == DEMO_SLUG))
        assert trip is not None
        document = export_trip(s, trip, media, tmp_path / "b.zip")
        sha = s.get(Photo, green).sha256  # type: ignore[union-attr]
        assert document["trip"]["cover_photo"] == sha
        copy = import_trip(s, tmp_path / "b.zip", media, trip.owner, slug="copy")
        s.commit()
        cover = s.scalar(select(Photo).join(TripCover, TripCover.photo_id == Photo.id)
                         .where(TripCover.trip_id == copy.id))
        assert cover is not None and cover.sha256 == sha and cover.trip_id == copy.id


# ---------------------------------------------------------------- far away

def test_a_photo_far_from_the_rest_of_the_trip_is_warned_about_with_its_distance(seeded_app, token):
    client = seeded_app.test_client()
    paris = upload(client, token, jpeg(lat=48.8566, lon=2.3522), "paris.jpg")
    assert 7_000 < paris["far_away_km"] < 8_000
    note = (f"This photo lies {round(paris['far_away_km'], -1):,.0f} km from the rest of the trip, in Europe, while "
            "the rest of the trip is in Asia. Is it in the right trip?")
    assert {"code": "far_away", "message": note} in paris["warnings"]
    near = upload(client, token, jpeg(lat=40.6, lon=109.8), "baotou.jpg")
    assert near["far_away_km"] is None and not any("from the rest" in w for w in near["warnings"])
    owner = seeded_app.test_client()
    login(owner, "demo")
    review = owner.get(WORK).get_data(as_text=True)
    assert note in review and review.count("This photo lies") == 1
    assert note in owner.get(f"{WORK}/{paris['id']}").get_data(as_text=True)
    # Placed by hand near the trip, it is no longer far.
    client.patch(f"{API}/photos/{paris['id']}", json={"lat": 40.7, "lon": 109.9}, headers=bearer(token))
    assert "This photo lies" not in owner.get(WORK).get_data(as_text=True)


def test_the_workspace_upload_flashes_the_far_away_warning(seeded_app, token):
    owner = seeded_app.test_client()
    login(owner, "demo")
    body = multipart(jpeg(lat=-33.86, lon=151.2), "sydney.jpg")
    response = owner.post(WORK, headers={"X-CSRFToken": csrf_token(owner, WORK)}, **body)
    assert response.status_code == 302
    page = owner.get(WORK).get_data(as_text=True)
    assert "sydney.jpg: This photo lies" in page and "in Australia" in page


# ---------------------------------------------------------------- the move map

def fitted(page: str) -> list[float]:
    match = re.search(r"fitBounds\(\s*\[\[([-\d.e]+),\s*([-\d.e]+)\],\s*\[([-\d.e]+),\s*([-\d.e]+)\]\]", page)
    assert match, "no fitBounds on the page"
    return [float(v) for v in match.groups()]


def test_the_move_map_centres_on_the_photos_place_with_a_marker_or_on_the_trip_without_one(seeded_app, token):
    client = seeded_app.test_client()
    placed = upload(client, token, jpeg(lat=41.0, lon=111.0), "placed.jpg")
    unplaced = upload(client, token, jpeg(), "unplaced.jpg")
    owner = seeded_app.test_client()
    login(owner, "demo")
    page = owner.get(f"{WORK}/{placed['id']}").get_data(as_text=True)
    south, west, north, east = fitted(page)
    assert south < 41.0 < north and west < 111.0 < east and north - south < 0.1  # a few km around the photo
    assert 'value="41.0"' in page  # the click-to-fill marker starts at the photo's place
    south, west, north, east = fitted(owner.get(f"{WORK}/{unplaced['id']}").get_data(as_text=True))
    assert north - south > 1 and east - west > 5  # the whole trip, Beijing to Baotou
