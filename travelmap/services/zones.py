"""An author's privacy zones: list, add, delete, and the hidden circles every public output of their trips is
cut at. Adding or deleting a zone bumps the revision of every trip of the author, so each cached page, ETag and
export changes at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import validate
from ..errors import InvalidInput, NotFound
from ..geo import haversine_m
from ..models import Author, Photo, PrivacyZone, Trip
from ..privacy import MAX_RADIUS_M, MIN_RADIUS_M, Circle, hidden_circle, zone_seed
from ..redaction import Redaction
from .trips import touch

MAX_ZONES = 50  # each zone is a test on every point near it; fifty homes, offices and parents' houses is plenty


def zones_of(session: Session, author_id: int) -> list[PrivacyZone]:
    """Return the author's zones, oldest first."""
    return list(session.scalars(select(PrivacyZone).where(PrivacyZone.author_id == author_id)
                                .order_by(PrivacyZone.created_at, PrivacyZone.id)))


def circles_of(session: Session, author_id: int) -> tuple[Circle, ...]:
    """Return the hidden circles of the author's zones: what readers' outputs are cut at."""
    rows = session.execute(select(PrivacyZone.hidden_lat, PrivacyZone.hidden_lon, PrivacyZone.hidden_radius_m)
                           .where(PrivacyZone.author_id == author_id).order_by(PrivacyZone.id))
    return tuple(Circle(lat, lon, radius) for lat, lon, radius in rows)


def reader_view(session: Session, owner_id: int) -> Redaction:
    """Return what readers see of a trip of this owner (their zones applied)."""
    return Redaction(circles_of(session, owner_id))


def audience(session: Session, photos: Iterable[Photo], viewer_id: int | None) -> str | None:
    """Say to whom a photo's published files may go: "readers" when any of these photos is shown to readers (no
    zone of its owner holds it), "owner" when only its owner may see them (the workspace shows every photo), else
    None."""
    views: dict[int, Redaction] = {}
    owners = False
    for photo in photos:
        owner = photo.trip.owner_id
        view = views.get(owner) or views.setdefault(owner, reader_view(session, owner))
        if view.shows_photo(photo):
            return "readers"
        owners = owners or viewer_id == owner
    return "owner" if owners else None


def add_zone(session: Session, author: Author, data: dict, secret: bytes) -> PrivacyZone:
    """Add a zone {lat, lon, radius_m, name?}: choose its hidden circle once, and re-render the author's trips."""
    lat = validate.number(data, "lat", low=-90, high=90)
    lon = validate.number(data, "lon", low=-180, high=180)
    radius = validate.number(data, "radius_m", low=MIN_RADIUS_M, high=MAX_RADIUS_M)
    name = validate.text(data, "name", max_length=validate.MAX_NAME)
    count = session.scalar(select(func.count(PrivacyZone.id)).where(PrivacyZone.author_id == author.id)) or 0
    if count >= MAX_ZONES:
        raise InvalidInput(f"You have {count} privacy zones, the most an author can have. Delete one first.",
                           code="too_many")
    hidden = hidden_circle(lat, lon, radius, zone_seed(secret, author.id, lat, lon, radius))
    zone = PrivacyZone(author_id=author.id, name=name, lat=lat, lon=lon, radius_m=radius,
                       hidden_lat=hidden.lat, hidden_lon=hidden.lon, hidden_radius_m=hidden.radius_m)
    session.add(zone)
    touch_trips(session, author.id)
    session.flush()
    return zone


def zone_entries(session: Session, author_id: int) -> list[dict]:
    """Describe the author's zones for a trip backup, with the hidden circle each is cut at: restored elsewhere,
    a trip must be cut exactly as here (another circle would let a reader intersect the two)."""
    return [{"name": z.name, "lat": z.lat, "lon": z.lon, "radius_m": z.radius_m,
             "hidden": {"lat": z.hidden_lat, "lon": z.hidden_lon, "radius_m": z.hidden_radius_m}}
            for z in zones_of(session, author_id)]


