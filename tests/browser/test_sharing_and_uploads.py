"""Sharing and uploading in a real browser: the trip map embedded in a blogger's page on another origin, the photo
layer's popups, the leg page's elevation profile, and the author's GPX and photo uploads and embed panel."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..authoring_helpers import PASSWORD, make_author
from ..conftest import DEMO_SLUG
from ..gpxfactory import gpx_document, straight_track
from ..photofactory import jpeg
from .conftest import PHONE
from .test_trip_page import BAOTOU_POST, BAOTOU_TITLE, FREE_POINT_JS, SETTLED_JS, STOP_COUNT, wait_for_popup

pytestmark = pytest.mark.browser

TRIP_PATH = f"/trips/{DEMO_SLUG}"
EMBED_PATH = f"/embed/trips/{DEMO_SLUG}"
WORKSPACE_TRIP = f"/author/trips/{DEMO_SLUG}"
WORKSPACE_PHOTOS = f"/author/trips/{DEMO_SLUG}/photos"
PHOTO_COUNT = 8  # the demo trip's photos, all with a place
BAYAN_OBO_PHOTO = "First sight of the open pits on the approach to Bayan Obo."
LEG2_STOPS = ["baotou", "bayan-obo", "tailings-lake"]
READOUT = re.compile(r"^(\d+(?:\.\d)?) km · (-?[\d,]+) m$")
SCROLL_WARNING = "leaflet-gesture-handling-scroll-warning"

# True once every image of the page has loaded with real pixels (lazy ones included, once scrolled to).
IMAGES_LOADED_JS = "sel => [...document.querySelectorAll(sel)].every(img => img.complete && img.naturalWidth > 0)"
# True when the middle of an element is not covered by anything else (e.g. a stop pin over the profile marker).
ON_TOP_JS = """e => { const b = e.getBoundingClientRect();
  const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2); return !!hit && e.contains(hit); }"""
# A point inside the map where a click lands on the map itself (a tile, the background or a track), not on a
# marker, a popup or a control; null when none of the sampled points is free.
FREE_MAP_POINT_JS = """map => {
  const b = map.getBoundingClientRect();
  for (const fy of [.5, .35, .65, .2, .8]) for (const fx of [.5, .35, .65, .2, .8]) {
    const x = b.x + b.width * fx, y = b.y + b.height * fy;
    const hit = document.elementFromPoint(x, y);
    if (hit && map.contains(hit)
        && !hit.closest('.leaflet-marker-icon, .leaflet-popup, .leaflet-control, .marker-cluster'))
      return {x: x - b.x, y: y - b.y};
  }
  return null;
}"""


# ---------------------------------------------------------------- helpers


def blog_page(embed_url: str) -> str:
    """A blogger's post: text, the map pasted in as an iframe (as the embed panel's snippet has it), more text;
    taller than any viewport."""
    above = "\n".join(
        f"<p>Day {i}: we drove on across the plateau, stopping wherever the light was good.</p>" for i in range(1, 5)
    )
    below = "\n".join(
        f"<p>Paragraph {i} after the map: notes on the road, the food and the weather.</p>" for i in range(1, 41)
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>My autumn in Inner Mongolia</title>
<style>body {{ font: 17px/1.6 Georgia, serif; max-width: 720px; margin: 0 auto; padding: 0 8px; }}</style></head>
<body>
<h1>My autumn in Inner Mongolia</h1>
{above}
<iframe id="trip-map" src="{html.escape(embed_url)}" width="640" height="420" style="border:0;max-width:100%"
        title="Map: Inner Mongolia, Baotou and back to Beijing"></iframe>
<p id="after-map">The map above shows the whole trip.</p>
{below}
</body></html>"""


def settle(doc: Any, markers: int) -> None:
    """Wait until a document (page or frame) has its map's stop markers in place and no zoom animation running."""
    doc.wait_for_selector(".leaflet-container")
    doc.wait_for_function(SETTLED_JS, arg=markers, polling=100)


