"""Degenerate but legal data never breaks a reader page: flat tracks, tracks without elevation or times,
one point, every point at the same time or place, tracks across the antimeridian and over the poles, empty
legs and empty trips. Each is built here, imported through the real API, and every page kind is asked for."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from . import databases
from .authoring_helpers import bearer, make_author
from .conftest import make_app
from .gpxfactory import START, gpx_document, straight_track
from .photofactory import jpeg

Point = tuple[float, float, float | None, object]


def flat(height: float):  # type: ignore[no-untyped-def]
    return lambda i, d: height


def without_times(points: list[Point]) -> list[Point]:
    return [(lat, lon, ele, None) for lat, lon, ele, _ in points]


def at_one_time(points: list[Point]) -> list[Point]:
    return [(lat, lon, ele, START) for lat, lon, ele, _ in points]


def standing_still(n: int) -> list[Point]:
    return [(48.2, 16.37, 170.0 + (i % 3) * 0.1, START + timedelta(seconds=i)) for i in range(n)]


# name -> the track's segments; each becomes a public trip of its own with one leg, a stop at the first point,
# a photo (GPS in its EXIF) at the last point and a post linked to the stop.
TRACKS: dict[str, list[list[Point]]] = {
    "flat-at-sea-level": [straight_track(300, lat=52.37, lon=4.89, ele=flat(0.0))],  # a canal walk
    "flat-at-100-m": [straight_track(300, lat=52.0, lon=5.0, ele=flat(100.0))],
    "flat-at-1234-5-m": [straight_track(300, lat=46.5, lon=8.0, ele=flat(1234.5))],
    "no-elevation": [straight_track(300, lat=45.0, lon=7.0)],
    "one-point": [[(40.0, 110.0, 1000.0, START)]],
    "one-bare-point": [[(40.0, 110.0, None, None)]],
    "two-points": [[(40.0, 110.0, 1000.0, START), (40.0001, 110.0, 1000.0, START + timedelta(seconds=5))]],
    "one-point-per-segment": [[(40.0, 110.0, 500.0, START)], [(40.1, 110.1, 520.0, START + timedelta(hours=1))]],
    "every-point-at-one-time": [at_one_time(straight_track(200, lat=40.0, lon=110.0, ele=flat(1000.0)))],
    "no-times": [without_times(straight_track(200, lat=40.0, lon=110.0, ele=lambda i, d: 1000 + i))],
    "standing-still": [standing_still(600)],
    "across-the-antimeridian": [straight_track(400, lat=-16.8, lon=179.7, azimuth=90, step_m=150,
                                               ele=lambda i, d: 10 + i % 7)],  # Taveuni, Fiji
    "along-the-antimeridian": [[(65.0 + i * 0.01, 180.0 if i % 2 else -180.0, None, START + timedelta(minutes=i))
                                for i in range(50)]],  # Chukotka: lon 180 and -180 are one meridian
    "over-the-north-pole": [straight_track(300, lat=89.99, lon=30.0, azimuth=0, step_m=10, ele=flat(0.0))],
    "at-the-south-pole": [[(-90.0, 0.0, 2835.0, START)] + [(-89.999, lon, 2835.0, START + timedelta(minutes=1 + k))
                                                          for k, lon in enumerate(range(-180, 180, 30))]],
    "beyond-mercator": [straight_track(200, lat=85.2, lon=-40.0, azimuth=45, step_m=50)],  # north of 85.05°
    "near-the-pole": [straight_track(200, lat=-84.9, lon=160.0, azimuth=200, step_m=50, ele=flat(2000.0))],
}


@dataclass
class Case:
    """One trip of the site: its slug and what it has (the pages that must exist)."""

    slug: str
    legs: int = 0
    stop: str | None = None
    track: int | None = None
    post: str | None = None
    extra_stops: list[str] = field(default_factory=list)


@dataclass
class Site:
    app: Flask
    client: FlaskClient
    cases: dict[str, Case]


def _post_json(client: FlaskClient, token: str, url: str, body: dict) -> dict:
    response = client.post(url, json=body, headers=bearer(token))
    assert response.status_code == 201, (url, response.get_data(as_text=True)[:300])
    return response.json


def _build(app: Flask) -> dict[str, Case]:
    token = make_author(app, "ann")
    client = app.test_client()
    cases: dict[str, Case] = {}
    for name, segments in TRACKS.items():
        _post_json(client, token, "/api/trips", {"title": name, "slug": name, "visibility": "public"})
        _post_json(client, token, f"/api/trips/{name}/legs", {"name": "Only"})
        response = client.post(f"/api/trips/{name}/legs/1/tracks",
                               data={"file": (io.BytesIO(gpx_document(segments, name=name)), f"{name}.gpx")},
                               headers=bearer(token), content_type="multipart/form-data")
        assert response.status_code == 201, (name, response.get_data(as_text=True)[:300])
        track = response.json["id"]
        first, last = segments[0][0], segments[-1][-1]
        _post_json(client, token, "/api/posts", {"title": f"{name} post", "slug": f"{name}-post", "body": "Here."})
        _post_json(client, token, f"/api/trips/{name}/stops",
                   {"name": "Start", "lat": first[0], "lon": first[1], "leg": 1, "post": f"{name}-post",
                    "arrived_at": "2010-10-14T10:00:00+00:00"})
        photo = jpeg(lat=last[0], lon=last[1], taken=START.replace(tzinfo=None), offset="+00:00")
        response = client.post(f"/api/trips/{name}/photos", data={"file": (io.BytesIO(photo), "here.jpg")},
                               headers=bearer(token), content_type="multipart/form-data")
        assert response.status_code == 201, (name, response.get_data(as_text=True)[:300])
        cases[name] = Case(name, legs=1, stop="start", track=track, post=f"{name}-post")
    # Trips with nothing, or with legs that have nothing but a stop or two.
    _post_json(client, token, "/api/trips", {"title": "Empty trip", "slug": "empty-trip", "visibility": "public"})
    cases["empty-trip"] = Case("empty-trip")
    _post_json(client, token, "/api/trips", {"title": "Empty leg", "slug": "empty-leg", "visibility": "public"})
    _post_json(client, token, "/api/trips/empty-leg/legs", {"name": "Nothing yet"})
    cases["empty-leg"] = Case("empty-leg", legs=1)
    _post_json(client, token, "/api/trips", {"title": "One stop", "slug": "one-stop", "visibility": "public"})
    _post_json(client, token, "/api/trips/one-stop/legs", {"name": "Here"})
    _post_json(client, token, "/api/trips/one-stop/stops", {"name": "Start", "lat": 0.0, "lon": 0.0, "leg": 1})
    cases["one-stop"] = Case("one-stop", legs=1, stop="start")
    flights = {"flight-over-the-antimeridian": [(-17.75, 177.45), (21.3, -157.9)],  # Nadi to Honolulu
               "flight-pole-to-pole": [(90.0, 0.0), (-90.0, 0.0)]}
    for slug, places in flights.items():
        _post_json(client, token, "/api/trips", {"title": slug, "slug": slug, "visibility": "public"})
        _post_json(client, token, f"/api/trips/{slug}/legs", {"name": "Flight", "transport": "flight"})
        for n, (lat, lon) in enumerate(places, start=1):
            _post_json(client, token, f"/api/trips/{slug}/stops",
                       {"name": f"Stop {n}", "lat": lat, "lon": lon, "leg": 1, "slug": f"stop-{n}"})
        cases[slug] = Case(slug, legs=1, stop="stop-1", extra_stops=["stop-2"])
    return cases


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("degenerate")
    with databases.outliving_tests(root):
        app = make_app(root)
        yield Site(app, app.test_client(), _build(app))


def pages_of(case: Case) -> list[str]:
    """Every reader page of a trip that exists for it."""
    t = f"/trips/{case.slug}"
    urls = [t, f"/embed{t}", f"/embed{t}?photos=0", f"{t}.geojson", f"{t}.geojson?photos=0", f"{t}.gpx",
            f"{t}/photos.json", f"{t}/preview.png", f"{t}/preview.png?width=300", f"{t}/feed.atom",
            f"/oembed?url=http://localhost{t}&format=json"]
    if case.legs:
        urls += [f"{t}/legs/1", f"/embed{t}?leg=1", f"{t}/legs/1.geojson", f"{t}/legs/1.gpx", f"{t}/legs/1/lines.json",
                 f"/oembed?url=http://localhost{t}/legs/1&format=json"]
    for stop in [case.stop, *case.extra_stops] if case.stop else []:
        urls += [f"{t}/stops/{stop}", f"/embed{t}?stop={stop}", f"/oembed?url=http://localhost{t}/stops/{stop}"]
    if case.track:
        urls.append(f"{t}/tracks/{case.track}.gpx")
    if case.post:
        urls += [f"/posts/{case.post}", f"/oembed?url=http://localhost/posts/{case.post}"]
    return urls


CASE_NAMES = [*TRACKS, "empty-trip", "empty-leg", "one-stop", "flight-over-the-antimeridian", "flight-pole-to-pole"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_reader_page_of_a_degenerate_trip_answers(site, name):
    failures = []
    for url in pages_of(site.cases[name]):
        try:
            response = site.client.get(url)
        except Exception as error:  # the test app propagates what would be a 500: collect them all
            failures.append((url, 500, repr(error)[:200]))
            continue
        body = response.get_data()
        if response.status_code != 200 or not body:
            failures.append((url, response.status_code, body[:200]))
        elif response.mimetype in ("text/html", "application/json", "application/geo+json"):
            text = body.decode()
            # No number a browser cannot use: NaN and Infinity are not JSON, SVG or CSS.
            bad = re.search(r"\b(NaN|-?Infinity|inf)\b", text)
            if bad:
                failures.append((url, "contains", text[max(0, bad.start() - 80):bad.end() + 80]))
    assert failures == []
    assert site.client.get("/").status_code == 200


def test_missing_legs_and_stops_of_an_empty_trip_are_404s_not_500s(site):
    for url in ("/trips/empty-trip/legs/1", "/trips/empty-trip/legs/1.geojson", "/trips/empty-trip/legs/1.gpx",
                "/trips/empty-trip/legs/1/lines.json", "/embed/trips/empty-trip?leg=1",
                "/embed/trips/empty-trip?stop=nowhere", "/trips/empty-trip/stops/nowhere",
                "/oembed?url=http://localhost/trips/empty-trip/legs/1"):
        assert site.client.get(url).status_code == 404, url

