"""Editing a track for its owner: rename it, move it to another leg, trim its ends, split it in two, and
restore the original. Takes a Session, never commits; every change bumps the trip's revision.

The uploaded file is never changed. A trimmed track, or a part of a split, stores which of the file's
points it holds (`Track.keep_from`..`keep_to`, see trackcut.py for how points are counted) and is rebuilt
from the file through the import's own code (`tracks.read_track_file`, `tracks.fill`): its stats, lines,
profile and stored points are exactly those an upload of the same points would give. The parts of a split
share the file; restoring any of them brings back the whole file as one track and removes the others.

Point numbers in requests count the track's points as it is now, from 0 (planned route lines that came with
a recording are not counted). A point can also be named by its time (ISO 8601; without an offset, the local
time where the track starts).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import trackcut, validate
from ..errors import Conflict, InvalidInput, NotFound, TravelmapError
from ..formats import ParsedTrack, Segment
from ..geo import zone_at
from ..models import Track
from ..trackname import MAX_NAME
from .find import leg_at
from .tracks import fill, read_track_file
from .trips import touch

MAX_RECORD = 100  # the record keeps this many latest edits
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,18}")


# ---------------------------------------------------------------- the track as it is now

def stored_segments(track: Track) -> list[Segment]:
    """Return the track's stored points as segments (what it holds now)."""
    out = []
    for row in track.segments:
        seg = Segment(planned=row.planned)
        for lat, lon, ele, t in row.iter_points():
            seg.lats.append(lat)
            seg.lons.append(lon)
            seg.eles.append(ele)
            seg.times.append(t)
        out.append(seg)
    return out


@dataclass(frozen=True)
class Current:
    """What an edit request is checked against: the track's points now, and where they start in the file."""

    count: int  # points an edit counts
    times: list[float | None]
    base: int  # the file's number of point 0
    start: tuple[float, float] | None  # the first point, for reading times without an offset

    def absolute(self, number: int) -> int:
        """Return the file's number of one of the track's points."""
        return self.base + number


def current(track: Track) -> Current:
    """Describe the track's points as an edit sees them."""
    segments = stored_segments(track)
    counted = [segments[i] for i in trackcut.editable(segments)]
    start = next(((seg.lats[0], seg.lons[0]) for seg in counted if len(seg)), None)
    return Current(count=trackcut.editable_count(segments), times=trackcut.editable_times(segments),
                   base=track.keep_from or 0, start=start)


# ---------------------------------------------------------------- reading a point from a request

def _time(value: str, field: str, now: Current) -> float:
    """Read an ISO 8601 time (local where the track starts when it has no offset) as POSIX seconds."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} must be a point number (0 to {now.count - 1:,}) or a time such as "
                           f"2014-08-22T18:50:00+02:00, not {value[:40]!r}.", field=field) from None
    if when.tzinfo is None:
        zone = zone_at(*now.start) if now.start else None
        when = when.replace(tzinfo=ZoneInfo(zone) if zone else timezone.utc)
    try:
        return when.timestamp()
    except (OverflowError, ValueError):
        raise InvalidInput(f"{field} is a time out of range: {value[:40]!r}.", field=field) from None


def point(data: dict, field: str, now: Current, *, latest: bool = False) -> int | None:
    """Return the track's point number a request names in `field` (a number, or a time), None when absent.

    A time names the first point recorded at or after it, or with latest the last one at or before it.
    """
    value = data.get(field)
    if value is None or value == "":
        return None
    span = f"0 to {now.count - 1:,}"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidInput(f"{field} must be a point number ({span}) or a time.", field=field)
    if isinstance(value, str):
        text = value.strip()
        if _WHOLE_NUMBER.fullmatch(text):
            value = int(text)
        else:
            when = _time(text, field, now)
            if not any(t is not None for t in now.times):
                raise InvalidInput(f"This track has no times, so {field} must be a point number ({span}).",
                                   field=field)
            found = (trackcut.last_at_or_before(now.times, when) if latest
                     else trackcut.first_at_or_after(now.times, when))
            if found is None:
                side = "at or before" if latest else "at or after"
                raise InvalidInput(f"No point of this track was recorded {side} {text[:40]} ({field}).", field=field)
            return found
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise InvalidInput(f"{field} must be a whole point number ({span}).", field=field)
        value = int(value)
    if not 0 <= value < now.count:
        shown = str(value) if len(str(value)) <= 20 else str(value)[:20] + "…"
        raise InvalidInput(f"{field} must be a point number from {span} (this track has {now.count:,} points); "
                           f"got {shown}.", field=field)
    return value


# ---------------------------------------------------------------- the original file

def original_bytes(track: Track, media_root: Path) -> bytes:
    """Return the track's uploaded file as it was uploaded."""
    try:
        return (media_root / track.original_path).read_bytes()
    except FileNotFoundError:
        raise TravelmapError("The original file of this track is missing from the media folder, so it cannot be "
                             "changed; run `travelmap check`.", status=500, code="media_missing") from None


