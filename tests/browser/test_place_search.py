"""Places by name in a real browser: an author places a stop by typing "Baotou" and another by typing "包头",
gets the nearest town as the name of a stop placed by clicking the map, and moves a photo to Hohhot by name;
on a desktop (1280 px) and on a phone (390 px)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..authoring_helpers import bearer, make_author
from .conftest import PHONE
from .test_workspace import USERNAME, flash, log_in, wait_for_picker, whole_page

pytestmark = pytest.mark.browser

SLUG = "grassland-and-steel"
DATA = Path(__file__).resolve().parents[2] / "data"
WIDTHS: dict[str, dict[str, Any]] = {"desktop": {"viewport": {"width": 1280, "height": 860}}, "phone": PHONE}


@pytest.fixture
def trip_server(empty_live_server: Any) -> Any:
    """The empty app, served, with an author who has a trip with one leg and one photo (taken in Baotou)."""
    app = empty_live_server.app
    token = make_author(app, USERNAME)
    client = app.test_client()
    assert client.post("/api/trips", json={"title": "Grassland and steel", "slug": SLUG,
                                           "timezone": "Asia/Shanghai"}, headers=bearer(token)).status_code == 201
    assert client.post(f"/api/trips/{SLUG}/legs", json={"name": "Inner Mongolia"},
                       headers=bearer(token)).status_code == 201
    photo = (DATA / "photos" / "05-baotou-centre.jpg").read_bytes()
    response = client.post(f"/api/trips/{SLUG}/photos", data={"file": (photo_file(photo), "baotou.jpg")},
                           headers=bearer(token), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return empty_live_server


def photo_file(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def wait_for_map(page: Any) -> None:
    """Wait until the form's map (stop or photo) is drawn and has stopped zooming."""
    page.locator(".tm-map-picker .leaflet-container").wait_for()
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")


def map_centre(page: Any) -> tuple[float, float]:
    """Return the centre of the form's Leaflet map."""
    centre = page.evaluate("() => { const id = document.querySelector('.tm-map-picker .folium-map').id;"
                           " const c = window[id].getCenter(); return [c.lat, c.lng]; }")
    return centre[0], centre[1]


def typed(page: Any, text: str) -> Any:
    """Type into the place search as a person does, a key at a time; return the list of places."""
    box = page.get_by_role("combobox", name="Find a town or city")
    box.click()
    box.press_sequentially(text, delay=40)
    listbox = page.get_by_role("listbox", name="Places")
    listbox.get_by_role("option").first.wait_for()
    return listbox


