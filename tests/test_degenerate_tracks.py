"""Degenerate but legal data never breaks a reader page: flat tracks, tracks without elevation or times,
one point, every point at the same time or place, tracks across the antimeridian and over the poles, empty
legs and empty trips. Each is built here, imported through the real API, and every page kind is asked for."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import folium
import pytest
from flask import Flask
from flask.testing import FlaskClient
from geographiclib.geodesic import Geodesic
from sqlalchemy import select

from travelmap import db, geo, maps, preview, profile
from travelmap.assets import map_assets
from travelmap.geo import MERCATOR_MAX_LAT, Bounds, shift_lon
from travelmap.models import Track, Trip
from travelmap.services import pages
from travelmap.views import maplinks

from . import databases
from .authoring_helpers import bearer, login, make_author
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


def build_trips(app: Flask, only: set[str] | None = None) -> dict[str, Case]:
    """Make the trips of the degenerate cases (those named in `only`, or all) through the API."""
    token = make_author(app, "ann")
    client = app.test_client()
    cases: dict[str, Case] = {}
    for name, segments in TRACKS.items():
        if only is not None and name not in only:
            continue
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
    if only is not None:
        return cases
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
        yield Site(app, app.test_client(), build_trips(app))


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
        response.close()  # file downloads are streamed: close them, as a WSGI server does
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



def test_counts_of_one_are_said_in_the_singular_on_every_page_that_counts(site):
    front = site.client.get("/").get_data(as_text=True)
    card = front[front.index('href="/trips/one-stop"'):][:1500]
    assert "1 leg · 1 stop" in card and "1 legs" not in front and "1 stops" not in front
    author = site.app.test_client()
    login(author, "ann")
    for url in ("/author/trips/one-stop", "/author/trips/one-stop/delete", "/author/trips/one-stop/legs/1/delete",
                "/author/trips/one-stop/photos", "/author/trips/one-point/photos", "/trips/one-point/legs/1"):
        response = author.get(url)
        assert response.status_code == 200, url
        assert not re.search(r"\b1 (legs|stops|tracks|photos|points|posts)\b", response.get_data(as_text=True)), url


# ---------------------------------------------------------------- what is computed and drawn

def geodesic_length(segments: list[list[Point]]) -> float:
    """The exact WGS84 length of the recorded segments (what the stats must agree with)."""
    total = 0.0
    for seg in segments:
        for (lat1, lon1, *_), (lat2, lon2, *_) in zip(seg, seg[1:]):
            total += Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]
    return total


def track_of(site: Site, slug: str) -> Track:
    with site.app.app_context():
        track = db.session().scalars(select(Track).join(Trip).where(Trip.slug == slug)).one()
        db.session().expunge(track)  # keeps what is loaded readable after the request's session ends
        return track


@pytest.mark.parametrize("name", list(TRACKS))
def test_the_stats_of_a_degenerate_track_are_what_its_points_say(site, name):
    track, segments = track_of(site, name), TRACKS[name]
    points = [p for seg in segments for p in seg]
    assert track.distance_m == pytest.approx(geodesic_length(segments), rel=0.002, abs=0.5)
    heights = {p[2] for p in points}
    if max(sum(p[2] is not None for p in seg) for seg in segments) < 2:  # no segment with two heights: no climb
        assert track.ascent_m is None and track.descent_m is None
    elif len(heights) == 1 or name == "standing-still":
        assert (track.ascent_m, track.descent_m) == (0, 0)
    times = {p[3] for p in points}
    if len(times - {None}) <= 1:  # no time, or one moment: no duration, no moving time, no speed
        assert track.duration_s is None and track.moving_time_s is None and track.max_speed_mps is None
    if name == "standing-still":
        assert track.duration_s == 599 and track.moving_time_s < 30
    lats = [p[0] for p in points]
    assert (track.min_lat, track.max_lat) == pytest.approx((min(lats), max(lats)), abs=1e-8)  # the file has 8 places
    for value in (track.distance_m, track.min_lon, track.max_lon, *(track.ascent_m, track.moving_time_s)):
        assert value is None or math.isfinite(value)


def test_a_track_across_the_antimeridian_has_the_small_box_across_it_not_one_round_the_world(site):
    west, south, east, north = track_of(site, "across-the-antimeridian").bbox
    assert 179.6 < west < 180 and -180 < east < -179  # RFC 7946: west greater than east across the antimeridian
    west, _, east, _ = track_of(site, "along-the-antimeridian").bbox
    assert {west, east} <= {180.0, -180.0}
    assert Bounds.of_box(0, west, 1, east).east - Bounds.of_box(0, west, 1, east).west == 0


def _map_of(site: Site, slug: str, **kwargs: object) -> tuple[list[list[float]], dict]:
    """Build a trip's map as its page does and return what it fits the view to and the data its script draws."""
    with site.app.test_request_context():
        page = pages.trip_page(db.session(), db.session().scalar(select(Trip.id).where(Trip.slug == slug)))
        if kwargs.get("leg"):
            kwargs["leg"] = page.trip.legs[0]
        if kwargs.get("stop"):
            kwargs["stop"] = page.trip.stops()[0]
        m = maps.build_trip_map(page.trip, tiles=maplinks.tiles(), assets=map_assets(), links=maplinks.links(page.trip),
                                photos=page.photos, view=page.view, **kwargs)  # type: ignore[arg-type]
        fit = next(e for e in maps.walk(m) if isinstance(e, folium.FitBounds))
        data = next(e for e in maps.walk(m) if isinstance(e, maps.TripData)).data
        return fit.bounds, data  # type: ignore[return-value]


