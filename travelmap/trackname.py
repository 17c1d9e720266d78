"""A new track's name: the best name its file or upload gives, never a device's stock label when a better one
is known. Pure: no Flask, no database.

The rule, in order:
1. the name inside the file (its first named track, else its own name, else its first named route);
2. the uploaded file's name without its extension (underscores read as spaces);
3. "Track of 22 August 2014, 18:48": the local date and time where the recording starts;
4. whatever name 1 or 2 gave, however plain; else "Track".
Steps 1 and 2 are skipped when the name is *generic*: nothing but a device or app's stock words ("ACTIVE LOG",
"Current Track", "Route", "Activity", "GPS"), dates, times and numbers ("2020-12-18 07:24:29", "8/22/2014 18:48",
"ACTIVE LOG #2", "Route 2019-12-15 3:50pm", "GPS_20090913_001033"), or another file's name ("dc.zip").
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePath
from zoneinfo import ZoneInfo

from .geo import zone_at
from .validate import MAX_FILE_NAME as MAX_NAME  # Track.name

_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec")
_DAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun"
# Words that say nothing about where or what: the stock labels of GPS devices and apps, and the letters of times.
_STOCK = ("active log current track tracks trk route routes rte activity activities recording record recorded "
          "unnamed untitled noname new gps gpx fit tcx kml kmz path trace log export exported download file copy "
          "segment seg waypoint waypoints lap am pm t z utc gmt h min sec of the on at")
GENERIC_WORDS = frozenset(f"{_MONTHS} {_STOCK}".split())
# Weekdays are generic only beside a date ("Mon 5 Aug"), not in "Friday Evening Run": see is_generic.
_WEEKDAYS = frozenset(_DAYS.split())
_FILE_SUFFIX = re.compile(r"\.(gpx|fit|tcx|kml|kmz|geojson|json|zip|gz|csv|nmea|log|txt)$", re.I)
_WORD = re.compile(r"[^\W\d_]+")
_DATE_MARKS = set("-/:.,#_+()'")  # what dates, times and counters are written with


def is_generic(name: str) -> bool:
    """Tell whether a name says nothing a person would call the track by (stock words, dates, numbers, a file name)."""
    name = name.strip()
    if not name or _FILE_SUFFIX.search(name):
        return True
    words = [w.lower() for w in _WORD.findall(name)]
    meaningful = [w for w in words if w not in GENERIC_WORDS]
    if not all(w in _WEEKDAYS for w in meaningful):
        return False
    rest = _WORD.sub("", name)
    if any(not (ch.isdigit() or ch.isspace() or ch in _DATE_MARKS) for ch in rest):
        return False  # other signs ("{{7*7}}", "→", "★") are something the author typed, not a device's stamp
    return any(ch.isdigit() for ch in name) or not meaningful


def file_stem(original_name: str) -> str:
    """Return an uploaded file's name without folder or extension, underscores read as spaces."""
    stem = PurePath(original_name.replace("\\", "/")).stem if original_name else ""
    return re.sub(" +", " ", stem.replace("_", " ")).strip()


def started_name(started_at: datetime, lat: float | None, lon: float | None) -> str:
    """Return 'Track of 22 August 2014, 18:48' in the local time where the recording starts."""
    zone = zone_at(lat, lon)
    local = started_at.astimezone(ZoneInfo(zone)) if zone else started_at
    return f"Track of {local.day} {local:%B %Y, %H:%M}"


def track_name(in_file: str, original_name: str, started_at: datetime | None = None,
               start: tuple[float, float] | None = None) -> str:
    """Choose a new track's name (see the module's rule), at most MAX_NAME characters."""
    candidates = [in_file.strip(), file_stem(original_name)]  # as written: a name is the author's text
    name = next((c for c in candidates if c and not is_generic(c)), None)
    if name is None and started_at is not None:
        name = started_name(started_at, *(start or (None, None)))
    if name is None:
        name = next((c for c in candidates if c), "Track")
    return name[:MAX_NAME]
