"""Writes are short: a GPX file's waypoints become stops in a handful of statements whatever their number
and names (slugs for the whole batch come from one query, the rows from one flush), and no request does
work inside its write transaction that could have been done before it (time-zone lookups, slugs, stats,
writing files), so an unrelated write never waits long enough to be refused."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select

from travelmap import db, geo, media
from travelmap.models import Leg, Stop, Trip

from .authoring_helpers import bearer, make_author
from .conftest import DEMO_SLUG, count_rows, seeded_copy
from .gpxfactory import START, gpx_document, straight_track
from .photofactory import jpeg
from .test_access import API_ROUTES
from .test_concurrent_uploads import Server, multipart

T = f"/trips/{DEMO_SLUG}"
WAYPOINTS = 1_500
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def waypoint_file(n: int, name: str = "Camp", *, seed: float = 0.0) -> bytes:
    """A short track with n waypoints of the same name, spread over Inner Mongolia, every other one timed."""
    waypoints = [(40.0 + (i % 97) * 0.01 + seed, 109.0 + (i // 97) * 0.02, name,
                  START + timedelta(minutes=i) if i % 2 else None) for i in range(n)]
    return gpx_document([straight_track(20, lat=40.5 + seed)], waypoints=waypoints, name=f"Waypoints {n} {seed}")


class Budget(Exception):
    """Raised from inside the database driver when a request runs more statements than allowed."""


@contextmanager
def recorded(app: Flask, *, budget: int | None = None) -> Iterator[list[str]]:
    """Record, in order, every statement ("SELECT …", "INSERT …"), commit, rollback, time-zone lookup and
    staged file of the app while the block runs; raise Budget once more than `budget` reads ran (writes are
    not counted: SQLite inserts rows one statement each, however they are flushed)."""
    log: list[str] = []
    with app.app_context():
        engine = db.engine()

    def statement(conn, cursor, sql, params, context, executemany):  # type: ignore[no-untyped-def]
        log.append(sql.lstrip()[:60])
        if budget is not None and sum(1 for e in log if e.startswith("SELECT")) > budget:
            raise Budget(f"more than {budget} queries")

    def commit(conn):  # type: ignore[no-untyped-def]
        log.append("COMMIT")

    def rollback(conn):  # type: ignore[no-untyped-def]
        log.append("ROLLBACK")

    real_zone, real_stage = geo.zone_at, media.stage

    def zone(*args, **kwargs):  # type: ignore[no-untyped-def]
        log.append("zone lookup")
        return real_zone(*args, **kwargs)

    def stage(*args, **kwargs):  # type: ignore[no-untyped-def]
        log.append("stage a file")
        return real_stage(*args, **kwargs)

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    patches = pytest.MonkeyPatch()
    for module in ("travelmap.geo", "travelmap.services.tracks", "travelmap.services.authoring",
                   "travelmap.photos"):
        if hasattr(__import__(module, fromlist=["x"]), "zone_at"):
            patches.setattr(f"{module}.zone_at", zone)
    patches.setattr("travelmap.media.stage", stage)
    try:
        yield log
    finally:
        patches.undo()
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
        event.remove(engine, "rollback", rollback)


def work_inside_writes(log: list[str]) -> list[str]:
    """Return what ran between a transaction's first write and its commit that was not itself a write."""
    inside, found = False, []
    for entry in log:
        if entry in ("COMMIT", "ROLLBACK"):
            inside = False
        elif WRITES.match(entry):
            inside = True
        elif inside:
            found.append(entry)
    return found


@pytest.fixture
def token(seeded_app: Flask) -> str:
    return make_author(seeded_app, "demo")


