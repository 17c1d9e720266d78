"""An author's view of travelmap in a real browser: from an empty site, log in, build a trip with a leg, a stop
placed on the map and a Markdown post, and see it all on the public trip page; a refused form keeps its input."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ..authoring_helpers import PASSWORD, make_author
from .conftest import PHONE

pytestmark = pytest.mark.browser

USERNAME = "ada"
TRIP_TITLE = "Autumn on the plateau"
TRIP_SLUG = "autumn-on-the-plateau"
LEG_NAME = "By road"
STOP_NAME = "Hohhot"
ARRIVED = "2010-10-11T15:01"
POST_TITLE = "A fine day in Hohhot"
POST_BODY = "A *fine* day on the plateau."
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture
def author_server(empty_live_server: Any) -> Any:
    """The empty app, served, with one author who can log in."""
    make_author(empty_live_server.app, USERNAME)
    return empty_live_server


def log_in(page: Any, server: Any) -> None:
    """Log in through the form and land on the dashboard."""
    page.goto(server("/login"))
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server("/author"))


def flash(page: Any) -> str:
    """Return the text of the page's status messages."""
    return " ".join(page.locator(".tm-flash").all_inner_texts())


def whole_page(screenshot: Any, page: Any, name: str) -> None:
    """Save a full-page screenshot taken from the top (a sticky header scrolled along would cover the form)."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name, full_page=True)


def wait_for_picker(page: Any) -> Any:
    """Wait until the stop form's map is drawn; return its container."""
    container = page.locator("#stop-picker .leaflet-container")
    container.wait_for()
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    return container