def zoom_until_clickable(
    page: Any, doc: Any, target: Any, anchor: Any, *, ctrl: bool = False, steps: int = 10
) -> dict[str, float]:
    """Zoom in with the wheel over anchor (ctrl held for embeds, which leave the plain wheel to the page) until
    target exists and a point of it can be clicked; return that point (relative to target)."""
    for _ in range(steps + 1):
        if target.count() == 1:
            point = target.evaluate(FREE_POINT_JS)
            if point is not None:
                return point
        box = anchor.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        if ctrl:
            page.keyboard.down("Control")
        page.mouse.wheel(0, -120)
        if ctrl:
            page.keyboard.up("Control")
        doc.wait_for_function(SETTLED_JS, arg=1, polling=100)
    raise AssertionError(f"{target} stays hidden or covered even when zoomed in")


def log_in_as_demo(page: Any, server: Any) -> None:
    """Log in as the demo trip's owner through the form."""
    page.goto(server("/login"))
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server("/author"))


def whole_page(screenshot: Any, page: Any, name: str, images: str | None = None) -> None:
    """Save a full-page screenshot from the top; with images, first scroll them all in and wait until they load
    (lazy images below the fold would be blank)."""
    if images:
        for img in page.locator(images).all():
            img.scroll_into_view_if_needed()
        page.wait_for_function(IMAGES_LOADED_JS, arg=images)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name, full_page=True)


def flash(page: Any) -> str:
    """Return the text of the page's status messages."""
    return " ".join(page.locator(".tm-flash").all_inner_texts())


@pytest.fixture
def demo_owner_server(live_server: Any) -> Any:
    """The seeded app, served, with a password for the demo trip's owner ("demo")."""
    make_author(live_server.app, "demo")
    return live_server


# ---------------------------------------------------------------- 1. the map embedded in another site


def test_a_blog_on_another_site_shows_the_embedded_map_scrolls_past_it_and_opens_the_post_on_top(
    live_server: Any, foreign_site: Any, open_page: Any, screenshot: Any
) -> None:
    (foreign_site.folder / "post.html").write_text(blog_page(live_server(EMBED_PATH)))
    b = open_page()
    page = b.page
    page.goto(foreign_site("/post.html"))
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * page.viewport_size["height"]

    # The map draws inside the frame: stops, tracks and photos, although no tile ever loads.
    iframe = page.locator("#trip-map")
    iframe.scroll_into_view_if_needed()
    frame = iframe.element_handle().content_frame()
    assert frame is not None and frame.url == live_server(EMBED_PATH)
    embed = page.frame_locator("#trip-map")
    settle(frame, STOP_COUNT)
    assert embed.locator(".leaflet-container").count() == 1
    assert embed.locator(".tm-pin[data-stop]").count() == STOP_COUNT
    assert embed.locator("path.leaflet-interactive").count() >= 3
    assert embed.locator(".marker-cluster, .tm-photo-marker").count() >= 1
    map_box, frame_box = embed.locator(".leaflet-container").bounding_box(), iframe.bounding_box()
    assert map_box is not None and frame_box is not None
    assert map_box["width"] == pytest.approx(640, abs=1) and map_box["height"] == pytest.approx(420, abs=1)
    assert map_box["y"] == pytest.approx(frame_box["y"], abs=1)

    # The way out of the frame opens the full trip in the reader's window, not inside the frame.
    full = embed.get_by_role("link", name="View the full trip ↗")
    assert full.get_attribute("target") == "_top"
    assert full.evaluate("a => a.href") == live_server(TRIP_PATH)
    page.evaluate("window.scrollTo(0, 0)")
    settle(frame, STOP_COUNT)
    screenshot(page, "desktop-blog-with-embed")

    # The wheel over the map scrolls the blog and leaves the map's zoom alone; the map says how to zoom.
    zoom = frame.evaluate("travelmapMap.getZoom()")
    frame_box = iframe.bounding_box()
    assert frame_box is not None
    scroll_before = page.evaluate("scrollY")
    page.mouse.move(frame_box["x"] + frame_box["width"] / 2, frame_box["y"] + frame_box["height"] / 2)
    page.mouse.wheel(0, 300)
    page.wait_for_function("y => scrollY > y", arg=scroll_before)
    container = embed.locator(".leaflet-container")
    assert SCROLL_WARNING in (container.get_attribute("class") or "")
    assert container.get_attribute("data-gesture-handling-scroll-content") == "Use ctrl + scroll to zoom the map"
    # The plain wheel is not the map's: its wheel zoom stays off, so no zoom can start.
    assert frame.evaluate("travelmapMap.scrollWheelZoom.enabled()") is False
    assert frame.evaluate("travelmapMap.getZoom()") == zoom
    assert page.evaluate("scrollY") >= scroll_before + 200

    # Ctrl and the wheel zoom the map in on Baotou, and leave the blog where it is.
    iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
    scroll_before = page.evaluate("scrollY")
    pin = embed.locator('.tm-pin[data-stop="baotou"]')
    box = pin.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -120)  # the first ctrl+wheel hands the wheel to the map
    frame.wait_for_function("() => travelmapMap.scrollWheelZoom.enabled()")
    page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    frame.wait_for_function("z => travelmapMap.getZoom() > z", arg=zoom)
    settle(frame, STOP_COUNT)
    assert page.evaluate("scrollY") == scroll_before

    # Baotou's popup (zoomed in further if other pins still cover it): its post link opens in the reader's window.
    pin.click(position=zoom_until_clickable(page, frame, pin, pin, ctrl=True))
    popup = wait_for_popup(frame)
    assert "Baotou" in popup.locator(".tm-popup-title").inner_text()
    link = popup.get_by_role("link", name="Read the post")
    assert link.get_attribute("target") == "_top"
    screenshot(page, "desktop-blog-embed-baotou-popup")
    link.click()
    page.wait_for_url(live_server(BAOTOU_POST))
    assert page.locator("h1").inner_text() == BAOTOU_TITLE
    assert b.record.problems() == []

    # On a phone the frame shrinks to the column and the blog does not scroll sideways.
    phone = open_page(**PHONE)
    phone.page.goto(foreign_site("/post.html"))
    phone_frame = phone.page.locator("#trip-map")
    phone_frame.scroll_into_view_if_needed()
    content = phone_frame.element_handle().content_frame()
    assert content is not None
    settle(content, STOP_COUNT)
    box = phone.page.frame_locator("#trip-map").locator(".leaflet-container").bounding_box()
    assert box is not None and 300 <= box["width"] <= 390
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone.page, "phone-blog-with-embed")
    assert phone.record.problems() == []