@pytest.mark.parametrize("device", WIDTHS)
def test_an_author_places_stops_and_a_photo_by_typing_a_town_s_name(
        trip_server: Any, open_page: Any, screenshot: Any, device: str) -> None:
    b = open_page(**WIDTHS[device])
    page = b.page
    log_in(page, trip_server)
    new_stop = trip_server(f"/author/trips/{SLUG}/stops/new?leg=1")

    # "Baotou", chosen with the keyboard.
    page.goto(new_stop)
    wait_for_picker(page)
    listbox = typed(page, "Baotou")
    first = listbox.get_by_role("option").first
    assert first.locator(".tm-placesearch-name").inner_text() == "Baotou"
    assert "China" in first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device]["viewport"]["width"]
    screenshot(page, f"{device}-place-search-baotou-list")
    page.keyboard.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    combobox = page.get_by_role("combobox", name="Find a town or city")
    assert combobox.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Enter")
    assert listbox.is_hidden()
    assert float(page.locator("#lat").input_value()) == pytest.approx(40.65, abs=0.05)
    assert float(page.locator("#lon").input_value()) == pytest.approx(109.84, abs=0.05)
    assert page.get_by_label("Name", exact=True).input_value() == "Baotou"
    page.locator(".tm-picked").wait_for()
    assert map_centre(page) == pytest.approx((40.65, 109.84), abs=0.05)
    assert page.url == new_stop, "Enter in the search box must not submit the form"
    whole_page(screenshot, page, f"{device}-place-search-baotou-placed")
    page.get_by_label("Arrived (local time)").fill("2010-10-14T10:00")
    page.get_by_role("button", name="Add the stop").click()
    page.wait_for_url(trip_server(f"/author/trips/{SLUG}"))
    assert "Stop added" in flash(page)

    # "包头", chosen with a tap or a click; the stop keeps the name as typed in Chinese.
    page.goto(new_stop)
    wait_for_picker(page)
    listbox = typed(page, "包头")
    first = listbox.get_by_role("option").first
    assert first.locator(".tm-placesearch-name").inner_text() == "Baotou"
    assert first.locator(".tm-placesearch-matched").inner_text() == "包头"
    screenshot(page, f"{device}-place-search-baotou-chinese-list")
    if device == "phone":
        first.tap()
    else:
        first.click()
    assert page.get_by_label("Name", exact=True).input_value() == "包头"
    assert float(page.locator("#lat").input_value()) == pytest.approx(40.65, abs=0.05)
    assert "Placed at Baotou, China" in page.locator(".tm-placesearch-status").inner_text()
    page.get_by_label("Arrived (local time)").fill("2010-10-15T10:00")
    page.get_by_role("button", name="Add the stop").click()
    page.wait_for_url(trip_server(f"/author/trips/{SLUG}"))
    stops = page.locator(".tm-workstops li").all_inner_texts()
    assert len(stops) == 2 and "Baotou" in stops[0] and "包头" in stops[1], stops

    # A stop placed by clicking the map gets the nearest town as its suggested name.
    page.goto(new_stop)
    container = wait_for_picker(page)
    box = container.bounding_box()
    assert box is not None
    assert page.get_by_label("Name", exact=True).input_value() == ""
    # Beside the two stops in the middle of the map (a click on their marker opens its popup instead).
    spot = {"x": box["width"] * 0.3, "y": box["height"] * 0.7}
    if device == "phone":
        container.tap(position=spot)
    else:
        container.click(position=spot)
    page.locator(".tm-suggestion").wait_for()
    assert page.get_by_label("Name", exact=True).input_value() == "Baotou"
    assert "nearest town" in page.locator(".tm-suggestion").inner_text()
    assert "Near Baotou, China" in page.locator(".tm-placesearch-status").inner_text()
    whole_page(screenshot, page, f"{device}-place-search-nearest-suggested")

    # The photo's review row names its town; moving it by name to Hohhot changes that.
    page.goto(trip_server(f"/author/trips/{SLUG}/photos"))
    row = page.locator(".tm-review-item").first
    assert "near Baotou, China" in row.inner_text()
    row.get_by_role("link", name="Move or caption").click()
    wait_for_map(page)
    listbox = typed(page, "Hohhot")
    page.keyboard.press("Enter")  # the first place, without choosing one by arrow
    assert float(page.locator("#lat").input_value()) == pytest.approx(40.81, abs=0.05)
    assert map_centre(page) == pytest.approx((40.81, 111.65), abs=0.05)
    whole_page(screenshot, page, f"{device}-place-search-photo-hohhot")
    page.get_by_role("button", name="Save the photo").click()
    page.wait_for_url(trip_server(f"/author/trips/{SLUG}/photos"))
    assert "near Hohhot, China" in page.locator(".tm-review-item").first.inner_text()
    whole_page(screenshot, page, f"{device}-place-search-photo-review")

    assert b.record.problems() == []


def test_the_place_list_is_usable_with_the_keyboard_alone(trip_server: Any, open_page: Any) -> None:
    b = open_page()
    page = b.page
    log_in(page, trip_server)
    page.goto(trip_server(f"/author/trips/{SLUG}/stops/new?leg=1"))
    wait_for_picker(page)
    listbox = typed(page, "Xilinhot")
    combobox = page.get_by_role("combobox", name="Find a town or city")
    assert combobox.get_attribute("aria-expanded") == "true"
    options = listbox.get_by_role("option")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")
    assert options.nth(0).get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert listbox.is_hidden() and combobox.get_attribute("aria-expanded") == "false"
    assert page.locator("#lat").input_value() == ""
    combobox.fill("")
    combobox.press_sequentially("Zzyzzyxq")
    page.get_by_text("No town or city called “Zzyzzyxq”").wait_for()
    assert listbox.is_hidden()
    assert b.record.problems() == []


def test_without_script_the_stop_form_still_works_with_coordinates(trip_server: Any, open_page: Any) -> None:
    b = open_page(java_script_enabled=False)
    page = b.page
    log_in(page, trip_server)
    page.goto(trip_server(f"/author/trips/{SLUG}/stops/new?leg=1"))
    assert page.locator(".tm-placesearch").is_hidden()
    page.get_by_label("Name", exact=True).fill("Hohhot")
    page.get_by_label("Latitude").fill("40.8424")
    page.get_by_label("Longitude").fill("111.749")
    page.get_by_role("button", name="Add the stop").click()
    page.wait_for_url(trip_server(f"/author/trips/{SLUG}"))
    assert "Hohhot" in page.locator(".tm-workstops").inner_text()
