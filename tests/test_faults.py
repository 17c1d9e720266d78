"""Faults half-way through an upload (a full disk, a failing database, a crash before the commit)
give a clear error and leave no rows and no files behind."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from travelmap import db, media

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG, count_rows, media_files
from .gpxfactory import gpx_document, straight_track
from .photofactory import jpeg

PHOTOS_API = f"/api/trips/{DEMO_SLUG}/photos"
TRACKS_API = f"/api/trips/{DEMO_SLUG}/legs/1/tracks"
TRACKS_FORM = f"/author/trips/{DEMO_SLUG}/legs/1/tracks"


def three_photos() -> list[tuple[bytes, str]]:
    return [(jpeg(lat=40.6 + i / 100, lon=109.8, colour=(10 * i, 90, 200)), f"p{i}.jpg") for i in range(3)]


def a_track() -> bytes:
    return gpx_document([straight_track(500, lat=40.7)], name="Fault track")


def state(app):  # type: ignore[no-untyped-def]
    """Rows of every table and every file (partial uploads included) of an instance."""
    with app.app_context():
        rows = count_rows(db.session())
        db.session().close()
    return rows, media_files(app)


class DiskFillsUp:
    """Writes to the media folder fail with ENOSPC once `after` files were written (the last one half-way)."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.real_fdopen = os.fdopen

    def __call__(self, fd, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        handle = self.real_fdopen(fd, mode, *args, **kwargs)
        if self.after > 0:
            self.after -= 1
            return handle
        real_write = handle.write

        def write(data):  # type: ignore[no-untyped-def]
            real_write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = write
        return handle


@pytest.fixture
def token(seeded_app):  # type: ignore[no-untyped-def]
    return make_author(seeded_app, "demo")


@pytest.mark.parametrize("files_written_before_the_disk_fills", [0, 2, 4])
def test_a_full_disk_during_a_photo_batch_gives_a_507_and_keeps_nothing(
        seeded_app, token, monkeypatch, files_written_before_the_disk_fills):
    before = state(seeded_app)
    monkeypatch.setattr(media.os, "fdopen", DiskFillsUp(files_written_before_the_disk_fills))
    files = [(io.BytesIO(data), name) for data, name in three_photos()]
    response = seeded_app.test_client().post(PHOTOS_API, data={"file": files}, headers=bearer(token),
                                             content_type="multipart/form-data")
    assert response.status_code == 507
    assert "disk is full" in response.get_json()["error"]["message"]
    assert state(seeded_app) == before


def test_a_full_disk_during_a_workspace_gpx_upload_reports_the_file_and_keeps_nothing(seeded_app, token, monkeypatch):
    client = seeded_app.test_client()
    login(client, "demo")
    csrf = csrf_token(client, f"/author/trips/{DEMO_SLUG}")
    before = state(seeded_app)
    monkeypatch.setattr(media.os, "fdopen", DiskFillsUp(0))
    response = client.post(TRACKS_FORM, data={"file": (io.BytesIO(a_track()), "ride.gpx"), "csrf_token": csrf},
                           content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert response.status_code == 507
    assert "disk is full" in response.get_json()["error"]["message"]
    assert state(seeded_app) == before


def test_a_full_disk_during_import_gpx_is_a_clear_cli_error(seeded_app, tmp_path, monkeypatch):
    path = tmp_path / "ride.gpx"
    path.write_bytes(a_track())
    before = state(seeded_app)
    monkeypatch.setattr(media.os, "fdopen", DiskFillsUp(0))
    result = seeded_app.test_cli_runner().invoke(args=["import-gpx", str(path), "--trip", DEMO_SLUG, "--leg", "1"])
    assert result.exit_code != 0
    assert "disk is full" in result.output and "Traceback" not in result.output
    assert state(seeded_app) == before


def test_a_media_folder_that_vanishes_gives_a_503_not_a_500(seeded_app, token, monkeypatch):
    before = state(seeded_app)

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(media.tempfile, "mkstemp", refuse)
    response = seeded_app.test_client().post(TRACKS_API, data={"file": (io.BytesIO(a_track()), "ride.gpx")},
                                             headers=bearer(token), content_type="multipart/form-data")
    assert response.status_code == 503
    assert "could not write the file" in response.get_json()["error"]["message"]
    assert state(seeded_app) == before


def fail_on(app, table: str, nth: int = 1):  # type: ignore[no-untyped-def]
    """Make the INSERT that writes the nth row of a table fail as a lost database connection would. Rows are
    counted, not statements: SQLAlchemy writes a flush's rows in one multi-row INSERT where the database allows
    (PostgreSQL), or one INSERT a row."""
    seen = {"n": 0, "failed": False}

    def before_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}") and not seen["failed"]:
            seen["n"] += len(parameters) if executemany else statement.count("), (") + 1
            if seen["n"] >= nth:
                seen["failed"] = True
                raise OperationalError(statement, parameters, Exception("server closed the connection unexpectedly"))

    with app.app_context():
        engine = db.engine()
    event.listen(engine, "before_cursor_execute", before_execute)
    return lambda: event.remove(engine, "before_cursor_execute", before_execute)


def test_a_database_error_half_way_through_a_gpx_import_rolls_everything_back(seeded_app, token):
    before = state(seeded_app)
    undo = fail_on(seeded_app, "track_segments")  # after the track row and its file were written
    try:
        response = seeded_app.test_client().post(TRACKS_API, data={"file": (io.BytesIO(a_track()), "ride.gpx")},
                                                 headers=bearer(token), content_type="multipart/form-data")
    finally:
        undo()
    assert response.status_code == 503
    assert "nothing was saved" in response.get_json()["error"]["message"]
    assert state(seeded_app) == before


def test_a_database_error_on_the_third_photo_of_a_batch_stores_none_of_them(seeded_app, token):
    before = state(seeded_app)
    undo = fail_on(seeded_app, "photos", nth=3)
    try:
        files = [(io.BytesIO(data), name) for data, name in three_photos()]
        response = seeded_app.test_client().post(PHOTOS_API, data={"file": files}, headers=bearer(token),
                                                 content_type="multipart/form-data")
    finally:
        undo()
    assert response.status_code == 503
    assert state(seeded_app) == before
    # The same upload works once the database is back.
    files = [(io.BytesIO(data), name) for data, name in three_photos()]
    again = seeded_app.test_client().post(PHOTOS_API, data={"file": files}, headers=bearer(token),
                                          content_type="multipart/form-data")
    assert again.status_code == 201 and len(again.get_json()) == 3


def test_a_crash_between_writing_the_files_and_committing_leaves_no_orphaned_file(seeded_app, token, monkeypatch):
    seeded_app.config["PROPAGATE_EXCEPTIONS"] = False  # serve the 500 page as production would
    before = state(seeded_app)

    def crash() -> None:
        raise RuntimeError("the process was interrupted before the commit")

    monkeypatch.setattr(db, "commit", crash)
    files = [(io.BytesIO(data), name) for data, name in three_photos()]
    response = seeded_app.test_client().post(PHOTOS_API, data={"file": files}, headers=bearer(token),
                                             content_type="multipart/form-data")
    assert response.status_code == 500
    assert state(seeded_app) == before
    assert not list(Path(seeded_app.config["MEDIA_DIR"]).rglob("*.part"))


def test_a_database_error_during_import_gpx_is_one_clear_line_and_keeps_nothing(seeded_app, tmp_path):
    path = tmp_path / "ride.gpx"
    path.write_bytes(a_track())
    before = state(seeded_app)
    undo = fail_on(seeded_app, "track_segments")
    try:
        result = seeded_app.test_cli_runner().invoke(args=["import-gpx", str(path), "--trip", DEMO_SLUG, "--leg", "1"])
    finally:
        undo()
    assert result.exit_code == 1
    assert "The database is busy or could not be reached" in result.output and "Traceback" not in result.output
    assert state(seeded_app) == before
