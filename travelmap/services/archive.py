"""Backing up and restoring a trip: a zip of trip.json with every original track file (in its own format) and photo.

Import rebuilds the trip through the same services as uploads (tracks and photos are validated and
their geometry, stats and published copies recomputed from the originals); what cannot be recomputed
(hand-placed photos, captions, stop times, post links …) is carried over from trip.json.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import media, notes, sandbox, validate
from ..config import PhotoSettings
from ..errors import Conflict, InvalidInput, NotFound, TravelmapError
from ..models import LOCATION_SOURCES, Author, Leg, Photo, Post, Stop, Track, Trip
from ..version import __version__
from . import authoring, covers, slugs, trackedit, zones
from .photos import prepare, store
from .posts import create_post
from .tracks import import_track, read_track_file

FORMAT = "travelmap-trip"
VERSION = 1
MANIFEST = "trip.json"
DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_RATIO = 100  # a real archive of track files (XML ~10:1, FIT ~2:1) and JPEGs (~1:1) never inflates this much
RATIO_SLACK = 1024 * 1024


# ---------------------------------------------------------------- export

def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _archive_name(folder: str, n: int, original: str, suffix: str) -> str:
    """Return a readable, safe member name such as 'tracks/003-morning-ride.fit'."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(original).stem).strip("-._")[:60] or "file"
    return f"{folder}/{n:03d}-{stem}{suffix}"


def trip_document(session: Session, trip: Trip) -> dict:
    """Describe the trip as trip.json: every field a person set or that cannot be recomputed."""
    photos = sorted(session.scalars(select(Photo).where(Photo.trip_id == trip.id)),
                    key=lambda p: (p.taken_at is None, p.taken_at or datetime.min.replace(tzinfo=timezone.utc), p.id))
    leg_position = {leg.id: leg.position for leg in trip.legs}
    cover_id = covers.chosen_cover_id(session, trip)
    stop_slugs = slugs.old_slugs(session, Stop, [stop.id for stop in trip.stops()])
    posts: dict[str, Post] = {}
    legs, files = [], 0
    for leg in trip.legs:
        stops, tracks = [], []
        for stop in leg.stops:
            if stop.post is not None:
                posts[stop.post.slug] = stop.post
            stops.append({"position": stop.position, "slug": stop.slug, "name": stop.name, "lat": stop.lat,
                          "lon": stop.lon, "timezone": stop.timezone, "arrived_at": _iso(stop.arrived_at),
                          "departed_at": _iso(stop.departed_at), "post": stop.post.slug if stop.post else None,
                          "old_slugs": stop_slugs.get(stop.id, [])})
        for track in leg.tracks:
            files += 1
            tracks.append({
                "file": _archive_name("tracks", files, track.original_name or track.name, track.kind.suffix),
                "sha256": track.sha256, "name": track.name, "original_name": track.original_name,
                "format": track.format,  # for people and other tools: the import reads the file's content
                # Recomputed from the file on import; kept here for people and other tools.
                "points": track.point_count, "segments": track.segment_count, "distance_m": track.distance_m,
                "ascent_m": track.ascent_m, "descent_m": track.descent_m, "duration_s": track.duration_s,
                "moving_time_s": track.moving_time_s, "started_at": _iso(track.started_at),
                "ended_at": _iso(track.ended_at), "media_path": track.original_path,
                # An edited track: which of its file's points it holds, which part of a split it is, and how.
                "part": track.part, "keep_from": track.keep_from, "keep_to": track.keep_to,
                "edits": list(track.edits or [])})
        legs.append({"position": leg.position, "name": leg.name, "colour": leg.colour, "transport": leg.transport,
                     "stops": stops, "tracks": tracks})
    photo_entries = []
    for n, photo in enumerate(photos, start=1):
        photo_entries.append({
            "file": _archive_name("photos", n, photo.original_name or photo.sha256, Path(photo.original_path).suffix),
            "sha256": photo.sha256, "original_name": photo.original_name, "caption": photo.caption,
            "camera": photo.camera, "taken_at": _iso(photo.taken_at), "utc_offset_min": photo.utc_offset_min,
            "lat": photo.lat, "lon": photo.lon, "altitude_m": photo.altitude_m,
            "location_source": photo.location_source, "time_gap_s": photo.time_gap_s,
            "stop": photo.stop.slug if photo.stop else None,
            "leg": leg_position.get(photo.leg_id) if photo.leg_id is not None else None,
            "width": photo.width, "height": photo.height, "content_type": photo.content_type,
            "warnings": notes.stored(notes.load_all(photo.warnings)), "media_path": photo.original_path})
    post_slugs = slugs.old_slugs(session, Post, [post.id for post in posts.values()])
    return {
        "format": FORMAT, "version": VERSION, "generator": f"travelmap {__version__}",
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "trip": {"slug": trip.slug, "title": trip.title, "summary": trip.summary, "visibility": trip.visibility,
                 "timezone": trip.timezone, "demo": trip.demo, "blur_photo_locations": trip.blur_photo_locations,
                 "owner": trip.owner.username, "created_at": _iso(trip.created_at),
                 # The chosen cover, by its photo's sha256 (unique within a trip); null: the first photo readers see.
                 "cover_photo": next((p.sha256 for p in photos if p.id == cover_id), None),
                 # Addresses the trip had before (they redirect); kept so links survive a move to another site.
                 "old_slugs": slugs.old_slugs(session, Trip, [trip.id]).get(trip.id, [])},
        "posts": [{"slug": p.slug, "title": p.title, "author": p.author_name, "published": _iso(p.published),
                   "summary": p.summary, "body": p.body, "url": p.url, "licence": p.licence,
                   "licence_url": p.licence_url, "demo": p.demo, "old_slugs": post_slugs.get(p.id, [])}
                  for p in posts.values()],
        "legs": legs,
        "photos": photo_entries,
        # The owner's privacy zones travel with each of their trips: a trip restored without them would show
        # readers what the zones hid.
        "privacy_zones": zones.zone_entries(session, trip.owner_id),
    }


