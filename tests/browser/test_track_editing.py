"""Editing tracks in a real browser, at 1280 px and at 390 px: an author uploads a stray track, sees the far-away
warning in the result and the leg's list (and the track on the map, without a reload), renames and deletes it; then
trims a track by picking points on its profile and map, with the keyboard and by typing, splits it and restores it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from ..authoring_helpers import PASSWORD, bearer, make_author
from ..conftest import DEMO_SLUG
from ..gpxfactory import gpx_document, hilly, straight_track
from .conftest import PHONE

pytestmark = pytest.mark.browser

WORKSPACE_TRIP = f"/author/trips/{DEMO_SLUG}"
SIZES = {"desktop": {"viewport": {"width": 1280, "height": 860}}, "phone": PHONE}
FAR = re.compile(r"This track lies ([\d,]+) km from the rest of the trip, in Europe, while the rest of the trip is in "
                 r"Asia\. Is it in the right trip\?")
# True when nothing sticks out sideways (no horizontal scrolling on a phone).
NO_SIDEWAYS_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def owner(live_server: Any) -> Any:
    """The seeded app, served, with a password and an API token for the demo trip's owner."""
    live_server.token = make_author(live_server.app, "demo")
    return live_server


def log_in(page: Any, server: Any) -> None:
    page.goto(server("/login"))
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Log in")
    page.wait_for_url(server("/author"))


def flash(page: Any) -> str:
    return " ".join(page.locator(".tm-flash").all_inner_texts())


def shot(screenshot: Any, page: Any, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name, full_page=True)


def press(page: Any, button: str) -> None:
    """Click a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def map_ready(page: Any, selector: str) -> None:
    page.locator(f"{selector} .leaflet-container").wait_for()
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")


def leg_lines(page: Any, index: int) -> int:
    """Count the lines drawn in a leg's layer of the workspace map."""
    return page.evaluate("i => window.travelmapMap.travelmapLegs.groups[i].getLayers()"
                         ".filter(l => l instanceof L.Polyline).length", index)


@pytest.mark.parametrize("size", SIZES)
def test_an_author_uploads_a_stray_track_sees_how_far_it_is_renames_it_and_deletes_it(
        owner: Any, open_page: Any, screenshot: Any, tmp_path: Path, size: str) -> None:
    stray = tmp_path / "evening-run.gpx"
    stray.write_bytes(gpx_document([straight_track(240, lat=48.853, lon=2.349, step_m=20, dt_s=5)],
                                   name="ACTIVE LOG"))
    b = open_page(**SIZES[size])
    page = b.page
    log_in(page, owner)
    page.goto(owner(WORKSPACE_TRIP))
    map_ready(page, "#trip-map")
    leg = page.locator(".tm-workleg").first
    rows = leg.locator(".tm-worktrack")
    before, lines_before = rows.count(), leg_lines(page, 0)
    assert page.locator(".tm-warning").count() == 0

    form = leg.locator("form.tm-upload")
    form.locator('input[type="file"]').set_input_files(str(stray))
    form.get_by_role("button", name="Upload").click()
    form.locator(".tm-upload-done").wait_for()

    # The result names the distance; the leg's list and the map have the track at once, without a reload.
    result = form.locator(".tm-upload-results li.tm-ok")
    match = FAR.search(result.inner_text())
    assert match, result.inner_text()
    km = int(match.group(1).replace(",", ""))
    assert 7_000 < km < 8_000  # Paris to Inner Mongolia
    assert rows.count() == before + 1
    new = rows.last
    assert new.locator(".tm-worktrack-name").inner_text() == "evening-run"  # "ACTIVE LOG" says nothing
    assert FAR.search(new.locator(".tm-warning").inner_text())
    assert leg_lines(page, 0) == lines_before + 1
    assert page.evaluate(NO_SIDEWAYS_JS)
    new.scroll_into_view_if_needed()
    screenshot(page, f"{size}-tracks-stray-uploaded")

    # A reload still shows the warning in the leg's list.
    page.reload()
    assert page.locator(".tm-worktrack .tm-warning").count() == 1
    shot(screenshot, page, f"{size}-tracks-workspace-with-warning")

    # Rename it in its editor.
    page.locator(".tm-worktrack").filter(has_text="evening-run").get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(re.escape(owner(f"{WORKSPACE_TRIP}/tracks/")) + r"\d+$"))
    map_ready(page, "#track-map")
    assert FAR.search(page.locator(".tm-flash-warning").inner_text())
    page.get_by_label("Name", exact=True).fill("Evening run in Paris")
    press(page, "Save the name and leg")
    assert "Track “Evening run in Paris” saved." in flash(page)
    assert page.locator("h1").inner_text() == "Evening run in Paris"
    assert page.evaluate(NO_SIDEWAYS_JS)
    shot(screenshot, page, f"{size}-tracks-stray-renamed")

    # Delete it, after a confirmation page like the ones legs and stops have.
    page.get_by_role("link", name="Delete this track…").click()
    assert page.locator("h1").inner_text() == "Delete the track “Evening run in Paris”?"
    assert "240 points" in page.locator(".tm-lead").inner_text()
    shot(screenshot, page, f"{size}-tracks-delete-confirmation")
    press(page, "Delete the track")
    page.wait_for_url(owner(WORKSPACE_TRIP))
    assert "Track “Evening run in Paris” deleted." in flash(page)
    assert page.locator(".tm-workleg").first.locator(".tm-worktrack").count() == before
    assert page.locator(".tm-warning").count() == 0
    assert b.record.problems() == []


