"""In Chromium, saving a stop's form without touching it keeps its times to the microsecond: the time fields
show seconds, the browser accepts and sends them, and a time in the hour daylight saving repeats stays put."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Stop

from ..authoring_helpers import PASSWORD, bearer, make_author

pytestmark = pytest.mark.browser


def times(app: Any) -> dict[int, tuple[Any, Any]]:
    with app.app_context():
        return {s.id: (s.arrived_at, s.departed_at) for s in db.session().scalars(select(Stop))}


def test_saving_stops_unchanged_in_chromium_keeps_their_seconds_and_their_side_of_the_fold(
        live_server, open_page, screenshot):
    app = live_server.app
    token = make_author(app, "demo")
    with app.app_context():  # times with seconds, as stops made from GPS waypoints have
        s = db.session()
        for stop in s.scalars(select(Stop)):
            stop.arrived_at = stop.arrived_at + timedelta(seconds=17) if stop.arrived_at else None
            stop.departed_at = stop.departed_at + timedelta(seconds=43) if stop.departed_at else None
        s.commit()
    client = app.test_client()
    client.post("/api/trips", json={"title": "Clocks", "slug": "clocks"}, headers=bearer(token))
    client.post("/api/trips/clocks/legs", json={"name": "Berlin"}, headers=bearer(token))
    fold = client.post("/api/trips/clocks/stops", headers=bearer(token), json={
        "name": "The second 02:30", "lat": 52.52, "lon": 13.405, "leg": 1, "arrived_at": "2010-10-31T02:30:15+01:00"})
    assert fold.status_code == 201
    before = times(app)
    page = open_page().page
    page.goto(live_server("/login"))
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server("/author"))
    with app.app_context():
        stops = [(s.id, "clocks" if s.id == fold.json["id"] else "inner-mongolia-baotou-beijing")
                 for s in db.session().scalars(select(Stop))]
    for stop_id, trip in stops:
        page.goto(live_server(f"/author/trips/{trip}/stops/{stop_id}/edit"))
        if stop_id == fold.json["id"]:
            assert page.get_by_label("Arrived (local time)").input_value() == "2010-10-31T02:30:15"
            assert "Europe/Berlin, UTC+01:00" in page.locator(".tm-form").inner_text()
            screenshot(page, "stop-form-in-the-repeated-hour", full_page=True)
        page.get_by_role("button", name="Save the stop").click()
        page.wait_for_url(live_server(f"/author/trips/{trip}"))
    assert times(app) == before