def export_trip(session: Session, trip: Trip, media_root: Path, target: str | Path | IO[bytes]) -> dict:
    """Write the trip as a zip (trip.json, tracks/…, photos/…) to a path or binary file; return trip.json's content."""
    document = trip_document(session, trip)
    sources = [(t["file"], t.pop("media_path")) for leg in document["legs"] for t in leg["tracks"]]
    sources += [(p["file"], p.pop("media_path")) for p in document["photos"]]
    for _, relpath in sources:
        if not (media_root / relpath).is_file():
            raise TravelmapError(f"The file {relpath} is missing from the media folder, so the trip cannot be "
                                 "backed up whole; run `travelmap check` first.", status=500, code="media_missing")
    stamp = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(target, "w") as zf:
        info = zipfile.ZipInfo(MANIFEST, stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, json.dumps(document, ensure_ascii=False, indent=1))
        for name, relpath in sources:
            info = zipfile.ZipInfo(name, stamp)
            # Photos and KMZ files are compressed already; XML shrinks about tenfold, FIT about half.
            packed = name.startswith("photos/") or name.endswith(".kmz")
            info.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            info.file_size = (media_root / relpath).stat().st_size
            with open(media_root / relpath, "rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
    return document


# ---------------------------------------------------------------- reading an untrusted archive

def _safe_member(name: str) -> bool:
    """Tell whether a member name is a plain relative path (no '..', no absolute or drive paths)."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return False
    return ".." not in name.split("/") and posixpath.normpath(name) == name.rstrip("/")


class _Archive:
    """A zip opened for import: every member name and size checked before anything is read."""

    def __init__(self, source: str | Path | IO[bytes], max_file_bytes: int) -> None:
        try:
            self.zf = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise InvalidInput(f"This file is not a zip archive ({exc}).", code="invalid_archive") from exc
        self.limit = max_file_bytes
        infos = self.zf.infolist()
        names = [i.filename for i in infos]
        bad = next((n for n in names if not _safe_member(n)), None)
        if bad is not None:
            raise InvalidInput(f"The archive holds a file named {bad[:100]!r}: names with '..', '\\' or absolute "
                               "paths are refused.", code="invalid_archive")
        if len(set(names)) != len(names):
            raise InvalidInput("The archive holds two files with the same name.", code="invalid_archive")
        mb = round(max_file_bytes / (1024 * 1024), 1)
        for i in infos:
            if i.file_size > max_file_bytes:
                raise InvalidInput(f"{i.filename} is {i.file_size / 1048576:.1f} MB, over the {mb:g} MB upload limit.",
                                   code="too_large", status=413)
            if i.file_size > RATIO_SLACK and i.file_size > MAX_RATIO * i.compress_size:
                raise InvalidInput(f"{i.filename} would unpack to {i.file_size / 1048576:.0f} MB from "
                                   f"{i.compress_size / 1024:.0f} KB: refused as a zip bomb.", code="zip_bomb")
            if i.flag_bits & 0x1:
                raise InvalidInput(f"{i.filename} is encrypted; travelmap archives never are.", code="invalid_archive")
        unpacked = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if unpacked > MAX_RATIO * packed + RATIO_SLACK:
            raise InvalidInput(f"The archive would unpack to {unpacked / 1048576:.0f} MB from "
                               f"{packed / 1048576:.1f} MB: refused as a zip bomb.", code="zip_bomb")
        self.members = {i.filename: i for i in infos}

    def read(self, name: object, where: str) -> bytes:
        """Return a member's bytes; InvalidInput if it is missing or damaged."""
        if not isinstance(name, str) or name not in self.members:
            raise InvalidInput(f"{where} names the file {str(name)[:100]!r}, which is not in the archive.",
                               code="invalid_archive")
        try:
            with self.zf.open(self.members[name]) as fh:
                data = fh.read(self.limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise InvalidInput(f"{name} in the archive is damaged ({exc}).", code="invalid_archive") from exc
        if len(data) > self.limit:
            raise InvalidInput(f"{name} is over the upload limit.", code="too_large", status=413)
        return data

    def manifest(self) -> dict:
        """Return trip.json, checked to be a travelmap trip of a version this code reads."""
        if MANIFEST not in self.members:
            raise InvalidInput("The archive has no trip.json at its top level: it is not a travelmap trip backup.",
                               code="invalid_archive")
        try:
            document = json.loads(self.read(MANIFEST, "The archive").decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise InvalidInput(f"trip.json is not valid JSON ({str(exc)[:200]}).", code="invalid_archive") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise InvalidInput("trip.json does not describe a travelmap trip.", code="invalid_archive")
        version = document.get("version")
        if version != VERSION or isinstance(version, bool):
            raise InvalidInput(f"trip.json is format version {str(version)[:20]}; this travelmap reads version "
                               f"{VERSION} only.", code="unsupported_version")
        for key, kind in (("trip", dict), ("posts", list), ("legs", list), ("photos", list), ("privacy_zones", list)):
            if not isinstance(document.get(key, kind()), kind):
                raise InvalidInput(f"trip.json: '{key}' must be a {'list' if kind is list else 'object'}.",
                                   code="invalid_archive")
        return document


@contextmanager
def _at(where: str) -> Iterator[None]:
    """Turn any error about one part of the archive into InvalidInput saying where it is."""
    try:
        yield
    except TravelmapError as error:
        message = error.message if error.message.startswith(("trip.json", where)) else f"{where}: {error.message}"
        raise InvalidInput(message, field=error.field, code=error.code) from error


def _entries(value: object, where: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidInput(f"trip.json, {where} must be a list of objects.", code="invalid_archive")
    return value


def _time(entry: dict, field: str) -> datetime | None:
    """Read an ISO 8601 time that carries its offset (an archive's times are never local)."""
    value = validate.local_datetime(entry, field, "UTC")
    if value is not None and not re.search(r"(Z|[+-]\d\d:?\d\d)\Z", str(entry[field]).strip()):
        raise InvalidInput(f"{field} must carry its UTC offset.", field=field)
    return value


def _optional_number(entry: dict, field: str, low: float, high: float) -> float | None:
    return validate.number(entry, field, low=low, high=high, required=False)


# ---------------------------------------------------------------- import

def default_owner(session: Session, username: str | None) -> Author:
    """Return the named author, or the only author there is; otherwise say what to do."""
    if username:
        author = session.scalar(select(Author).where(Author.username == username))
        if author is None:
            raise NotFound(f"There is no author called {username!r}; create one with `travelmap create-author`.")
        return author
    authors = list(session.scalars(select(Author).order_by(Author.username).limit(2)))
    if not authors:
        raise InvalidInput("There is no author yet to own the trip: run `travelmap create-author USER` first.")
    if len(authors) > 1:
        count = session.scalar(select(func.count(Author.id)))
        raise InvalidInput(f"There are {count} authors: name the trip's owner with --author USERNAME.")
    return authors[0]


def _restore_posts(session: Session, owner: Author, entries: list[dict], notes: list[str]) -> dict[str, str]:
    """Create the archive's posts (or reuse the owner's post of the same slug); return archive slug -> slug here."""
    here: dict[str, str] = {}
    for n, entry in enumerate(entries, start=1):
        with _at(f"trip.json, post {n}"):
            slug = validate.slug(entry.get("slug"))
            existing = session.scalar(select(Post).where(Post.slug == slug))
            reserved_for = slugs.owner_of(session, Post, slug)
            if existing is not None and existing.owner_id == owner.id:
                here[slug] = slug
                if (existing.title, existing.body, existing.url) != (entry.get("title"), entry.get("body", ""),
                                                                     entry.get("url")):
                    notes.append(f"The post {slug!r} already exists and differs from the archive's; the existing "
                                 "post was kept and linked.")
                continue
            data = {k: entry.get(k) for k in ("title", "summary", "body", "url", "published", "author", "licence",
                                              "licence_url")}
            data["author"] = data["author"] or ""
            elsewhere = existing is not None or reserved_for not in (None, owner.id)
            data["slug"] = slugs.free(session, Post, slug) if elsewhere else slug
            if elsewhere:
                notes.append(f"The post slug {slug!r} belongs to another author here; the post was imported as "
                             f"{data['slug']!r}.")
            post = create_post(session, owner, data)
            post.demo = entry.get("demo") is True
            here[slug] = post.slug
    return here


def import_trip(session: Session, zip_file: str | Path | IO[bytes], media_root: Path, owner: Author,
                slug: str | None = None, *, settings: PhotoSettings = PhotoSettings(),
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, notes: list[str] | None = None) -> Trip:
    """Rebuild a trip from an export_trip archive, owned by `owner`, in the caller's transaction.

    Nothing is committed: on any error the caller rolls back and the staged files vanish with it.
    Notes about reused or renamed posts are appended to `notes`.
    """
    notes = [] if notes is None else notes
    archive = _Archive(zip_file, max_file_bytes)
    doc = archive.manifest()
    meta = doc.get("trip") or {}
    if slug:
        wanted = validate.slug(slug, "slug")
    else:
        with _at("trip.json, trip"):
            wanted = validate.slug(meta.get("slug"), "slug")
    if session.scalar(select(Trip.id).where(Trip.slug == wanted)):
        raise Conflict(f"There is already a trip at /trips/{wanted}; import this one under another slug "
                       "(--slug NEW).", field="slug", code="slug_taken")
    with _at("trip.json, trip"):
        if not all(isinstance(meta.get(flag, False), bool) for flag in ("demo", "blur_photo_locations")):
            raise InvalidInput("demo and blur_photo_locations must be true or false.")
    legs = _entries(doc.get("legs"), "legs")
    photos = _entries(doc.get("photos"), "photos")
    # Every referenced file must be there before any work is done.
    referenced = [(f"leg {n} track", track) for n, leg in enumerate(legs, 1)
                  for track in _entries(leg.get("tracks"), "tracks")] + [("photo", photo) for photo in photos]
    for where, entry in referenced:
        if not isinstance(entry.get("file"), str) or entry["file"] not in archive.members:
            raise InvalidInput(f"trip.json names {str(entry.get('file'))[:100]!r} ({where}), which is not in the "
                               "archive.", code="invalid_archive")
    added = zones.restore_zones(session, owner, _entries(doc.get("privacy_zones"), "privacy_zones"))
    if added:
        notes.append(f"{added} privacy zone{'s' if added != 1 else ''} of the archive added to "
                     f"{owner.username}'s zones.")
    post_slugs = _restore_posts(session, owner, _entries(doc.get("posts"), "posts"), notes)
    with _at("trip.json, trip"):
        trip = authoring.create_trip(session, owner, {
            "title": meta.get("title"), "slug": wanted, "summary": meta.get("summary", ""),
            "visibility": meta.get("visibility", "private"), "timezone": meta.get("timezone") or "UTC",
            "blur_photo_locations": meta.get("blur_photo_locations") is True})
        trip.demo = meta.get("demo") is True
    stops_by_slug: dict[str, Stop] = {}
    legs_by_position: dict[int, Leg] = {}
    by_file: dict[str, list[Track]] = {}  # sha256 -> the tracks made from that file (the parts of a split)
    if len({_position(e) for e in legs}) != len(legs):
        raise InvalidInput("trip.json: every leg needs its own position (1, 2, 3 …).", code="invalid_archive")
    for n, leg_entry in enumerate(sorted(legs, key=_position), start=1):
        with _at(f"trip.json, leg {n}"):
            leg = authoring.add_leg(session, trip, {k: leg_entry.get(k) for k in ("name", "colour", "transport")})
            legs_by_position[_position(leg_entry)] = leg
        for stop_entry in sorted(_entries(leg_entry.get("stops"), "stops"), key=_position):
            with _at(f"trip.json, leg {n}, stop {str(stop_entry.get('slug'))[:60]!r}"):
                post = stop_entry.get("post")
                if post is not None and not isinstance(post, str):
                    raise InvalidInput("post must be a post's slug.")
                if post and post not in post_slugs:
                    raise InvalidInput(f"the post {str(post)[:100]!r} is not among the archive's posts.")
                fields = {k: stop_entry.get(k) for k in ("name", "lat", "lon", "slug")}
                stop = authoring.add_stop(session, trip, {
                    **fields, "leg": leg.position, "post": post_slugs.get(post) if post else None,
                    "arrived_at": _iso(_time(stop_entry, "arrived_at")),
                    "departed_at": _iso(_time(stop_entry, "departed_at"))})
                stop.timezone = validate.timezone(stop_entry.get("timezone"), stop.timezone)
                stops_by_slug[stop.slug] = stop
        for track_entry in _entries(leg_entry.get("tracks"), "tracks"):
            name = track_entry["file"]
            with _at(name):
                data = archive.read(name, "trip.json")
                if media.sha256(data) != track_entry.get("sha256"):
                    raise InvalidInput("the file does not match its sha256 in trip.json: the archive is damaged.")
                original = (validate.text(track_entry, "original_name", max_length=validate.MAX_FILE_NAME)
                            or Path(name).name)
                track = _restore_track(session, leg, data, original, track_entry, by_file, media_root,
                                       settings.parse_limits)
                if track_entry.get("name"):
                    track.name = validate.text(track_entry, "name", max_length=validate.MAX_FILE_NAME)
    session.flush()
    for photo_entry in photos:
        name = photo_entry["file"]
        with _at(name):
            data = archive.read(name, "trip.json")
            if media.sha256(data) != photo_entry.get("sha256"):
                raise InvalidInput("the file does not match its sha256 in trip.json: the archive is damaged.")
            fields = _photo_fields(photo_entry, stops_by_slug, legs_by_position)
            original = validate.text(photo_entry, "original_name", max_length=validate.MAX_FILE_NAME) or Path(name).name
            item = prepare(data, original, trip, settings)
            photo = store(session, trip, item, media_root, settings, timeline=([], [], []), stop=fields.pop("stop"))
            for key, value in fields.items():
                setattr(photo, key, value)
    session.flush()
    _restore_cover(session, trip, meta.get("cover_photo"), notes)
    _restore_old_slugs(session, doc, trip, post_slugs, stops_by_slug, notes)
    return trip


def _restore_cover(session: Session, trip: Trip, sha: object, notes: list[str]) -> None:
    """Choose the cover trip.json names by its photo's sha256 again, under the reader rules of this site: a photo
    readers may not see here is left out with a note, and the card shows the first photo readers see."""
    if sha is None:
        return
    photo = next((p for p in trip.photos if p.sha256 == sha), None) if isinstance(sha, str) else None
    if photo is None:
        raise InvalidInput(f"trip.json names a cover photo ({str(sha)[:64]!r}) that is not among its photos.",
                           code="invalid_archive")
    try:
        covers.set_cover(session, trip, photo.id)
    except InvalidInput as error:
        notes.append(f"The cover photo was not restored: {error.message}")


def _old_slugs(entry: dict, where: str) -> list[str]:
    """Read an entry's old_slugs (absent in archives from before they were kept)."""
    values = entry.get("old_slugs") or []
    with _at(where):
        if not isinstance(values, list):
            raise InvalidInput("old_slugs must be a list of slugs.")
        return [validate.slug(value, "old_slugs") for value in values]


def _restore_old_slugs(session: Session, doc: dict, trip: Trip, post_slugs: dict[str, str],
                       stops: dict[str, Stop], notes: list[str]) -> None:
    """Keep the archive's old addresses of the trip, its stops and posts, where no one here uses them."""
    owner = trip.owner_id
    for old in _old_slugs(doc.get("trip") or {}, "trip.json, trip"):
        if session.scalar(select(Trip.id).where(Trip.slug == old)) or slugs.owner_of(session, Trip, old):
            notes.append(f"The trip's old address /trips/{old} is in use here, so it no longer leads to this trip.")
        else:
            slugs.remember(session, trip, old, owner)
    for leg in _entries(doc.get("legs"), "legs"):
        for entry in _entries(leg.get("stops"), "stops"):
            stop = stops.get(str(entry.get("slug")))
            for old in _old_slugs(entry, f"trip.json, stop {str(entry.get('slug'))[:60]!r}"):
                if stop is not None and old not in stops and not slugs.owner_of(session, Stop, old, trip.id):
                    slugs.remember(session, stop, old, owner)
    for entry in _entries(doc.get("posts"), "posts"):
        post = session.scalar(select(Post).where(Post.slug == post_slugs.get(str(entry.get("slug")), "")))
        for old in _old_slugs(entry, f"trip.json, post {str(entry.get('slug'))[:60]!r}"):
            if post is None or post.owner_id != owner:
                continue
            if session.scalar(select(Post.id).where(Post.slug == old)) or slugs.owner_of(session, Post, old):
                notes.append(f"The post's old address /posts/{old} is in use here, so it no longer leads to the "
                             f"post {post.slug!r}.")
            else:
                slugs.remember(session, post, old, owner)


def _restore_track(session: Session, leg: Leg, data: bytes, original: str, entry: dict,
                   by_file: dict[str, list[Track]], media_root: Path, limits: sandbox.Limits) -> Track:
    """Import a track's file, or add another part of a split whose file came earlier; hold the points it held."""
    digest = media.sha256(data)
    parts = by_file.setdefault(digest, [])
    wanted = entry.get("part")
    used = {t.part for t in parts}
    if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 0 or wanted in used:
        wanted = max(used, default=-1) + 1
    if not parts:
        track = import_track(session, leg, data, original, media_root, limits=limits)
    else:
        track = trackedit.new_part(parts[0], wanted, "")
        leg.tracks.append(track)
    track.part = wanted
    if entry.get("keep_from") is not None or entry.get("keep_to") is not None or parts:
        trackedit.hold(track, read_track_file(data, limits), entry.get("keep_from"), entry.get("keep_to"))
    track.edits = trackedit.record_from(entry.get("edits"))
    parts.append(track)
    session.flush()
    return track


def _position(entry: dict) -> int:
    value = entry.get("position", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _photo_fields(entry: dict, stops: dict[str, Stop], legs: dict[int, Leg]) -> dict:
    """Validate what trip.json says about a photo beyond its file: the author's and the ingest's decisions."""
    stop_slug, leg_position = entry.get("stop"), entry.get("leg")
    if leg_position is not None and (isinstance(leg_position, bool) or not isinstance(leg_position, int)):
        raise InvalidInput("leg must be a leg's position.")
    if stop_slug is not None and not isinstance(stop_slug, str):
        raise InvalidInput("stop must be a stop's slug.")
    if stop_slug not in (None, "") and stop_slug not in stops:
        raise InvalidInput(f"the stop {str(stop_slug)[:100]!r} is not in the trip.")
    if leg_position is not None and leg_position not in legs:
        raise InvalidInput(f"the trip has no leg {str(leg_position)[:20]}.")
    lat = _optional_number(entry, "lat", -90, 90)
    lon = _optional_number(entry, "lon", -180, 180)
    if (lat is None) != (lon is None):
        raise InvalidInput("lat and lon go together.")
    offset = validate.integer(entry, "utc_offset_min", low=-24 * 60, high=24 * 60, required=False)
    warnings = entry.get("warnings") or []
    if (
        not isinstance(warnings, list)
        or len(warnings) > 100
        or not all(_is_note(w) for w in warnings)
    ):
        raise InvalidInput("warnings must be a list of {\"code\", \"message\"} objects (or short texts).")
    source = entry.get("location_source")
    if source is not None and source not in LOCATION_SOURCES:
        raise InvalidInput(f"location_source must be one of: {', '.join(LOCATION_SOURCES)}.")
    gap = _optional_number(entry, "time_gap_s", 0, 1e9)
    altitude = _optional_number(entry, "altitude_m", -1e5, 1e6)
    stop = stops.get(stop_slug) if stop_slug else None
    return {
        "stop": stop,
        "leg_id": legs[leg_position].id if leg_position is not None else None,
        "caption": validate.text(entry, "caption", max_length=validate.MAX_SUMMARY),
        "camera": validate.text(entry, "camera", max_length=validate.MAX_CAMERA),
        "taken_at": _time(entry, "taken_at"),
        "utc_offset_min": offset,
        "lat": lat,
        "lon": lon,
        "altitude_m": altitude,
        "location_source": source,
        "time_gap_s": gap,
        # Archives from before warnings had codes hold bare sentences: those become code "note".
        "warnings": notes.stored(notes.load_all(warnings)),
    }


def _is_note(value: object) -> bool:
    """Tell whether a warning from trip.json is a short text or a {"code", "message"} of short texts."""
    if isinstance(value, str):
        return len(value) <= 2000
    return (isinstance(value, dict) and set(value) <= {"code", "message"} and isinstance(value.get("message"), str)
            and len(value["message"]) <= 2000 and isinstance(value.get("code", ""), str)
            and len(value.get("code", "")) <= 40)


__all__ = ["FORMAT", "VERSION", "trip_document", "export_trip", "import_trip", "default_owner"]
