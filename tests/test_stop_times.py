"""A stop's times survive the workspace form and the API unchanged: seconds are kept, a local time in the hour
that daylight saving repeats keeps the side of the fold it was on, and a local time the clocks skipped is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from travelmap import db
from travelmap.models import Stop, Trip

from .authoring_helpers import bearer, form_fields, login, make_author
from .conftest import DEMO_SLUG, count_rows

UTC = timezone.utc
BERLIN = (52.52, 13.405)  # Europe/Berlin: on 31 October 2010 the clocks went from 03:00 back to 02:00
NEW_YORK = (40.7128, -74.006)  # America/New_York: on 7 November 2010 from 02:00 back to 01:00


@pytest.fixture
def demo(seeded_app):  # type: ignore[no-untyped-def]
    """The demo trip's owner: (API token, logged-in workspace client)."""
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    return token, client


def stored_times(app, trip_slug: str = DEMO_SLUG) -> dict[int, tuple[datetime | None, datetime | None]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        stops = db.session().scalars(select(Stop).join(Trip, Stop.trip_id == Trip.id).where(Trip.slug == trip_slug))
        return {s.id: (s.arrived_at, s.departed_at) for s in stops}


def save_unchanged(client, trip_slug: str, stop_id: int):  # type: ignore[no-untyped-def]
    """Open a stop's form and submit it as the browser would, without touching a field."""
    url = f"/author/trips/{trip_slug}/stops/{stop_id}/edit"
    values, _ = form_fields(client.get(url).get_data(as_text=True), containing="arrived_at")
    return client.post(url, data=values)


def shift_demo_stops(app, by: timedelta) -> None:  # type: ignore[no-untyped-def]
    """Give every demo stop times that are not whole minutes, as stops made from GPS waypoints have."""
    with app.app_context():
        s = db.session()
        for stop in s.scalars(select(Stop)):
            stop.arrived_at = stop.arrived_at + by if stop.arrived_at else None
            stop.departed_at = stop.departed_at + by if stop.departed_at else None
        s.commit()


@pytest.mark.parametrize("shift", [timedelta(0), timedelta(seconds=17), timedelta(seconds=17, microseconds=123456)],
                         ids=["as seeded", "with seconds", "with a fraction of a second"])
def test_saving_every_stop_of_the_demo_trip_unchanged_through_the_form_keeps_its_times_exactly(
        seeded_app, demo, shift):
    _, client = demo
    shift_demo_stops(seeded_app, shift)
    before = stored_times(seeded_app)
    assert len(before) == 8
    for stop_id in before:
        response = save_unchanged(client, DEMO_SLUG, stop_id)
        assert response.status_code == 302, response.get_data(as_text=True)
    assert stored_times(seeded_app) == before


def test_the_form_shows_seconds_and_lets_the_browser_send_them(seeded_app, demo):
    _, client = demo
    shift_demo_stops(seeded_app, timedelta(seconds=17))
    with seeded_app.app_context():
        stop = db.session().scalar(select(Stop).where(Stop.slug == "hohhot"))
        stop_id = stop.id
    values, attributes = form_fields(client.get(f"/author/trips/{DEMO_SLUG}/stops/{stop_id}/edit")
                                     .get_data(as_text=True), containing="arrived_at")
    assert values["arrived_at"] == "2010-10-11T15:01:17"
    assert attributes["arrived_at"]["type"] == "datetime-local" and attributes["arrived_at"]["step"] == "1"
    assert attributes["departed_at"]["step"] == "1"


def dst_trip(app, token: str) -> str:  # type: ignore[no-untyped-def]
    """A trip with one leg, for stops in zones that keep daylight saving time."""
    client = app.test_client()
    created = client.post("/api/trips", json={"title": "Clocks", "slug": "clocks"}, headers=bearer(token))
    assert created.status_code == 201
    assert client.post("/api/trips/clocks/legs", json={"name": "Both sides"}, headers=bearer(token)).status_code == 201
    return "clocks"


def add_stop(app, token: str, place: tuple[float, float], arrived: str, departed: str | None = None):  # type: ignore[no-untyped-def]
    body = {"name": f"Stop at {arrived}", "lat": place[0], "lon": place[1], "leg": 1, "arrived_at": arrived}
    if departed:
        body["departed_at"] = departed
    return app.test_client().post("/api/trips/clocks/stops", json=body, headers=bearer(token))


FOLDS = [
    # (what, place, zone, arrival with its offset, the instant in UTC)
    ("Berlin, the first 02:30", BERLIN, "Europe/Berlin", "2010-10-31T02:30:15+02:00",
     datetime(2010, 10, 31, 0, 30, 15)),
    ("Berlin, the second 02:30", BERLIN, "Europe/Berlin", "2010-10-31T02:30:15+01:00",
     datetime(2010, 10, 31, 1, 30, 15)),
    ("New York, the first 01:30", NEW_YORK, "America/New_York", "2010-11-07T01:30:15-04:00",
     datetime(2010, 11, 7, 5, 30, 15)),
    ("New York, the second 01:30", NEW_YORK, "America/New_York", "2010-11-07T01:30:15-05:00",
     datetime(2010, 11, 7, 6, 30, 15)),
]


@pytest.mark.parametrize("what, place, zone, arrived, instant", FOLDS, ids=[f[0] for f in FOLDS])
def test_a_stop_in_the_hour_daylight_saving_repeats_keeps_its_instant_when_saved_unchanged(
        seeded_app, demo, what, place, zone, arrived, instant):
    token, client = demo
    dst_trip(seeded_app, token)
    created = add_stop(seeded_app, token, place, arrived, departed=arrived)
    assert created.status_code == 201, created.get_json()
    assert created.json["timezone"] == zone and created.json["arrived_at"] == arrived
    expected = {created.json["id"]: (instant.replace(tzinfo=UTC), instant.replace(tzinfo=UTC))}
    assert stored_times(seeded_app, "clocks") == expected
    # The workspace form, saved as it is shown.
    assert save_unchanged(client, "clocks", created.json["id"]).status_code == 302
    assert stored_times(seeded_app, "clocks") == expected
    # The API, given the same local time without an offset (as the README says a local time may be sent).
    local = arrived[:-6]
    patched = seeded_app.test_client().patch(f"/api/trips/clocks/stops/{created.json['id']}",
                                             json={"arrived_at": local, "departed_at": local}, headers=bearer(token))
    assert patched.status_code == 200, patched.get_json()
    assert stored_times(seeded_app, "clocks") == expected
    assert patched.json["arrived_at"] == arrived


@pytest.mark.parametrize("offset, utc_hour", [("+02:00", 0), ("+01:00", 1)], ids=["first side", "second side"])
def test_a_time_edited_within_the_repeated_hour_stays_on_the_side_of_the_fold_it_was_on(
        seeded_app, demo, offset, utc_hour):
    token, client = demo
    dst_trip(seeded_app, token)
    stop_id = add_stop(seeded_app, token, BERLIN, f"2010-10-31T02:30:00{offset}").json["id"]
    url = f"/author/trips/clocks/stops/{stop_id}/edit"
    values, _ = form_fields(client.get(url).get_data(as_text=True), containing="arrived_at")
    assert client.post(url, data={**values, "arrived_at": "2010-10-31T02:45:00"}).status_code == 302
    assert stored_times(seeded_app, "clocks")[stop_id][0] == datetime(2010, 10, 31, utc_hour, 45, tzinfo=UTC)


GAPS = [
    ("Berlin, 02:30 on 28 March 2010", BERLIN, "2010-03-28T02:30"),
    ("New York, 02:30 on 14 March 2010", NEW_YORK, "2010-03-14T02:30:00"),
]


@pytest.mark.parametrize("what, place, local", GAPS, ids=[g[0] for g in GAPS])
def test_a_local_time_the_clocks_skipped_is_refused_with_a_clear_message_and_changes_nothing(
        seeded_app, demo, what, place, local):
    token, client = demo
    dst_trip(seeded_app, token)
    api = seeded_app.test_client()
    with seeded_app.app_context():
        before = count_rows(db.session())
    refused = add_stop(seeded_app, token, place, local)
    assert refused.status_code == 400 and refused.json["error"]["field"] == "arrived_at"
    message = refused.json["error"]["message"]
    assert "does not exist" in message and "clocks" in message, message
    with seeded_app.app_context():
        assert count_rows(db.session()) == before
    # An existing stop edited to that time, through the API and the form, is refused the same way.
    stop_id = add_stop(seeded_app, token, place, local[:10] + "T12:00").json["id"]
    before = stored_times(seeded_app, "clocks")
    patched = api.patch(f"/api/trips/clocks/stops/{stop_id}", json={"departed_at": local}, headers=bearer(token))
    assert patched.status_code == 400 and "does not exist" in patched.json["error"]["message"]
    url = f"/author/trips/clocks/stops/{stop_id}/edit"
    values, _ = form_fields(client.get(url).get_data(as_text=True), containing="arrived_at")
    page = client.post(url, data={**values, "arrived_at": local})
    assert page.status_code == 400 and "does not exist" in page.get_data(as_text=True)
    assert stored_times(seeded_app, "clocks") == before


def test_a_time_at_the_end_of_the_calendar_is_shown_in_utc_where_the_stops_zone_cannot_hold_it(seeded_app, demo):
    token, _ = demo
    dst_trip(seeded_app, token)
    client = seeded_app.test_client()
    created = add_stop(seeded_app, token, (51.5, -0.12), "9999-12-31T20:00:00+00:00")  # London: UTC in winter
    assert created.status_code == 201, created.get_json()
    # Moved to Beijing, where that instant is already in the year 10000: the move is allowed, and every page
    # still shows the stop (in UTC) instead of failing.
    moved = client.patch(f"/api/trips/clocks/stops/{created.json['id']}", json={"lat": 39.9, "lon": 116.4},
                         headers=bearer(token))
    assert moved.status_code == 200 and moved.json["arrived_at"] == "9999-12-31T20:00:00+00:00"
    client.patch("/api/trips/clocks", json={"visibility": "public"}, headers=bearer(token))
    for url in ("/trips/clocks", "/trips/clocks/legs/1", f"/trips/clocks/stops/{created.json['slug']}",
                "/trips/clocks.geojson", "/trips/clocks.gpx", "/embed/trips/clocks"):
        assert client.get(url).status_code == 200, url
