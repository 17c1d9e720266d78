"""Photos in bulk in a real browser: an author ticks twelve unplaced photos ("Select all") and places them with one
click on the map, captions a Shift-clicked range, deletes a selection after a confirmation that lists it, and makes
a photo the trip's cover, which the front page's card then shows; on a desktop (1280 px) and a phone (390 px)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from ..authoring_helpers import bearer, make_author
from ..photofactory import jpeg
from .conftest import PHONE
from .test_workspace import USERNAME, flash, log_in, whole_page

pytestmark = pytest.mark.browser

SLUG = "market-towns"
WIDTHS: dict[str, dict[str, Any]] = {"desktop": {"viewport": {"width": 1280, "height": 860}}, "phone": PHONE}


@pytest.fixture
def photo_server(empty_live_server: Any) -> Any:
    """The empty app, served, with an author whose public trip has a stop in Baotou and twelve photos without a
    place (no GPS, no time)."""
    app = empty_live_server.app
    token = make_author(app, USERNAME)
    client = app.test_client()
    assert client.post("/api/trips", json={"title": "Market towns", "slug": SLUG, "visibility": "public"},
                       headers=bearer(token)).status_code == 201
    client.post(f"/api/trips/{SLUG}/legs", json={"name": "By bus"}, headers=bearer(token))
    client.post(f"/api/trips/{SLUG}/stops", json={"name": "Baotou", "lat": 40.6574, "lon": 109.8403, "leg": 1},
                headers=bearer(token))
    for n in range(12):
        data = jpeg(size=(320, 240), colour=(40 + n * 17, 90 + n * 9, 200 - n * 12))
        response = client.post(f"/api/trips/{SLUG}/photos", data={"file": (io.BytesIO(data), f"market-{n + 1:02}.jpg")},
                               headers=bearer(token), content_type="multipart/form-data")
        assert response.status_code == 201, response.get_data(as_text=True)
    return empty_live_server


def boxes(page: Any) -> Any:
    return page.locator('input[name="ids"][form="bulk"]')


@pytest.mark.parametrize("width", WIDTHS)
def test_an_author_places_captions_deletes_and_chooses_a_cover_for_many_photos_at_once(
        photo_server: Any, open_page: Any, screenshot: Any, width: str) -> None:
    b = open_page(**WIDTHS[width])
    page = b.page
    log_in(page, photo_server)
    page.goto(photo_server(f"/author/trips/{SLUG}/photos"))
    page.locator(".tm-map-bulk .leaflet-container").wait_for()
    assert page.locator(".tm-unplaced").count() == 12
    assert page.get_by_role("link", name="Select all").is_hidden()  # the no-script link gives way to the box
    whole_page(screenshot, page, f"photo-bulk-{width}-1-review")

    # Twelve photos placed with one click on the map.
    page.get_by_label("Select all").check()
    assert page.locator(".tm-bulk-count").inner_text() == "12 photos selected"
    page.locator(".tm-map-bulk .leaflet-container").scroll_into_view_if_needed()
    screenshot(page, f"photo-bulk-{width}-2-selected")
    with page.expect_navigation():
        page.locator(".tm-map-bulk .leaflet-container").click(position={"x": 120, "y": 120})
    assert re.search(r"12 photos placed at -?\d+\.\d{5}, -?\d+\.\d{5}\.", flash(page)), flash(page)
    assert page.locator(".tm-unplaced").count() == 0
    whole_page(screenshot, page, f"photo-bulk-{width}-3-placed")

    # A Shift-clicked range captioned: photos 2 to 5.
    boxes(page).nth(1).click()
    boxes(page).nth(4).click(modifiers=["Shift"])
    assert page.locator(".tm-bulk-count").inner_text() == "4 photos selected"
    assert [boxes(page).nth(i).is_checked() for i in range(6)] == [False, True, True, True, True, False]
    page.get_by_label("Caption", exact=True).fill("Market <day>")
    page.get_by_role("button", name="Set the caption").click()
    page.wait_for_url(re.compile(r"/photos$"))
    assert "4 photos captioned." in flash(page)
    assert page.locator(".tm-review-item strong", has_text="Market <day>").count() == 4

    # Two deleted, after a page that lists them.
    boxes(page).nth(0).check()
    boxes(page).nth(11).check()
    page.get_by_role("button", name="Delete the selected photos…").click()
    page.wait_for_url(re.compile(r"/photos/bulk$"))
    assert page.get_by_role("heading", name="Delete 2 photos?").is_visible()
    assert page.locator(".tm-doomed li").count() == 2
    screenshot(page, f"photo-bulk-{width}-4-confirm", full_page=True)
    page.get_by_role("button", name="Delete 2 photos").click()
    page.wait_for_url(re.compile(r"/photos$"))
    assert "2 photos deleted." in flash(page)
    assert boxes(page).count() == 10

    # The second photo made the cover: the front page's card shows it.
    row = page.locator(".tm-review-item").nth(1)
    photo_id = row.locator('input[name="ids"]').get_attribute("value")
    row.get_by_role("button", name="Make cover").click()
    page.wait_for_url(re.compile(r"/photos$"))
    assert "cover now" in flash(page)
    assert page.locator(f"#photo-{photo_id} .tm-badge").inner_text() == "Cover"
    if width == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(photo_server("/"))
    cover = page.locator(".tm-card-cover").first
    assert f"/photos/{photo_id}/" in (cover.get_attribute("src") or "")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    assert cover.evaluate("i => i.naturalWidth") > 0
    body = page.locator(".tm-card-body").first.bounding_box()
    picture = cover.bounding_box()
    assert body["y"] >= picture["y"] + picture["height"] - 1  # the text under the cover, on a phone too
    page.locator(".tm-card").first.scroll_into_view_if_needed()
    screenshot(page, f"photo-bulk-{width}-5-front-page")
    assert not b.record.problems(), b.record.problems()
