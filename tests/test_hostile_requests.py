"""Hostile requests that are not uploads: JSON bodies, numbers too large for any id, and hostile values
(numbers, times, dates, slugs, colours, clock offsets) in every field, through every way in."""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Post, Stop

from . import databases
from . import hostile as h
from .authoring_helpers import bearer, csrf_token, form_fields, login, make_author
from .conftest import DEMO_SLUG, count_rows, seeded_copy
from .hostile import good_gpx, good_jpeg


@pytest.fixture
def hostile_json_app(seeded_app):  # type: ignore[no-untyped-def]
    return seeded_app, make_author(seeded_app, "demo")


@pytest.mark.parametrize("what, body", [
    ("JSON nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000),
    ("not JSON", b"{nope"),
    ("a JSON array", b"[1, 2]"),
    ("JSON null", b"null"),
])
def test_hostile_json_bodies_get_a_clear_400_on_every_json_route(hostile_json_app, what, body):
    app, token = hostile_json_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with app.app_context():
        before = count_rows(db.session())
    for method, url in (("POST", "/api/trips"), ("PATCH", f"/api/trips/{DEMO_SLUG}"),
                        ("POST", f"/api/trips/{DEMO_SLUG}/stops"), ("POST", "/api/posts"),
                        ("PATCH", f"/api/trips/{DEMO_SLUG}/legs/1")):
        response = client.open(url, method=method, data=body, headers=headers)
        assert response.status_code == 400, (what, url, response.get_data(as_text=True))
        assert "JSON" in response.get_json()["error"]["message"]
    with app.app_context():
        assert count_rows(db.session()) == before


def test_numbers_too_large_for_any_id_are_a_404_or_400_never_a_database_error(hostile_json_app):
    app, token = hostile_json_app
    client = app.test_client()
    huge = "9" * 20
    for url in (f"/trips/{DEMO_SLUG}/photos/{huge}/thumb.jpg", f"/trips/{DEMO_SLUG}/legs/{huge}",
                f"/trips/{DEMO_SLUG}/legs/{huge}.geojson", f"/trips/{DEMO_SLUG}/tracks/{huge}.gpx",
                f"/trips/{DEMO_SLUG}/legs/{2**31}/lines.json"):
        assert client.get(url).status_code == 404, url
    response = client.post("/api/posts", json={"title": "Numbers", "stops": [10**30]},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "stops"
    result = app.test_cli_runner().invoke(args=["revoke-token", "demo", str(10**30)])
    assert result.exit_code == 2 and "Traceback" not in result.output


# ---------------------------------------------------------------- every field that takes a number, time or slug
#
# Each field is tried with every hostile value of its kind through every way in: the JSON API, the workspace
# form as a browser sends it, and the CLI where the field exists. The answer is a clear 400 naming the field
# (never a 500, an OverflowError, or a value that breaks a header later), and nothing changes.


@dataclass
class World:
    """The module's app (a seeded copy), the demo owner's token and logged-in client, and ids to aim at."""

    app: Flask
    token: str
    author: FlaskClient
    stop_id: int
    photo_id: int
    post_slug: str
    tmp: Path

    def api(self, method: str, url: str, body: object):  # type: ignore[no-untyped-def]
        return self.app.test_client().open(url, method=method, json=body, headers=bearer(self.token))

    def snapshot(self) -> tuple[dict, object, object]:
        """Every row count, and the trip and posts as the API describes them."""
        with self.app.app_context():
            rows = count_rows(db.session())
        client = self.app.test_client()
        return (rows, client.get(f"/api/trips/{DEMO_SLUG}", headers=bearer(self.token)).json,
                client.get("/api/posts", headers=bearer(self.token)).json)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("hostile-fields")
    with databases.outliving_tests(root):  # the module shares this instance
        app = seeded_copy(seeded_template, root)
        token = make_author(app, "demo")
        author = app.test_client()
        login(author, "demo")
        with app.app_context():
            s = db.session()
            stop_id = s.scalar(select(Stop.id).where(Stop.slug == "baotou"))
            photo_id = s.scalar(select(Photo.id).order_by(Photo.id).limit(1))
            post_slug = s.scalar(select(Post.slug).where(Post.slug == "baotou-capital-of-rare-earths"))
        try:
            yield World(app, token, author, stop_id, photo_id, post_slug, tmp_path_factory.mktemp("hostile-cli"))
        finally:
            with app.app_context():
                db.engine().dispose()


@dataclass(frozen=True)
class Way:
    """One field through one way in: how to send a value, and the field the answer must name."""

    id: str
    field: str
    send: Callable[[World, object], object]  # (world, value) -> a response, or a CLI result


T = f"/trips/{DEMO_SLUG}"
NEW_STOP = {"name": "Hostile", "lat": 40.6, "lon": 109.8, "leg": 1}


def api(method: str, url: str, field: str, base: dict | None = None, *, listed: bool = False) -> Callable:
    """Send the value as one field of a JSON body (inside a list when the field takes a list)."""
    return lambda w, v: w.api(method, url.format(stop=w.stop_id, photo=w.photo_id, post=w.post_slug),
                              {**(base or {}), field: [v] if listed else v})


def form(url: str, field: str, base: dict | None = None) -> Callable:
    """Open the workspace form, fill in what a person would (base), set the field, and submit it."""
    def send(w: World, v: object) -> object:
        page = url.format(stop=w.stop_id, photo=w.photo_id, post=w.post_slug)
        values, _ = form_fields(w.author.get(page).get_data(as_text=True), containing=field)
        return w.author.post(page, data={**values, **(base or {}), field: v})
    return send


NEW_STOP_FORM = {"name": "Hostile", "lat": "40.6", "lon": "109.8"}
NAMED = {"name": "Hostile"}
TITLED = {"title": "Hostile"}


def button(url: str) -> Callable:
    """Press a workspace button (move up or down) with a hostile position."""
    return lambda w, v: w.author.post(url.format(stop=w.stop_id),
                                      data={"position": v, "csrf_token": csrf_token(w.author, f"/author{T}")})


def photo_upload(path: str) -> Callable:
    """Upload a good photo with a hostile clock offset, through the API or the workspace's form."""
    def send(w: World, v: object) -> object:
        data = {"file": (io.BytesIO(good_jpeg(77)), "offset.jpg"), "clock_offset": v}
        if path == "api":
            return w.app.test_client().post(f"/api{T}/photos", data=data, headers=bearer(w.token),
                                            content_type="multipart/form-data")
        return w.author.post(f"/author{T}/photos", content_type="multipart/form-data",
                             data={**data, "csrf_token": csrf_token(w.author, f"/author{T}/photos")})
    return send


def query(url: str, field: str, base: dict, *, workspace: bool = False) -> Callable:
    """Ask a JSON address with the value in its query string (the API with a token, or the workspace's twin
    that the page's script calls with the session)."""
    def send(w: World, v: object) -> object:
        args = urllib.parse.urlencode({**base, field: str(v)})
        if workspace:
            return w.author.get(f"{url}?{args}", headers={"Accept": "application/json"})
        return w.app.test_client().get(f"{url}?{args}", headers=bearer(w.token))
    return send


PLACE = {"lat": "40.65", "lon": "109.84"}
NUMBER_WAYS = [
    Way("API, new stop, lat", "lat", api("POST", f"/api{T}/stops", "lat", NEW_STOP)),
    Way("API, new stop, lon", "lon", api("POST", f"/api{T}/stops", "lon", NEW_STOP)),
    Way("API, new stop, leg", "leg", api("POST", f"/api{T}/stops", "leg", NEW_STOP)),
    Way("API, new stop, position", "position", api("POST", f"/api{T}/stops", "position", NEW_STOP)),
    Way("API, stop, lat", "lat", api("PATCH", f"/api{T}/stops/{{stop}}", "lat")),
    Way("API, stop, lon", "lon", api("PATCH", f"/api{T}/stops/{{stop}}", "lon")),
    Way("API, stop, leg", "leg", api("PATCH", f"/api{T}/stops/{{stop}}", "leg")),
    Way("API, stop, position", "position", api("PATCH", f"/api{T}/stops/{{stop}}", "position")),
    Way("API, new leg, position", "position", api("POST", f"/api{T}/legs", "position", {"name": "Hostile"})),
    Way("API, leg, position", "position", api("PATCH", f"/api{T}/legs/1", "position")),
    Way("API, photo, lat", "lat", api("PATCH", f"/api{T}/photos/{{photo}}", "lat", {"lon": 109.8})),
    Way("API, photo, lon", "lon", api("PATCH", f"/api{T}/photos/{{photo}}", "lon", {"lat": 40.6})),
    Way("API, new post, stops", "stops", api("POST", "/api/posts", "stops", {"title": "Hostile"}, listed=True)),
    Way("API, post, stops", "stops", api("PATCH", "/api/posts/{post}", "stops", listed=True)),
    *(Way(f"API{who}, places, {field}", field, query(f"{prefix}/places/nearest", field, PLACE, workspace=bool(who)))
      for who, prefix in (("", "/api"), (" for the workspace's script", "/author"))
      for field in ("lat", "lon", "max_km")),
    *(Way(f"API{who}, place search, limit", "limit", query(f"{prefix}/places", "limit", {"q": "Baotou"},
                                                           workspace=bool(who)))
      for who, prefix in (("", "/api"), (" for the workspace's script", "/author"))),
]
NUMBER_FORMS = [
    Way("form, new stop, lat", "lat", form(f"/author{T}/stops/new", "lat", NEW_STOP_FORM)),
    Way("form, new stop, lon", "lon", form(f"/author{T}/stops/new", "lon", NEW_STOP_FORM)),
    Way("form, stop, lat", "lat", form(f"/author{T}/stops/{{stop}}/edit", "lat")),
    Way("form, stop, lon", "lon", form(f"/author{T}/stops/{{stop}}/edit", "lon")),
    Way("form, photo, lat", "lat", form(f"/author{T}/photos/{{photo}}", "lat")),
    Way("form, photo, lon", "lon", form(f"/author{T}/photos/{{photo}}", "lon")),
    Way("form, move a leg", "position", button(f"/author{T}/legs/1/move")),
    Way("form, move a stop", "position", button(f"/author{T}/stops/{{stop}}/move")),
]
TIME_WAYS = [
    Way(f"{how}, {what}, {field}", field, send)
    for field in ("arrived_at", "departed_at")
    for how, what, send in [
        ("API", "new stop", api("POST", f"/api{T}/stops", field, NEW_STOP)),
        ("API", "stop", api("PATCH", f"/api{T}/stops/{{stop}}", field)),
        ("form", "new stop", form(f"/author{T}/stops/new", field, NEW_STOP_FORM)),
        ("form", "stop", form(f"/author{T}/stops/{{stop}}/edit", field)),
    ]
]
DAY_WAYS = [
    Way("API, new post, published", "published", api("POST", "/api/posts", "published", {"title": "Hostile"})),
    Way("API, post, published", "published", api("PATCH", "/api/posts/{post}", "published")),
    Way("form, new post, published", "published", form("/author/posts/new", "published", TITLED)),
    Way("form, post, published", "published", form("/author/posts/{post}/edit", "published")),
]
SLUG_WAYS = [
    Way("API, new trip, slug", "slug", api("POST", "/api/trips", "slug", {"title": "Hostile"})),
    Way("API, trip, slug", "slug", api("PATCH", f"/api{T}", "slug")),
    Way("API, new stop, slug", "slug", api("POST", f"/api{T}/stops", "slug", NEW_STOP)),
    Way("API, stop, slug", "slug", api("PATCH", f"/api{T}/stops/{{stop}}", "slug")),
    Way("API, new stop, post", "post", api("POST", f"/api{T}/stops", "post", NEW_STOP)),
    Way("API, new post, slug", "slug", api("POST", "/api/posts", "slug", {"title": "Hostile"})),
    Way("API, post, slug", "slug", api("PATCH", "/api/posts/{post}", "slug")),
    Way("form, new trip, slug", "slug", form("/author/trips/new", "slug", TITLED)),
    Way("form, trip, slug", "slug", form(f"/author{T}", "slug")),
    Way("form, new stop, slug", "slug", form(f"/author{T}/stops/new", "slug", NEW_STOP_FORM)),
    Way("form, stop, slug", "slug", form(f"/author{T}/stops/{{stop}}/edit", "slug")),
    Way("form, new post, slug", "slug", form("/author/posts/new", "slug", TITLED)),
    Way("form, post, slug", "slug", form("/author/posts/{post}/edit", "slug")),
]
COLOUR_WAYS = [
    Way("API, new leg, colour", "colour", api("POST", f"/api{T}/legs", "colour", {"name": "Hostile"})),
    Way("API, leg, colour", "colour", api("PATCH", f"/api{T}/legs/1", "colour")),
    Way("form, new leg, colour", "colour", form(f"/author{T}/legs/new", "colour", NAMED)),
    Way("form, leg, colour", "colour", form(f"/author{T}/legs/1/edit", "colour")),
]
ZONE_WAYS = [
    Way("API, new trip, timezone", "timezone", api("POST", "/api/trips", "timezone", {"title": "Hostile"})),
    Way("API, trip, timezone", "timezone", api("PATCH", f"/api{T}", "timezone")),
    Way("form, new trip, timezone", "timezone", form("/author/trips/new", "timezone", TITLED)),
    Way("form, trip, timezone", "timezone", form(f"/author{T}", "timezone")),
]
OFFSET_WAYS = [
    Way("API, photo upload, clock_offset", "clock_offset", photo_upload("api")),
    Way("form, photo upload, clock_offset", "clock_offset", photo_upload("form")),
]


def with_form_values(ways: list[Way], json_values: list, text_values: list) -> list:
    """Pair each way with the values it can carry: JSON gets numbers as numbers too, forms get text."""
    return [pytest.param(way, value, id=f"{way.id} | {what}")
            for way in ways for what, value in (json_values if way.id.startswith("API") else text_values)]


FIELD_CASES = [
    *with_form_values(NUMBER_WAYS + NUMBER_FORMS, h.NUMBERS_JSON, h.NUMBERS_TEXT),
    *with_form_values(TIME_WAYS, h.TIMES, h.TIMES),
    *with_form_values(DAY_WAYS, h.DAYS, h.DAYS),
    *with_form_values(SLUG_WAYS, h.SLUGS, h.SLUGS),
    *with_form_values(COLOUR_WAYS, h.COLOURS, h.COLOURS),
    *with_form_values(ZONE_WAYS, h.TIME_ZONES, h.TIME_ZONES),
    *with_form_values(OFFSET_WAYS, h.CLOCK_OFFSETS, h.CLOCK_OFFSETS),
]


@pytest.mark.parametrize("way, value", FIELD_CASES)
def test_a_hostile_value_in_any_field_is_a_clear_400_that_names_it_and_changes_nothing(world, way, value):
    before = world.snapshot()
    response = way.send(world, value)
    if way.id.startswith("API"):
        assert response.status_code == 400, (response.status_code, response.get_data(as_text=True)[:300])
        error = response.get_json()["error"]
        assert error.get("field") == way.field, error
        message = error["message"]
    elif response.status_code == 302:  # buttons and the photo upload go back to their page and flash why
        page = world.author.get(response.headers["Location"]).get_data(as_text=True)
        message = " ".join(re.findall(r'<div class="tm-flash tm-flash-error" role="status">(.*?)</div>', page, re.S))
        assert message, f"no error flashed: {way.id}"
    else:
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (response.status_code, page[:300])
        found = re.search(rf'<div class="tm-error-msg" id="{way.field}-error">(.*?)</div>', page, re.S)
        assert found, f"no message on the {way.field} field"
        message = found.group(1)
    assert 10 < len(message) < 400 and "Traceback" not in message and "Error" not in message, message
    assert world.snapshot() == before


# ---------------------------------------------------------------- the CLI


def cli(world: World, *args: str):  # type: ignore[no-untyped-def]
    result = world.app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def photo_file(world: World) -> str:
    path = world.tmp / "photo.jpg"
    path.write_bytes(good_jpeg(78))
    return str(path)


def gpx_file(world: World) -> str:
    path = world.tmp / "track.gpx"
    path.write_bytes(good_gpx("cli leg"))
    return str(path)


CLI_CASES = [
    *(pytest.param(lambda w, v=v: cli(w, "import-photos", photo_file(w), "--trip", DEMO_SLUG, "--clock-offset", v),
                   "clock offset", id=f"import-photos --clock-offset | {what}") for what, v in h.CLOCK_OFFSETS),
    *(pytest.param(lambda w, v=v: cli(w, "import-gpx", gpx_file(w), "--trip", DEMO_SLUG, "--leg", v), "leg",
                   id=f"import-gpx --leg | {what}") for what, v in [("400 nines", "9" * 400),
                                                                   ("minus 400 nines", "-" + "9" * 400)]),
    *(pytest.param(lambda w, v=v: cli(w, "create-author", v, "--password-stdin"), "username",
                   id=f"create-author | {what}") for what, v in [("a username ending in a newline", "ann\n"),
                                                                  ("a newline inside", "ann\nbob")]),
]


@pytest.mark.parametrize("send, named", CLI_CASES)
def test_a_hostile_value_on_the_command_line_is_refused_in_words_and_changes_nothing(world, send, named):
    before = world.snapshot()
    result = send(world)
    assert result.exit_code != 0, result.output
    assert named in result.output.lower() and "Traceback" not in result.output, result.output
    assert world.snapshot() == before


# ---------------------------------------------------------------- backups: trip.json's fields, through import-trip


def edited_archive(world: World, edit: Callable[[dict], None]) -> str:
    """Export the demo trip, edit its trip.json, and write the archive where the CLI can read it."""
    from .test_archive import export_bytes, rebuild

    path = world.tmp / f"edited-{len(list(world.tmp.iterdir()))}.zip"
    path.write_bytes(rebuild(export_bytes(world.app), manifest=edit))
    return str(path)


def first_stop(doc: dict) -> dict:
    return doc["legs"][0]["stops"][0]


def first_photo(doc: dict) -> dict:
    return doc["photos"][0]


ARCHIVE_FIELDS: list[tuple[str, str, Callable[[dict, object], None], list]] = [
    ("stop lat", "lat", lambda d, v: first_stop(d).update(lat=v), h.NUMBERS_JSON),
    ("stop lon", "lon", lambda d, v: first_stop(d).update(lon=v), h.NUMBERS_JSON),
    ("photo lat", "lat", lambda d, v: first_photo(d).update(lat=v), h.NUMBERS_JSON),
    ("photo altitude", "altitude_m", lambda d, v: first_photo(d).update(altitude_m=v), h.NUMBERS_JSON),
    ("photo time gap", "time_gap_s", lambda d, v: first_photo(d).update(time_gap_s=v), h.NUMBERS_JSON),
    ("photo utc offset", "utc_offset_min", lambda d, v: first_photo(d).update(utc_offset_min=v), h.NUMBERS_JSON),
    # A leg's position only orders the legs: the photos that name leg 1 then find no such leg.
    ("leg position", "leg", lambda d, v: d["legs"][0].update(position=v), h.NUMBERS_JSON[:2]),
    ("stop arrival", "arrived_at", lambda d, v: first_stop(d).update(arrived_at=v), h.TIMES[:4] + h.TIMES[5:]),
    ("photo time", "taken_at", lambda d, v: first_photo(d).update(taken_at=v), h.TIMES[:2]),
    # A post the owner already has is reused as it is; a new one is read from trip.json.
    ("post published", "published", lambda d, v: d["posts"][0].update(slug="hostile-new-post", published=v), h.DAYS),
    ("trip time zone", "timezone", lambda d, v: d["trip"].update(timezone=v), h.TIME_ZONES),
    ("stop time zone", "timezone", lambda d, v: first_stop(d).update(timezone=v), h.TIME_ZONES),
    ("trip slug", "slug", lambda d, v: d["trip"].update(slug=v), h.SLUGS),
    ("stop slug", "slug", lambda d, v: first_stop(d).update(slug=v), h.SLUGS),
    ("post slug", "slug", lambda d, v: d["posts"][0].update(slug=v), h.SLUGS),
    ("leg colour", "colour", lambda d, v: d["legs"][0].update(colour=v), h.COLOURS),
]
ARCHIVE_CASES = [pytest.param(what, field, edit, value, id=f"trip.json {what} | {label}")
                 for what, field, edit, values in ARCHIVE_FIELDS for label, value in values]


@pytest.mark.parametrize("what, field, edit, value", ARCHIVE_CASES)
def test_a_hostile_value_in_a_backup_is_refused_in_words_and_changes_nothing(world, what, field, edit, value):
    archive = edited_archive(world, lambda d: edit(d, value))
    before = world.snapshot()
    # A slug given on the command line wins over trip.json's, so the trip's own slug is tried without one.
    slug = [] if what == "trip slug" else ["--slug", f"restored-{Path(archive).stem}"]
    result = cli(world, "import-trip", archive, *slug, "--author", "demo")
    assert result.exit_code == 1, result.output
    assert field in result.output and "Traceback" not in result.output, result.output
    assert world.snapshot() == before


@pytest.mark.parametrize("what, value", h.SLUGS, ids=[s[0] for s in h.SLUGS])
def test_a_hostile_slug_for_a_restored_trip_is_refused_in_words(world, what, value):
    archive = edited_archive(world, lambda d: None)
    before = world.snapshot()
    result = cli(world, "import-trip", archive, "--slug", value, "--author", "demo")
    assert result.exit_code == 1 and "slug" in result.output and "Traceback" not in result.output, result.output
    assert world.snapshot() == before


# ---------------------------------------------------------------- numbers in public addresses

PUBLIC_NUMBERS = [
    ("embed height", f"/embed{T}?height={{v}}"),
    ("embed leg", f"/embed{T}?leg={{v}}"),
    ("embed stop", f"/embed{T}?stop={{v}}"),
    ("preview width", f"{T}/preview.png?width={{v}}"),
    ("oEmbed maxwidth", f"/oembed?url=http://localhost{T}&maxwidth={{v}}"),
    ("oEmbed maxheight", f"/oembed?url=http://localhost{T}&maxheight={{v}}"),
]


@pytest.mark.parametrize("what, url", PUBLIC_NUMBERS, ids=[p[0] for p in PUBLIC_NUMBERS])
def test_a_hostile_number_in_a_public_address_is_refused_or_ignored_never_a_500(world, what, url):
    client = world.app.test_client()
    for label, value in h.NUMBERS_TEXT + [("a newline", "1\n"), ("a negative zero", "-0")]:
        response = client.get(url.format(v=urllib.parse.quote(value)))
        # Out-of-range sizes fall back to the default; a leg or stop that cannot exist is not found.
        assert response.status_code in (200, 400, 404), (label, response.status_code)


# ---------------------------------------------------------------- a NUL character where a key is looked up

NUL_ADDRESSES = [
    "/trips/inner%00mongolia", f"{T}/stops/bao%00tou", "/trips/inner%00mongolia/legs/1.geojson", "/posts/bao%00tou",
    "/embed/trips/inner%00mongolia", "/oembed?url=http://localhost/trips/inner%2500mongolia",
    "/media/display/a%00b.jpg", "/trips/inner%00mongolia.geojson", "/trips/inner%00mongolia/preview.png",
]


@pytest.mark.parametrize("url", NUL_ADDRESSES)
def test_a_nul_character_in_an_address_is_a_clear_4xx_on_every_database(world, url):
    """PostgreSQL cannot even compare text holding NUL: such a key must never reach a query as it is."""
    response = world.app.test_client().get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)


def test_a_nul_character_in_a_workspace_or_api_address_or_a_log_in_is_a_clear_4xx(world):
    for url in ("/author/trips/inner%00mongolia", "/author/posts/bao%00tou/edit"):
        assert 400 <= world.author.get(url).status_code < 500, url
    assert 400 <= world.app.test_client().get("/api/trips/inner%00mongolia",
                                              headers=bearer(world.token)).status_code < 500
    client = world.app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.200"
    response = client.post("/login", data={"username": "de\x00mo", "password": "guess",
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code in (400, 401), response.status_code
