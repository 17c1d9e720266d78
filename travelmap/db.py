"""The engine and the per-request session, the one commit of a request, and schema migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .errors import Conflict
from .media import discard_pending
from .orm import Base

__all__ = ["Base", "commit", "end_read_transaction", "engine", "init_app", "make_engine", "schema_is_empty",
           "migrate", "session", "upgrade_schema"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """On SQLite: enforce foreign keys (off unless asked), let readers and a writer work at once (WAL),
    and wait for a busy database instead of failing at once."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def alembic_config() -> Config:
    """Return an Alembic config pointing at travelmap's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the database schema to the newest migration."""
    migrate(engine, "head")


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with down, downgrade) the schema to a revision, in one transaction.

    On SQLite, Alembic alters a table by copying it and dropping the old one; with foreign keys enforced that
    DROP TABLE would cascade and delete every row that points at the table (a track's points, a leg's stops). So
    foreign keys are off while the migrations run (SQLite's own recipe for altering a table), checked with
    PRAGMA foreign_key_check before the commit, and on again afterwards.
    """
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction: SQLite ignores this pragma inside one
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                (command.downgrade if down else command.upgrade)(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def schema_is_empty(engine: Engine) -> bool:
    """Tell whether the database has no travelmap tables yet."""
    return not inspect(engine).has_table("trips")


def make_engine(url: str) -> Engine:
    """Create the engine for a database URL."""
    return create_engine(url, future=True)


def init_app(app: Flask) -> None:
    """Give the app an engine and a session factory; close the request's session at teardown."""
    engine = make_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    app.extensions["travelmap.engine"] = engine
    app.extensions["travelmap.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions["travelmap.engine"]


def session() -> Session:
    """Return the session of the current request or CLI command (one per app context)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["travelmap.sessionmaker"]()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    """Roll back what was not committed and close the session."""
    s = g.pop("db_session", None)
    if s is not None:
        s.rollback()
        discard_pending(s)  # staged files of an uncommitted request must go too
        s.close()


def commit() -> None:
    """Commit the request's (or command's) changes; a unique-constraint race becomes a 409, not a 500."""
    s = session()
    try:
        s.commit()
    except IntegrityError as exc:
        s.rollback()
        raise Conflict("That conflicts with something that already exists (a slug or a duplicate).") from exc


def end_read_transaction() -> None:
    """End the request's read transaction before slow work (parsing GPX, decoding photos), so that no
    transaction stays open meanwhile and the write transaction that follows is short. Loaded objects
    stay usable (the session does not expire them on commit)."""
    s = session()
    if s.in_transaction():
        s.commit()