def upload(server: Any, data: bytes, name: str, leg: int = 2) -> dict:
    response = server.app.test_client().post(
        f"/api/trips/{DEMO_SLUG}/legs/{leg}/tracks", data={"file": (io.BytesIO(data), name)},
        headers=bearer(server.token), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def readout(page: Any, field: str) -> str:
    return page.locator(f".tm-point-readout[for='{field}']").inner_text()


@pytest.mark.parametrize("size", SIZES)
def test_an_author_trims_a_track_on_its_profile_and_map_splits_it_and_restores_it(
        owner: Any, open_page: Any, screenshot: Any, size: str) -> None:
    points = straight_track(300, lat=40.62, lon=109.95, step_m=30, dt_s=10, ele=hilly(60, 3000, 1))
    track = upload(owner, gpx_document([points], name="Hills east of Baotou"), "hills.gpx")
    editor = owner(f"{WORKSPACE_TRIP}/tracks/{track['id']}")
    b = open_page(**SIZES[size])
    page = b.page
    log_in(page, owner)
    page.goto(editor)
    map_ready(page, "#track-map")
    assert page.locator("h1").inner_text() == "Hills east of Baotou"
    assert page.locator(".tm-pickmode").is_visible()
    assert page.locator("#start").input_value() == "0" and page.locator("#end").input_value() == "299"
    assert readout(page, "start").startswith("point 0 · 0.00 km · 10:00")  # the local time at Baotou (UTC+8)

    # The keyboard: the start's slider steps one point per arrow key.
    slider = page.locator("#trim .tm-point-slider").first
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert page.locator("#start").input_value() == "5"
    assert readout(page, "start").startswith("point 5 · 0.15 km")

    # A click on the profile sets the start, a click on the map (with "the end" chosen) sets the end.
    profile = page.locator("#track-profile svg")
    profile.scroll_into_view_if_needed()
    box = profile.bounding_box()
    assert box is not None
    profile.click(position={"x": box["width"] * 0.35, "y": box["height"] * 0.5})
    start = int(page.locator("#start").input_value())
    assert 60 < start < 140, start
    page.get_by_label("the end").check()
    container = page.locator("#track-map .leaflet-container")
    container.scroll_into_view_if_needed()
    marker = page.locator(".tm-mark-end")
    marker_box = marker.bounding_box()
    map_box = container.bounding_box()
    assert marker_box is not None and map_box is not None
    # Click on the track a little before its end: the end moves back along the line.
    first_box = page.locator(".tm-mark-start").bounding_box()
    assert first_box is not None
    x = marker_box["x"] + (first_box["x"] - marker_box["x"]) * 0.2 + marker_box["width"] / 2 - map_box["x"]
    y = marker_box["y"] + (first_box["y"] - marker_box["y"]) * 0.2 + marker_box["height"] / 2 - map_box["y"]
    container.click(position={"x": x, "y": y})
    end = int(page.locator("#end").input_value())
    assert start < end < 299, (start, end)
    assert page.locator(".tm-cut").count() == 2  # both cut ends are greyed out on the map
    screenshot(page, f"{size}-tracks-trim-picked")

    # Typing the exact numbers works too; the trim keeps 221 points.
    page.locator("#start").fill("40")
    page.locator("#end").fill("260")
    assert readout(page, "start").startswith("point 40 · 1.20 km")
    press(page, "Trim the track")
    assert "Track trimmed: 221 points, 6.6 km." in flash(page)
    assert "Holds points 40 to 260 of the 300 in the uploaded file." in page.locator(".tm-note").inner_text()
    assert page.locator("#end").input_value() == "220"
    shot(screenshot, page, f"{size}-tracks-trimmed")

    # Split at a point picked on the profile, with the split point chosen.
    page.get_by_label("the split point").check()
    profile.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    at = int(page.locator("#split-at").input_value())
    assert 90 < at < 130, at
    page.get_by_label("Name of the second part").fill("Hills, afternoon")
    press(page, "Split the track here")
    assert "Track split in two: “Hills east of Baotou” and “Hills, afternoon”." in flash(page)
    note = page.locator(".tm-note").inner_text()
    assert f"Holds points 40 to {40 + at} of the 300" in note and "Hills, afternoon" in note
    shot(screenshot, page, f"{size}-tracks-split")

    # Restore: every point back as this one track; the second part goes.
    press(page, "Restore the original")
    assert "Track restored to its original file: 300 points. The other part (“Hills, afternoon”) went." in flash(page)
    assert page.locator(".tm-note").count() == 0
    assert page.locator("#end").input_value() == "299"
    page.goto(owner(WORKSPACE_TRIP))
    assert page.locator(".tm-worktrack", has_text="Hills, afternoon").count() == 0
    assert page.locator(".tm-worktrack", has_text="Hills east of Baotou").count() == 1
    assert page.evaluate(NO_SIDEWAYS_JS)
    page.goto(editor)
    map_ready(page, "#track-map")
    shot(screenshot, page, f"{size}-tracks-restored")
    assert b.record.problems() == []
