"""Privacy zones in a real browser: the demo trip's owner sets a zone around the start of the first track in the
workspace (by clicking the map on a desktop, with the keyboard alone on a phone), and a reader's Chromium draws no
point within it, on the trip map zoomed in on it (its 10 m lines fetched), the leg page and the embed; the owner's
workspace still draws everything. At 1280 px and 390 px, with screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.geo import haversine_m
from travelmap.models import PrivacyZone, Track

from ..authoring_helpers import PASSWORD, make_author
from ..conftest import DEMO_SLUG
from .conftest import PHONE

pytestmark = pytest.mark.browser

T = f"/trips/{DEMO_SLUG}"
RADIUS = 1000
WIDTHS: dict[str, dict[str, Any]] = {"desktop": {"viewport": {"width": 1280, "height": 860}}, "phone": PHONE}

# Every place the map draws: polylines, markers, circle markers, and every marker inside a cluster group.
DRAWN = """(selector) => {
  const id = document.querySelector(selector + ' .folium-map').id, map = window[id], points = [];
  const flat = (a) => a.forEach((x) => Array.isArray(x) ? flat(x) : points.push([x.lat, x.lng]));
  const visit = (layer) => {
    if (layer.getLayers) layer.getLayers().forEach(visit);
    if (layer.getLatLngs) flat(layer.getLatLngs());
    else if (layer.getLatLng) points.push([layer.getLatLng().lat, layer.getLatLng().lng]);
  };
  map.eachLayer(visit);
  return points;
}"""


def first_point(app: Any) -> tuple[float, float]:
    with app.app_context():
        track = db.session().scalars(select(Track).order_by(Track.started_at)).first()
        lat, lon, _, _ = next(track.segments[0].iter_points())
        return lat, lon


def hidden_circle(app: Any) -> tuple[tuple[float, float], float]:
    with app.app_context():
        zone = db.session().scalars(select(PrivacyZone)).one()
        return (zone.hidden_lat, zone.hidden_lon), zone.hidden_radius_m


def wait_for_map(page: Any, selector: str = "") -> None:
    page.locator(f"{selector} .leaflet-container".strip()).first.wait_for()
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")


def drawn(page: Any, selector: str = "") -> list[tuple[float, float]]:
    return [tuple(p) for p in page.evaluate(DRAWN, selector or "")]


def within(points: list[tuple[float, float]], centre: tuple[float, float], radius: float) -> list:
    return [p for p in points if haversine_m(p[0], p[1], *centre) <= radius]


def log_in_as_owner(page: Any, server: Any) -> None:
    page.goto(server("/login"))
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(server("/author"))


def click_map_at(page: Any, selector: str, lat: float, lon: float) -> None:
    """Click a Leaflet map exactly where a place is drawn."""
    page.evaluate("""([selector, lat, lon]) => {
        const id = document.querySelector(selector + ' .folium-map').id;
        window[id].setView([lat, lon], 13, {animate: false});
    }""", [selector, lat, lon])
    wait_for_map(page, selector)
    x, y = page.evaluate("""([selector, lat, lon]) => {
        const id = document.querySelector(selector + ' .folium-map').id, map = window[id];
        const p = map.latLngToContainerPoint([lat, lon]), box = map.getContainer().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""", [selector, lat, lon])
    page.mouse.click(x, y)


@pytest.fixture
def owner_server(live_server: Any) -> Any:
    """The seeded demo trip, served, its owner able to log in."""
    make_author(live_server.app, "demo")
    return live_server


@pytest.mark.parametrize("device", WIDTHS)
def test_a_zone_set_in_the_workspace_hides_the_start_of_a_track_from_a_readers_browser(
        owner_server: Any, open_page: Any, screenshot: Any, device: str) -> None:
    start = first_point(owner_server.app)
    reader = open_page(**WIDTHS[device])
    reader.page.goto(owner_server(T))
    wait_for_map(reader.page)
    assert within(drawn(reader.page), start, RADIUS), "the check must see the start before the zone exists"

    owner = open_page(**WIDTHS[device])
    page = owner.page
    log_in_as_owner(page, owner_server)
    page.get_by_role("link", name="Privacy zones").click()
    page.wait_for_url(owner_server("/author/privacy"))
    wait_for_map(page, "#zone-picker")
    assert "No zones yet" in page.locator("main").inner_text()
    if device == "desktop":
        click_map_at(page, "#zone-picker", *start)
        assert abs(float(page.get_by_label("Latitude").input_value()) - start[0]) < 0.0005
        radius = page.get_by_label("Radius in metres")
        radius.click()
        radius.press("Control+a")
        radius.press_sequentially(str(RADIUS))
    else:  # the keyboard alone: tab through the fields and type
        page.get_by_label("Latitude").focus()
        page.keyboard.type(f"{start[0]:.6f}")
        page.keyboard.press("Tab")
        page.keyboard.type(f"{start[1]:.6f}")
        page.keyboard.press("Tab")
        page.keyboard.press("Control+a")
        page.keyboard.type(str(RADIUS))
        page.keyboard.press("Tab")
        page.keyboard.type("Home")
    page.locator(".tm-zone-new").wait_for()  # the zone being added is drawn as it is typed …
    assert page.locator(".tm-zone-new").bounding_box()["width"] > 80  # … and shown large enough to judge
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device]["viewport"]["width"]
    page.locator("#zone-picker").scroll_into_view_if_needed()
    screenshot(page, f"privacy-zone-{device}-1-picking")
    if device == "desktop":
        page.get_by_role("button", name="Add the zone").click()
    else:
        page.keyboard.press("Enter")
    page.wait_for_url(owner_server("/author/privacy"))
    assert "Privacy zone added" in page.locator(".tm-flash").inner_text()
    assert page.locator(".tm-zone-item").count() == 1
    wait_for_map(page, "#zone-picker")
    page.locator(".tm-zone").wait_for()
    page.locator(".tm-zone-hidden").wait_for()
    centre, hidden_radius = hidden_circle(owner_server.app)
    page.evaluate("""([lat, lon]) => {
        const id = document.querySelector('#zone-picker .folium-map').id;
        window[id].setView([lat, lon], 13, {animate: false});
    }""", list(centre))
    page.locator("#zone-picker").scroll_into_view_if_needed()
    screenshot(page, f"privacy-zone-{device}-2-added")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device]["viewport"]["width"]

    # The reader's trip map, leg page and embed: nothing drawn in the zone, even zoomed in on it with 10 m lines.
    for url, zoom in ((T, True), (f"{T}/legs/1", False), (f"/embed{T}", True)):
        reader.page.goto(owner_server(url))
        wait_for_map(reader.page)
        points = drawn(reader.page)
        assert len(points) > 20, url
        if zoom:
            reader.page.evaluate("""([lat, lon]) => {
                const id = document.querySelector('.folium-map').id;
                window[id].setView([lat, lon], 13, {animate: false});  // the route leaves the zone within sight
            }""", list(start))
            reader.page.wait_for_function(  # the first build of a revision cuts the tracks: allow it time
                "() => performance.getEntriesByType('resource').some((e) => e.name.includes('/lines.json'))",
                timeout=30_000)
            reader.page.wait_for_load_state("networkidle")
            points += drawn(reader.page)
        assert within(points, start, RADIUS) == [], url
        assert within(points, centre, hidden_radius - 2) == [], url
        if url == T:
            screenshot(reader.page, f"privacy-zone-{device}-3-reader-zoomed")
    assert reader.record.problems() == []

    # The owner's workspace still draws the whole route, with the zone marked.
    page.goto(owner_server(f"/author/trips/{DEMO_SLUG}/stops/new"))
    wait_for_map(page, "#stop-picker")
    assert within(drawn(page, "#stop-picker"), start, 50)
    assert page.locator("#stop-picker .tm-zone").count() == 1
    page.evaluate("""([lat, lon]) => {
        const id = document.querySelector('#stop-picker .folium-map').id;
        window[id].setView([lat, lon], 13, {animate: false});
    }""", list(start))
    page.locator("#stop-picker").scroll_into_view_if_needed()
    screenshot(page, f"privacy-zone-{device}-4-owner-sees-all")
    page.goto(owner_server(f"/author/trips/{DEMO_SLUG}"))
    assert "In a privacy zone" in page.locator("main").inner_text()
    page.locator(".tm-flag").first.scroll_into_view_if_needed()
    screenshot(page, f"privacy-zone-{device}-5-workspace-marks")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device]["viewport"]["width"]
    reader.page.goto(owner_server(f"{T}/stops/beijing"))
    wait_for_map(reader.page)
    assert "keeps this place private" in reader.page.locator("main").inner_text()
    assert within(drawn(reader.page), start, RADIUS) == []
    screenshot(reader.page, f"privacy-zone-{device}-6-reader-private-stop", full_page=True)

    # Deleting it (after a confirmation) gives readers the start back at once.
    page.goto(owner_server("/author/privacy"))
    page.get_by_role("link", name="Delete").click()
    assert "Delete the privacy zone" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Delete the zone").click()
    page.wait_for_url(owner_server("/author/privacy"))
    assert "No zones yet" in page.locator("main").inner_text()
    reader.page.goto(owner_server(T))
    wait_for_map(reader.page)
    assert within(drawn(reader.page), start, RADIUS)
    assert owner.record.problems() == []
