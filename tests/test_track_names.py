"""A new track's name: the file's own name, else the file name, never a device's stock label or a bare date when a
better name is known; tested on the real-world corpus."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from travelmap.trackname import is_generic, track_name

from .authoring_helpers import bearer, make_author
from .conftest import DEMO_SLUG
from .gpxfactory import gpx_document, straight_track
from .multipart import multipart

# What each real file is called when uploaded under its own name, and under a name that says nothing (Track_001.gpx).
CORPUS_NAMES = {
    "georust__caltopo-export.gpx": ("Day 01", "Day 01"),
    "georust__garmin-activity.gpx": ("casual stroll", "casual stroll"),
    "georust__outdooractive-export.gpx": ("Kilimanjaro - Machame Route", "Kilimanjaro - Machame Route"),
    "georust__strava_route_example.gpx": ("Afternoon Run", "Afternoon Run"),
    "togeojson__blue_hills.gpx": ("BIG LOOP", "BIG LOOP"),
    "phpgpx__endomondo.gpx": ("GPX Test", "GPX Test"),
    # Stock labels and bare dates in the file: the file name is better …
    "gpxgo__visnjan.gpx": ("gpxgo visnjan", "Track of 22 August 2014, 18:48"),  # "8/22/2014 18:48"
    "gpxpy__around-visnjan-with-car.gpx": ("gpxpy around-visnjan-with-car", "Track of 18 December 2020, 07:15"),
    "gpxpy__cerknicko-jezero.gpx": ("gpxpy cerknicko-jezero", "Track of 5 August 2010, 16:23"),  # "ACTIVE LOG"
    "opentracks__gpx_timezone.gpx": ("opentracks gpx timezone", "Track of 7 January 2021, 21:36"),
    "togeojson__apple_watch_route.gpx": ("togeojson apple watch route", "Track of 15 December 2019, 15:19"),
    "togeojson__osm.gpx": ("togeojson osm", "Track of 11 May 2007, 11:23"),  # "dc.zip": another file's name
    "togeojson__empty_ele.gpx": ("togeojson empty ele", "Track of 11 May 2007, 11:22"),  # no name at all
}


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


@pytest.mark.parametrize("file", sorted(CORPUS_NAMES))
def test_a_real_file_gets_the_best_name_it_offers(seeded_app, token, require_corpus, file):
    data = (require_corpus / "gpx" / file).read_bytes()
    client = seeded_app.test_client()
    other = client.post("/api/trips", json={"title": "Names"}, headers=bearer(token)).json["slug"]
    client.post(f"/api/trips/{other}/legs", json={"name": "Only"}, headers=bearer(token))
    names = []
    for trip, upload_name in ((DEMO_SLUG, file), (other, "Track_001.gpx")):
        response = client.post(f"/api/trips/{trip}/legs/1/tracks", headers=bearer(token),
                               **multipart(data, upload_name))
        assert response.status_code == 201, response.json
        names.append(response.json["name"])
    assert tuple(names) == CORPUS_NAMES[file]


@pytest.mark.parametrize("name", [
    "ACTIVE LOG", "ACTIVE LOG #2", "Current Track: 18 DEC 2020 07:24", "2020-12-18 07:24:29", "8/22/2014 18:48",
    "Route 2019-12-15 3:50pm", "GPS_20090913_001033", "dc.zip", "activity_1234567890", "Track 1", "Mon 5 Aug 2019",
    "20190217T062644Z", "", "  ", "Untitled", "New track",
])
def test_stock_labels_dates_numbers_and_file_names_are_generic(name):
    assert is_generic(name)


@pytest.mark.parametrize("name", [
    "Day 01", "Friday Evening Run", "Morning Ride", "casual stroll", "BIG LOOP", "包头到呼和浩特",
    "Kilimanjaro - Machame Route",
    "Friday", "Hohhot to Baotou on the G6", "GPX Test",
])
def test_names_that_say_something_are_not_generic(name):
    assert not is_generic(name)


def test_the_name_rule_in_order():
    start = datetime(2010, 10, 14, 2, 0, tzinfo=timezone.utc)
    baotou = (40.65, 109.84)  # Asia/Shanghai: UTC+8
    assert track_name("Grassland loop", "morning_ride.gpx", start, baotou) == "Grassland loop"
    assert track_name("ACTIVE LOG", "morning_ride.gpx", start, baotou) == "morning ride"
    assert track_name("ACTIVE LOG", "Track_001.gpx", start, baotou) == "Track of 14 October 2010, 10:00"
    assert track_name("ACTIVE LOG", "Track_001.gpx", None, None) == "ACTIVE LOG"
    assert track_name("", "", None, None) == "Track"
    assert track_name("N" * 1000, "x.gpx") == "N" * 300


def test_a_track_from_a_device_that_names_it_by_date_is_named_by_its_file(seeded_app, token):
    data = gpx_document([straight_track(30)], name="2010-10-14 10:00:00")
    response = seeded_app.test_client().post(
        f"/api/trips/{DEMO_SLUG}/legs/1/tracks", headers=bearer(token),
        data={"file": (io.BytesIO(data), "grassland_loop.gpx")}, content_type="multipart/form-data")
    assert response.json["name"] == "grassland loop"
