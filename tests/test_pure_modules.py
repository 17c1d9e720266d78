"""The pure modules on their own, with no app and no database: exports, the link-preview image, the
Content-Security-Policy builder and field validation. Model objects here are plain, unsaved instances."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import gpxpy
import pytest
from PIL import Image

from travelmap import csp, exports, geo, preview, validate
from travelmap.errors import InvalidInput
from travelmap.models import Author, Leg, Photo, Post, Stop, Track, TrackSegment, Trip

UTC = timezone.utc


def urls() -> exports.Urls:
    return exports.Urls(trip=lambda t: f"https://example.org/trips/{t.slug}",
                        stop=lambda s: f"https://example.org/trips/x/stops/{s.slug}",
                        post=lambda p: f"https://example.org/posts/{p.slug}",
                        thumb=lambda p: f"https://example.org/thumbs/{p.id}.jpg")


def a_trip() -> Trip:
    """Two legs: a tracked one with a 3-point track and two stops, then an untracked train leg."""
    owner = Author(id=1, username="ann", display_name="Ann")
    trip = Trip(id=7, slug="weekend", title="A weekend", summary="Out and back", owner=owner, timezone="UTC",
                blur_photo_locations=False, updated_at=datetime(2020, 5, 2, tzinfo=UTC))
    post = Post(id=3, slug="day-one", title="Day one", summary="Walked.", author_name="Ann",
                published=date(2020, 5, 1), created_at=datetime(2020, 5, 1, tzinfo=UTC))
    walk = Leg(id=1, position=1, name="Walk", colour="#c2410c")
    train = Leg(id=2, position=2, name="Home", colour="#0f766e", transport="train")
    trip.legs = [walk, train]
    points = [(50.0, 8.0, 100.0, 1_588_320_000.0), (50.001, 8.001, 110.0, 1_588_320_060.0),
              (50.002, 8.002, None, 1_588_320_120.0)]
    track = Track(id=11, name="Morning", distance_m=270.0, ascent_m=10.0, descent_m=0.0, point_count=3,
                  detail_geometry=[{"planned": False, "coords": [[p[0], p[1]] for p in points]}],
                  display_geometry=[], min_lat=50.0, min_lon=8.0, max_lat=50.002, max_lon=8.002)
    track.segments = [TrackSegment(position=0, point_count=3, planned=False,
                                   points=TrackSegment.pack(*zip(*points)))]
    walk.tracks = [track]
    walk.stops = [Stop(id=21, slug="start", name="Start", lat=50.0, lon=8.0, timezone="UTC", position=1,
                       arrived_at=datetime(2020, 5, 1, 8, tzinfo=UTC), post=post),
                  Stop(id=22, slug="top", name="Top", lat=50.002, lon=8.002, timezone="Europe/Berlin", position=2)]
    train.stops = [Stop(id=23, slug="station", name="Station", lat=50.1, lon=8.6, timezone="UTC", position=1),
                   Stop(id=24, slug="home", name="Home", lat=52.5, lon=13.4, timezone="UTC", position=2)]
    for leg in trip.legs:
        for stop in leg.stops:
            stop.leg = leg
    return trip


def a_photo(photo_id: int = 5, lat: float | None = 50.00123, lon: float | None = 8.00456) -> Photo:
    return Photo(id=photo_id, caption="View", lat=lat, lon=lon, taken_at=datetime(2020, 5, 1, 9, tzinfo=UTC))


# ---------------------------------------------------------------- exports

def test_geojson_holds_the_legs_stops_and_placed_photos_with_lon_lat_order_and_a_bbox():
    body = exports.trip_geojson(a_trip(), urls(), photos=[a_photo(), a_photo(6, None, None)])
    kinds = [f["properties"]["kind"] for f in body["features"]]
    assert kinds == ["leg", "leg", "stop", "stop", "stop", "stop", "photo"]
    walk = body["features"][0]
    assert walk["geometry"] == {"type": "LineString", "coordinates": [[8.0, 50.0], [8.001, 50.001], [8.002, 50.002]]}
    assert walk["properties"]["tracked"] is True and walk["properties"]["distance_m"] == 270.0
    start = body["features"][2]["properties"]
    assert start["number"] == 1 and start["post_url"] == "https://example.org/posts/day-one"
    assert body["bbox"] == [8.0, 50.0, 13.4, 52.5]
    json.dumps(body, allow_nan=False)  # strict JSON: no NaN or Infinity anywhere


def test_an_untracked_leg_is_a_straight_line_from_its_first_to_its_last_stop_in_geojson():
    train = exports.trip_geojson(a_trip(), urls())["features"][1]
    assert train["geometry"]["coordinates"] == [[8.6, 50.1], [13.4, 52.5]]
    assert train["properties"]["tracked"] is False and train["properties"]["transport"] == "train"


def test_geojson_blurs_photo_places_to_about_a_kilometre_when_asked():
    exact = exports.trip_geojson(a_trip(), urls(), photos=[a_photo()])["features"][-1]["geometry"]["coordinates"]
    blurred = exports.trip_geojson(a_trip(), urls(), photos=[a_photo()], blur=True)["features"][-1]
    lon, lat = blurred["geometry"]["coordinates"]
    assert (lon, lat) != tuple(exact)
    assert 0 < geo.haversine_m(exact[1], exact[0], lat, lon) < 1_000


def test_the_gpx_export_keeps_every_stored_point_and_turns_stops_into_waypoints():
    parsed = gpxpy.parse(exports.trip_gpx(a_trip(), urls()))
    points = parsed.tracks[0].segments[0].points
    assert [(p.latitude, p.longitude, p.elevation) for p in points] == [(50.0, 8.0, 100.0), (50.001, 8.001, 110.0),
                                                                         (50.002, 8.002, None)]
    assert points[1].time == datetime(2020, 5, 1, 8, 1, tzinfo=UTC).replace(tzinfo=points[1].time.tzinfo)
    assert [w.name for w in parsed.waypoints] == ["Start", "Top", "Station", "Home"]
    assert parsed.waypoints[0].link == "https://example.org/posts/day-one"


def test_the_atom_feed_has_one_entry_per_post_with_its_georss_point():
    feed = ET.fromstring(exports.trip_feed(a_trip(), urls(), "https://example.org/feed.atom"))
    ns = {"a": exports.ATOM, "g": exports.GEORSS}
    entries = feed.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == ["Day one"]
    assert entries[0].findtext("g:point", namespaces=ns) == "50.000000 8.000000"
    assert feed.findtext("a:updated", namespaces=ns) == "2020-05-01T00:00:00+00:00"


# ---------------------------------------------------------------- preview

def test_the_preview_is_a_1200_by_630_png_and_smaller_copies_keep_the_ratio():
    big = Image.open(io.BytesIO(preview.trip_preview(a_trip())))
    small = Image.open(io.BytesIO(preview.trip_preview(a_trip(), 300)))
    assert (big.format, big.size) == ("PNG", (1200, 630))
    assert small.size == (300, 158)


def test_the_preview_draws_the_legs_in_their_colours():
    image = Image.open(io.BytesIO(preview.trip_preview(a_trip()))).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1_000_000) or []}
    assert (0xc2, 0x41, 0x0c) in colours and (0x0f, 0x76, 0x6e) in colours


@pytest.mark.parametrize("lat, lon", [(0.0, 179.9999), (89.99, 0.0), (-89.99, 10.0)],
                         ids=["dateline", "north", "south"])
def test_a_preview_of_a_single_stop_anywhere_on_earth_draws(lat, lon):
    trip = Trip(id=1, slug="one", title="One stop", owner=Author(id=1, username="x"))
    leg = Leg(id=1, position=1, name="Only", colour="#123456")
    leg.stops = [Stop(id=1, slug="here", name="Here", lat=lat, lon=lon, timezone="UTC", position=1)]
    leg.stops[0].leg = leg
    trip.legs = [leg]
    assert Image.open(io.BytesIO(preview.trip_preview(trip))).size == (1200, 630)


# ---------------------------------------------------------------- Content-Security-Policy

def test_script_hashes_cover_inline_scripts_but_not_external_ones_or_json_data_blocks():
    html = (b'<script>a()</script><script src="/x.js"></script>'
            b'<script type="application/json">{"a": 1}</script><script>a()</script><script>b()</script>')
    def source(script: bytes) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"

    assert csp.script_hashes(html) == [source(b"a()"), source(b"b()")]  # in order, each once


def test_the_policy_allows_only_our_scripts_the_given_hashes_and_the_tile_host():
    policy = csp.policy(["'sha256-abc'"], tiles_url="https://{s}.tile.example.org/{z}/{x}/{y}.png",
                        ancestors="'self'")
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self' 'sha256-abc'"
    assert directives["img-src"] == "'self' data: blob: https://*.tile.example.org"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'self'"
    assert "https:" not in directives["img-src"].split()


def test_posts_may_show_outside_https_images_and_no_tiles_means_no_tile_host():
    directives = dict(d.split(" ", 1) for d in csp.policy([], tiles_url="", ancestors="*",
                                                           outside_images=True).split("; "))
    assert directives["img-src"] == "'self' data: blob: https:" and directives["frame-ancestors"] == "*"


@pytest.mark.parametrize("template, origin", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png", "https://*.basemaps.cartocdn.com"),
    ("http://localhost:8080/tiles/{z}/{x}/{y}.png", "http://localhost:8080"),
])
def test_a_tile_templates_origin_is_what_the_policy_allows(template, origin):
    assert csp.tile_origin(template) == origin


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("value", ["Abc", "a--b", "-a", "a-", "", "a b", "ä", "a" * 101])
def test_a_slug_must_be_lowercase_letters_digits_and_single_hyphens_through_to_its_very_end(value):
    with pytest.raises(InvalidInput) as error:
        validate.slug(value)
    assert error.value.field == "slug"


@pytest.mark.parametrize("value", ["a", "inner-mongolia-2010", "x" * 100])
def test_good_slugs_pass_unchanged(value):
    assert validate.slug(value) == value


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf", "1e999", "north", True, [], "91"])
def test_a_latitude_must_be_a_finite_number_in_range(value):
    with pytest.raises(InvalidInput) as error:
        validate.number({"lat": value}, "lat", low=-90, high=90)
    assert error.value.field == "lat"


def test_numbers_may_be_text_or_numbers_and_optional_ones_may_be_missing():
    assert validate.number({"lat": "40.5"}, "lat", low=-90, high=90) == 40.5
    assert validate.number({}, "lat", low=-90, high=90, required=False) is None
    assert validate.integer({"n": "3"}, "n", low=1, high=5) == 3
    with pytest.raises(InvalidInput, match="whole number"):
        validate.integer({"n": "2.5"}, "n", low=1, high=5)


def test_text_is_trimmed_its_line_ends_made_plain_and_control_characters_and_lengths_refused():
    assert validate.text({"t": "  a\r\nb  "}, "t", max_length=10) == "a\nb"
    for bad in ("a\x00b", "a\x1bb", "x" * 11, 5):
        with pytest.raises(InvalidInput):
            validate.text({"t": bad}, "t", max_length=10)
    with pytest.raises(InvalidInput, match="required"):
        validate.text({"t": "   "}, "t", max_length=10, required=True)


def test_a_local_time_without_offset_is_read_in_the_given_zone_and_one_with_an_offset_keeps_it():
    berlin = validate.local_datetime({"t": "2020-07-01T12:00"}, "t", "Europe/Berlin")
    assert berlin is not None and berlin.utcoffset() == timedelta(hours=2)
    fixed = validate.local_datetime({"t": "2020-07-01T12:00:00+08:00"}, "t", "Europe/Berlin")
    assert fixed is not None and fixed.utcoffset() == timedelta(hours=8)
    with pytest.raises(InvalidInput):
        validate.local_datetime({"t": "yesterday"}, "t", "UTC")


@pytest.mark.parametrize("value, ok", [("https://example.org/a", True), ("http://x.y", True),
                                       ("javascript:alert(1)", False), ("data:text/html,x", False),
                                       ("//example.org", False), ("https://exa\nmple.org", False)])
def test_links_are_http_or_https_only(value, ok):
    if ok:
        assert validate.url({"u": value}, "u") == value
    else:
        with pytest.raises(InvalidInput):
            validate.url({"u": value}, "u")


def test_colours_and_choices_and_time_zones_refuse_what_they_do_not_know():
    assert validate.colour({"c": "#ABCDEF"}, "c") == "#abcdef"
    assert validate.choice({"v": "private"}, "v", ("public", "private")) == "private"
    assert validate.choice({"v": ""}, "v", ("train",), allow_empty=True) is None
    assert validate.timezone("Asia/Shanghai", "UTC") == "Asia/Shanghai"
    for call in (lambda: validate.colour({"c": "red"}, "c"), lambda: validate.choice({"v": "x"}, "v", ("a",)),
                 lambda: validate.timezone("Mars/Olympus", "UTC"), lambda: validate.day({"d": "2020-13-01"}, "d")):
        with pytest.raises(InvalidInput):
            call()
