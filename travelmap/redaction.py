"""What readers see of a trip once its owner's privacy zones are applied: the one place every public output
(maps, lines, profiles, exports, previews, feeds) gets its tracks, stop places and photos from. Pure: no Flask,
no database session (loading a track's points goes through the model's relationship, as exports do).

The rule (README, "Privacy zones"):
- tracks are cut by `privacy.cut` between recorded points; what is left is derived again exactly as an import
  derives it (stats, the 100 m and 10 m lines, the 2 m export geometry, the elevation profile), so readers never
  see a length, time or bound that counts the hidden part;
- a stop inside a hidden circle keeps its name, times and post, but has no place: no marker, no coordinates in
  any export, no map centred on it;
- a photo taken (or placed) inside a hidden circle is not shown to readers at all;
- the owner's workspace uses `EVERYTHING`, which hides nothing.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np

from . import geo, privacy
from .formats.kinds import Kind
from .geo import Bounds, LatLon
from .gpx import ParsedGpx, Segment
from .models import Leg, Photo, Stop, Track, TrackSegment
from .privacy import Circle
from .trackstats import DETAIL_TOLERANCE_M, compute_stats, display_geometry, encoded_lines

Point = tuple[float, float, float | None, float | None]  # lat, lon, elevation, POSIX time


Run = tuple[int, int, int]  # a segment's position in track.segments, and the [start, stop) of its points kept


@dataclass(frozen=True)
class _Visible:
    """What is left of a track that a zone touches, derived as the import derives a track."""

    stats: dict[str, Any]
    display_geometry: list[dict]
    detail_geometry: list[dict]
    lines: dict

    @classmethod
    def derive(cls, pieces: list[tuple[bool, list[Point]]]) -> _Visible:
        """Compute stats and lines of the runs left, with the import's own functions."""
        if not pieces:
            return cls({}, [], [], {"overview": [], "display": []})
        segments = [Segment(lats=[p[0] for p in points], lons=[p[1] for p in points], eles=[p[2] for p in points],
                            times=[p[3] for p in points], planned=planned) for planned, points in pieces]
        parsed = ParsedGpx(name="", segments=segments, waypoints=[], version="1.1", creator="", warnings=[],
                           file_segments=len(segments))
        display = display_geometry(parsed)
        return cls(compute_stats(parsed), display, display_geometry(parsed, DETAIL_TOLERANCE_M),
                   encoded_lines(parsed, display))


def _values(segment: TrackSegment) -> np.ndarray:
    """Return a segment's stored float64 quadruples (lat, lon, ele, time) as an n×4 array, read in place."""
    return np.frombuffer(segment.points, dtype=np.float64).reshape(-1, 4)


def _points(values: np.ndarray) -> list[Point]:
    """Turn stored quadruples into (lat, lon, ele, time) with None where the file had no value (NaN)."""
    return [(lat, lon, None if math.isnan(ele) else ele, None if math.isnan(t) else t)
            for lat, lon, ele, t in values.tolist()]