def test_an_author_builds_a_trip_from_an_empty_site_and_readers_see_its_stop_and_post(
        author_server: Any, open_page: Any, screenshot: Any) -> None:
    b = open_page()
    page = b.page
    log_in(page, author_server)

    # The dashboard of a new author: no trips yet.
    assert page.locator("h1").inner_text() == "Your trips"
    assert "No trips yet" in page.locator(".tm-lead").inner_text()
    whole_page(screenshot, page, "desktop-workspace-dashboard")

    # A public trip.
    page.get_by_role("link", name="New trip").click()
    page.wait_for_url(author_server("/author/trips/new"))
    page.get_by_label("Title").fill(TRIP_TITLE)
    page.get_by_label("Summary").fill("Four days by road across Inner Mongolia.")
    page.get_by_label("Visibility").select_option("public")
    page.get_by_label("Time zone").fill("Asia/Shanghai")
    page.get_by_role("button", name="Create the trip").click()
    page.wait_for_url(author_server(f"/author/trips/{TRIP_SLUG}"))
    assert "created" in flash(page)

    # Its first leg.
    page.get_by_role("link", name="Add a leg").click()
    page.wait_for_url(author_server(f"/author/trips/{TRIP_SLUG}/legs/new"))
    page.get_by_label("Name").fill(LEG_NAME)
    page.get_by_role("button", name="Add the leg").click()
    page.wait_for_url(author_server(f"/author/trips/{TRIP_SLUG}"))
    assert "Leg added" in flash(page)
    assert page.locator(".tm-workleg").count() == 1
    assert f"1. {LEG_NAME}" in page.locator(".tm-workleg").inner_text()

    # A stop placed by clicking on the map.
    page.get_by_role("link", name="+ Add a stop to this leg").click()
    page.wait_for_url(re.compile(re.escape(author_server(f"/author/trips/{TRIP_SLUG}/stops/new")) + r"\?leg=1$"))
    container = wait_for_picker(page)
    assert page.locator(".tm-picked").count() == 0
    assert page.locator("#lat").input_value() == "" and page.locator("#lon").input_value() == ""
    box = container.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    container.click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.4})
    page.locator(".tm-picked").wait_for()
    lat, lon = page.locator("#lat").input_value(), page.locator("#lon").input_value()
    assert NUMBER.match(lat) and NUMBER.match(lon), (lat, lon)
    assert -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180
    assert (float(lat), float(lon)) != (0.0, 0.0)
    page.get_by_label("Name").fill(STOP_NAME)
    page.get_by_label("Arrived (local time)").fill(ARRIVED)
    assert page.get_by_label("Leg").input_value() == "1"
    whole_page(screenshot, page, "desktop-workspace-stop-form-picked")
    page.get_by_role("button", name="Add the stop").click()
    page.wait_for_url(author_server(f"/author/trips/{TRIP_SLUG}"))
    assert "Stop added" in flash(page)
    assert page.locator(".tm-workstops li").count() == 1
    assert STOP_NAME in page.locator(".tm-workstops li").inner_text()

    # A Markdown post that the stop links to.
    page.locator(".tm-nav").get_by_role("link", name="Posts", exact=True).click()
    page.get_by_role("link", name="New post").click()
    page.wait_for_url(author_server("/author/posts/new"))
    page.get_by_label("Title").fill(POST_TITLE)
    page.get_by_label("Published").fill("2010-10-12")
    page.get_by_label("Body (Markdown)").fill(POST_BODY)
    stop_box = page.get_by_label(f"{TRIP_TITLE} › {STOP_NAME}")
    assert not stop_box.is_checked()
    stop_box.check()
    whole_page(screenshot, page, "desktop-workspace-post-form")
    page.get_by_role("button", name="Save the post").click()
    page.wait_for_url(re.compile(r".*/author/posts/[a-z0-9-]+/edit$"))
    assert "saved" in flash(page)
    assert page.get_by_label(f"{TRIP_TITLE} › {STOP_NAME}").is_checked()

    # The trip's workspace page now shows the stop with its post.
    page.locator(".tm-nav").get_by_role("link", name="Workspace", exact=True).click()
    page.get_by_role("link", name=TRIP_TITLE).click()
    page.wait_for_url(author_server(f"/author/trips/{TRIP_SLUG}"))
    assert page.locator(".tm-workstops li").get_by_role("link", name=POST_TITLE).count() == 1
    whole_page(screenshot, page, "desktop-workspace-trip")

    # The phone views of the trip's workspace page and of the stop form (same login, another device).
    phone = open_page(**PHONE, storage_state=b.context.storage_state())
    phone.page.goto(author_server(f"/author/trips/{TRIP_SLUG}"))
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    whole_page(screenshot, phone.page, "phone-workspace-trip")
    phone.page.get_by_role("link", name="+ Add a stop to this leg").click()
    wait_for_picker(phone.page)
    # Away from the stop placed above (the map is centred on it; its pin answers taps within 22 px).
    phone.page.locator("#stop-picker .leaflet-container").tap(position={"x": 90, "y": 270})
    phone.page.locator(".tm-picked").wait_for()
    assert NUMBER.match(phone.page.locator("#lat").input_value())
    whole_page(screenshot, phone.page, "phone-workspace-stop-form")
    assert phone.record.problems() == []

    # The reader's trip page: the stop in the timeline, at the local time typed, with the post link.
    page.goto(author_server(f"/trips/{TRIP_SLUG}"))
    page.wait_for_selector(".leaflet-marker-icon.tm-stop")
    item = page.locator(".tm-timeline .tm-stop-item")
    assert item.count() == 1
    assert item.locator(".tm-stop-name").inner_text() == STOP_NAME
    assert item.locator("time").inner_text() == "11 October 2010, 15:01"
    post_link = item.get_by_role("link", name=POST_TITLE)
    href = post_link.get_attribute("href")
    assert href is not None and href.startswith("/posts/")
    whole_page(screenshot, page, "desktop-public-trip-from-workspace")

    post_link.click()
    page.wait_for_url(author_server(href))
    assert page.locator("h1").inner_text() == POST_TITLE
    prose = page.locator(".tm-prose")
    assert prose.locator("em").inner_text() == "fine"
    assert "<em>fine</em>" in prose.inner_html()
    assert "*fine*" not in prose.inner_text()
    whole_page(screenshot, page, "desktop-public-post-from-workspace")

    assert b.record.problems() == []
    assert b.record.dialogs == []


