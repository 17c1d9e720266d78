"""The story view in Chromium: the map follows the text as a reader scrolls or tabs, a click on a stop brings its
text into view, motion is reduced on request, it reads as plain text without scripts, and photos on every map
are thumbnails that open the lightbox (mouse, keyboard and a swipe on a phone)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ..conftest import DEMO_SLUG
from .conftest import PHONE, wait_until_still

pytestmark = pytest.mark.browser

T = f"/trips/{DEMO_SLUG}"
STORY = f"{T}/story"
# The demo's stops in route order with their places (data/trip.toml).
STOPS = {
    "beijing": (39.9042, 116.4074), "hohhot": (40.8424, 111.7490), "xilamuren": (41.35, 111.2),
    "baotou": (40.6574, 109.8403), "bayan-obo": (41.77, 109.97), "tailings-lake": (40.63, 109.7),
    "baotou-east-station": (40.6125, 110.0345), "beijing-station": (39.9029, 116.4271),
}
NEAR_KM = 3.0

# The map's centre, once no animation runs and the centre has stayed put for one polling interval.
CENTRE_JS = """() => {
  const m = window.travelmapMap, c = m.getCenter();
  const key = c.lat.toFixed(5) + ',' + c.lng.toFixed(5) + ',' + m.getZoom();
  const still = window.__tmCentre === key && !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress);
  window.__tmCentre = key;
  return still ? [c.lat, c.lng, m.getZoom()] : null;
}"""
# The story section the page says the map follows, and whether it is in view (below the header and, on a phone,
# below the pinned map).
ACTIVE_JS = """() => {
  const s = document.querySelector('.tm-story-active');
  if (!s) return null;
  const r = s.getBoundingClientRect(), map = document.querySelector('.tm-story-map').getBoundingClientRect();
  const header = document.querySelector('.tm-header').getBoundingClientRect();
  const top = map.width > innerWidth * 0.8 ? map.bottom : header.bottom;
  return {stop: s.dataset.storyStop || null, inView: r.bottom > top && r.top < innerHeight};
}"""


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (plenty for 'within a few km')."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def open_story(open_page: Any, live_server: Any, **options: Any) -> Any:
    b = open_page(**options)
    b.page.goto(live_server(STORY))
    b.page.wait_for_selector(".tm-story-map .tm-pin[data-stop]")
    b.page.wait_for_function("() => window.travelmapMap && window.travelmapMap.travelmapTrip")
    return b


def settled_centre(page: Any) -> tuple[float, float]:
    lat, lon, _zoom = page.wait_for_function(CENTRE_JS, polling=100).json_value()
    return lat, lon


def centre_near(page: Any, slug: str) -> float:
    """Wait until the map has come to rest on the stop (fail after the page's timeout); return the distance."""
    lat, lon = STOPS[slug]
    page.wait_for_function(
        """([lat, lon, km]) => { const c = window.travelmapMap.getCenter();
            return window.travelmapMap.distance(c, [lat, lon]) / 1000 < km; }""",
        arg=[lat, lon, NEAR_KM], polling=100)
    return km_between(settled_centre(page), STOPS[slug])


# The id of a photo thumbnail on the map that a reader can click: inside the map and not covered by anything.
VISIBLE_PHOTO_JS = """() => {
  for (const map of document.querySelectorAll('.leaflet-container')) {
    const m = map.getBoundingClientRect();
    for (const t of map.querySelectorAll('.tm-photo-thumb[data-photo]')) {
      const r = t.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
      if (x < m.left || x > m.right || y < m.top || y > m.bottom || y > innerHeight || x > innerWidth) continue;
      const hit = document.elementFromPoint(x, y);
      if (hit && t.contains(hit)) return t.dataset.photo;
    }
  }
  return null;
}"""


def visible_photo(page: Any) -> Any:
    """Return the marker of a photo a reader can see and click on the map."""
    photo = page.wait_for_function(VISIBLE_PHOTO_JS, polling=100).json_value()
    return page.locator(f'.leaflet-marker-icon.tm-photo-marker:has(.tm-photo-thumb[data-photo="{photo}"])')


def assert_clean(record: Any) -> None:
    assert record.problems() == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_scrolling_the_story_moves_the_map_to_the_stop_whose_text_is_in_view(
        live_server: Any, open_page: Any, screenshot: Any, device: str) -> None:
    b = open_story(open_page, live_server, **(PHONE if device == "phone" else {"viewport": {"width": 1280,
                                                                                              "height": 860}}))
    page = b.page
    width = 390 if device == "phone" else 1280
    screenshot(page, f"story-{width}-start")
    visited: dict[str, float] = {}
    # Scroll as a reader does, with the wheel, until the end; at each step the map must sit on the stop in view.
    for _ in range(200):
        page.mouse.move(width * (0.5 if device == "phone" else 0.8), 700)
        page.mouse.wheel(0, 180)
        page.wait_for_function("() => { const y = scrollY; return new Promise(r => requestAnimationFrame(() =>"
                               " requestAnimationFrame(() => r(scrollY === y)))); }", polling=50)
        active = page.evaluate(ACTIVE_JS)
        if active and active["stop"] and active["stop"] not in visited:
            assert active["inView"], active
            visited[active["stop"]] = centre_near(page, active["stop"])
            # The stop's marker is highlighted, and only that one.
            assert page.locator(".tm-stop-active .tm-pin").get_attribute("data-stop") == active["stop"]
            if active["stop"] == "bayan-obo":
                screenshot(page, f"story-{width}-bayan-obo")
        if page.evaluate("innerHeight + scrollY >= document.documentElement.scrollHeight - 2"):
            break
    assert list(visited) == list(STOPS)  # every stop, in route order
    assert all(km < NEAR_KM for km in visited.values()), visited
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_clean(b.record)


def test_the_route_so_far_is_strong_and_the_route_ahead_faint(live_server: Any, open_page: Any) -> None:
    b = open_story(open_page, live_server)
    page = b.page
    page.locator("#stop-bayan-obo h3 a").focus()
    centre_near(page, "bayan-obo")
    opacities = page.evaluate("""() => window.travelmapMap.travelmapTrip.lines.map(
        lines => lines.map(l => l.options.opacity))""")
    leg1, leg2, leg3 = opacities
    assert set(leg1) == {1}  # Inner Mongolia: all behind
    assert set(leg3) == {0.35}  # the train home: all ahead
    # Baotou: the road from Hohhot is behind, the day trip to Bayan Obo half done (drawn strong up to the stop on
    # top of its faint whole), the tailings lake ahead.
    assert leg2[0] == 1 and leg2[1] == 0.35 and leg2[2] == 0.35
    overlay = page.evaluate("""() => { const out = [];
        window.travelmapMap.eachLayer(l => { if (l instanceof L.Polyline && !l.options.interactive) out.push(
          [l.getLatLngs().length, l.options.opacity]); }); return out; }""")
    assert len(overlay) == 1 and overlay[0][0] >= 2 and overlay[0][1] == 1
    assert_clean(b.record)


def test_clicking_a_stop_on_the_map_brings_its_section_into_view(
        live_server: Any, open_page: Any, screenshot: Any) -> None:
    b = open_story(open_page, live_server)
    page = b.page
    page.locator("#stop-xilamuren h3 a").focus()  # the map at Xilamuren: Hohhot's pin is near
    centre_near(page, "xilamuren")
    page.locator('.tm-story-map .tm-pin[data-stop="hohhot"]').click()
    page.wait_for_function("""() => { const r = document.getElementById('stop-hohhot').getBoundingClientRect();
        return r.top >= 52 && r.top < innerHeight / 2; }""", polling=50)
    centre_near(page, "hohhot")
    assert page.evaluate("document.activeElement.closest('section').id") == "stop-hohhot"
    assert page.locator(".leaflet-popup").count() == 0  # the story replaces the marker's popup
    screenshot(page, "story-1280-clicked-hohhot")
    assert_clean(b.record)


def test_on_a_phone_the_map_is_pinned_above_the_text_and_a_tapped_stop_lands_below_it(
        live_server: Any, open_page: Any, screenshot: Any) -> None:
    b = open_story(open_page, live_server, **PHONE)
    page = b.page
    page.evaluate("document.getElementById('stop-tailings-lake').scrollIntoView()")
    centre_near(page, "tailings-lake")
    header = page.locator(".tm-header").bounding_box()
    map_box = page.locator(".tm-story-map").bounding_box()
    assert header is not None and map_box is not None
    assert map_box["y"] == pytest.approx(header["y"] + header["height"], abs=1)  # still pinned after scrolling
    assert map_box["width"] == pytest.approx(390, abs=1) and 200 <= map_box["height"] <= 420
    section = page.locator("#stop-tailings-lake").bounding_box()
    assert section is not None and section["y"] >= map_box["y"] + map_box["height"] - 1
    screenshot(page, "story-390-tailings-lake")
    page.locator('.tm-story-map .tm-pin[data-stop="baotou"]').tap(force=True)
    page.wait_for_function("""() => { const r = document.getElementById('stop-baotou').getBoundingClientRect();
        const m = document.querySelector('.tm-story-map').getBoundingClientRect();
        return r.top >= m.bottom - 1 && r.top < m.bottom + 120; }""", polling=50)
    assert_clean(b.record)


def test_tabbing_through_the_story_moves_the_map_with_the_focus(live_server: Any, open_page: Any) -> None:
    b = open_story(open_page, live_server)
    page = b.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "tm-skip"
    page.keyboard.press("Enter")
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        section = page.evaluate("(document.activeElement.closest('[data-story-stop]') || {}).id || null")
        if section and (not seen or seen[-1] != section):
            seen.append(section)
            centre_near(page, section.removeprefix("stop-"))
        if len(seen) == 4:
            break
    assert seen == ["stop-beijing", "stop-hohhot", "stop-xilamuren", "stop-baotou"]
    assert_clean(b.record)


def test_with_reduced_motion_the_map_jumps_instead_of_flying(live_server: Any, open_page: Any) -> None:
    b = open_story(open_page, live_server, reduced_motion="reduce")
    page = b.page
    settled_centre(page)
    page.evaluate("""() => { window.__zooms = 0; window.travelmapMap.on('zoom', () => window.__zooms++); }""")
    page.locator("#stop-bayan-obo h3 a").focus()
    # A jump is done by the time the focus has moved: no frames in between.
    lat, lon = STOPS["bayan-obo"]
    assert page.evaluate("([a, b]) => window.travelmapMap.distance(window.travelmapMap.getCenter(), [a, b])",
                         [lat, lon]) < 100
    assert page.evaluate("window.__zooms") <= 1
    assert_clean(b.record)


def test_without_scripts_the_story_reads_as_plain_text(live_server: Any, open_page: Any, screenshot: Any) -> None:
    b = open_page(java_script_enabled=False, viewport={"width": 1280, "height": 860})
    page = b.page
    page.goto(live_server(STORY))
    assert page.locator(".tm-story-map").is_hidden()
    assert page.locator("h3", has_text="Bayan Obo mining district").is_visible()
    assert page.get_by_text("We left Baotou at half past seven").is_visible()
    text = page.locator(".tm-story-text").bounding_box()
    assert text is not None and text["width"] <= 760 and text["x"] > 100  # one centred column
    screenshot(page, "story-1280-no-script", full_page=False)


def test_the_story_embed_follows_its_text_inside_a_frame(live_server: Any, open_page: Any, screenshot: Any) -> None:
    b = open_page(viewport={"width": 900, "height": 600})
    page = b.page
    page.goto(live_server(f"/embed{STORY}"))
    page.wait_for_function("() => window.travelmapMap && window.travelmapMap.travelmapTrip")
    page.locator("#stop-tailings-lake h3 a").focus()
    centre_near(page, "tailings-lake")
    assert page.locator("#stop-tailings-lake h3 a").get_attribute("target") == "_top"
    screenshot(page, "story-embed-900")
    assert_clean(b.record)


# ---------------------------------------------------------------- photos on the map

@pytest.mark.parametrize("path", [T, f"{T}/legs/2", f"{T}/stops/baotou", STORY])
def test_photos_on_every_map_are_thumbnails_that_open_the_lightbox(
        live_server: Any, open_page: Any, screenshot: Any, path: str) -> None:
    b = open_page()
    page = b.page
    page.goto(live_server(path))
    thumbs = page.locator(".leaflet-marker-icon.tm-photo-marker img")
    thumbs.first.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.tm-photo-marker img')].every(i => i.complete"
                           " && i.naturalWidth > 0)", polling=100)
    wait_until_still(page)  # a map still fitting or flying (the story's) moves and re-clusters its photos
    thumbs.first.wait_for()
    box = thumbs.first.bounding_box()
    assert box is not None and 36 <= box["width"] <= 48 and box["width"] == pytest.approx(box["height"], abs=1)
    assert "/photos/" in (thumbs.first.get_attribute("src") or "")
    visible_photo(page).click()
    dialog = page.locator("dialog.tm-lightbox[open]")
    dialog.wait_for()
    page.wait_for_function("() => { const i = document.querySelector('dialog.tm-lightbox img');"
                           " return i.complete && i.naturalWidth > 0; }")
    assert "/display.jpg" in (dialog.locator("img").get_attribute("src") or "")
    assert dialog.locator(".tm-lightbox-caption").inner_text().strip()
    assert "2010" in dialog.locator(".tm-lightbox-when").inner_text()
    name = path.strip("/").replace("/", "-").replace(DEMO_SLUG, "trip")
    screenshot(page, f"lightbox-from-map-{name}")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.tm-lightbox[open]')")
    assert_clean(b.record)


