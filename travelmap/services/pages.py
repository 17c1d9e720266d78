"""What each reader page shows, gathered in one call: a view asks once and renders (after reading the
trip's stamp, so a cached page never gets here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import Leg, Photo, Stop, Trip
from ..profile import Profile, leg_profile
from ..trackstats import Totals, totals
from .find import leg_at
from .trips import listed_trips, trip_by_id, trip_photos


@dataclass
class TripPage:
    """A trip with everything its pages draw: legs, stops, posts, tracks, photos and stop numbers."""

    trip: Trip
    photos: list[Photo]
    numbers: dict[int, int]
    totals: Totals
    leg_totals: dict[int, Totals] = field(default_factory=dict)


@dataclass
class LegPage:
    """One leg of a trip page, with its totals, photos and elevation profile."""

    trip: TripPage
    leg: Leg
    photos: list[Photo]
    totals: Totals
    profile: Profile | None


@dataclass
class StopPage:
    """One stop of a trip page, with its number and photos."""

    trip: TripPage
    stop: Stop
    number: int
    photos: list[Photo]


def trip_page(session: Session, trip_id: int, *, lines: bool = True, photos: bool = True) -> TripPage:
    """Load a trip for its page, map or export; NotFound if it went away since its stamp was read."""
    trip = trip_by_id(session, trip_id, lines=lines)
    if trip is None:
        raise NotFound("There is no trip at this address.")
    return TripPage(trip=trip, photos=trip_photos(session, trip) if photos else [],
                    numbers=trip.stop_numbers(), totals=totals(t for leg in trip.legs for t in leg.tracks),
                    leg_totals={leg.id: totals(leg.tracks) for leg in trip.legs})


def leg_page(session: Session, trip_id: int, position: object, *, photos: bool = True) -> LegPage:
    """Load one leg of a trip (at its position) for its page, map or export."""
    page = trip_page(session, trip_id, photos=photos)
    leg = leg_at(page.trip, position)
    return LegPage(trip=page, leg=leg, photos=[p for p in page.photos if p.leg_id == leg.id],
                   totals=page.leg_totals[leg.id], profile=leg_profile(leg))


def stop_page(session: Session, trip_id: int, stop_slug: str) -> StopPage:
    """Load one stop of a trip (by slug) for its page."""
    page = trip_page(session, trip_id)
    stop = next((s for s in page.trip.stops() if s.slug == stop_slug), None)
    if stop is None:
        raise NotFound("This trip has no such stop.")
    return StopPage(trip=page, stop=stop, number=page.numbers[stop.id],
                    photos=[p for p in page.photos if p.stop_id == stop.id])


def index_page(session: Session) -> list[tuple[Trip, Totals]]:
    """Return the listed trips with their totals, for the front page's cards and map."""
    return [(trip, totals(t for leg in trip.legs for t in leg.tracks)) for trip in listed_trips(session)]
