"""What each reader page shows, gathered in one call: a view asks once and renders (after reading the
trip's stamp, so a cached page never gets here). Every page carries its owner's privacy zones as a Redaction:
photos in a zone are already gone from `photos`, and outputs ask the redaction for tracks and stop places."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from ..errors import NotFound
from ..exports import track_gpx
from ..formats.read import read_track
from ..geo import LatLon
from ..models import Leg, Photo, Stop, Track, Trip
from ..profile import Profile, leg_profile
from ..redaction import Redaction, TrackView
from ..trackstats import Totals, totals
from .find import leg_at
from .trips import listed_trips, trip_by_id, trip_photos
from .zones import reader_view


@dataclass
class TripPage:
    """A trip with everything its pages draw: legs, stops, posts, tracks, photos and stop numbers."""

    trip: Trip
    view: Redaction  # the owner's zones: what readers see of tracks and stop places
    photos: list[Photo]  # the ones readers see
    numbers: dict[int, int]
    totals: Totals
    leg_totals: dict[int, Totals] = field(default_factory=dict)


@dataclass
class LegPage:
    """One leg of a trip page, with its totals, photos and elevation profile."""

    trip: TripPage
    leg: Leg
    tracks: list[TrackView]  # what readers see of each track (a track wholly in a zone is left out)
    photos: list[Photo]
    totals: Totals
    profile: Profile | None


@dataclass
class StopPage:
    """One stop of a trip page, with its number and photos."""

    trip: TripPage
    stop: Stop
    number: int
    place: LatLon | None  # None when the stop lies in a privacy zone
    photos: list[Photo]


def trip_page(session: Session, trip_id: int, *, lines: bool = True, photos: bool = True) -> TripPage:
    """Load a trip for its page, map or export; NotFound if it went away since its stamp was read."""
    trip = trip_by_id(session, trip_id, lines=lines)
    if trip is None:
        raise NotFound("There is no trip at this address.")
    view = reader_view(session, trip.owner_id)
    leg_totals = {leg.id: totals(view.tracks(leg)) for leg in trip.legs}
    return TripPage(trip=trip, view=view, photos=view.photos(trip_photos(session, trip)) if photos else [],
                    numbers=trip.stop_numbers(), totals=totals(t for leg in trip.legs for t in view.tracks(leg)),
                    leg_totals=leg_totals)


def leg_page(session: Session, trip_id: int, position: object, *, photos: bool = True) -> LegPage:
    """Load one leg of a trip (at its position) for its page, map or export."""
    page = trip_page(session, trip_id, photos=photos)
    leg = leg_at(page.trip, position)
    tracks = page.view.tracks(leg)
    return LegPage(trip=page, leg=leg, tracks=tracks, photos=[p for p in page.photos if p.leg_id == leg.id],
                   totals=page.leg_totals[leg.id], profile=leg_profile(leg, tracks))


def stop_page(session: Session, trip_id: int, stop_slug: str) -> StopPage:
    """Load one stop of a trip (by slug) for its page."""
    page = trip_page(session, trip_id)
    stop = next((s for s in page.trip.stops() if s.slug == stop_slug), None)
    if stop is None:
        raise NotFound("This trip has no such stop.")
    return StopPage(trip=page, stop=stop, number=page.numbers[stop.id], place=page.view.place(stop),
                    photos=[p for p in page.photos if p.stop_id == stop.id])


@dataclass
class Card:
    """A listed trip on the front page: its totals, and what readers see of it."""

    trip: Trip
    totals: Totals
    view: Redaction


def index_page(session: Session) -> list[Card]:
    """Return the listed trips with their totals, for the front page's cards and map."""
    cards = []
    views: dict[int, Redaction] = {}
    for trip in listed_trips(session):
        view = views.get(trip.owner_id) or views.setdefault(trip.owner_id, reader_view(session, trip.owner_id))
        cards.append(Card(trip, totals(t for leg in trip.legs for t in view.tracks(leg)), view))
    return cards


def post_privacy(session: Session, stops: list[Stop], photos: list[Photo]) -> tuple[dict[int, LatLon], list[Photo]]:
    """Apply each owner's zones to a post page's stops and photos: the places readers may see, by stop id (a stop
    in a privacy zone has none), and the photos they are shown."""
    views: dict[int, Redaction] = {}

    def view(owner_id: int) -> Redaction:
        return views.get(owner_id) or views.setdefault(owner_id, reader_view(session, owner_id))

    places = {stop.id: place for stop in stops if (place := view(stop.leg.trip.owner_id).place(stop)) is not None}
    return places, [photo for photo in photos if view(photo.trip.owner_id).shows_photo(photo)]


def track_download(session: Session, trip: Trip, track: Track, media_root: Path) -> bytes | None:
    """Return what a reader downloads for a track's original file: None for the file as uploaded, or GPX of what
    readers see of the track when it was edited (the points it holds now) or while a privacy zone touches it (a
    recorded point, or a waypoint of the file)."""
    view = reader_view(session, trip.owner_id)
    if track.edited:
        return track_gpx(view.track(track)).encode("utf-8")
    if not view.circles:
        return None
    seen = view.track(track)
    if not seen.touched and track.waypoint_count:
        waypoints = read_track((media_root / track.gpx_path).read_bytes(), track.original_name).waypoints
        if not any(view.hides(w.lat, w.lon) for w in waypoints):
            return None
    elif not seen.touched:
        return None
    return track_gpx(seen).encode("utf-8")
