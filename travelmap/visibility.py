"""Who may see what: the one place the visibility rules live (pure; the web layer says who is asking, and
`services/reading.py` holds the SQL filters that apply these rules in queries).

A reader is identified by an author id, or None when nobody is logged in. Public and unlisted trips
are readable by everyone (unlisted ones are not listed or indexed); private trips by their owner only.
Posts, photos and media files have no visibility of their own: they are seen through the trips that hold them.
"""

from __future__ import annotations

from collections.abc import Iterable

VISIBILITIES = ("public", "unlisted", "private")
READABLE = ("public", "unlisted")


def can_read_trip(visibility: str, owner_id: int, viewer_id: int | None) -> bool:
    """Tell whether a reader may see a trip with this visibility and owner."""
    return visibility in READABLE or (viewer_id is not None and viewer_id == owner_id)


def is_owner(owner_id: int, viewer_id: int | None) -> bool:
    """Tell whether the reader is the owner."""
    return viewer_id is not None and viewer_id == owner_id


def can_read_post(owner_id: int, linked_trips: Iterable[tuple[str, int]], viewer_id: int | None) -> bool:
    """Tell whether a reader may see a post: its owner always; anyone else only through a stop of a trip they
    may see (linked_trips: the visibility and owner of each trip whose stops link to it)."""
    return is_owner(owner_id, viewer_id) or any(can_read_trip(v, o, viewer_id) for v, o in linked_trips)


def post_shows_trip(visibility: str, owner_id: int, viewer_id: int | None, *, came_from: bool) -> bool:
    """Tell whether a post's page shows (maps, links, names) one of the trips that link to it: public trips,
    the trip the reader came from when they may see it (an unlisted trip is known only to those who have its
    link, so one unlisted trip must not give away another), and, to their owner, all of them."""
    if is_owner(owner_id, viewer_id) or visibility == "public":
        return True
    return came_from and can_read_trip(visibility, owner_id, viewer_id)


def post_is_indexable(linked: Iterable[str], shown: Iterable[str]) -> bool:
    """Tell whether search engines may index a post page: only when a public trip links to it and the page shows
    no trip that is not public (a post reachable only through unlisted trips is as unlisted as they are)."""
    return "public" in set(linked) and all(v == "public" for v in shown)


def post_link_context(visibility: str) -> bool:
    """Tell whether links from a trip to its posts name the trip (?trip=slug): those from trips that are not
    public, so the post page can show the trip to the readers who came from it, and only to them."""
    return visibility != "public"


def is_published_photo(lat: float | None, lon: float | None) -> bool:
    """Tell whether readers are shown a photo: only once it has a place. A photo waiting to be placed is still
    the author's to do (it may not even belong to the trip), so no page, map, gallery, count, export or media
    address shows it until the author places it."""
    return lat is not None and lon is not None


def can_get_photo_file(visibility: str, owner_id: int, placed: bool, viewer_id: int | None) -> bool:
    """Tell whether a reader may get the published copies of a photo: readers of its trip once it is placed,
    and its owner always (the workspace shows photos still waiting to be placed)."""
    return is_owner(owner_id, viewer_id) or (placed and can_read_trip(visibility, owner_id, viewer_id))