def test_fifteen_hundred_same_named_waypoints_become_stops_in_a_few_statements_and_seconds(seeded_app, token):
    client = seeded_app.test_client()
    # A stop already called camp-2 in another leg: the batch must step over it.
    assert client.post(f"/api{T}/stops", json={"name": "Camp 2", "lat": 40.1, "lon": 110.1, "leg": 2},
                       headers=bearer(token)).status_code == 201
    data = waypoint_file(WAYPOINTS)
    began = time.perf_counter()
    with recorded(seeded_app, budget=30) as log:
        response = client.post(f"/api{T}/legs/1/tracks?waypoints=stops", data={"file": (io.BytesIO(data), "w.gpx")},
                               headers=bearer(token), content_type="multipart/form-data")
    elapsed = time.perf_counter() - began
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    reads = sum(1 for entry in log if entry.startswith("SELECT"))
    print(f"\n{WAYPOINTS} waypoints imported as stops in {elapsed:.2f} s with {reads} queries")
    assert work_inside_writes(log) == []
    assert elapsed < 30  # a few seconds on a quiet machine; generous for a busy one
    with seeded_app.app_context():
        s = db.session()
        leg = s.scalar(select(Leg).join(Trip).where(Trip.slug == DEMO_SLUG, Leg.position == 1))
        camps = [stop for stop in leg.stops if stop.name == "Camp"]
        slugs = [stop.slug for stop in camps]
        assert len(camps) == WAYPOINTS
        assert slugs == ["camp"] + [f"camp-{n}" for n in range(3, WAYPOINTS + 2)]
        assert [stop.position for stop in leg.stops] == list(range(1, len(leg.stops) + 1))
        assert all(stop.timezone == "Asia/Shanghai" for stop in camps)
        assert sum(stop.arrived_at is not None for stop in camps) == WAYPOINTS // 2
        all_slugs = list(s.scalars(select(Stop.slug).join(Trip).where(Trip.slug == DEMO_SLUG)))
        assert len(all_slugs) == len(set(all_slugs))
    assert client.get(f"{T}/legs/1").status_code == 200


