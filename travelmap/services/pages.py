"""What each reader page shows, gathered in one call: a view asks once and renders (after reading the
trip's stamp, so a cached page never gets here). Every page carries its owner's privacy zones as a Redaction:
photos in a zone are already gone from `photos`, and outputs ask the redaction for tracks and stop places."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from markupsafe import Markup
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..exports import track_gpx
from ..geo import LatLon
from ..localtime import local_time
from ..models import Leg, Photo, Post, Stop, Track, Trip
from ..profile import Profile, leg_profile
from ..redaction import Redaction, TrackView
from ..text import render_markdown, safe_url
from ..trackstats import Totals, totals
from .covers import reader_covers
from .find import leg_at
from .tracks import read_track_file
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
class TripCard:
    """A trip as the front page lists it: totals, the cover photo (None: show the route preview) and its dates."""

    trip: Trip
    totals: Totals
    view: Redaction  # the owner's zones: what readers see of it
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
    """Return the listed trips with their totals (what readers see of them), covers and dates, for the front
    page's cards and map."""
    trips = listed_trips(session)
    views: dict[int, Redaction] = {}

    def view_of(trip: Trip) -> Redaction:
        return views.get(trip.owner_id) or views.setdefault(trip.owner_id, reader_view(session, trip.owner_id))

    covers = reader_covers(session, trips, view_of)
    cards = []
    for trip in trips:
        view = view_of(trip)
        starts, ends = trip_dates(trip)
        cards.append(TripCard(trip=trip, totals=totals(t for leg in trip.legs for t in view.tracks(leg)),
                              view=view, cover=covers.get(trip.id), starts=starts, ends=ends))
    return cards


def post_privacy(session: Session, stops: list[Stop], photos: list[Photo]) -> tuple[dict[int, LatLon], list[Photo]]:
    """Apply each owner's zones to a post page's stops and photos: the places readers may see, by stop id (a stop
    in a privacy zone has none), and the photos they are shown."""
    views: dict[int, Redaction] = {}

    def view(owner_id: int) -> Redaction:
        return views.get(owner_id) or views.setdefault(owner_id, reader_view(session, owner_id))

    places = {stop.id: place for stop in stops if (place := view(stop.leg.trip.owner_id).place(stop)) is not None}
    return places, [photo for photo in photos if view(photo.trip.owner_id).shows_photo(photo)]


def track_download(session: Session, trip: Trip, track: Track, media_root: Path, *, as_gpx: bool = False
                   ) -> bytes | None:
    """Return what a reader downloads for a track's file: None for the file as uploaded, or GPX of what readers see
    of the track when it was edited (the points it holds now), while a privacy zone touches it (a recorded point, or
    a waypoint of the file), or when `as_gpx` asks for GPX of a file uploaded in another format."""
    view = reader_view(session, trip.owner_id)
    if track.edited or (as_gpx and track.format != "gpx"):
        return track_gpx(view.track(track)).encode("utf-8")
    if not view.circles:
        return None
    seen = view.track(track)
    if not seen.touched and track.waypoint_count:
        waypoints = read_track_file((media_root / track.original_path).read_bytes()).waypoints
        if not any(view.hides(w.lat, w.lon) for w in waypoints):
            return None
    elif not seen.touched:
        return None
    return track_gpx(seen).encode("utf-8")


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
