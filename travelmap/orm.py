"""The declarative base and the column types every model shares: timezone-aware UTC times, a constraint
naming convention, and the guards that keep text a database cannot hold or compare a clear 400. Pure
SQLAlchemy."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, MetaData, String, event, inspect
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from .errors import InvalidInput

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


@event.listens_for(Session, "before_flush")
def _check_text(session: Session, flush_context: Any, instances: Any) -> None:
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


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_nul(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    """Refuse a query whose text values hold a NUL character, on every backend alike, as a clear 400.

    PostgreSQL cannot even compare such text (a slug in an address, a username at log-in), and SQLite
    would quietly find nothing; the flush guard above covers what is stored, this covers what is looked up.
    """
    for row in (parameters if executemany else [parameters]):
        values = row.values() if isinstance(row, dict) else row if isinstance(row, (list, tuple)) else ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise InvalidInput("The request holds a NUL character (\\u0000), which no name or address contains.")
