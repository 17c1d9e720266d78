"""Warnings as data: every warning has a stable code and a message a person reads. Pure: no Flask, no SQLAlchemy.

Readers and services make `Note(code, message)`; rows keep them as `{"code", "message"}` (the shape of an
API error); code that reacts to a warning matches its code, never its wording, so messages can be
reworded freely. CODES is the catalogue: every code in use, with what it means (the README lists them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CODES: dict[str, str] = {
    # Track files
    "naive_times": "Some times have no time zone; they were taken as UTC.",
    "empty_segments": "Empty track segments were ignored.",
    "undeclared_prefixes": "The file uses XML namespace prefixes it never declares; it was read all the same.",
    "positions_missing": "Records or trackpoints without a position (FIT, TCX) were skipped; the message counts them.",
    "relative_times": "FIT record times count from when the device was switched on; those points have no time.",
    "areas_ignored": "Polygons (areas) in a KML or GeoJSON file were ignored.",
    "network_links_ignored": "KML network links (files elsewhere on the web) were ignored: nothing is fetched.",
    "waypoint_left_out": "A placemark or waypoint off the Earth was left out.",
    "waypoint_times_unreadable": "Some placemark times could not be read; those waypoints have no time.",
    "line_times_unusable": "A GeoJSON line's coordTimes could not be used; the line has no times.",
    # Tracks in a trip
    "far_away": "The track lies far (over 300 km) from the rest of its trip; the message says how far. Computed "
                "when shown, never stored.",
    # Track files and photos
    "wrong_suffix": "The file's name says one format but its content is another; it was read by its content.",
    # Photos
    "gps_no_hemisphere": "The photo's GPS position lacks N/S or E/W, so it was ignored.",
    "gps_malformed": "The photo's GPS position is malformed, so it was ignored.",
    "gps_out_of_range": "The photo's GPS position is off the Earth, so it was ignored.",
    "gps_no_fix": "The photo's GPS position is 0, 0 (a camera without a fix), so it was ignored.",
    "time_unreadable": "The photo's time could not be read.",
    "time_out_of_range": "The photo's time lies outside the years 1-9999, so it was ignored.",
    "offset_invalid": "The photo's UTC offset is not a real one, so it was ignored.",
    "offset_disagrees": "The photo's UTC offset differs from the time zone at its GPS position; the offset was used.",
    "time_zone_guessed": "The photo's time has no offset; it was read as local time where it was taken (or the "
                         "trip's zone).",
    "time_taken_as_utc": "The photo's time has no offset and no place to infer one; it was taken as UTC.",
    "exif_damaged": "The photo's EXIF data is damaged and was ignored.",
    "clock_offset_learned": "The camera's clock offset was learned from a photo of the same upload that has GPS.",
    "needs_place": "The photo has no place yet (no GPS, and no track point near its time): place it by hand.",
    "duplicate_skipped": "The same photo is already in the trip, so this one was skipped.",
    # Stored before warnings had codes, and not recognised when they were given theirs.
    "note": "A warning from an older version of travelmap.",
}


# The sentences warnings were before they had codes (rows stored then, archives written then): the start, or the
# whole, of what each code's producer wrote. Frozen: these are history, so matching their words is safe here, and
# here only (migration 0003 and load() use it).
_LEGACY = [
    ("naive_times", r"Some times have no time zone; they were taken as UTC"),
    ("empty_segments", r"Empty track segments were ignored\."),
    ("undeclared_prefixes", r"The file uses namespace prefixes it never declares"),
    ("positions_missing", r"[\d,]+ (records?|trackpoints?) without a position (was|were) skipped\."),
    ("relative_times", r"[\d,]+ record times count from when the device was switched on"),
    ("areas_ignored", r"Polygons \(areas\) were ignored\."),
    ("network_links_ignored", r"Network links \(other KML files on the web\) were ignored"),
    ("waypoint_times_unreadable", r"Some placemark times could not be read"),
    ("waypoint_left_out", r"The placemark .* it was left out\.$"),
    ("line_times_unusable", r"(Some lines' coordTimes do not give|.* has times in coordTimes that cannot be read)"),
    ("wrong_suffix", r"The file is named \.\S* but is an? .* (file|image); it was read as "),
    ("gps_no_hemisphere", r"The GPS position lacks its hemisphere references"),
    ("gps_malformed", r"The GPS position is malformed"),
    ("gps_out_of_range", r"The GPS position -?[\d.]+, -?[\d.]+ is out of range"),
    ("gps_no_fix", r"The GPS position is 0, 0"),
    ("time_unreadable", r"The photo's time .* could not be read\.$"),
    ("time_out_of_range", r"The photo's time .* is out of range, so it was ignored\.$"),
    ("offset_invalid", r"The photo's time offset .* is not a real UTC offset"),
    ("offset_disagrees", r"The photo's time offset \(.*\) does not match the time zone at its GPS position"),
    ("time_taken_as_utc", r"The photo's time has no offset and no place to infer one"),
    ("time_zone_guessed", r"The photo's time has no offset; it was read as local time in "),
    ("exif_damaged", r"The photo's EXIF data is damaged and was ignored"),
    ("clock_offset_learned", r"The camera's clock offset \(.*\) was learned from a photo"),
    ("duplicate_skipped", r".* was skipped: the same photo is already in the trip\.$"),
    ("needs_place", r".*(place it by hand|no place yet)"),
]
_LEGACY_PATTERNS = [(code, re.compile(pattern)) for code, pattern in _LEGACY]


def from_words(message: str) -> str:
    """Return the code of a warning stored before codes, from its words ("note" when none fits)."""
    return next((code for code, pattern in _LEGACY_PATTERNS if pattern.match(message)), "note")


@dataclass(frozen=True, order=True)
class Note:
    """A warning: a stable code from CODES and the message a person reads."""

    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        """Return the note as stored and as the API sends it: {"code", "message"}."""
        return {"code": self.code, "message": self.message}


def load(value: Any) -> Note:
    """Return a stored note ({"code", "message"}, or a bare message from before codes) as a Note."""
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        code = value.get("code")
        return Note(code if isinstance(code, str) and code else "note", value["message"])
    return Note(from_words(str(value)), str(value))


def load_all(values: Iterable[Any] | None) -> list[Note]:
    """Return stored notes as Notes (None is none)."""
    return [load(value) for value in values or []]


def stored(notes: Iterable[Note]) -> list[dict[str, str]]:
    """Return notes as a JSON column (and the API) holds them."""
    return [note.as_json() for note in notes]


def has(values: Iterable[Any] | None, code: str) -> bool:
    """Tell whether stored notes include one with this code."""
    return any(note.code == code for note in load_all(values))


def without(values: Iterable[Any] | None, code: str) -> list[dict[str, str]]:
    """Return stored notes minus those with this code, in their stored form."""
    return stored(note for note in load_all(values) if note.code != code)


__all__ = ["CODES", "Note", "from_words", "has", "load", "load_all", "stored", "without"]