class _Derived:
    """What cutting a track costs, kept per process for the few tracks last cut: every output of a trip revision
    (pages, embeds, lines, exports, previews) then pays for it once, not once each. Runs and derived lines only,
    never the points."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def clear(self) -> None:
        """Forget every cut (benchmarks measure the first build after a change)."""
        with self._lock:
            self._items.clear()

    def put(self, key: Hashable, item: tuple[Any]) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_DERIVED = _Derived()


class TrackView:
    """A track as readers see it: the stored track itself where no zone comes near, else what is left of it.

    It answers what pages and exports read of a Track (lines, geometries, profile, stats, bounds, points).
    """

    def __init__(self, track: Track, circles: Sequence[Circle]) -> None:
        self.track = track
        box = (track.min_lat, track.min_lon, track.max_lat, track.max_lon)
        self._circles = tuple(c for c in circles if c.near_box(*box))

    @cached_property
    def _key(self) -> tuple[Hashable, ...] | None:
        """Name this track's cut for the per-process store: the track, its content, its trip's revision (bumped by
        every edit of the trip and every change of its owner's zones) and the circles; None for a track not saved."""
        t = self.track
        leg = t.leg
        revision = leg.trip.revision if leg is not None and leg.trip is not None else None
        if t.id is None or not t.sha256 or revision is None:
            return None
        return (t.id, t.sha256, t.point_count, t.trip_id, revision, self._circles)

    def _remembered(self, part: str, make: Callable[[], Any]) -> Any:
        """Return one part of this track's cut from the per-process store, making (and keeping) it if missing."""
        key = None if self._key is None else (*self._key, part)
        found = _DERIVED.get(key) if key is not None else None
        if found is not None:
            return found[0]
        value = make()
        if key is not None:
            _DERIVED.put(key, (value,))
        return value

    @cached_property
    def _runs(self) -> list[Run] | None:
        """The runs of points readers see, (segment, start, stop); None when nothing was cut."""
        if not self._circles:
            return None

        def cut() -> list[Run] | None:
            runs: list[Run] = []
            cut_any = False
            for index, segment in enumerate(self.track.segments):
                values = _values(segment)
                found = privacy.cut(values[:, :2], self._circles)  # lat and lon are the first two columns
                cut_any = cut_any or found != [(0, len(values))]
                runs += [(index, start, stop) for start, stop in found]
            return runs if cut_any else None

        return self._remembered("runs", cut)

    @cached_property
    def _visible(self) -> _Visible | None:
        """What is left once cut, derived as an import derives it; None when nothing was cut."""
        runs = self._runs
        if runs is None:
            return None
        return self._remembered("visible", lambda: _Visible.derive(list(self._materialise(runs))))

    def _materialise(self, runs: list[Run]) -> Iterator[tuple[bool, list[Point]]]:
        segments = self.track.segments
        for index, start, stop in runs:
            yield segments[index].planned, _points(_values(segments[index])[start:stop])

    @property
    def touched(self) -> bool:
        """Tell whether a zone hides any part of the track."""
        return self._runs is not None

    @property
    def hidden(self) -> bool:
        """Tell whether a zone hides all of it."""
        return self._runs is not None and not self._runs

    @property
    def hidden_points(self) -> int:
        """Count the recorded points readers do not see."""
        if self._runs is None:
            return 0
        return self.track.point_count - sum(stop - start for _, start, stop in self._runs)

    # What pages and exports read, the stored values unless a zone cut the track.
    def _stat(self, name: str) -> Any:
        return getattr(self.track, name) if self._visible is None else self._visible.stats.get(name)

    @property
    def id(self) -> int:
        return self.track.id

    @property
    def name(self) -> str:
        return self.track.name

    @property
    def format(self) -> str:
        return self.track.format

    @property
    def kind(self) -> Kind:
        return self.track.kind

    @property
    def edited(self) -> bool:
        return self.track.edited

    @property
    def lines(self) -> dict:
        return (self.track.lines or {}) if self._visible is None else self._visible.lines

    @property
    def display_geometry(self) -> list[dict]:
        return self.track.display_geometry if self._visible is None else self._visible.display_geometry

    @property
    def detail_geometry(self) -> list[dict]:
        if self._visible is None:
            return self.track.detail_geometry or self.track.display_geometry
        return self._visible.detail_geometry

    @property
    def profile(self) -> list[list[float]]:
        return (self.track.profile or []) if self._visible is None else self._visible.stats.get("profile", [])

    @property
    def distance_m(self) -> float:
        return self._stat("distance_m") or 0.0

    @property
    def ascent_m(self) -> float | None:
        return self._stat("ascent_m")

    @property
    def descent_m(self) -> float | None:
        return self._stat("descent_m")

    @property
    def duration_s(self) -> float | None:
        return self._stat("duration_s")

    @property
    def moving_time_s(self) -> float | None:
        return self._stat("moving_time_s")

    @property
    def max_speed_mps(self) -> float | None:
        return self._stat("max_speed_mps")

    @property
    def started_at(self) -> datetime | None:
        return self._stat("started_at")

    @property
    def ended_at(self) -> datetime | None:
        return self._stat("ended_at")

    @property
    def point_count(self) -> int:
        return self.track.point_count - self.hidden_points

    def bounds(self) -> Bounds | None:
        """Return the box around what readers see of the track."""
        if self._visible is None:
            t = self.track
            return Bounds.of_box(t.min_lat, t.min_lon, t.max_lat, t.max_lon)
        if self.hidden:
            return None
        s = self._visible.stats
        return Bounds.of_box(s["min_lat"], s["min_lon"], s["max_lat"], s["max_lon"])

    def pieces(self) -> Iterator[tuple[bool, list[Point]]]:
        """Yield (planned, points) for every run of recorded points readers see (every stored point if none is cut)."""
        if self._runs is not None:
            yield from self._materialise(self._runs)
            return
        for segment in self.track.segments:
            yield segment.planned, list(segment.iter_points())


class Redaction:
    """A trip's tracks, stops and photos as readers see them, given its owner's hidden circles."""

    def __init__(self, circles: Iterable[Circle]) -> None:
        self.circles = tuple(circles)
        self._tracks: dict[int, TrackView] = {}

    def track(self, track: Track) -> TrackView:
        """Return what readers see of a track (computed once per Redaction, which lives for one request)."""
        if not self.circles:
            return TrackView(track, ())  # nothing to compute, nothing to keep
        view = self._tracks.get(track.id)
        if view is None:
            view = self._tracks[track.id] = TrackView(track, self.circles)
        return view

    def tracks(self, leg: Leg) -> list[TrackView]:
        """Return the leg's tracks that readers see any of."""
        return [view for view in (self.track(t) for t in leg.tracks) if not view.hidden]

    def hides(self, lat: float | None, lon: float | None) -> bool:
        """Tell whether a place lies in a zone (a missing place does not)."""
        return lat is not None and lon is not None and privacy.inside(lat, lon, self.circles)

    def place(self, stop: Stop) -> LatLon | None:
        """Return a stop's place for readers, or None when it lies in a zone."""
        return None if self.hides(stop.lat, stop.lon) else (stop.lat, stop.lon)

    def placed_stops(self, stops: Iterable[Stop]) -> list[Stop]:
        """Keep the stops whose place readers may see."""
        return [stop for stop in stops if self.place(stop) is not None]

    def shows_photo(self, photo: Photo) -> bool:
        """Tell whether readers see a photo at all: not when it was taken or placed in a zone, nor when the trip
        blurs photo places and the blurred place falls in one (no point a reader gets lies in a zone)."""
        if photo.lat is None or photo.lon is None or not self.circles:
            return True
        if self.hides(photo.lat, photo.lon):
            return False
        return not (photo.trip.blur_photo_locations and self.hides(*geo.blur(photo.lat, photo.lon)))

    def photos(self, photos: Iterable[Photo]) -> list[Photo]:
        """Keep the photos readers see."""
        return [photo for photo in photos if self.shows_photo(photo)]

    def untracked_line(self, leg: Leg) -> list[LatLon] | None:
        """Return the dashed line of an untracked leg, from its first to its last stop readers may place. It is
        no recording and both its ends are public, so it is drawn whole even where it passes over a zone."""
        if leg.untracked_line() is None:
            return None
        places = [place for place in (self.place(s) for s in leg.stops) if place is not None]
        return [places[0], places[-1]] if len(places) >= 2 else None

    def leg_bounds(self, leg: Leg) -> Bounds | None:
        """Return the box around what readers see of a leg: its placed stops and the visible tracks."""
        box = Bounds.around([place for place in (self.place(s) for s in leg.stops) if place is not None])
        for view in self.tracks(leg):
            part = view.bounds()
            if part is not None:
                box = part if box is None else box.union(part)
        return box


# The owner's view in the workspace: nothing hidden.
EVERYTHING = Redaction(())
