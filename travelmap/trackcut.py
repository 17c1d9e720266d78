"""Cutting a parsed track for trims and splits: which points an edit counts, a range of them as a new
parsed track, times turned into point numbers, and the thinned points an editor picks from. Pure: no
Flask, no database.

Edits count the recorded points of a file in file order, across its segments; a file with no recording
(a planned route only) counts its route points instead, the same rule `trackstats.compute_stats` uses
for what it measures. Planned lines that come with a recording are not cut: they stay with the first
part of the file (see `cut`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from . import geo
from .gpx import ParsedGpx, Segment

MIN_POINTS = 2  # a line needs two points
EDITOR_SAMPLES = 2_000  # points an editor page gets to pick from (every point of a 50,000-point file would be ~2 MB)


def editable(segments: Sequence[Segment]) -> list[int]:
    """Return the indices of the segments an edit counts: the recorded ones, or all when none is recorded."""
    recorded = [i for i, seg in enumerate(segments) if not seg.planned]
    return recorded or list(range(len(segments)))


def editable_count(segments: Sequence[Segment]) -> int:
    """Count the points an edit counts."""
    return sum(len(segments[i]) for i in editable(segments))


def _slice(seg: Segment, start: int, stop: int) -> Segment:
    """Return points start..stop-1 of a segment as a new segment."""
    return dataclasses.replace(seg, lats=seg.lats[start:stop], lons=seg.lons[start:stop],
                               eles=seg.eles[start:stop], times=seg.times[start:stop])


def cut(parsed: ParsedGpx, first: int, last: int, *, keep_planned: bool) -> ParsedGpx:
    """Return the track made of editable points first..last (inclusive) of a parsed file.

    Segments keep their breaks; segments wholly outside the range go. With keep_planned, the file's planned
    lines (routes that came with a recording) are kept whole, after the cut recording.
    """
    total = editable_count(parsed.segments)
    if not 0 <= first < last < total:
        raise ValueError(f"cannot cut points {first}..{last} of {total}")
    counted = set(editable(parsed.segments))
    segments: list[Segment] = []
    offset = 0
    for index, seg in enumerate(parsed.segments):
        if index not in counted:
            continue
        lo, hi = max(first - offset, 0), min(last - offset + 1, len(seg))
        if lo < hi:
            segments.append(_slice(seg, lo, hi))
        offset += len(seg)
    if keep_planned:
        segments += [seg for index, seg in enumerate(parsed.segments) if index not in counted]
    return dataclasses.replace(parsed, segments=segments, file_segments=len(segments))


def editable_times(segments: Sequence[Segment]) -> list[float | None]:
    """Return the time (POSIX seconds, None where absent) of every editable point, in order."""
    return [t for i in editable(segments) for t in segments[i].times]


def first_at_or_after(times: Sequence[float | None], when: float) -> int | None:
    """Return the number of the first point recorded at or after `when` (None if there is none)."""
    return next((i for i, t in enumerate(times) if t is not None and t >= when), None)


def last_at_or_before(times: Sequence[float | None], when: float) -> int | None:
    """Return the number of the last point recorded at or before `when` (None if there is none)."""
    for i in range(len(times) - 1, -1, -1):
        t = times[i]
        if t is not None and t <= when:
            return i
    return None


def samples(segments: Sequence[Segment], limit: int = EDITOR_SAMPLES) -> list[list[float | None]]:
    """Return at most about `limit` editable points, evenly spread, for an editor to pick from.

    Each is [number, distance_m along the track, elevation_m or None, lat, lon, POSIX time or None]; the first
    and last point are always there. Distances add up segment after segment, as the track's profile does.
    """
    total = editable_count(segments)
    stride = max(1, math.ceil(total / limit))
    out: list[list[float | None]] = []
    number, along = 0, 0.0
    for index in editable(segments):
        seg = segments[index]
        steps = geo.step_lengths(seg.lats, seg.lons)
        cumulative = along
        for i in range(len(seg)):
            if i:
                cumulative += steps[i - 1]
            if number % stride == 0 or number == total - 1:
                ele, t = seg.eles[i], seg.times[i]
                out.append([number, round(cumulative, 1), None if ele is None else round(ele, 1),
                            round(seg.lats[i], 6), round(seg.lons[i], 6), None if t is None else round(t, 3)])
            number += 1
        along = cumulative
    return out