# ---------------------------------------------------------------- 2. the photo layer


def test_a_reader_zooms_in_to_a_photo_and_its_lightbox_shows_the_photo_time_stop_and_post(
    live_server: Any, open_page: Any, screenshot: Any
) -> None:
    b = open_page()
    page = b.page
    page.goto(live_server(TRIP_PATH))
    settle(page, STOP_COUNT)

    # Every photo is drawn: alone or counted in a cluster.
    clusters = [int(n.split()[0]) for n in page.locator(".tm-photo-cluster .tm-photo-count").all_inner_texts()]
    singles = page.locator(".tm-photo-marker:not(.tm-photo-cluster)").count()
    assert sum(clusters) + singles == PHOTO_COUNT

    # The Bayan Obo photo sits 1.3 km from its stop: zoomed in far enough, it can be clicked.
    details = page.request.get(live_server(f"{TRIP_PATH}/photos.json")).json()
    photo_id = next(key for key, row in details.items() if row[0] == BAYAN_OBO_PHOTO)
    photo = page.locator(f'.tm-photo-marker:has(.tm-photo-thumb[data-photo="{photo_id}"])')
    stop = page.locator('.tm-pin[data-stop="bayan-obo"]')
    assert (photo.locator("img").get_attribute("src") or "") == f"{TRIP_PATH}/photos/{photo_id}/thumb.jpg"
    photo.click(position=zoom_until_clickable(page, page, photo, stop))
    lightbox = page.locator("dialog.tm-lightbox[open]")
    lightbox.locator(".tm-lightbox-caption").wait_for()

    img = lightbox.locator("img")
    assert img.get_attribute("alt") == BAYAN_OBO_PHOTO
    assert (img.get_attribute("src") or "") == f"{TRIP_PATH}/photos/{photo_id}/display.jpg"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert lightbox.locator(".tm-lightbox-caption").inner_text() == BAYAN_OBO_PHOTO
    assert lightbox.locator(".tm-lightbox-when").inner_text() == "15 October 2010, 09:10"
    stop_link = lightbox.get_by_role("link", name="At Bayan Obo mining district")
    assert stop_link.get_attribute("href") == f"{TRIP_PATH}/stops/bayan-obo"
    assert lightbox.get_by_role("link", name="Read the post").get_attribute("href") == "/posts/the-road-to-bayan-obo"
    screenshot(page, "desktop-trip-photo-lightbox")

    stop_link.click()
    page.wait_for_url(live_server(f"{TRIP_PATH}/stops/bayan-obo"))
    assert b.record.problems() == []


