"""Test databases: a SQLite file per test by default, or a PostgreSQL database per test.

TRAVELMAP_TEST_POSTGRES_URL names a PostgreSQL server the tests may create and drop databases on
(an admin URL such as ``postgresql+psycopg://postgres@127.0.0.1:54329/postgres``).
TRAVELMAP_TEST_BACKEND=postgresql runs the whole suite on that server; `.ci/run` does both runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

SQLITE_FILE = "travelmap.sqlite3"
POSTGRES_URL = os.environ.get("TRAVELMAP_TEST_POSTGRES_URL", "")
BACKEND = os.environ.get("TRAVELMAP_TEST_BACKEND", "sqlite")
if BACKEND not in {"sqlite", "postgresql"}:
    raise RuntimeError(f"TRAVELMAP_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")
if BACKEND == "postgresql" and not POSTGRES_URL:
    raise RuntimeError("TRAVELMAP_TEST_BACKEND=postgresql needs TRAVELMAP_TEST_POSTGRES_URL")

_created: list[str] = []  # PostgreSQL databases made since the last cleanup
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()  # every engine that has connected, to close its pool


@event.listens_for(Engine, "engine_connect")
def _remember_engine(connection: Connection) -> None:
    _engines.add(connection.engine)


def close_pools() -> None:
    """Close the PostgreSQL connections the tests' engines keep in their pools, before their databases are
    dropped: a connection the server closed under it would otherwise be left for the garbage collector, which
    warns (and warnings are errors). An engine used again just connects anew."""
    for engine in list(_engines):
        if engine.dialect.name == "postgresql":
            engine.dispose()
_kept: set[str] = set()  # databases of instances shared beyond one test (see outliving_tests)


def _admin():  # type: ignore[no-untyped-def]
    """An autocommit psycopg connection to the server's maintenance database."""
    import psycopg

    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def postgres_name(root: Path) -> str:
    """The database name that belongs to a test folder (stable, short, safe to quote)."""
    return "tm_" + hashlib.sha1(str(root).encode()).hexdigest()[:20]


def postgres_url(name: str) -> str:
    """The SQLAlchemy URL of one database on the test server."""
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def create_postgres(name: str, template: str | None = None) -> str:
    """Create a database (optionally a copy of another) and return its URL."""
    with _admin() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            if template:
                # CREATE DATABASE ... TEMPLATE needs the template to have no open connections.
                close_pools()
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                             (template,))
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                conn.execute(f'CREATE DATABASE "{name}"')
            _created.append(name)
    return postgres_url(name)


def drop_postgres(names: list[str]) -> None:
    """Drop databases, closing whatever connections the test left open."""
    if not names:
        return
    close_pools()
    with _admin() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_for(root: Path) -> str:
    """The database URL for an app whose files live under root (created empty when new)."""
    if BACKEND == "postgresql":
        return create_postgres(postgres_name(root))
    return f"sqlite:///{root / SQLITE_FILE}"


def read_only_url(root: Path) -> str:
    """The URL of root's database opened read-only: any write through it fails at once."""
    if BACKEND == "postgresql":
        url = make_url(postgres_url(postgres_name(root)))
        return url.update_query_dict({"options": "-c default_transaction_read_only=on"}).render_as_string(
            hide_password=False)
    return f"sqlite:///file:{root / SQLITE_FILE}?mode=ro&uri=true"


def copy_database(source_root: Path, target_root: Path) -> None:
    """Give target_root a copy of source_root's database (media folders are copied by the caller)."""
    if BACKEND == "postgresql":
        create_postgres(postgres_name(target_root), template=postgres_name(source_root))
    else:
        shutil.copy(source_root / SQLITE_FILE, target_root / SQLITE_FILE)


def copy_instance(source_root: Path, target_root: Path) -> None:
    """Copy a test instance: its database and its media folder."""
    copy_database(source_root, target_root)
    shutil.copytree(source_root / "media", target_root / "media")


def cleanup() -> None:
    """Drop the PostgreSQL databases made since the last cleanup, except those kept by `outliving_tests`."""
    gone = [name for name in _created if name not in _kept]
    _created[:] = [name for name in _created if name in _kept]
    drop_postgres(gone)


@contextmanager
def outliving_tests(root: Path) -> Iterator[None]:
    """Keep root's PostgreSQL database past the per-test cleanup (for an instance a module or the whole run
    shares) and drop it when the block ends, closing any connection left open."""
    name = postgres_name(root)
    _kept.add(name)
    try:
        yield
    finally:
        _kept.discard(name)
        if BACKEND == "postgresql":
            drop_postgres([name])


def require_postgres() -> str:
    """The test server's admin URL; skip without one (fail when TRAVELMAP_REQUIRE_POSTGRES=1)."""
    if not POSTGRES_URL:
        reason = "no PostgreSQL server for tests (set TRAVELMAP_TEST_POSTGRES_URL)"
        if os.environ.get("TRAVELMAP_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return POSTGRES_URL
