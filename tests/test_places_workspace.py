"""Places by name in the workspace: the photo review list says where, and the forms carry the search box."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from travelmap import db
from travelmap.models import Photo

from .authoring_helpers import login, make_author
from .conftest import DEMO_SLUG

PHOTOS = f"/author/trips/{DEMO_SLUG}/photos"


@pytest.fixture
def author(seeded_app: Flask) -> FlaskClient:
    """A client logged in as the demo trip's owner."""
    make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    return client


def review_rows(client: FlaskClient) -> dict[str, str]:
    """Return each photo's row text in the review list, by its file name."""
    page = client.get(PHOTOS).get_data(as_text=True)
    rows = re.findall(r'<li class="tm-review-item[^"]*">(.*?)</li>', page, re.S)
    texts = {}
    for row in rows:
        name = re.search(r'<div class="tm-help">([^<·]+)', row)
        assert name, row
        texts[name.group(1).strip()] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    return texts


def test_a_photos_row_says_which_town_it_is_near_instead_of_raw_coordinates(author: FlaskClient) -> None:
    rows = review_rows(author)
    assert "near Baotou, China" in rows["05-baotou-centre.jpg"]
    assert "near Hohhot, China" in rows["02-hohhot-morning.jpg"]
    assert not re.search(r"\d+\.\d{5}, \d+\.\d{5}", rows["05-baotou-centre.jpg"])


def test_a_photo_far_from_any_town_says_how_far_or_falls_back_to_coordinates(
        seeded_app: Flask, author: FlaskClient) -> None:
    with seeded_app.app_context():
        s = db.session()
        photos = {p.original_name: p for p in s.query(Photo)}
        photos["05-baotou-centre.jpg"].lat, photos["05-baotou-centre.jpg"].lon = 41.77, 110.90  # 60 km out
        photos["02-hohhot-morning.jpg"].lat, photos["02-hohhot-morning.jpg"].lon = -40.0, -130.0  # the Pacific
        s.commit()
    rows = review_rows(author)
    assert re.search(r"\b\d+ km from [^,]+, China\b", rows["05-baotou-centre.jpg"]), rows["05-baotou-centre.jpg"]
    assert "-40.00000, -130.00000" in rows["02-hohhot-morning.jpg"]


@pytest.mark.parametrize("url", [f"/author/trips/{DEMO_SLUG}/stops/new", f"/author/trips/{DEMO_SLUG}/photos/1"])
def test_the_stop_and_photo_forms_carry_a_place_search_hidden_until_script_shows_it(
        author: FlaskClient, url: str) -> None:
    page = author.get(url).get_data(as_text=True)
    box = re.search(r'<div class="tm-placesearch"[^>]*>', page)
    assert box and " hidden" in box.group(0), "without script the box stays hidden; coordinates still work"
    assert 'data-search="/author/places"' in box.group(0) and 'data-nearest="/author/places/nearest"' in box.group(0)
    assert 'role="combobox"' in page and 'role="listbox"' in page
    assert "/static/placesearch.js" in page
    assert 'id="lat"' in page and 'id="lon"' in page
