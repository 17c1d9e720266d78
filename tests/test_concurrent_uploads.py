"""The production server (gunicorn, two worker processes) takes many uploads at once and loses nothing.

Runs on whichever database the suite runs on (SQLite in WAL mode, or PostgreSQL with
TRAVELMAP_TEST_BACKEND=postgresql): 20 photo uploads and 5 GPX uploads are sent at the same moment.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from travelmap import db
from travelmap.models import Photo, Track, TrackSegment
from travelmap.services.maintenance import check

from .authoring_helpers import make_author
from .conftest import DEMO_SLUG, PROJECT_ROOT, count_rows, media_files, seeded_copy
from .gpxfactory import gpx_document, hilly, straight_track
from .photofactory import dms

PHOTOS, TRACKS = 20, 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(files: list[tuple[str, bytes]], field: str = "file") -> tuple[bytes, str]:
    """Encode files as multipart/form-data; return (body, content type)."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                  "Content-Type: application/octet-stream\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def camera_photo(i: int) -> bytes:
    """A 2-megapixel JPEG with grain (real decoding work), its own GPS place near Baotou and a time."""
    image = Image.effect_noise((1600, 1200), 40 + i).convert("RGB")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "TestCam", "Concurrency"
    exif[0x8769] = {0x9003: (datetime(2010, 10, 15, 9, 0) + timedelta(minutes=i)).strftime("%Y:%m:%d %H:%M:%S"),
                    0x9011: "+08:00"}
    lat, lon = 40.65 + i * 0.001, 109.84 + i * 0.001
    exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def track_file(i: int) -> bytes:
    """A 3,000-point GPX track of its own."""
    start = datetime(2010, 10, 16, 1, 0, tzinfo=timezone.utc) + timedelta(hours=i)
    points = straight_track(3000, lat=40.6 + i * 0.01, lon=109.8, ele=hilly(40, 900, 2, seed=i), start=start)
    return gpx_document([points], name=f"Concurrent track {i}")


class Server:
    """gunicorn serving wsgi:app on 127.0.0.1: two worker processes of four threads each, so eight uploads
    are in flight at once and both processes write to the database at the same time."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.port = free_port()
        env = {**os.environ, "TRAVELMAP_DATABASE_URL": database_url, "TRAVELMAP_MEDIA_DIR": str(root / "media"),
               "TRAVELMAP_SECRET_KEY": "concurrency-test", "TRAVELMAP_TILES": "none"}
        self.log = (root / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "wsgi:app"], cwd=PROJECT_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {(root / 'gunicorn.log').read_text()[-2000:]}")
            try:
                if self.request("GET", "/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer within 60 s")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def server_app(tmp_path, seeded_template):  # type: ignore[no-untyped-def]
    """The seeded instance, its author token, and gunicorn serving it; stopped afterwards."""
    app = seeded_copy(seeded_template, tmp_path)
    token = make_author(app, "demo")
    server = Server(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        yield app, token, server
    finally:
        server.stop()


def test_twenty_photos_and_five_gpx_files_uploaded_at_once_to_two_workers_are_all_stored(server_app):
    app, token, server = server_app
    with app.app_context():
        before = count_rows(db.session())
    files_before = set(media_files(app))
    photos = [camera_photo(i) for i in range(PHOTOS)]
    tracks = [track_file(i) for i in range(TRACKS)]
    auth = {"Authorization": f"Bearer {token}"}
    jobs = [("POST", f"/api/trips/{DEMO_SLUG}/photos", *multipart([(f"photo-{i:02d}.jpg", data)]))
            for i, data in enumerate(photos)]
    jobs += [("POST", f"/api/trips/{DEMO_SLUG}/legs/{1 + i % 3}/tracks", *multipart([(f"track-{i}.gpx", data)]))
             for i, data in enumerate(tracks)]
    start = threading.Barrier(len(jobs))

    def send(job):  # type: ignore[no-untyped-def]
        method, path, body, content_type = job
        start.wait()  # every upload leaves at the same moment
        return server.request(method, path, body, {**auth, "Content-Type": content_type})

    began = time.monotonic()
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(send, jobs))
    elapsed = time.monotonic() - began
    failures = [(status, body[:300]) for status, body in results if status != 201]
    assert failures == [], failures
    print(f"\n{len(jobs)} uploads at once: {elapsed:.1f} s")

    with app.app_context():
        s = db.session()
        after = count_rows(s)
        assert after["photos"] == before["photos"] + PHOTOS
        assert after["tracks"] == before["tracks"] + TRACKS
        assert after["track_segments"] == before["track_segments"] + TRACKS
        names = set(s.scalars(select(Track.name)))
        assert {f"Concurrent track {i}" for i in range(TRACKS)} <= names
        assert s.scalar(select(func.count()).where(Photo.original_name.like("photo-%.jpg"))) == PHOTOS
        points = sum(seg.point_count for seg in s.scalars(select(TrackSegment)
                                                          .join(Track).where(Track.name.like("Concurrent track %"))))
        assert points == TRACKS * 3000
        report = check(s, Path(app.config["MEDIA_DIR"]))
    # Every row has its files and every file has its row: an original, a display copy and a
    # thumbnail per photo, and the original GPX per track.
    assert report.orphaned == [] and report.missing == []
    new_files = set(media_files(app)) - files_before
    assert len(new_files) == 3 * PHOTOS + TRACKS
    returned = [json.loads(body) for status, body in results]
    assert len({item[0]["id"] for item in returned[:PHOTOS]}) == PHOTOS
