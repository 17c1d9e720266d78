"""Which photos readers get: a media file is served when any photo that uses it may be seen by the reader, and
photos still waiting to be placed are shown nowhere until their author places them."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Stop

from .authoring_helpers import bearer, login, make_author
from .conftest import DEMO_SLUG
from .photofactory import jpeg

PLACED = jpeg(taken=datetime(2010, 10, 14, 11, 0), offset="+08:00", lat=40.6574, lon=109.8403, colour=(10, 160, 90))
UNPLACED = jpeg(taken=datetime(2010, 10, 14, 11, 5), offset="+08:00", colour=(90, 10, 160))


def new_trip(client, token: str, title: str, visibility: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/api/trips", json={"title": title, "visibility": visibility}, headers=bearer(token))
    assert response.status_code == 201, response.json
    return response.json["slug"]


def upload(client, token: str, slug: str, data: bytes) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/trips/{slug}/photos", data={"file": (io.BytesIO(data), "photo.jpg")},
                           headers=bearer(token), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json[0]


# ---------------------------------------------------------------- one file, several trips

@pytest.mark.parametrize("order", [("private", "public"), ("public", "private"), ("private", "unlisted")])
def test_a_photo_file_is_served_when_any_trip_that_holds_it_may_be_seen(seeded_app, order):
    token = make_author(seeded_app, "ann")
    client = seeded_app.test_client()
    results = [upload(client, token, new_trip(client, token, f"Trip {n}", visibility), PLACED)
               for n, visibility in enumerate(order)]
    assert results[0]["thumbnail_url"] == results[1]["thumbnail_url"]  # one content-hash file, two rows
    reader = seeded_app.test_client()
    for url in (results[0]["thumbnail_url"], results[0]["display_url"]):
        assert reader.get(url, buffered=True).status_code == 200, url


def test_a_photo_file_only_in_private_trips_is_404_to_others_and_served_to_its_owner(seeded_app):
    token = make_author(seeded_app, "ann")
    make_author(seeded_app, "bob")
    client = seeded_app.test_client()
    result = [upload(client, token, new_trip(client, token, f"Private {n}", "private"), PLACED) for n in (1, 2)][0]
    assert seeded_app.test_client().get(result["thumbnail_url"], buffered=True).status_code == 404
    bob = seeded_app.test_client()
    login(bob, "bob")
    assert bob.get(result["thumbnail_url"], buffered=True).status_code == 404
    ann = seeded_app.test_client()
    login(ann, "ann")
    assert ann.get(result["thumbnail_url"], buffered=True).status_code == 200


def test_a_file_placed_in_a_private_trip_and_waiting_in_a_public_one_is_not_served(seeded_app):
    token = make_author(seeded_app, "ann")
    client = seeded_app.test_client()
    placed = upload(client, token, new_trip(client, token, "Private", "private"), PLACED)
    public = new_trip(client, token, "Public", "public")
    waiting = upload(client, token, public, PLACED)
    client.patch(f"/api/trips/{public}/photos/{waiting['id']}", json={"lat": 40.0, "lon": 110.0},
                 headers=bearer(token))
    with seeded_app.app_context():  # the public copy waits to be placed (as one without GPS would)
        s = db.session()
        photo = s.get(Photo, waiting["id"])
        photo.lat = photo.lon = photo.location_source = None
        s.commit()
    assert seeded_app.test_client().get(placed["thumbnail_url"], buffered=True).status_code == 404


# ---------------------------------------------------------------- photos waiting to be placed

@pytest.fixture
def waiting(seeded_app):  # type: ignore[no-untyped-def]
    """The demo trip with one photo that has no place (no GPS, no track at its time): (token, photo id, thumb URL)."""
    token = make_author(seeded_app, "demo")
    result = upload(seeded_app.test_client(), token, DEMO_SLUG, UNPLACED)
    assert result["lat"] is None and result["location_source"] is None
    return token, result["id"], result["thumbnail_url"], result["display_url"]


T = f"/trips/{DEMO_SLUG}"


def reader_outputs(client, photo_id: int, thumb: str) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    """Where a reader meets the photo: True for each output that shows or serves it (files are read whole, so
    their handles close)."""
    trip = client.get(T).get_data(as_text=True)
    stats = trip[trip.index('class="tm-stats"'):trip.index("</dl>")]
    return {
        "trip page count": "<dt>Photos</dt><dd>9</dd>" in stats,
        "photos.json": f'"{photo_id}"' in client.get(f"{T}/photos.json").get_data(as_text=True),
        "geojson": thumb.rsplit("/", 1)[-1] in client.get(f"{T}.geojson").get_data(as_text=True),
        "media thumbnail": client.get(thumb, buffered=True).status_code == 200,
        "photo by id": client.get(f"{T}/photos/{photo_id}/thumb.jpg", buffered=True).status_code == 200,
        "stop gallery": thumb in client.get(f"{T}/stops/baotou").get_data(as_text=True),
        "post gallery": thumb in client.get("/posts/baotou-capital-of-rare-earths").get_data(as_text=True),
    }


def test_a_photo_waiting_to_be_placed_is_shown_to_no_reader_anywhere(seeded_app, waiting):
    token, photo_id, thumb, display = waiting
    with seeded_app.app_context():  # even when it is filed under a stop (an archive can say so)
        s = db.session()
        s.get(Photo, photo_id).stop_id = s.scalar(select(Stop.id).where(Stop.slug == "baotou"))
        s.get(Photo, photo_id).trip.revision += 1
        s.commit()
    owner = seeded_app.test_client()
    login(owner, "demo")
    reader = seeded_app.test_client()
    outputs = reader_outputs(reader, photo_id, thumb)
    assert not any(outputs.values()), outputs
    assert reader.get(display, buffered=True).status_code == 404
    # Its owner reads the same pages (they are cached once for everyone) …
    outputs = reader_outputs(owner, photo_id, thumb)
    assert not any(v for k, v in outputs.items() if k != "media thumbnail"), outputs
    # … and still sees it in the workspace, waiting for a place, which needs its files.
    assert thumb in owner.get(f"/author{T}/photos").get_data(as_text=True)
    assert owner.get(thumb, buffered=True).status_code == 200 and owner.get(display, buffered=True).status_code == 200


def test_once_placed_by_hand_the_photo_appears_everywhere(seeded_app, waiting):
    token, photo_id, thumb, _ = waiting
    response = seeded_app.test_client().patch(f"{T}/photos/{photo_id}".replace("/trips", "/api/trips"),
                                              json={"lat": 40.6574, "lon": 109.8403}, headers=bearer(token))
    assert response.status_code == 200, response.json
    outputs = reader_outputs(seeded_app.test_client(), photo_id, thumb)
    assert all(outputs.values()), outputs


def test_the_sql_filter_for_photo_files_selects_what_the_rule_allows(seeded_app, waiting):
    from travelmap.models import Author, Trip
    from travelmap.services.reading import photo_files
    from travelmap.visibility import can_get_photo_file

    make_author(seeded_app, "bob")
    for visibility in ("public", "unlisted", "private"):
        with seeded_app.app_context():
            s = db.session()
            s.scalars(select(Trip)).one().visibility = visibility
            s.commit()
            for viewer in [None, *s.scalars(select(Author.id))]:
                selected = set(s.scalars(select(Photo.id).join(Trip, Photo.trip_id == Trip.id)
                                         .where(photo_files(viewer))))
                allowed = {p.id for p in s.scalars(select(Photo)) if can_get_photo_file(
                    p.trip.visibility, p.trip.owner_id, p.lat is not None and p.lon is not None, viewer)}
                assert selected == allowed, (visibility, viewer)
