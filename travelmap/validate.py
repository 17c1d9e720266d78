"""Field validation shared by the workspace forms and the JSON API: each rule once, naming the field."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo

from .errors import InvalidInput
from .text import COLOUR_RE, DEFAULT_COLOUR, SLUG_RE, safe_url

MAX_TITLE = 200
MAX_NAME = 200
MAX_SLUG = 100
MAX_SUMMARY = 2_000
MAX_BODY = 200_000
MAX_URL = 2_000
MAX_LABEL = 100  # an API token's label
MAX_FILE_NAME = 300  # an uploaded file's name as stored, and a track's name
MAX_CAMERA = 200
MAX_LICENCE = 200


def text(data: dict, field: str, *, max_length: int, required: bool = False, default: str = "") -> str:
    """Return a trimmed string field; refuse non-strings, over-long values and missing required ones."""
    value = data.get(field, default)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text.", field=field)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()  # browsers send CRLF from text areas
    if required and not value:
        raise InvalidInput(f"{field} is required.", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} is too long: at most {max_length} characters, got {len(value)}.", field=field)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise InvalidInput(f"{field} contains control characters.", field=field)
    return value


def slug(value: Any, field: str = "slug") -> str:
    """Return a valid slug: lowercase letters, digits and single hyphens."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field} is required.", field=field)
    if len(value) > MAX_SLUG:
        raise InvalidInput(f"{field} is too long: at most {MAX_SLUG} characters.", field=field)
    if not SLUG_RE.match(value):
        raise InvalidInput(f"{field} may contain only a-z, 0-9 and single hyphens (e.g. 'inner-mongolia-2010').",
                           field=field)
    return value


@overload
def number(data: dict, field: str, *, low: float, high: float, required: Literal[True] = ...) -> float: ...
@overload
def number(data: dict, field: str, *, low: float, high: float, required: bool) -> float | None: ...
def number(data: dict, field: str, *, low: float, high: float, required: bool = True) -> float | None:
    """Return a finite number within [low, high]; text, NaN and infinities are refused."""
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{field} is required.", field=field)
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a number.", field=field)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a number, not {str(value)[:40]!r}.", field=field) from None
    if not math.isfinite(result):
        raise InvalidInput(f"{field} must be a finite number.", field=field)
    if not low <= result <= high:
        raise InvalidInput(f"{field} must be between {low:g} and {high:g}; got {result:g}.", field=field)
    return result


@overload
def integer(data: dict, field: str, *, low: int, high: int, required: Literal[True] = ...) -> int: ...
@overload
def integer(data: dict, field: str, *, low: int, high: int, required: bool) -> int | None: ...
def integer(data: dict, field: str, *, low: int, high: int, required: bool = True) -> int | None:
    """Return a whole number within [low, high]."""
    value = number(data, field, low=low, high=high, required=required)
    if value is None:
        return None
    if value != int(value):
        raise InvalidInput(f"{field} must be a whole number.", field=field)
    return int(value)


@overload
def choice(data: dict, field: str, options: Sequence[str], *, default: str | None = None,
           allow_empty: Literal[False] = ...) -> str: ...
@overload
def choice(data: dict, field: str, options: Sequence[str], *, default: str | None = None,
           allow_empty: bool) -> str | None: ...
def choice(data: dict, field: str, options: Sequence[str], *, default: str | None = None,
           allow_empty: bool = False) -> str | None:
    """Return one of the allowed values."""
    value = data.get(field, default)
    if (value is None or value == "") and allow_empty:
        return None
    if not isinstance(value, str) or value not in options:
        raise InvalidInput(f"{field} must be one of: {', '.join(options)}.", field=field)
    return value


def colour(data: dict, field: str = "colour", default: str = DEFAULT_COLOUR) -> str:
    """Return a #rrggbb colour."""
    value = data.get(field) or default
    if not isinstance(value, str) or not COLOUR_RE.match(value):
        raise InvalidInput(f"{field} must be a colour like #c2410c.", field=field)
    return value.lower()


def url(data: dict, field: str) -> str | None:
    """Return an absolute http(s) URL or None; javascript:, data: and the like are refused."""
    value = text(data, field, max_length=MAX_URL)
    if not value:
        return None
    if safe_url(value) is None:
        raise InvalidInput(f"{field} must be an http:// or https:// address.", field=field)
    return value


def timezone(value: Any, default: str, field: str = "timezone") -> str:
    """Return a valid IANA time zone name, or default when value is empty."""
    from zoneinfo import ZoneInfoNotFoundError

    if value in (None, ""):
        return default
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{field} must be an IANA time zone such as Asia/Shanghai, not {str(value)[:40]!r}.",
                           field=field) from None
    return str(value)


def local_datetime(data: dict, field: str, zone: str) -> datetime | None:
    """Read an ISO 8601 time; one without an offset is local time in `zone`. Return it aware."""
    value = data.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an ISO 8601 date and time.", field=field)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} must be a date and time like 2010-10-14T10:51, not {value[:40]!r}.",
                           field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed


def day(data: dict, field: str) -> date | None:
    """Read an ISO date (YYYY-MM-DD)."""
    value = data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{field} must be a date like 2010-10-22.", field=field) from None