# ---------------------------------------------------------------- 3. the leg page's elevation profile


def readout(page: Any) -> tuple[float, int]:
    """Return the profile's readout as (km, metres), failing when it is not "<km> km · <m> m"."""
    text = page.locator(".tm-profile-readout").inner_text()
    match = READOUT.match(text)
    assert match, text
    return float(match.group(1)), int(match.group(2).replace(",", ""))


def test_hovering_the_leg_profile_shows_the_place_on_the_map_and_reads_out_distance_and_height(
    live_server: Any, open_page: Any, screenshot: Any
) -> None:
    b = open_page()
    page = b.page
    page.goto(live_server(f"{TRIP_PATH}/legs/2"))
    settle(page, len(LEG2_STOPS))
    assert sorted(page.locator(".tm-pin[data-stop]").evaluate_all("ps => ps.map(p => p.dataset.stop)")) == sorted(
        LEG2_STOPS
    )
    svg = page.locator("#tm-profile .tm-profile-svg")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 250 and box["height"] > 100
    assert page.locator(".tm-profile-marker").count() == 0

    # Moving across the profile from left to right walks the marker along the leg and the readout up in km.
    marker = page.locator("path.tm-profile-marker")
    map_box = page.locator(".tm-map-trip").bounding_box()
    assert map_box is not None
    seen, places = [], set()
    for fraction in (0.2, 0.4, 0.6, 0.8, 0.98):
        page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)
        marker.wait_for()
        seen.append(readout(page))
        spot = marker.bounding_box()
        assert spot is not None
        centre = (spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2)
        assert map_box["x"] <= centre[0] <= map_box["x"] + map_box["width"]
        assert map_box["y"] <= centre[1] <= map_box["y"] + map_box["height"]
        places.add((round(centre[0]), round(centre[1])))
    distances = [km for km, _ in seen]
    assert distances == sorted(distances) and len(set(distances)) == len(distances), seen
    assert distances[-1] > 400  # the leg is 449 km long
    assert all(900 <= metres <= 1800 for _, metres in seen), seen
    assert len(places) == len(seen)
    assert page.locator(".tm-cursor").get_attribute("visibility") == "visible"

    # For the picture: a place on the road to Bayan Obo, away from the stops, so the marker is in plain sight.
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    assert marker.evaluate(ON_TOP_JS)
    screenshot(page, "desktop-leg-profile-hover")

    # Leaving the profile takes the marker off the map.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] - 40)
    marker.wait_for(state="detached")
    assert b.record.problems() == []


