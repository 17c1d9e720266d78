"""What each reader page shows, gathered in one call: a view asks once and renders (after reading the
trip's stamp, so a cached page never gets here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..localtime import local_time
from ..models import Leg, Photo, Post, Stop, Trip
from ..profile import Profile, leg_profile
from ..text import render_markdown, safe_url
from ..trackstats import Totals, totals
from .find import leg_at
from .trips import cover_photos, listed_trips, trip_by_id, trip_photos


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


@dataclass
class TripCard:
    """A trip as the front page lists it: totals, the cover photo (None: show the route preview) and its dates."""

    trip: Trip
    totals: Totals
    cover: Photo | None
    starts: datetime | None
    ends: datetime | None


def trip_dates(trip: Trip) -> tuple[datetime | None, datetime | None]:
    """Return when a trip began and ended, in local time: its stops' times, else its tracks' (None when unknown)."""
    times = [(when, stop.timezone) for stop in trip.stops() for when in (stop.arrived_at, stop.departed_at) if when]
    if not times:
        times = [(when, trip.timezone) for leg in trip.legs for track in leg.tracks
                 for when in (track.started_at, track.ended_at) if when]
    if not times:
        return None, None
    first, last = min(times, key=lambda t: t[0]), max(times, key=lambda t: t[0])
    return local_time(*first), local_time(*last)


def index_page(session: Session) -> list[TripCard]:
    """Return the listed trips with their totals, covers and dates, for the front page's cards and map."""
    trips = listed_trips(session)
    covers = cover_photos(session, [trip.id for trip in trips])
    cards = []
    for trip in trips:
        starts, ends = trip_dates(trip)
        cards.append(TripCard(trip=trip, totals=totals(t for leg in trip.legs for t in leg.tracks),
                              cover=covers.get(trip.id), starts=starts, ends=ends))
    return cards


@dataclass
class StoryStop:
    """A stop as the story tells it: when, the post's text (or where it was told already), its photos."""

    stop: Stop
    number: int
    arrived: datetime | None
    departed: datetime | None
    post: Post | None
    # The post's text is told at the first stop that links to it; later stops point back to that one.
    body: Markup | None
    external_url: str | None
    told_at: Stop | None
    photos: list[Photo]


@dataclass
class StoryLeg:
    """A leg as the story tells it: its stops in order and the photos of the leg that belong to no stop."""

    leg: Leg
    stops: list[StoryStop]
    photos: list[Photo]


@dataclass
class StoryPage:
    """A whole trip told in order, leg by leg and stop by stop, with the photos that belong to no leg."""

    trip: TripPage
    legs: list[StoryLeg]
    photos: list[Photo]


def story_page(session: Session, trip_id: int) -> StoryPage:
    """Load a trip for its story view: every leg and stop in route order with its text and photos."""
    page = trip_page(session, trip_id)
    by_stop: dict[int, list[Photo]] = {}
    by_leg: dict[int, list[Photo]] = {}
    loose: list[Photo] = []
    for photo in page.photos:
        if photo.stop_id is not None:
            by_stop.setdefault(photo.stop_id, []).append(photo)
        elif photo.leg_id is not None:
            by_leg.setdefault(photo.leg_id, []).append(photo)
        else:
            loose.append(photo)
    told: dict[int, Stop] = {}
    legs = []
    for leg in page.trip.legs:
        stops = []
        for stop in leg.stops:
            post = stop.post
            told_at = told.get(post.id) if post is not None else None
            if post is not None and told_at is None:
                told[post.id] = stop
            stops.append(StoryStop(
                stop=stop, number=page.numbers[stop.id],
                arrived=local_time(stop.arrived_at, stop.timezone),
                departed=local_time(stop.departed_at, stop.timezone),
                post=post,
                body=render_markdown(post.body) if post is not None and post.body and told_at is None else None,
                external_url=safe_url(post.url) if post is not None else None,
                told_at=told_at, photos=by_stop.pop(stop.id, []),
            ))
        legs.append(StoryLeg(leg=leg, stops=stops, photos=by_leg.pop(leg.id, [])))
    # Photos of a stop or leg that is not drawn (none today, but a filter may hide some) still belong to the trip.
    loose += [p for photos in (*by_stop.values(), *by_leg.values()) for p in photos]
    return StoryPage(trip=page, legs=legs, photos=loose)