def original(track: Track, media_root: Path) -> ParsedTrack:
    """Read the track's original file with the import's reader."""
    return read_track_file(original_bytes(track, media_root))


def _record(track: Track, op: str, **details: object) -> None:
    """Add an edit to the track's record (the latest MAX_RECORD are kept)."""
    entry = {"op": op, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **details}
    track.edits = [*(track.edits or []), entry][-MAX_RECORD:]


def _rebuild(track: Track, parsed: ParsedTrack, first: int, last: int) -> None:
    """Make the track hold the file's points first..last, recomputing everything from them."""
    total = trackcut.editable_count(parsed.segments)
    keep_planned = track.part == 0
    if first == 0 and last == total - 1 and keep_planned:
        track.keep_from = track.keep_to = None
        fill(track, parsed)
    else:
        track.keep_from, track.keep_to = first, last
        fill(track, trackcut.cut(parsed, first, last, keep_planned=keep_planned))


def _fresh(session: Session, track: Track) -> Track:
    """Re-read the track after a slow step (reading its file), or say it went away meanwhile."""
    again = session.get(Track, track.id, populate_existing=True)
    if again is None:
        raise NotFound("This track was deleted meanwhile.")
    return again


# ---------------------------------------------------------------- edits

def update_track(session: Session, track: Track, data: dict) -> Track:
    """Rename a track ({"name"}) or move it to another leg of its trip ({"leg": position})."""
    trip = track.leg.trip
    changed = False
    if "name" in data:
        name = validate.text(data, "name", max_length=MAX_NAME, required=True)
        if name != track.name:
            _record(track, "rename", name=name, was=track.name)
            track.name, changed = name, True
    if "leg" in data:
        try:
            leg = leg_at(trip, data["leg"])
        except NotFound as error:  # the track is there; the body names a leg that is not
            raise InvalidInput(error.message, field="leg") from None
        if leg is not track.leg:
            _record(track, "move", leg=leg.name, was=track.leg.name)
            track.leg.tracks.remove(track)
            leg.tracks.append(track)
            changed = True
    session.flush()
    if changed:
        touch(trip)
    return track


def trim_track(session: Session, track: Track, data: dict, media_root: Path) -> Track:
    """Keep the track's points from `start` to `end` (both kept; either may be left out to keep that end)."""
    now = current(track)
    start = point(data, "start", now)
    end = point(data, "end", now, latest=True)
    if start is None and end is None:
        raise InvalidInput("Say where the track should start or end: {\"start\": …, \"end\": …} (point numbers "
                           f"0 to {now.count - 1:,}, or times).", field="start")
    start = 0 if start is None else start
    end = now.count - 1 if end is None else end
    if start > end:
        raise InvalidInput(f"The start (point {start:,}) comes after the end (point {end:,}). Nothing was changed.",
                           field="start")
    if end - start + 1 < trackcut.MIN_POINTS:
        raise InvalidInput("That trim would leave 1 point: a track needs at least two. Nothing was changed.",
                           field="end")
    if (start, end) == (0, now.count - 1):
        return track  # nothing to trim
    first, last = now.absolute(start), now.absolute(end)
    parsed = original(track, media_root)
    track = _fresh(session, track)
    if (track.keep_from or 0) != now.base:
        raise Conflict("The track changed while this edit was on its way; look at it again and retry.",
                       code="changed")
    _rebuild(track, parsed, first, last)
    _record(track, "trim", first=first, last=last, of=trackcut.editable_count(parsed.segments))
    session.flush()
    touch(track.leg.trip)
    return track


def _free_name(track: Track, base: str) -> str:
    """Return base, or 'base (2)', 'base (3)' … whichever no track of the trip has."""
    taken = {t.name for leg in track.leg.trip.legs for t in leg.tracks}
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base[:MAX_NAME - 8]} ({n})"
    return name


def split_track(session: Session, track: Track, data: dict, media_root: Path) -> Track:
    """Split a track in two at point `at` (which both parts keep); return the new second part.

    The second part is a new track in the same leg, named `name` or after the first.
    """
    now = current(track)
    if now.count < 3:
        raise InvalidInput(f"This track has {now.count} points: too few to split (each part needs two).",
                           field="at")
    at = point(data, "at", now)
    if at is None:
        raise InvalidInput(f"Say where to split: {{\"at\": a point number from 1 to {now.count - 2:,}, or a time}}.",
                           field="at")
    if not 1 <= at <= now.count - 2:
        raise InvalidInput(f"Splitting at point {at} would leave a part of one point; split at a point from 1 to "
                           f"{now.count - 2:,}. Nothing was changed.", field="at")
    name = validate.text(data, "name", max_length=MAX_NAME) or _free_name(track, f"{track.name} (2)"[:MAX_NAME])
    first, middle, last = now.absolute(0), now.absolute(at), now.absolute(now.count - 1)
    parsed = original(track, media_root)
    track = _fresh(session, track)
    if (track.keep_from or 0) != now.base:
        raise Conflict("The track changed while this edit was on its way; look at it again and retry.",
                       code="changed")
    part = (session.scalar(select(func.max(Track.part)).where(Track.trip_id == track.trip_id,
                                                             Track.sha256 == track.sha256)) or 0) + 1
    second = new_part(track, part, name)
    second.edits = list(track.edits or [])
    _rebuild(track, parsed, first, middle)
    _rebuild(second, parsed, middle, last)
    track.leg.tracks.append(second)
    session.flush()
    total = trackcut.editable_count(parsed.segments)
    _record(track, "split", point=middle, first=first, last=middle, of=total, other=second.id)
    _record(second, "split", point=middle, first=middle, last=last, of=total, other=track.id)
    touch(track.leg.trip)
    return second


