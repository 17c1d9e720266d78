"""The declarative base, the engine and per-request session, and schema migrations."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, String, create_engine, event, inspect
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .errors import InvalidInput

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC on every backend (SQLite keeps no offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: travelmap stores timezone-aware times only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}



def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    """On SQLite: enforce foreign keys (off unless asked), let readers and a writer work at once (WAL),
    and wait for a busy database instead of failing at once."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Session, "before_flush")
def _check_text(session: Session, flush_context, instances) -> None:  # type: ignore[no-untyped-def]
    """Refuse text that a column cannot hold, on every backend alike, as a 400 naming the field.

    PostgreSQL enforces VARCHAR lengths and cannot store NUL characters; SQLite does neither. Input is
    validated before it gets here, so this is the safety net that keeps an unforeseen value a clear
    error and never a 500, whichever database runs.
    """
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for column in state.mapper.columns:
            if not isinstance(column.type, String):  # Text is a String too
                continue
            # Only values in memory: reading an unloaded attribute here would query during the flush.
            value = state.dict.get(state.mapper.get_property_by_column(column).key)
            if not isinstance(value, str):
                continue
            field = column.key.replace("_", " ")
            limit = column.type.length
            if limit and len(value) > limit:
                raise InvalidInput(f"The {field} is too long: at most {limit} characters, got {len(value)}.",
                                   field=column.key)
            if "\x00" in value:
                raise InvalidInput(f"The {field} contains a NUL character (\\u0000), which cannot be stored.",
                                   field=column.key)


def alembic_config() -> Config:
    """Return an Alembic config pointing at travelmap's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the database schema to the newest migration."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


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
        from .media import discard_pending  # staged files of an uncommitted request must go too

        s.rollback()
        discard_pending(s)
        s.close()
