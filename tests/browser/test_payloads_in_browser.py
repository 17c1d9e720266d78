"""Script payloads in every name, in a real browser: popups, tooltips, layer names and the embed snippet show them
as text, and nothing they say ever runs.

The site is built by tests/test_script_payloads.py from one text that holds every payload at once (trip, leg,
stop, post, track and photo names, captions, file names, camera). alert, confirm and prompt are replaced before any
page script runs, and dialogs are recorded too. The page's Content-Security-Policy is bypassed: it could hide an
escaping bug (a blocked inline handler), and these tests are about escaping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..authoring_helpers import PASSWORD
from ..test_script_payloads import EVERYTHING, Site, build_site
from .conftest import LiveServer, next_frames, serving, wait_until_still
from .test_sharing_and_uploads import settle, zoom_until_clickable
from .test_trip_page import click_stop, reachable_point, wait_for_popup

pytestmark = pytest.mark.browser

TEXT = EVERYTHING
STOPS = 4  # two on leg 1 (one from a GPX waypoint), two on the train leg

# Runs before any script of every page and frame: alert and its kin only take notes.
TRAP_DIALOGS = """(() => {
  window.__alerted = [];
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (...args) => { window.__alerted.push(name + "(" + args.join(",") + ")"); };
  }
})();"""

# Anything a payload could have made: event-handler attributes, images and SVG from markup, script URLs, scripts
# whose whole text is the payload's, a second <textarea> or a <noscript>.
INJECTED_JS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) found.push(el.tagName + "[" + attr.name + "]");
      if (["href", "src", "action"].includes(attr.name) && /^\\s*(javascript|vbscript|data):/i.test(attr.value))
        found.push(el.tagName + "[" + attr.name + "=" + attr.value + "]");
    }
  }
  // (A post body is Markdown: its sanitised HTML may keep an <img src="x">, without handlers.)
  document.querySelectorAll('img[src="x"]:not(.tm-prose img), svg[onload], noscript, textarea:not([name]):not([id])')
    .forEach(el => found.push(el.outerHTML.slice(0, 80)));
  for (const s of document.scripts) if (/^\\s*alert\\(1\\)\\s*$/.test(s.textContent)) found.push("script: alert(1)");
  return found;
}"""

# Screen points along an SVG path (a leg's line), to find a spot that is on a dash rather than in a gap.
PATH_POINTS_JS = """path => {
  const length = path.getTotalLength(), matrix = path.getScreenCTM(), points = [];
  for (let i = 1; i < 40; i++) {
    const p = path.getPointAtLength(length * i / 40);
    points.push({x: matrix.a * p.x + matrix.c * p.y + matrix.e, y: matrix.b * p.x + matrix.d * p.y + matrix.f});
  }
  return points;
}"""

# The nodes a blogger's page would get from a snippet: [name, title attribute or text].
PARSE_SNIPPET_JS = """html => [...new DOMParser().parseFromString(html, "text/html").body.childNodes]
  .map(n => [n.nodeName, n.getAttribute ? n.getAttribute("title") : n.textContent])"""


@dataclass
class LiveSite:
    """The payload site and the server it runs on."""

    site: Site
    server: LiveServer

    def url(self, path: str) -> str:
        return self.server(path)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[LiveSite]:
    """The payload site on a real HTTP server."""
    site = build_site(tmp_path, TEXT)
    with serving(site.app) as server:
        yield LiveSite(site, server)


def open_trapped(open_page: Any) -> Any:
    """A fresh page with alert and friends trapped, dialogs recorded, and the CSP bypassed."""
    b = open_page(bypass_csp=True)
    b.context.add_init_script(TRAP_DIALOGS)
    return b


def assert_nothing_ran(b: Any) -> None:
    """No alert, confirm, prompt or dialog in the page or any frame; no element or attribute a payload made."""
    for frame in b.page.frames:
        assert frame.evaluate("() => window.__alerted") == [], frame.url
        assert frame.evaluate(INJECTED_JS) == [], frame.url
    assert b.record.dialogs == []
    assert b.record.page_errors == []


