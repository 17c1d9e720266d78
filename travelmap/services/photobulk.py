"""Acting on many photos of a trip at once, from the workspace's review list or the API: place them at one spot,
caption them, attach them to a stop (or detach them), delete them. Each action takes the photo ids the author
picked; an id that is not a photo of this trip refuses the whole request (404), so nothing is half-done, and the
caller commits once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from .. import validate
from ..config import PhotoSettings
from ..errors import InvalidInput, NotFound
from ..models import Photo, Trip
from .authoring import delete_photos
from .find import stop_by_key
from .photos import place_by_hand
from .trips import touch

ACTIONS = ("place", "caption", "stop", "delete")
MAX_IDS = 10_000  # far more than any trip's photos; a bound so a request cannot name millions


def selected(trip: Trip, ids: object) -> list[Photo]:
    """Return the trip's photos named by ids (in the trip's order); NotFound when any id is not one of them."""
    if not isinstance(ids, list) or not ids:
        raise InvalidInput("Choose at least one photo (ids: a list of photo ids).", field="ids")
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"ids names {len(ids):,} photos; at most {MAX_IDS:,} at once.", field="ids")
    wanted = {validate.integer({"ids": value}, "ids", low=1, high=2**63 - 1) for value in ids}
    photos = [photo for photo in trip.photos if photo.id in wanted]
    if len(photos) != len(wanted):
        missing = sorted(wanted - {photo.id for photo in photos})
        shown = ", ".join(str(n) for n in missing[:10]) + (" …" if len(missing) > 10 else "")
        raise NotFound(f"This trip has no photo {shown}. Nothing was changed.", field="ids")
    return photos


def place_photos(session: Session, trip: Trip, photos: list[Photo], data: dict, settings: PhotoSettings) -> None:
    """Place every photo at one spot {lat, lon} by hand (each joins the stop nearest it, as one placed alone)."""
    lat = validate.number(data, "lat", low=-90, high=90)
    lon = validate.number(data, "lon", low=-180, high=180)
    for photo in photos:
        place_by_hand(photo, lat, lon, settings)
    touch(trip)
    session.flush()


def caption_photos(session: Session, trip: Trip, photos: list[Photo], data: dict) -> None:
    """Give every photo the same caption (an empty one clears it)."""
    caption = validate.text(data, "caption", max_length=validate.MAX_SUMMARY)
    for photo in photos:
        photo.caption = caption
    touch(trip)
    session.flush()


def attach_photos(session: Session, trip: Trip, photos: list[Photo], data: dict) -> None:
    """Attach every photo to the stop {stop: id or slug} and its leg, or detach them ({stop: null} or "")."""
    key = data.get("stop")
    if key is not None and not isinstance(key, (str, int)) or isinstance(key, bool):
        raise InvalidInput("stop must be a stop's id or slug, or null to detach the photos.", field="stop")
    stop = stop_by_key(trip, key) if key not in (None, "") else None
    for photo in photos:
        photo.stop = stop
        if stop is not None:
            photo.leg_id = stop.leg_id
    touch(trip)
    session.flush()


@dataclass(frozen=True)
class Outcome:
    """What a bulk action did, in words for the author and in numbers for the API."""

    action: str
    ids: list[int]
    message: str


def apply(session: Session, trip: Trip, data: dict, media_root: Path, settings: PhotoSettings) -> Outcome:
    """Run one bulk action {ids, action, …} on the trip's photos: the one entry point of the form and the API."""
    action = validate.choice(data, "action", ACTIONS)
    photos = selected(trip, data.get("ids"))
    n, ids = len(photos), [photo.id for photo in photos]
    them = f"{n} photo{'s' if n != 1 else ''}"
    if action == "place":
        place_photos(session, trip, photos, data, settings)
        return Outcome(action, ids, f"{them} placed at {photos[0].lat:.5f}, {photos[0].lon:.5f}.")
    if action == "caption":
        caption_photos(session, trip, photos, data)
        return Outcome(action, ids, f"{them} captioned." if photos[0].caption else f"Caption cleared on {them}.")
    if action == "stop":
        attach_photos(session, trip, photos, data)
        stop = photos[0].stop
        told = f"{them} attached to “{stop.name}”." if stop else f"{them} detached from their stop."
        return Outcome(action, ids, told)
    delete_photos(session, photos, media_root)
    return Outcome(action, ids, f"{them} deleted.")