def test_touching_the_leg_profile_on_a_phone_shows_the_place_on_the_map(
    live_server: Any, open_page: Any, screenshot: Any
) -> None:
    b = open_page(**PHONE)
    page = b.page
    page.goto(live_server(f"{TRIP_PATH}/legs/2"))
    settle(page, len(LEG2_STOPS))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    svg = page.locator("#tm-profile .tm-profile-svg")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box is not None
    # A finger put down on the profile and slid along it (raw touch events: Playwright can only tap).
    cdp = b.context.new_cdp_session(page)
    y = box["y"] + box["height"] / 2

    def touch(kind: str, x: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", box["x"] + box["width"] * 0.3)
    first = readout(page)
    touch("touchMove", box["x"] + box["width"] * 0.6)
    page.wait_for_function(
        "km => parseFloat(document.querySelector('.tm-profile-readout').textContent) > km", arg=first[0]
    )
    marker = page.locator("path.tm-profile-marker")
    assert marker.count() == 1
    page.evaluate("window.scrollTo(0, 0)")
    assert marker.evaluate(ON_TOP_JS)
    screenshot(page, "phone-leg-profile-touch", full_page=True)
    touch("touchEnd", 0)
    assert b.record.problems() == []


# ---------------------------------------------------------------- 4. GPX upload, a file at a time


def test_an_author_uploads_a_good_and_a_broken_gpx_file_and_sees_a_result_for_each(
    demo_owner_server: Any, open_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    good, bad = tmp_path / "morning-drive.gpx", tmp_path / "bad.gpx"
    good.write_bytes(
        gpx_document([straight_track(401, lat=40.80, lon=111.60, step_m=25, dt_s=2)], name="Morning drive")
    )
    bad.write_bytes(b"<gpx><trk><trkseg><trkpt lat='40' lon='111'></trkseg></gpx>")
    b = open_page()
    page = b.page
    log_in_as_demo(page, demo_owner_server)
    page.goto(demo_owner_server(WORKSPACE_TRIP))

    form = page.locator("form.tm-upload").first
    form.locator('input[type="file"]').set_input_files([str(good), str(bad)])
    form.get_by_role("button", name="Upload").click()
    results = form.locator(".tm-upload-results")
    results.locator(".tm-upload-done").wait_for()

    ok, failed = results.locator("li.tm-ok"), results.locator("li.tm-failed")
    assert ok.count() == 1 and failed.count() == 1
    assert ok.locator("strong").inner_text() == "morning-drive.gpx"
    assert re.search(r"\b10\.0 km\b.*\b401 points\b", ok.inner_text()), ok.inner_text()
    assert ok.locator("progress").evaluate("p => p.value") == 100
    assert failed.locator("strong").inner_text() == "bad.gpx"
    message = failed.locator(".tm-upload-text").inner_text()
    assert len(message.split()) >= 4 and message[0].isupper() and message.rstrip()[-1] in ".?!", message
    assert "HTTP" not in message
    page.locator(".tm-workleg").first.scroll_into_view_if_needed()
    screenshot(page, "desktop-workspace-gpx-upload-results")

    # The leg lists the new track at once, without a reload, and says so; the broken file added nothing.
    assert results.locator(".tm-upload-done").inner_text() == "1 track added to the leg's list and the map above."
    tracks = page.locator(".tm-workleg").first.locator(".tm-worktracks li")
    assert tracks.count() == 3
    assert "Morning drive" in tracks.last.inner_text()
    # A reload shows the same list: the track is stored.
    page.reload()
    assert page.locator(".tm-workleg").first.locator(".tm-worktracks li").count() == 3
    assert b.record.problems() == []


# ---------------------------------------------------------------- 5. photo upload and hand placement


def test_an_author_uploads_three_photos_and_places_the_one_without_gps_or_time_by_hand(
    demo_owner_server: Any, open_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    files = {
        # GPS and time: stays where it was taken, in central Baotou.
        "gps.jpg": jpeg(
            taken=datetime(2010, 10, 14, 15, 0), offset="+08:00", lat=40.6600, lon=109.8500, colour=(200, 120, 40)
        ),
        # Time only, 10:05 local on the day of the Hohhot → Baotou drive: placed from that track.
        "timed.jpg": jpeg(taken=datetime(2010, 10, 14, 10, 5), offset="+08:00", colour=(40, 120, 200)),
        # Neither: waits to be placed by hand.
        "bare.jpg": jpeg(colour=(40, 200, 90)),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    b = open_page()
    page = b.page
    log_in_as_demo(page, demo_owner_server)
    page.goto(demo_owner_server(WORKSPACE_PHOTOS))
    assert page.locator(".tm-review-item").count() == PHOTO_COUNT

    # Choosing the files uploads them at once; the page comes back as the review list.
    with page.expect_navigation(url=demo_owner_server(WORKSPACE_PHOTOS)):
        page.locator('form.tm-photo-upload input[type="file"]').set_input_files(
            [str(tmp_path / name) for name in files]
        )
    assert "3 photos added, 1 without a place yet" in flash(page)
    assert page.locator(".tm-review-item").count() == PHOTO_COUNT + 3
    assert page.locator("h2#review").inner_text() == f"{PHOTO_COUNT + 3} photos"

    def item(name: str) -> Any:
        found = page.locator(".tm-review-item", has=page.locator(".tm-help", has_text=name))
        assert found.count() == 1, name
        return found

    gps, timed, bare = item("gps.jpg"), item("timed.jpg"), item("bare.jpg")
    assert "from the photo's GPS" in gps.inner_text() and "at Baotou city centre" in gps.inner_text()
    assert "Taken 14 October 2010, 15:00 (UTC+08:00)" in gps.inner_text()
    assert "from the track" in timed.inner_text() and "Taken 14 October 2010, 10:05" in timed.inner_text()
    assert re.search(r"(near|\d+ km from) [^,]+, China —", timed.inner_text())  # its town, not raw coordinates
    lat, lon = (float(v) for v in (timed.locator(".tm-place").get_attribute("title") or "").split(", "))
    assert 40.5 < lat < 40.9 and 109.8 < lon < 111.8  # between Baotou and Hohhot
    assert "No place yet" in bare.inner_text()
    assert "tm-unplaced" in (bare.get_attribute("class") or "")
    whole_page(screenshot, page, "desktop-workspace-photos-uploaded", images=".tm-review-item img")

    # The unplaced photo: click its place on the map, give it a caption, save.
    bare.get_by_role("link", name="Place or caption").click()
    page.wait_for_url(re.compile(r".*/author/trips/[^/]+/photos/\d+$"))
    container = page.locator(".tm-map-picker .leaflet-container")
    container.wait_for()
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    assert page.locator("#lat").input_value() == "" and page.locator("#lon").input_value() == ""
    point = container.evaluate(FREE_MAP_POINT_JS)
    assert point is not None
    container.click(position=point)
    page.locator(".tm-picked").wait_for()
    picked_lat, picked_lon = float(page.locator("#lat").input_value()), float(page.locator("#lon").input_value())
    assert 38 < picked_lat < 43 and 108 < picked_lon < 118  # somewhere on the trip's map
    page.get_by_label("Caption").fill("Lunch by the road")
    page.get_by_role("button", name="Save the photo").click()
    page.wait_for_url(demo_owner_server(WORKSPACE_PHOTOS))
    assert "Photo saved" in flash(page)

    placed = page.locator(".tm-review-item", has=page.locator("strong", has_text="Lunch by the road"))
    assert placed.count() == 1
    assert "placed by hand" in placed.inner_text()
    assert placed.locator(".tm-place").get_attribute("title") == f"{picked_lat:.5f}, {picked_lon:.5f}"
    assert "tm-unplaced" not in (placed.get_attribute("class") or "")
    assert page.locator(".tm-review-item.tm-unplaced").count() == 0
    whole_page(screenshot, page, "desktop-workspace-photos-placed", images=".tm-review-item img")

    phone = open_page(**PHONE, storage_state=b.context.storage_state())
    phone.page.goto(demo_owner_server(WORKSPACE_PHOTOS))
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    whole_page(screenshot, phone.page, "phone-workspace-photos", images=".tm-review-item img")
    assert b.record.problems() == [] and phone.record.problems() == []


def test_a_photo_dropped_on_the_page_is_uploaded(demo_owner_server: Any, open_page: Any) -> None:
    b = open_page()
    page = b.page
    log_in_as_demo(page, demo_owner_server)
    page.goto(demo_owner_server(WORKSPACE_PHOTOS))
    zone = page.locator(".tm-dropzone")
    data = list(jpeg(taken=datetime(2010, 10, 14, 15, 10), offset="+08:00", lat=40.6580, lon=109.8410))
    transfer = page.evaluate_handle(
        """bytes => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], "dropped.jpg", {type: "image/jpeg"}));
        return dt; }""",
        data,
    )
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    assert "tm-dragging" in (zone.get_attribute("class") or "")
    with page.expect_navigation(url=demo_owner_server(WORKSPACE_PHOTOS)):
        zone.dispatch_event("drop", {"dataTransfer": transfer})
    assert "1 photo added" in flash(page)
    dropped = page.locator(".tm-review-item", has=page.locator(".tm-help", has_text="dropped.jpg"))
    assert "from the photo's GPS" in dropped.inner_text()
    assert b.record.problems() == []


# ---------------------------------------------------------------- 6. the embed panel


def test_the_embed_panel_gives_a_snippet_for_a_leg_without_photos_and_previews_it(
    demo_owner_server: Any, open_page: Any, screenshot: Any
) -> None:
    b = open_page()
    page = b.page
    log_in_as_demo(page, demo_owner_server)
    page.goto(demo_owner_server(WORKSPACE_TRIP))
    panel = page.locator(".tm-embed-panel")
    snippet, address, preview = (
        panel.locator("#embed-snippet"),
        panel.locator("#embed-page"),
        panel.locator("#embed-preview"),
    )

    embed_src = demo_owner_server(EMBED_PATH)
    assert snippet.input_value().startswith(f'<iframe src="{embed_src}" width="640" height="480"')
    assert 'title="Map: Inner Mongolia, Baotou and back to Beijing"' in snippet.input_value()  # oEmbed's title
    assert address.input_value() == demo_owner_server(TRIP_PATH)

    # Leg 2 only, without photos.
    panel.get_by_label("Show", exact=True).select_option(label="Leg 2: Baotou")
    assert f'src="{embed_src}?leg=2"' in snippet.input_value()
    assert address.input_value() == demo_owner_server(f"{TRIP_PATH}/legs/2")
    panel.get_by_label("Show photos").uncheck()
    assert f'src="{embed_src}?leg=2&amp;photos=0"' in snippet.input_value()
    assert 'title="Map: Baotou · Inner Mongolia, Baotou and back to Beijing"' in snippet.input_value()
    assert preview.get_attribute("src") == f"{embed_src}?leg=2&photos=0"

    # The live preview draws that leg's map: its three stops and no photos.
    preview.scroll_into_view_if_needed()
    frame = preview.element_handle().content_frame()
    assert frame is not None
    page.wait_for_function("f => f.contentWindow.location.href === f.src", arg=preview.element_handle())
    settle(frame, len(LEG2_STOPS))
    shown = page.frame_locator("#embed-preview")
    assert sorted(shown.locator(".tm-pin[data-stop]").evaluate_all("ps => ps.map(p => p.dataset.stop)")) == sorted(
        LEG2_STOPS
    )
    assert shown.locator(".marker-cluster, .tm-photo-marker").count() == 0
    assert shown.locator("path.leaflet-interactive").count() >= 3
    assert shown.get_by_role("link", name="View the full trip ↗").evaluate("a => a.href") == demo_owner_server(
        f"{TRIP_PATH}/legs/2"
    )
    box = preview.bounding_box()
    assert box is not None and box["width"] == pytest.approx(640, abs=2) and box["height"] == pytest.approx(480, abs=2)

    # A smaller size changes the snippet and the preview together.
    panel.get_by_label("Size").select_option(label="Small (480 × 360)")
    assert 'width="480" height="360"' in snippet.input_value()
    page.wait_for_function("f => f.getBoundingClientRect().width <= 482", arg=preview.element_handle())
    settle(frame, len(LEG2_STOPS))
    # Copying keeps the button's name; a status line beside it says it worked.
    copy = panel.get_by_role("button", name="Copy the snippet")
    copy.click()
    page.wait_for_function(
        "() => document.querySelector('[data-copied-for=\"embed-snippet\"]').textContent === 'Copied.'")
    assert copy.inner_text() == "Copy the snippet"
    panel.locator("h2").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -60)")  # below the sticky header
    settle(frame, len(LEG2_STOPS))
    screenshot(page, "desktop-workspace-embed-panel")
    assert b.record.problems() == []