def test_the_maps_lightbox_works_from_the_keyboard(live_server: Any, open_page: Any) -> None:
    b = open_page()
    page = b.page
    page.goto(live_server(T))
    visible_photo(page).focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.tm-lightbox[open]")
    dialog.wait_for()
    # The focus is inside the dialog and stays there however often Tab is pressed.
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog.tm-lightbox') !== null")
    first = dialog.locator(".tm-lightbox-caption").inner_text()
    counter = dialog.locator(".tm-lightbox-count").inner_text()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("t => document.querySelector('.tm-lightbox-caption').textContent !== t", arg=first)
    assert dialog.locator(".tm-lightbox-count").inner_text() != counter
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("t => document.querySelector('.tm-lightbox-caption').textContent === t", arg=first)
    # A link to the photo's stop, when it has one.
    stop_link = dialog.locator(".tm-lightbox-stop:not([hidden])")
    if stop_link.count():
        assert "/stops/" in (stop_link.get_attribute("href") or "")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.tm-lightbox[open]')")
    # The focus goes back to the photo on the map.
    assert page.evaluate("document.activeElement.classList.contains('tm-photo-marker')")
    assert_clean(b.record)


def test_a_cluster_of_photos_shows_a_thumbnail_and_a_count(live_server: Any, open_page: Any) -> None:
    b = open_page()
    page = b.page
    page.goto(live_server(T))
    cluster = page.locator(".tm-photo-cluster .tm-photo-stack").first
    cluster.wait_for()
    assert cluster.locator("img").count() == 1
    count = cluster.locator(".tm-photo-count").inner_text()
    assert count.split()[0].isdigit() and int(count.split()[0]) >= 2
    assert_clean(b.record)


def test_swiping_the_lightbox_on_a_phone_steps_through_the_photos(live_server: Any, open_page: Any) -> None:
    b = open_page(**PHONE)
    page = b.page
    page.goto(live_server(T))
    visible_photo(page).tap()
    dialog = page.locator("dialog.tm-lightbox[open]")
    dialog.wait_for()
    page.wait_for_function("() => document.querySelector('.tm-lightbox-caption').textContent !== ''")
    first = dialog.locator(".tm-lightbox-caption").inner_text()
    page.evaluate("""() => {
        const f = document.querySelector('dialog.tm-lightbox figure');
        const touch = x => new Touch({identifier: 1, target: f, clientX: x, clientY: 300});
        f.dispatchEvent(new TouchEvent('touchstart', {touches: [touch(300)], changedTouches: [touch(300)],
                                                      bubbles: true}));
        f.dispatchEvent(new TouchEvent('touchend', {touches: [], changedTouches: [touch(120)], bubbles: true}));
    }""")
    page.wait_for_function("t => document.querySelector('.tm-lightbox-caption').textContent !== t", arg=first)
    for button in dialog.locator("button").all():
        box = button.bounding_box()
        assert box is not None and box["width"] >= 44 and box["height"] >= 44
    assert_clean(b.record)
