"""Times as the traveller lived them: a stored UTC instant shown in a stop's zone or at a photo's offset. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


def local_time(when: datetime | None, zone: str) -> datetime | None:
    """Return a UTC time in a stop's own time zone (unchanged when the zone is unknown or cannot show it)."""
    if when is None:
        return None
    try:
        return when.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError, OverflowError):  # OverflowError: the zone's clock is past the year 9999
        return when


def input_value(when: datetime | None) -> str:
    """Format a local time for a datetime-local field: to the second, and to the millisecond when it has one.

    A form that drops the seconds would move every time that has them when it is saved unchanged.
    """
    if when is None:
        return ""
    return when.replace(tzinfo=None).isoformat(timespec="milliseconds" if when.microsecond else "seconds")


def photo_local_time(taken_at: datetime | None, utc_offset_min: int | None) -> datetime | None:
    """Return when a photo was taken, at the UTC offset it was taken at (UTC when that is unknown or impossible)."""
    if taken_at is None:
        return None
    try:
        return taken_at.astimezone(timezone(timedelta(minutes=utc_offset_min or 0)))
    except (ValueError, OverflowError):  # no real offset, or the local clock is past the ends of the calendar
        return taken_at
