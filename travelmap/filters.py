"""Template filters: distances, durations and dates as readers expect them."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask


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


def init_app(app: Flask) -> None:
    """Register the filters."""
    for f in (km, metres, hours, day, clock):
        app.add_template_filter(f)
