"""Tracks far from the rest of their trip (a stray file from another journey): the warning an upload result and
the workspace's track list show, stating the distance. The rule itself is geo.far_from (photos use it too).

The rule: a track is far when none of its points lies within geo.FAR_KM (300 km) of any other point of the
trip: the other tracks (of every leg) and the stops. Tracks are compared by their lines simplified to 1 km
(from the stored 100 m overview lines), so the distance is exact to about a kilometre. A track within 300 km
of the trip is never flagged, even across a continent's edge (Gibraltar, the Bosporus, the Caucasus): such a
track continues the journey. When a far track also lies on another continent, the warning says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import geo
from ..geo import LatLon
from ..models import Photo, Track, Trip
from ..notes import Note

COARSE_M = 1_000.0  # tolerance of the simplified lines the check compares
CONTINENT_SAMPLES = 3  # places per track whose continent is looked up (start, middle, end)


def coarse_points(track: Track) -> list[LatLon]:
    """Return a track's line simplified to about a kilometre: all the far-away check needs of it."""
    out: list[LatLon] = []
    for part in (track.lines or {}).get("overview", []):
        coords = geo.decode_polyline(part["line"])
        if not coords:
            continue
        lats, lons = [c[0] for c in coords], [c[1] for c in coords]
        out += [(lats[i], lons[i]) for i in geo.simplify(lats, lons, COARSE_M)]
    if not out:  # a track without stored lines still has its box
        out = [(track.min_lat, track.min_lon), (track.max_lat, track.max_lon)]
    return out


def _spread(points: list[LatLon], n: int = CONTINENT_SAMPLES) -> list[LatLon]:
    """Return up to n points spread along a list, ends included."""
    if len(points) <= n:
        return points
    return [points[round(i * (len(points) - 1) / (n - 1))] for i in range(n)]


def _continents(points: Iterable[LatLon]) -> set[str]:
    """Return the continents the places lie on (places at sea count for none)."""
    return {c for c in (geo.continent_at(lat, lon) for lat, lon in points) if c}


def _km(distance: float) -> str:
    """Write a distance as people say it: '7,040 km', '412 km'."""
    return f"{round(distance, -1 if distance >= 1_000 else 0):,.0f} km"


def message(distance_km: float, mine: set[str], rest: set[str], what: str = "track") -> str:
    """Return the warning for a track (or photo) this far from the rest of its trip."""
    text = f"This {what} lies {_km(distance_km)} from the rest of the trip"
    if mine and rest and not mine & rest:
        text += f", in {' and '.join(sorted(mine))}, while the rest of the trip is in {' and '.join(sorted(rest))}"
    return text + ". Is it in the right trip?"


def far_away_notes(trip: Trip, only: Track | None = None) -> dict[int, tuple[float, str]]:
    """Return {track id: (km, warning)} for the trip's tracks that lie far from the rest of it (or for `only`)."""
    tracks = [t for leg in trip.legs for t in leg.tracks]
    if only is not None and only not in tracks:
        tracks.append(only)
    coarse = {t.id: coarse_points(t) for t in tracks}
    stops = [(s.lat, s.lon) for s in trip.stops()]
    notes: dict[int, tuple[float, str]] = {}
    for track in tracks if only is None else [only]:
        others = stops + [p for t in tracks if t.id != track.id for p in coarse[t.id]]
        distance = geo.far_from(coarse[track.id], others)
        if distance is None:
            continue
        rest = _continents(stops[:20] + [p for t in tracks if t.id != track.id for p in _spread(coarse[t.id])])
        notes[track.id] = (distance, message(distance, _continents(_spread(coarse[track.id])), rest))
    return notes


def far_away_note(trip: Trip, track: Track) -> tuple[float, str] | None:
    """Return (km, warning) when the track lies far from the rest of its trip, else None."""
    return far_away_notes(trip, only=track).get(track.id)


def far_away_photos(trip: Trip, photos: Iterable[Photo] | None = None) -> dict[int, tuple[float, str]]:
    """Return {photo id: (km, warning)} for the trip's placed photos (or those of `photos`) that lie far from the
    rest of it: every track, stop and other placed photo. The same rule as for tracks (geo.FAR_KM, continents)."""
    placed = [(p, (p.lat, p.lon)) for p in trip.photos if p.lat is not None and p.lon is not None]
    asked = {p.id for p in (trip.photos if photos is None else photos)}
    if not placed or not asked:
        return {}
    lines = [p for leg in trip.legs for t in leg.tracks for p in coarse_points(t)]
    stops = [(s.lat, s.lon) for s in trip.stops()]
    places: list[LatLon] = [place for _, place in placed]
    notes: dict[int, tuple[float, str]] = {}
    far = geo.far_each(places, stops + lines)
    for (photo, place), distance in zip(placed, far):
        if distance is None or photo.id not in asked:
            continue
        rest = _continents(stops[:20] + _spread(lines, 20) + _spread([q for q in places if q != place], 20))
        notes[photo.id] = (distance, message(distance, _continents([place]), rest, what="photo"))
    return notes


def far_away_warning(trip: Trip, track: Track) -> tuple[float, Note] | None:
    """Return (km, coded warning) when the track lies far from the rest of its trip, else None."""
    far = far_away_note(trip, track)
    return None if far is None else (far[0], Note("far_away", far[1]))
