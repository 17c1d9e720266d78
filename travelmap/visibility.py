"""Who may see what: the one place the visibility rules live (pure; the web layer says who is asking).

A reader is identified by an author id, or None when nobody is logged in. Public and unlisted trips
are readable by everyone (unlisted ones are not listed or indexed); private trips by their owner only.
"""

from __future__ import annotations

VISIBILITIES = ("public", "unlisted", "private")
READABLE = ("public", "unlisted")


def can_read_trip(visibility: str, owner_id: int, viewer_id: int | None) -> bool:
    """Tell whether a reader may see a trip with this visibility and owner."""
    return visibility in READABLE or (viewer_id is not None and viewer_id == owner_id)