@pytest.mark.parametrize("view", [{}, {"leg": True}, {"stop": True}])
@pytest.mark.parametrize("name", ["across-the-antimeridian", "along-the-antimeridian",
                                  "flight-over-the-antimeridian"])
def test_a_map_across_the_antimeridian_is_fitted_to_it_and_draws_everything_east_of_one_origin(site, name, view):
    (south, west), (north, east) = _map_of(site, name, **view)[0]
    data = _map_of(site, name, **view)[1]
    assert 0 <= east - west < 60  # a few degrees (the flight: Fiji to Hawaii), not the whole world
    assert -180 <= west < 180 and west <= east  # east beyond 180 when the view crosses the antimeridian
    assert data["origin"] == west
    shown = data["stops"][:1] if view.get("stop") else data["stops"]  # a stop's view is the 3 km around it
    for row in shown:  # what the script does with each stop: shift it east of the origin
        assert west <= shift_lon(row[1], data["origin"]) <= east


@pytest.mark.parametrize("name", ["over-the-north-pole", "at-the-south-pole", "beyond-mercator",
                                  "flight-pole-to-pole"])
def test_a_map_near_a_pole_is_fitted_to_what_web_mercator_can_show(site, name):
    for view in ({}, {"leg": True}, {"stop": True}):
        (south, west), (north, east) = _map_of(site, name, **view)[0]
        assert -MERCATOR_MAX_LAT <= south < north <= MERCATOR_MAX_LAT, view  # a strip, never a line
        assert north - south >= 0.4 and east >= west


def test_geojson_cuts_lines_at_the_antimeridian_and_gives_the_small_bbox(site):
    for name in ("across-the-antimeridian", "along-the-antimeridian", "flight-over-the-antimeridian"):
        body = site.client.get(f"/trips/{name}.geojson").json
        legs = [f for f in body["features"] if f["properties"]["kind"] == "leg"]
        geometry = legs[0]["geometry"]
        parts = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]
        for part in parts:
            assert all(abs(b[0] - a[0]) < 180 for a, b in zip(part, part[1:])), name
            assert all(-180 <= lon <= 180 for lon, _ in part)
        west, _, east, _ = body["bbox"]
        if name != "along-the-antimeridian":
            assert west > east, name  # RFC 7946 §5.2
    across = site.client.get("/trips/across-the-antimeridian.geojson").json
    leg = next(f for f in across["features"] if f["properties"]["kind"] == "leg")
    assert leg["geometry"]["type"] == "MultiLineString"
    assert [part[-1][0] for part in leg["geometry"]["coordinates"]][0] == 180.0


@pytest.mark.parametrize("name", ["across-the-antimeridian", "along-the-antimeridian", "over-the-north-pole",
                                  "at-the-south-pole", "beyond-mercator", "flight-over-the-antimeridian"])
