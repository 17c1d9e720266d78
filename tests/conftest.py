"""Shared fixtures: an app on a fresh database under tmp_path, a seeded copy, clients and the CLI runner."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from travelmap import create_app, db
from travelmap.services.seed import seed_trip

from . import databases

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout: README, data/, wsgi.py
DATA_DIR = PROJECT_ROOT / "data"
DEMO_SLUG = "inner-mongolia-baotou-beijing"

# Nothing a test starts may write to the real per-user data folder: apps and commands that are not
# given a folder of their own get this one.
os.environ.setdefault("TRAVELMAP_HOME", tempfile.mkdtemp(prefix="travelmap-tests-home-"))
# A cheap password hash: a log-in costs ~3 ms instead of scrypt's 50-500 ms, and the suite logs in hundreds of
# times. The log-in timing tests switch back to scrypt (the `real_password_hash` fixture).
os.environ.setdefault("TRAVELMAP_PASSWORD_HASH", "pbkdf2:sha256:1000")


def corpus_dir() -> Path:
    """Return the real-world corpus folder (TRAVELMAP_CORPUS, default ../shared/corpus)."""
    return Path(os.environ.get("TRAVELMAP_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))


class ClosingClient(FlaskClient):
    """A test client that reads every answer whole and closes it, as a WSGI server does: a streamed file
    (photos, downloads, backups) is closed at once instead of when the garbage collector gets to it, and so
    is the temporary file Werkzeug writes a large multipart upload into."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)
        for answer in (*getattr(response, "history", ()), response):
            stream = answer.request.environ.get("wsgi.input")
            if stream is not None:
                stream.close()
        return response


def make_app(root: Path, **overrides: object) -> Flask:
    """Create an app whose database, media and instance folders live under root."""
    config = {
        "TESTING": True,
        "HOME": str(root),
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": databases.url_for(root),
        "MEDIA_DIR": str(root / "media"),
        "TILES": "osm",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = ClosingClient
    with app.app_context():
        db.upgrade_schema(db.engine())
    return app


@pytest.fixture(autouse=True)
def _drop_test_databases(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """On PostgreSQL, drop the databases a test made once it is over (the seeded template stays)."""
    yield
    if databases.BACKEND == "postgresql" or databases.POSTGRES_URL:
        databases.cleanup()


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """An app on an empty, migrated database."""
    return make_app(tmp_path)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A folder holding a database and media folder with the demo trip, built once per test run."""
    root = tmp_path_factory.mktemp("seeded")
    with databases.outliving_tests(root):
        app = make_app(root)
        with app.app_context():
            session = db.session()
            seed_trip(session, DATA_DIR, root / "media")
            session.commit()
            session.close()
            db.engine().dispose()  # the last connection closing checkpoints the WAL: one file holds everything
        wal = root / "travelmap.sqlite3-wal"
        assert not wal.exists() or not wal.stat().st_size
        yield root


def seeded_copy(seeded_template: Path, root: Path, **overrides: object) -> Flask:
    """An app on a private copy of the seeded database and media folder, with config overrides."""
    databases.copy_instance(seeded_template, root)
    return make_app(root, **overrides)


@pytest.fixture(scope="session")
def reader_app(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One app for the whole run on a read-only copy of the seeded instance, for tests that only read pages:
    pages are built once and served from its cache after that, and a test that writes fails at once."""
    root = tmp_path_factory.mktemp("reader")
    with databases.outliving_tests(root):
        databases.copy_instance(seeded_template, root)
        app = create_app({"TESTING": True, "HOME": str(root), "SECRET_KEY": "test", "TILES": "osm",
                          "SQLALCHEMY_DATABASE_URI": databases.read_only_url(root), "MEDIA_DIR": str(root / "media")})
        app.test_client_class = ClosingClient
        yield app
        with app.app_context():
            db.engine().dispose()


@pytest.fixture
def reader(reader_app: Flask) -> FlaskClient:
    """A test client of the shared read-only seeded app (GET requests only)."""
    return reader_app.test_client()


@pytest.fixture
def seeded_app(tmp_path: Path, seeded_template: Path) -> Flask:
    """An app whose database already holds the demo trip (a private copy per test)."""
    return seeded_copy(seeded_template, tmp_path)


@pytest.fixture
def client(seeded_app: Flask) -> FlaskClient:
    """A test client of the seeded app."""
    return seeded_app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner on the empty app."""
    return app.test_cli_runner()


@pytest.fixture
def session(seeded_app: Flask):  # type: ignore[no-untyped-def]
    """A database session inside the seeded app's context."""
    with seeded_app.app_context():
        yield db.session()


def count_rows(session: Session) -> dict[str, int]:
    """Count the rows of every table (to prove that failures store nothing)."""
    counts = {}
    for table in db.Base.metadata.sorted_tables:
        counts[table.name] = session.scalar(select(func.count()).select_from(table)) or 0
    return counts


def media_files(app: Flask) -> list[str]:
    """List every file under the app's media folder, relative to it."""
    root = Path(app.config["MEDIA_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def require_corpus() -> Path:
    """The corpus folder; skip with a reason when it is absent (fail when TRAVELMAP_REQUIRE_CORPUS=1)."""
    folder = corpus_dir()
    if not folder.is_dir():
        reason = f"real-world corpus not found at {folder} (set TRAVELMAP_CORPUS)"
        if os.environ.get("TRAVELMAP_REQUIRE_CORPUS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return folder