def restore_zones(session: Session, author: Author, entries: list[dict]) -> int:
    """Give the author the zones of a backup they do not have yet, each with the hidden circle it was cut at;
    return how many were added. A hidden circle that does not hold its zone is refused."""
    have = {(z.lat, z.lon, z.radius_m) for z in zones_of(session, author.id)}
    added = 0
    for n, entry in enumerate(entries, start=1):
        try:
            lat = validate.number(entry, "lat", low=-90, high=90)
            lon = validate.number(entry, "lon", low=-180, high=180)
            radius = validate.number(entry, "radius_m", low=MIN_RADIUS_M, high=MAX_RADIUS_M)
            name = validate.text(entry, "name", max_length=validate.MAX_NAME)
            hidden = entry.get("hidden")
            if not isinstance(hidden, dict):
                raise InvalidInput("hidden must be the circle the zone is cut at: {lat, lon, radius_m}.")
            circle = Circle(validate.number(hidden, "lat", low=-90, high=90),
                            validate.number(hidden, "lon", low=-180, high=180),
                            validate.number(hidden, "radius_m", low=MIN_RADIUS_M, high=MAX_RADIUS_M * 3))
        except InvalidInput as error:
            raise InvalidInput(f"trip.json, privacy zone {n}: {error.message}", code="invalid_archive") from error
        if haversine_m(lat, lon, circle.lat, circle.lon) + radius > circle.radius_m:
            raise InvalidInput(f"trip.json, privacy zone {n}: its hidden circle does not hold the zone.",
                               code="invalid_archive")
        if (lat, lon, radius) in have:
            continue
        if len(have) >= MAX_ZONES:
            raise InvalidInput(f"trip.json, privacy zone {n}: {author.username} has {MAX_ZONES} privacy zones "
                               "already, the most an author can have.", code="too_many")
        session.add(PrivacyZone(author_id=author.id, name=name, lat=lat, lon=lon, radius_m=radius,
                                hidden_lat=circle.lat, hidden_lon=circle.lon, hidden_radius_m=circle.radius_m))
        have.add((lat, lon, radius))
        added += 1
    if added:
        touch_trips(session, author.id)
        session.flush()
    return added


def zone_by_id(session: Session, author: Author, zone_id: int) -> PrivacyZone:
    """Return one of the author's zones; another author's zone is as unknown as a missing one (404)."""
    zone = session.get(PrivacyZone, zone_id)
    if zone is None or zone.author_id != author.id:
        raise NotFound("You have no privacy zone with this id.")
    return zone


def delete_zone(session: Session, zone: PrivacyZone) -> None:
    """Delete a zone and re-render the author's trips."""
    touch_trips(session, zone.author_id)
    session.delete(zone)
    session.flush()


def touch_trips(session: Session, author_id: int) -> None:
    """Bump the revision of every trip of the author (their pages and exports change with the zones)."""
    for trip in session.scalars(select(Trip).where(Trip.owner_id == author_id)):
        touch(trip)


@dataclass
class Marks:
    """What the owner's zones hide of one trip, for the workspace to mark."""

    stops: set[int] = field(default_factory=set)  # stop ids shown without their place
    photos: set[int] = field(default_factory=set)  # photo ids readers do not see
    tracks: dict[int, tuple[int, int]] = field(default_factory=dict)  # track id -> (hidden points, all points)

    def __bool__(self) -> bool:
        return bool(self.stops or self.photos or self.tracks)


def marks(session: Session, trip: Trip, photos: list[Photo] | None = None) -> Marks:
    """Find what the owner's zones hide of a trip: stops, photos and the tracks they cut (points only, no stats)."""
    view = reader_view(session, trip.owner_id)
    found = Marks()
    if not view.circles:
        return found
    found.stops = {stop.id for stop in trip.stops() if view.place(stop) is None}
    found.photos = {photo.id for photo in (trip.photos if photos is None else photos) if not view.shows_photo(photo)}
    for leg in trip.legs:
        for track in leg.tracks:
            seen = view.track(track)
            if seen.touched:
                found.tracks[track.id] = (seen.hidden_points, track.point_count)
    return found