def test_the_preview_draws_a_trip_across_the_antimeridian_or_near_a_pole_in_one_piece(site, name):
    with site.app.app_context():
        page = pages.trip_page(db.session(), db.session().scalar(select(Trip.id).where(Trip.slug == name)))
        coords = [[(lat, lon) for lat, lon in geo.decode_polyline(part["line"])]
                  for leg in page.trip.legs for t in leg.tracks for part in t.lines["overview"]]
        if not coords:
            coords = [[(s.lat, s.lon) for s in page.trip.stops()]]
        lines, places = preview.project(coords, [(s.lat, s.lon) for s in page.trip.stops()])
    xs = [x for line in lines for x, _ in line] + [x for x, _ in places]
    ys = [y for line in lines for _, y in line] + [y for _, y in places]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    # Drawn in one piece: every step of a line is drawn at about the same scale (a step across the
    # antimeridian drawn the long way round would be hundreds of times longer than its length on the Earth).
    scales = [math.dist(a, b) / metres for line, raw in zip(lines, coords) for a, b, metres in
              ((line[i], line[i + 1], geo.haversine_m(*raw[i], *raw[i + 1])) for i in range(len(line) - 1))
              if metres > 1]
    assert scales and max(scales) < 3 * min(scales), name
    if name == "flight-over-the-antimeridian":
        assert width < math.radians(60)  # Fiji to Hawaii is 25° of longitude eastwards, not 335° westwards
    if name in ("over-the-north-pole", "at-the-south-pole", "beyond-mercator"):
        assert width > 0 and height > 0  # drawn from above the pole: a shape, not Mercator's flat line
    response = site.client.get(f"/trips/{name}/preview.png")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")


def test_a_photo_placed_from_a_track_across_the_antimeridian_lands_on_it():
    times = [0.0, 10.0]
    lat, lon, gap = geo.position_at(times, [-16.8, -16.8], [179.99, -179.99], 5.0, 60.0)  # type: ignore[misc]
    assert lon == pytest.approx(180.0, abs=1e-6) or lon == pytest.approx(-180.0, abs=1e-6)
    lat, lon, gap = geo.position_at(times, [-16.8, -16.8], [179.99, -179.99], 7.5, 60.0)  # type: ignore[misc]
    assert lon == pytest.approx(-179.995)


def test_a_blurred_place_by_the_antimeridian_stays_a_longitude():
    for lon in (179.999, -179.999, 180.0, -180.0):
        assert -180 <= geo.blur(10.0, lon)[1] <= 180


def test_a_flat_profile_is_a_level_line_inside_its_chart(site):
    for name, height in (("flat-at-sea-level", 0.0), ("flat-at-100-m", 100.0), ("flat-at-1234-5-m", 1234.5)):
        html = site.client.get(f"/trips/{name}/legs/1").get_data(as_text=True)
        svg = re.search(r'<svg class="tm-profile-svg".*?</svg>', html, re.S)
        assert svg, name
        line = re.search(r'class="tm-line" points="([^"]+)"', svg.group(0))
        ys = {float(pair.split(",")[1]) for pair in line.group(1).split()}  # type: ignore[union-attr]
        assert len(ys) == 1, name
        assert profile.PAD_TOP <= ys.pop() <= profile.HEIGHT - profile.PAD_BOTTOM
        labels = [float(v.replace(",", "")) for v in re.findall(r'text-anchor="end">([-\d,.]+) m<', svg.group(0))]
        assert min(labels) <= height <= max(labels) and len(labels) >= 2, (name, labels)
        assert min(labels) >= 0  # heights never below sea level get no axis below it


def test_a_one_point_track_has_no_profile_and_says_so_without_breaking(site):
    html = site.client.get("/trips/one-point/legs/1").get_data(as_text=True)
    assert "tm-profile-svg" not in html


@pytest.mark.parametrize("name", CASE_NAMES)
def test_the_authors_workspace_shows_a_degenerate_trip(site, name):
    client = site.app.test_client()
    login(client, "ann")
    for url in (f"/author/trips/{name}", f"/author/trips/{name}/photos", f"/author/trips/{name}/stops/new",
                f"/author/trips/{name}/delete", f"/author/trips/{name}/backup.zip"):
        response = client.get(url)
        response.close()  # the backup is streamed: close it, as a WSGI server does
        expected = 302 if name == "empty-trip" and url.endswith("/stops/new") else 200  # to "add a leg first"
        assert response.status_code == expected, (url, response.get_data(as_text=True)[:300])