def test_a_refused_stop_shows_the_message_by_its_field_and_keeps_what_was_typed(
        author_server: Any, open_page: Any, screenshot: Any) -> None:
    b = open_page()
    page = b.page
    log_in(page, author_server)
    page.goto(author_server("/author/trips/new"))
    page.get_by_label("Title").fill(TRIP_TITLE)
    page.get_by_role("button", name="Create the trip").click()
    page.wait_for_url(author_server(f"/author/trips/{TRIP_SLUG}"))
    page.goto(author_server(f"/author/trips/{TRIP_SLUG}/legs/new"))
    page.get_by_label("Name").fill(LEG_NAME)
    page.get_by_role("button", name="Add the leg").click()
    page.wait_for_url(author_server(f"/author/trips/{TRIP_SLUG}"))

    page.goto(author_server(f"/author/trips/{TRIP_SLUG}/stops/new?leg=1"))
    wait_for_picker(page)
    page.get_by_label("Name").fill(STOP_NAME)
    page.get_by_label("Latitude").fill("91")
    page.get_by_label("Longitude").fill("111.749")
    page.get_by_label("Arrived (local time)").fill(ARRIVED)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Add the stop").click()
    assert navigation.value.status == 400
    wait_for_picker(page)

    lat_field = page.locator(".tm-field", has=page.locator("#lat"))
    assert "tm-field-error" in (lat_field.get_attribute("class") or "")
    message = lat_field.locator(".tm-error-msg")
    assert "between -90 and 90" in message.inner_text()
    assert page.locator("#lat").get_attribute("aria-invalid") == "true"
    assert page.locator("#lat").get_attribute("aria-describedby") == message.get_attribute("id")
    # The message sits right under the latitude input.
    lat_box, message_box = page.locator("#lat").bounding_box(), message.bounding_box()
    assert lat_box is not None and message_box is not None
    assert 0 <= message_box["y"] - (lat_box["y"] + lat_box["height"]) < 40
    assert abs(message_box["x"] - lat_box["x"]) < 4
    # Only that field is marked, and what was typed is still there.
    assert page.locator(".tm-field-error").count() == 1
    assert page.get_by_label("Name").input_value() == STOP_NAME
    assert page.get_by_label("Latitude").input_value() == "91"
    assert page.get_by_label("Longitude").input_value() == "111.749"
    assert page.get_by_label("Arrived (local time)").input_value() == ARRIVED
    assert page.get_by_label("Leg").input_value() == "1"
    whole_page(screenshot, page, "desktop-workspace-stop-form-error")

    # Nothing was stored.
    page.goto(author_server(f"/author/trips/{TRIP_SLUG}"))
    assert page.locator(".tm-workstops li").count() == 0
    assert b.record.problems() == []


# Layout problems found once and fixed: kept as regression tests.

# Words of 4 to 30 letters in the workspace's text that the browser broke across two lines.
BROKEN_WORDS_JS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('.tm-work td, .tm-work th, .tm-work h1, .tm-work h2, .tm-work a')) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s/]+/g)) {
        if (m[0].length < 4 || m[0].length > 30) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if ([...range.getClientRects()].filter(r => r.width > 0).length > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def test_the_dashboard_fits_a_phone_without_breaking_words(author_server: Any, open_page: Any,
                                                           screenshot: Any) -> None:
    b = open_page(**PHONE)
    log_in(b.page, author_server)
    for title in (TRIP_TITLE, "Ulaanbaatar to Irkutsk by the Trans-Mongolian Railway"):
        b.page.goto(author_server("/author/trips/new"))
        b.page.get_by_label("Title").fill(title)
        b.page.get_by_role("button", name="Create the trip").click()
    b.page.goto(author_server("/author"))
    assert b.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert b.page.evaluate(BROKEN_WORDS_JS) == []
    # The header stays one row: every link sits inside it (scrolled to, on a phone), none wraps out of it.
    header = b.page.locator(".tm-header").bounding_box()
    assert header is not None and header["height"] <= 56
    for link in b.page.locator(".tm-nav a, .tm-nav button").all():
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box is not None and header["y"] <= box["y"]
        assert box["y"] + box["height"] <= header["y"] + header["height"]
        assert 0 <= box["x"] and box["x"] + box["width"] <= 390
    whole_page(screenshot, b.page, "phone-workspace-dashboard")
    assert b.record.problems() == []


def test_a_message_under_one_field_leaves_its_neighbour_the_same_height(author_server: Any, open_page: Any) -> None:
    b = open_page()
    page = b.page
    log_in(page, author_server)
    page.goto(author_server("/author/trips/new"))
    page.get_by_label("Title").fill(TRIP_TITLE)
    page.get_by_role("button", name="Create the trip").click()
    page.goto(author_server(f"/author/trips/{TRIP_SLUG}/legs/new"))
    page.get_by_label("Name").fill(LEG_NAME)
    page.get_by_role("button", name="Add the leg").click()
    page.goto(author_server(f"/author/trips/{TRIP_SLUG}/stops/new?leg=1"))
    page.get_by_label("Name").fill(STOP_NAME)
    page.get_by_label("Latitude").fill("91")
    page.get_by_label("Longitude").fill("111.749")
    page.get_by_role("button", name="Add the stop").click()
    page.locator(".tm-error-msg").wait_for()
    lat, lon = page.locator("#lat").bounding_box(), page.locator("#lon").bounding_box()
    assert lat is not None and lon is not None
    assert lon["height"] == pytest.approx(lat["height"], abs=1)
    assert lon["y"] == pytest.approx(lat["y"], abs=1)