def test_stop_and_photo_popups_tooltips_and_layer_names_show_payloads_as_text(
        hostile: LiveSite, open_page: Any, screenshot: Any) -> None:
    b = open_trapped(open_page)
    page = b.page
    page.goto(hostile.url(f"/trips/{hostile.site.trip}"))
    settle(page, STOPS)

    # The side column and the layer control: names as text.
    assert page.locator(".tm-side h1").text_content() == TEXT
    assert page.locator(".tm-side .tm-stop-name").all_text_contents() == [TEXT] * STOPS
    labels = page.locator(".leaflet-control-layers-overlays label")
    assert [t.strip() for t in labels.all_text_contents()][:2] == [f"1. {TEXT}", f"2. {TEXT}"]
    assert labels.locator("img, script, svg, textarea").count() == 0

    # A stop's tooltip and popup.
    stop = hostile.site.stops[0]["slug"]
    pin = page.locator(f'.tm-pin[data-stop="{stop}"]')
    assert pin.locator("xpath=..").get_attribute("title") == TEXT
    pin.hover(position=reachable_point(page, stop))
    tooltip = page.locator(".leaflet-tooltip", has_text="1. ")
    tooltip.wait_for()
    assert tooltip.text_content() == f"1. {TEXT}"
    click_stop(page, stop)
    popup = wait_for_popup(page)
    title = popup.locator(".tm-popup-title")
    assert title.text_content() == f"1. {TEXT}"
    assert popup.get_by_role("link", name="Read the post").get_attribute("href") == f"/posts/{hostile.site.post}"
    title.hover()  # a payload that made an onmouseover attribute fires during the hover itself
    next_frames(page)
    shot = screenshot(page, "payload-stop-popup")
    assert shot.exists()
    assert_nothing_ran(b)

    # The train leg's dashed line (the page as it first fits): its tooltip names the leg, as text.
    page.reload()
    settle(page, STOPS)
    line = page.locator('path.leaflet-interactive[stroke-dasharray="8 10"]')
    for point in line.evaluate(PATH_POINTS_JS):
        page.mouse.move(point["x"], point["y"])
        if page.locator(".leaflet-tooltip", has_text="(by train)").count():
            break
    leg_tooltip = page.locator(".leaflet-tooltip", has_text="(by train)")
    leg_tooltip.wait_for()
    assert leg_tooltip.text_content() == f"{TEXT} (by train)"

    # The photo's lightbox: caption, stop link and post link, from photos.json, as text.
    photo = page.locator(f'.tm-photo-marker:has(.tm-photo-thumb[data-photo="{hostile.site.photo["id"]}"])')
    photo.click(position=zoom_until_clickable(page, page, photo, pin))
    lightbox = page.locator("dialog.tm-lightbox[open]")
    lightbox.locator(".tm-lightbox-caption").wait_for()
    assert lightbox.locator(".tm-lightbox-caption").text_content() == TEXT
    assert lightbox.locator("img").get_attribute("alt") == TEXT
    links = lightbox.locator("a:not([hidden])")
    assert links.all_text_contents() == [f"At {TEXT}", "Read the post"]
    assert links.first.get_attribute("href") == f"/trips/{hostile.site.trip}/stops/{stop}"
    lightbox.locator(".tm-lightbox-caption").hover()
    next_frames(page)
    screenshot(page, "payload-photo-popup")
    assert_nothing_ran(b)
    assert b.record.problems() == []


@pytest.mark.parametrize("path", ["front", "post", "embed-leg-2", "stop"])
def test_popups_made_from_html_strings_and_other_pages_show_payloads_as_text(
        hostile: LiveSite, open_page: Any, screenshot: Any, path: str) -> None:
    site = hostile.site
    b = open_trapped(open_page)
    page = b.page
    url = {"front": "/", "post": f"/posts/{site.post}", "embed-leg-2": f"/embed/trips/{site.trip}?leg=2",
           "stop": f"/trips/{site.trip}/stops/{site.stops[0]['slug']}"}[path]
    page.goto(hostile.url(url))
    page.wait_for_selector(".leaflet-marker-icon")
    wait_until_still(page)
    marker = {"front": ".tm-pin-trip", "post": ".tm-map-small .tm-pin",
              "embed-leg-2": f'.tm-pin[data-stop="{site.stops[2]["slug"]}"]',
              "stop": f'.tm-pin[data-stop="{site.stops[0]["slug"]}"]'}[path]
    page.locator(marker).first.click(force=True)
    popup = wait_for_popup(page)
    number = {"embed-leg-2": "3. ", "stop": "1. "}.get(path, "")
    assert popup.locator(".tm-popup-title").text_content() == number + TEXT
    if path == "post":
        assert popup.locator("a").text_content() == TEXT  # the trip's title
        assert page.locator("h1").text_content() == TEXT
        assert page.locator(".tm-author").text_content() == TEXT
    popup.locator(".tm-popup-title").hover()
    next_frames(page)
    screenshot(page, f"payload-{path}-page-popup")
    if path == "stop":  # the photo gallery's lightbox captions its photo with the text
        page.locator(".tm-gallery-item").first.click()
        caption = page.locator("dialog.tm-lightbox[open] .tm-lightbox-caption")
        caption.wait_for()
        assert caption.text_content() == TEXT
        assert page.locator("dialog.tm-lightbox img").get_attribute("alt") == TEXT
    assert_nothing_ran(b)
    assert b.record.problems() == []


def test_the_embed_snippet_escapes_the_names_it_quotes(hostile: LiveSite, open_page: Any) -> None:
    # A blogger pastes the snippet into their own page: a name must not become markup there either.
    site = hostile.site
    b = open_trapped(open_page)
    page = b.page
    page.goto(hostile.url("/login"))
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(hostile.url("/author"))
    page.goto(hostile.url(f"/author/trips/{site.trip}"))
    what = page.locator("#embed-what")
    what.select_option(f"stop={site.stops[0]['slug']}")
    snippet = page.locator("#embed-snippet").input_value()
    parsed = page.evaluate(PARSE_SNIPPET_JS, snippet)
    assert parsed == [["IFRAME", f"Map: {TEXT} · {TEXT}"]]  # the stop's name and the trip's title, as oEmbed says
    page.locator("#embed-preview").content_frame.locator(".leaflet-marker-icon").first.wait_for()
    assert_nothing_ran(b)