def test_waypoints_named_like_existing_stops_and_each_other_get_the_next_free_slugs(seeded_app, token):
    client = seeded_app.test_client()
    waypoints = [(40.8, 111.6, name, None) for name in ("Hohhot", "hohhot", "Höhhot", "Ürümqi", "", "Hohhot-2")]
    data = gpx_document([straight_track(5, lat=40.5)], waypoints=waypoints)
    response = client.post(f"/api{T}/legs/2/tracks?waypoints=stops", data={"file": (io.BytesIO(data), "h.gpx")},
                           headers=bearer(token), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    with seeded_app.app_context():
        leg = db.session().scalar(select(Leg).join(Trip).where(Trip.slug == DEMO_SLUG, Leg.position == 2))
        assert [s.slug for s in leg.stops][-6:] == ["hohhot-2", "hohhot-3", "hohhot-4", "urumqi",
                                                     "waypoint-5", "hohhot-2-2"]  # the reader names it


WRITE_REQUESTS = {
    "a GPX file whose waypoints become stops": (
        "POST", f"/api{T}/legs/1/tracks?waypoints=stops", lambda: {"file": (io.BytesIO(waypoint_file(200)), "w.gpx")}),
    "a batch of photos": (
        "POST", f"/api{T}/photos", lambda: {"file": [(io.BytesIO(jpeg(lat=40.6 + i / 100, lon=109.8, colour=(i, 9, 9))),
                                                       f"p{i}.jpg") for i in range(5)]}),
    "a stop": ("POST", f"/api{T}/stops", lambda: {"name": "Jining", "lat": 41.03, "lon": 113.13, "leg": 1}),
    "a trip": ("POST", "/api/trips", lambda: {"title": "Inner Mongolia, Baotou and back to Beijing"}),
    "a leg deleted": ("DELETE", f"/api{T}/legs/2", lambda: None),
    "a track deleted": ("DELETE", f"/api{T}/tracks/3", lambda: None),
    "a photo deleted": ("DELETE", f"/api{T}/photos/5", lambda: None),
    "a photo placed by hand": ("PATCH", f"/api{T}/photos/1", lambda: {"lat": 40.1, "lon": 110.2, "caption": "Here"}),
    "a stop moved to another leg": ("PATCH", f"/api{T}/stops/hohhot", lambda: {"leg": 3, "lat": 40.9}),
    "a post linked to stops": ("POST", "/api/posts", lambda: {"title": "The road to Bayan Obo", "stops": [1, 2]}),
    "a trip renamed": ("PATCH", f"/api{T}", lambda: {"slug": "renamed", "title": "Renamed"}),
}


@pytest.mark.parametrize("what", list(WRITE_REQUESTS))
def test_nothing_but_writes_happens_between_a_requests_first_write_and_its_commit(seeded_app, token, what):
    method, url, payload = WRITE_REQUESTS[what]
    client = seeded_app.test_client()
    body = payload()
    kwargs: dict[str, object] = {}
    if body and "file" in body:
        kwargs = {"data": body, "content_type": "multipart/form-data"}
    elif body:
        kwargs = {"json": body}
    with recorded(seeded_app) as log:
        response = client.open(url, method=method, headers=bearer(token), **kwargs)
    assert response.status_code in (200, 201, 204), response.get_data(as_text=True)[:300]
    assert any(WRITES.match(entry) for entry in log)
    assert work_inside_writes(log) == []


def test_an_unrelated_write_during_a_big_import_is_not_refused(tmp_path, seeded_template):
    """gunicorn, two worker processes: while 1,500 waypoints are imported into the demo trip, another trip
    of the author gets a stop every few tenths of a second; every one is stored, none waits for seconds."""
    app = seeded_copy(seeded_template, tmp_path)
    token = make_author(app, "demo")
    with app.app_context():
        stops_before = count_rows(db.session())["stops"]
    server = Server(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    auth = {"Authorization": f"Bearer {token}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    try:
        assert server.request("POST", "/api/trips", b'{"title": "Other", "slug": "other"}', json_auth)[0] == 201
        assert server.request("POST", "/api/trips/other/legs", b'{"name": "Only"}', json_auth)[0] == 201
        big, content_type = multipart([("big.gpx", waypoint_file(WAYPOINTS))])
        result: dict[str, object] = {}

        def import_big() -> None:
            began = time.monotonic()
            result["status"], result["body"] = server.request(
                "POST", f"/api{T}/legs/1/tracks?waypoints=stops", big, {**auth, "Content-Type": content_type})
            result["seconds"] = time.monotonic() - began

        importer = threading.Thread(target=import_big)
        importer.start()
        writes: list[tuple[bool, float]] = []  # (sent while the import ran, seconds)
        while importer.is_alive() or len(writes) < 5:
            during = importer.is_alive()
            began = time.monotonic()
            body = f'{{"name": "Side stop {len(writes)}", "lat": 40.0, "lon": 110.0, "leg": 1}}'.encode()
            status, answer = server.request("POST", "/api/trips/other/stops", body, json_auth)
            writes.append((during, time.monotonic() - began))
            assert status == 201, answer[:300]
            time.sleep(0.05)
        importer.join()
    finally:
        server.stop()
    assert result["status"] == 201, result["body"]
    slowest = max(seconds for _, seconds in writes)
    during = sum(1 for sent_during, _ in writes if sent_during)
    print(f"\nbig import {result['seconds']:.1f} s; {during} unrelated writes meanwhile, slowest {slowest:.2f} s")
    assert during >= 2
    assert slowest < 5  # the database's busy timeout is 10 s; a write held for the whole import would hit it
    with app.app_context():
        rows = count_rows(db.session())
        assert rows["stops"] == stops_before + WAYPOINTS + len(writes)


API_WRITES = [route for route in API_ROUTES if route[0] != "GET"]


@pytest.mark.parametrize("method, url, payload", [r[:3] for r in API_WRITES],
                         ids=[f"{r[0]} {r[1]}" for r in API_WRITES])
def test_every_api_write_reads_everything_it_needs_before_its_first_write(seeded_app, token, method, url, payload):
    client = seeded_app.test_client()
    with recorded(seeded_app) as log:
        response = client.open(url, method=method, json=payload, headers=bearer(token))
    assert response.status_code in (200, 201, 204), response.get_data(as_text=True)[:300]
    assert work_inside_writes(log) == []