def other_parts(session: Session, track: Track) -> list[Track]:
    """Return the other tracks of the trip made from the same file (the other parts of a split)."""
    return list(session.scalars(select(Track).where(Track.trip_id == track.trip_id, Track.sha256 == track.sha256,
                                                    Track.id != track.id).order_by(Track.part)))


def restore_track(session: Session, track: Track, media_root: Path) -> list[str]:
    """Make the track its whole original file again, removing the other parts of a split; return their names."""
    parsed = original(track, media_root)
    track = _fresh(session, track)
    removed = []
    for other in other_parts(session, track):
        removed.append(other.name)
        # Deleted before it leaves its leg's list: the other order makes the flush fail (issue 12, finding 4).
        session.delete(other)
        other.leg.tracks.remove(other)
    session.flush()
    track.part = 0
    _rebuild(track, parsed, 0, trackcut.editable_count(parsed.segments) - 1)
    _record(track, "restore", removed=removed)
    session.flush()
    touch(track.leg.trip)
    return removed


# ---------------------------------------------------------------- restoring a backup

def hold(track: Track, parsed: ParsedTrack, first: object, last: object) -> None:
    """Make a track hold the file's points first..last as a backup's trip.json says (None, None: the whole file)."""
    if first is None and last is None:
        _rebuild(track, parsed, 0, trackcut.editable_count(parsed.segments) - 1)
        return
    total = trackcut.editable_count(parsed.segments)
    numbers = [n for n in (first, last) if isinstance(n, int) and not isinstance(n, bool)]
    if len(numbers) != 2 or not 0 <= numbers[0] < numbers[1] < total:
        raise InvalidInput(f"keep_from and keep_to must be point numbers with 0 <= keep_from < keep_to < {total}.",
                           field="keep_from")
    _rebuild(track, parsed, numbers[0], numbers[1])


def new_part(source: Track, part: int, name: str) -> Track:
    """Return a new track sharing the source's file (a part of its split), holding nothing yet (see hold)."""
    return Track(trip_id=source.trip_id, name=name, original_name=source.original_name, sha256=source.sha256,
                 original_path=source.original_path, format=source.format, waypoint_count=0,
                 warnings=list(source.warnings or []), part=part, edits=[])


def record_from(value: object) -> list[dict]:
    """Return a backup's record of edits, keeping only well-formed entries (a record is for people to read)."""
    if not isinstance(value, list):
        return []
    keep = []
    for entry in value[-MAX_RECORD:]:
        if isinstance(entry, dict) and isinstance(entry.get("op"), str) and isinstance(entry.get("at"), str):
            keep.append({str(k)[:40]: v if isinstance(v, (int, float, bool)) or v is None else str(v)[:300]
                         for k, v in list(entry.items())[:12] if not isinstance(v, (list, dict))})
    return keep


# ---------------------------------------------------------------- what the workspace's editor shows

@dataclass(frozen=True)
class Editor:
    """What the track editor page needs besides the track: its points to pick from and how it was edited."""

    count: int  # points an edit counts (numbers 0 … count - 1)
    samples: list[list[float | None]]  # trackcut.samples
    utc_offset_min: int  # where the track starts, to show its times as the traveller lived them
    summary: str | None  # what the edits did, in words; None for a track as uploaded
    parts: list[Track]  # the other parts of its split


def editor(session: Session, track: Track) -> Editor:
    """Gather what the track editor shows."""
    segments = stored_segments(track)
    now = current(track)
    zone = zone_at(*now.start) if now.start else None
    offset = 0
    if zone and track.started_at is not None:
        delta = track.started_at.astimezone(ZoneInfo(zone)).utcoffset()
        offset = int(delta.total_seconds() // 60) if delta is not None else 0
    return Editor(count=now.count, samples=trackcut.samples(segments), utc_offset_min=offset,
                  summary=summary(track), parts=other_parts(session, track))


def summary(track: Track) -> str | None:
    """Say in words which of its file's points an edited track holds."""
    if not track.edited:
        return None
    of = next((e.get("of") for e in reversed(track.edits or []) if e.get("of")), None)
    whole = f" of the {of:,} in the uploaded file" if of else " of the uploaded file"
    return f"Holds points {track.keep_from:,} to {track.keep_to:,}{whole}."
