"""Template filters: distances, durations and dates as readers expect them."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from .localtime import local_time, photo_local_time
from .models import Photo
from .notes import Note, load_all
from .text import counted, text_colour


def km(metres: float | None) -> str:
    """Format metres as kilometres ('482 km', '3.4 km')."""
    if metres is None:
        return "–"
    value = metres / 1000
    return f"{value:,.0f} km" if value >= 100 else f"{value:,.1f} km"


def metres(value: float | None) -> str:
    """Format a height ('1,234 m')."""
    return "–" if value is None else f"{value:,.0f} m"


def hours(seconds: float | None) -> str:
    """Format a duration as hours and minutes ('5 h 20 min')."""
    if not seconds:
        return "–"
    minutes = int(round(seconds / 60))
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def day(value: date | datetime | None) -> str:
    """Format a date ('14 October 2010')."""
    return "" if value is None else value.strftime("%-d %B %Y")


def clock(value: datetime | None) -> str:
    """Format a time of day ('17:40')."""
    return "" if value is None else value.strftime("%H:%M")


def photo_time(photo: Photo) -> datetime | None:
    """Return when a photo was taken, in the local time it was taken in."""
    return photo_local_time(photo.taken_at, photo.utc_offset_min)


def utc_offset(value: datetime | None) -> str:
    """Format a time's offset ('UTC+08:00')."""
    return "" if value is None else "UTC" + value.isoformat()[-6:]


def notes(values: list | None) -> list[Note]:
    """Return stored warnings as notes with a code and a message (rows from before codes included)."""
    return load_all(values)


def init_app(app: Flask) -> None:
    """Register the filters."""
    for f in (km, metres, hours, day, clock, photo_time, utc_offset, text_colour, counted, notes):
        app.add_template_filter(f)
    app.add_template_global(local_time)
