"""The track formats travelmap reads: their names, file suffixes and content types, in one table. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One track format: how it is named to people, the suffix its files carry, the type it is served as."""

    name: str  # as stored in Track.format
    label: str
    suffix: str
    content_type: str
    other_suffixes: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("gpx", "GPX", ".gpx", "application/gpx+xml"),
    Kind("fit", "FIT", ".fit", "application/vnd.ant.fit"),
    Kind("tcx", "TCX", ".tcx", "application/vnd.garmin.tcx+xml"),
    Kind("kml", "KML", ".kml", "application/vnd.google-earth.kml+xml"),
    Kind("kmz", "KMZ", ".kmz", "application/vnd.google-earth.kmz"),
    Kind("geojson", "GeoJSON", ".geojson", "application/geo+json", (".json",)),
)}
TRACK_FORMATS = tuple(KINDS)
# What the upload forms say and offer (browsers show these suffixes; the content decides all the same).
UPLOAD_WORDS = "GPX, FIT, TCX, KML/KMZ or GeoJSON"
UPLOAD_ACCEPT = ",".join([suffix for kind in KINDS.values() for suffix in (kind.suffix, *kind.other_suffixes)]
                         + [kind.content_type for kind in KINDS.values()])


def download_name(kind: Kind, original_name: str, fallback: str) -> str:
    """Return the name a file of this kind is downloaded under: the uploaded name with the format's own suffix."""
    name = original_name or fallback
    stem, dot, suffix = name.rpartition(".")
    if dot and f".{suffix.lower()}" in (kind.suffix, *kind.other_suffixes):
        return name
    return f"{stem if dot and stem else name}{kind.suffix}"


__all__ = ["KINDS", "TRACK_FORMATS", "UPLOAD_ACCEPT", "UPLOAD_WORDS", "Kind", "download_name"]
