"""Typed SQLAlchemy 2.0 models: trips, legs, stops, posts, tracks, photos, authors, tokens."""

from __future__ import annotations

import math
import secrets
from array import array
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .formats.kinds import KINDS, TRACK_FORMATS, Kind
from .orm import Base, utcnow
from .text import DEFAULT_COLOUR
from .validate import (
    MAX_CAMERA,
    MAX_FILE_NAME,
    MAX_LABEL,
    MAX_LICENCE,
    MAX_NAME,
    MAX_SLUG,
    MAX_TITLE,
    MAX_URL,
)

VISIBILITIES = ("public", "unlisted", "private")
TRANSPORTS = ("train", "bus", "car", "flight", "boat", "walk")
LOCATION_SOURCES = ("exif", "track", "manual")
OLD_SLUG_KINDS = ("trip", "stop", "post")


class Author(Base):
    """A person who owns trips and posts (a Flask-Login user: the four members it needs are below)."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    trips: Mapped[list[Trip]] = relationship(back_populates="owner")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="author", cascade="all, delete-orphan",
                                                  passive_deletes=True)
    sessions: Mapped[list[AuthorSession]] = relationship(back_populates="author", cascade="all, delete-orphan",
                                                         passive_deletes=True)
    zones: Mapped[list[PrivacyZone]] = relationship(
        back_populates="author", order_by="PrivacyZone.created_at", cascade="all, delete-orphan"
    )

    is_authenticated = True
    is_active = True
    is_anonymous = False
    # The key of the logged-in session this object was loaded for (set by accounts; never stored as such).
    session_key = ""

    def get_id(self) -> str:
        """Return what Flask-Login keeps in the session cookie: the session's key, not the author's id, so
        that ending the session on the server ends every copy of the cookie (Flask-Login's alternative id)."""
        if not self.session_key:
            raise RuntimeError("An author logs in through accounts.start_session, which gives the session its key.")
        return self.session_key


class AuthorSession(Base):
    """A logged-in browser session; only a hash of its key is stored. Deleting the row logs it out."""

    __tablename__ = "author_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Author] = relationship(back_populates="sessions")


class ApiToken(Base):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_LABEL), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    author: Mapped[Author] = relationship(back_populates="tokens")


class PrivacyZone(Base):
    """A place whose surroundings readers never see on any of the author's trips (see travelmap/privacy.py).

    The author draws a place and a radius; outputs are cut at the hidden circle chosen once when the zone is
    made (a centre up to `radius_m` away from the place and 2.2 to 2.5 times the radius), never shown to readers.
    """

    __tablename__ = "privacy_zones"
    __table_args__ = (
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat_range"),
        CheckConstraint("lon >= -180 AND lon <= 180", name="lon_range"),
        CheckConstraint("radius_m >= 100 AND radius_m <= 5000", name="radius_range"),
        CheckConstraint("hidden_radius_m > radius_m", name="hidden_holds_zone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    hidden_lat: Mapped[float] = mapped_column(Float)
    hidden_lon: Mapped[float] = mapped_column(Float)
    hidden_radius_m: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Author] = relationship(back_populates="zones")


def first_revision() -> int:
    """A random starting revision for a new trip (see Trip.revision)."""
    return secrets.randbelow(1 << 30) + 1


class Trip(Base):
    """A journey: an ordered sequence of legs, with photos."""

    __tablename__ = "trips"
    __table_args__ = (CheckConstraint(f"visibility IN {VISIBILITIES!r}", name="visibility"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(MAX_SLUG), unique=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    summary: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    owner_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Readers see photo positions rounded to ~1 km when set.
    blur_photo_locations: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Bumped on every change: the key of the rendered-map cache and of ETags.
    # The cache key of every page and export of the trip, with its id. It starts at a random number, not 1:
    # SQLite hands a deleted trip's id to the next new trip, and (id, revision) must never name two trips.
    revision: Mapped[int] = mapped_column(Integer, default=first_revision)

    owner: Mapped[Author] = relationship(back_populates="trips")
    # passive_deletes here and below: child rows whose foreign key says ON DELETE CASCADE are deleted by the
    # database, so deleting a trip, leg or track never loads its children (a track's points are megabytes)
    # just to delete them; children already loaded are still deleted by the session.
    legs: Mapped[list[Leg]] = relationship(
        back_populates="trip", order_by="Leg.position", cascade="all, delete-orphan", passive_deletes=True
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="trip", order_by="Photo.taken_at", cascade="all, delete-orphan", passive_deletes=True
    )

    def stops(self) -> list[Stop]:
        """Return every stop of the trip in route order."""
        return [stop for leg in self.legs for stop in leg.stops]

    def stop_numbers(self) -> dict[int, int]:
        """Number the trip's stops 1, 2, 3 … in route order (by stop id): the numbers every page and map shows."""
        return {stop.id: n for n, stop in enumerate(self.stops(), start=1)}


class Leg(Base):
    """One part of a trip: tracked (GPX) or travelled by a transport mode between its stops."""

    __tablename__ = "legs"
    __table_args__ = (
        CheckConstraint(f"transport IS NULL OR transport IN {TRANSPORTS!r}", name="transport"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOUR)
    transport: Mapped[str | None] = mapped_column(String(10))

    trip: Mapped[Trip] = relationship(back_populates="legs")
    stops: Mapped[list[Stop]] = relationship(
        back_populates="leg", order_by="Stop.position", cascade="all, delete-orphan", passive_deletes=True
    )
    tracks: Mapped[list[Track]] = relationship(
        back_populates="leg", order_by="Track.started_at", cascade="all, delete-orphan", passive_deletes=True
    )

    def untracked_line(self) -> list[tuple[float, float]] | None:
        """Return the line an untracked leg is drawn as (a leg with no track and two or more stops: straight
        from its first stop to its last, dashed on maps and previews, a LineString in GeoJSON), else None."""
        if self.tracks or len(self.stops) < 2:
            return None
        first, last = self.stops[0], self.stops[-1]
        return [(first.lat, first.lon), (last.lat, last.lon)]


class Post(Base):
    """A blog post: a Markdown body of ours or a link to an external article."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(MAX_SLUG), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    published: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(MAX_URL))
    licence: Mapped[str] = mapped_column(String(MAX_LICENCE), default="")
    licence_url: Mapped[str | None] = mapped_column(String(MAX_URL))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Author] = relationship()
    stops: Mapped[list[Stop]] = relationship(back_populates="post", order_by="Stop.arrived_at")


class Stop(Base):
    """A place on a leg where the author arrived, with an optional post written there."""

    __tablename__ = "stops"
    __table_args__ = (
        UniqueConstraint("trip_id", "slug"),
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat_range"),
        CheckConstraint("lon >= -180 AND lon <= 180", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The trip is the leg's trip; kept here so stop slugs are unique per trip.
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    leg_id: Mapped[int] = mapped_column(ForeignKey("legs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(MAX_SLUG))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    arrived_at: Mapped[datetime | None]
    departed_at: Mapped[datetime | None]
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)

    leg: Mapped[Leg] = relationship(back_populates="stops")
    post: Mapped[Post | None] = relationship(back_populates="stops")
    # The database unlinks the photos of a deleted stop (ON DELETE SET NULL); they are not loaded for it.
    photos: Mapped[list[Photo]] = relationship(back_populates="stop", order_by="Photo.taken_at", passive_deletes=True)


class Track(Base):
    """An imported track (GPX, FIT, TCX, KML, KMZ or GeoJSON): the original file, every point, a display geometry
    and stats.

    An edited track (trimmed, or one part of a split) keeps its original file: `keep_from`..`keep_to` say which
    of the file's points it holds, and everything else (stats, lines, profile, segments) is recomputed from the
    file through the import's own code. The parts of a split share the file and its sha256; `part` tells them apart.
    """

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("trip_id", "sha256", "part"),
        CheckConstraint(f"format IN {TRACK_FORMATS!r}", name="format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    leg_id: Mapped[int] = mapped_column(ForeignKey("legs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_FILE_NAME), default="")
    original_name: Mapped[str] = mapped_column(String(MAX_FILE_NAME), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    # Relative to the media folder: the file as uploaded, under its format's suffix, kept for download.
    original_path: Mapped[str] = mapped_column(String(300))
    # What the original is, read from its content: gpx, fit, tcx, kml, kmz or geojson (formats/kinds.py).
    format: Mapped[str] = mapped_column(String(10), default="gpx", server_default="gpx")
    point_count: Mapped[int] = mapped_column(Integer, default=0)
    segment_count: Mapped[int] = mapped_column(Integer, default=0)
    waypoint_count: Mapped[int] = mapped_column(Integer, default=0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    ascent_m: Mapped[float | None] = mapped_column(Float)
    descent_m: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
    moving_time_s: Mapped[float | None] = mapped_column(Float)
    max_speed_mps: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    min_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    # Simplified once at import, one entry per segment:
    # [{"planned": false, "coords": [[lat, lon], ...]}, ...]
    # Deferred: the big geometry columns load only when a page or export asks for them.
    display_geometry: Mapped[list] = mapped_column(JSON, deferred=True)
    # The same at 2 m tolerance, for exports.
    detail_geometry: Mapped[list] = mapped_column(JSON, default=list, deferred=True)
    # What pages draw, as encoded polylines: {"overview": [{"planned", "line"}], "display": [...]}
    # (100 m and 10 m tolerance); the trip map loads "display" per leg when the reader zooms in.
    lines: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    # Elevation profile, at most 600 points: [[distance_m, elevation_m (smoothed), lat, lon], ...].
    profile: Mapped[list] = mapped_column(JSON, default=list, deferred=True)
    # What the reader noticed: [{"code", "message"}, ...] (notes.py).
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 0 for the track an upload made; a split adds parts 1, 2 … of the same file.
    part: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The file's points this track holds, first and last (0-based, inclusive), counted over the points an edit
    # counts (trackcut.editable); both None while the track is the whole file, as uploaded.
    keep_from: Mapped[int | None] = mapped_column(Integer)
    keep_to: Mapped[int | None] = mapped_column(Integer)
    # The record of edits, oldest first: [{"op": "trim" | "split" | "restore" | "rename" | "move", "at": ISO time, …}].
    edits: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    leg: Mapped[Leg] = relationship(back_populates="tracks")
    segments: Mapped[list[TrackSegment]] = relationship(
        back_populates="track", order_by="TrackSegment.position", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """Return (min_lon, min_lat, max_lon, max_lat), the GeoJSON order."""
        return (self.min_lon, self.min_lat, self.max_lon, self.max_lat)

    @property
    def edited(self) -> bool:
        """Tell whether the track holds less than its whole original file (trimmed, or a part of a split)."""
        return self.keep_from is not None

    @property
    def kind(self) -> Kind:
        """Return the original file's format: its label, suffix and content type."""
        return KINDS[self.format]


class TrackSegment(Base):
    """Every recorded point of one track segment, packed losslessly as float64 quadruples."""

    __tablename__ = "track_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    point_count: Mapped[int] = mapped_column(Integer)
    # A planned line, not a recording: a GPX <rte>, a KML LineString, a course or GeoJSON line without times.
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    # lat, lon, elevation (NaN when absent), POSIX time in UTC (NaN when absent).
    points: Mapped[bytes] = mapped_column(LargeBinary)

    track: Mapped[Track] = relationship(back_populates="segments")

    @staticmethod
    def pack(lats: Iterable[float], lons: Iterable[float], eles: Iterable[float | None],
             times: Iterable[float | None]) -> bytes:
        """Pack points as float64 (lat, lon, ele, time) quadruples, NaN for missing values (what `points` holds)."""
        values = array("d")
        nan = math.nan
        for lat, lon, ele, t in zip(lats, lons, eles, times):
            values.extend((lat, lon, nan if ele is None else ele, nan if t is None else t))
        return values.tobytes()

    def iter_points(self) -> Iterator[tuple[float, float, float | None, float | None]]:
        """Yield (lat, lon, ele, posix_time) with None where the file had no value."""
        values = array("d")
        values.frombytes(self.points)
        for i in range(0, len(values), 4):
            lat, lon, ele, t = values[i : i + 4]
            yield lat, lon, None if math.isnan(ele) else ele, None if math.isnan(t) else t


class Photo(Base):
    """A geotagged photo with its private original and EXIF-free derivatives."""

    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("trip_id", "sha256"),
        CheckConstraint(
            f"location_source IS NULL OR location_source IN {LOCATION_SOURCES!r}", name="location_source"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"), index=True)
    leg_id: Mapped[int | None] = mapped_column(ForeignKey("legs.id", ondelete="SET NULL"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(MAX_FILE_NAME), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    camera: Mapped[str] = mapped_column(String(MAX_CAMERA), default="")
    taken_at: Mapped[datetime | None]
    # Minutes east of UTC where the photo was taken, to show its local time.
    utc_offset_min: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    altitude_m: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(10))
    time_gap_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(50))
    # Relative to the media folder. The original is never served to readers.
    original_path: Mapped[str] = mapped_column(String(300))
    display_path: Mapped[str] = mapped_column(String(300))
    thumb_path: Mapped[str] = mapped_column(String(300))
    # [{"code", "message"}, ...] (notes.py).
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    trip: Mapped[Trip] = relationship(back_populates="photos")
    stop: Mapped[Stop | None] = relationship(back_populates="photos")


class TripCover(Base):
    """The photo an author chose for a trip's card and link preview (no row: the first photo readers see).

    A table of its own, not a column of trips: photos already name their trip, and a reference back would make
    a cycle that SQLite can only add by copying the trips table. Deleting the photo (or the trip) deletes the
    row, so the choice is cleared on every way a photo can go.
    """

    __tablename__ = "trip_covers"

    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), unique=True)


class OldSlug(Base):
    """An address a trip, stop or post had before it was renamed: it redirects to the thing's new address and
    stays reserved for the thing's owner. It goes when the thing is deleted."""

    __tablename__ = "old_slugs"
    __table_args__ = (
        CheckConstraint(f"kind IN {OLD_SLUG_KINDS!r}", name="kind"),
        # Exactly the target its kind names (a stop's row also names its trip, whose deletion takes it).
        CheckConstraint("(kind = 'trip' AND trip_id IS NOT NULL AND stop_id IS NULL AND post_id IS NULL)"
                        " OR (kind = 'stop' AND trip_id IS NOT NULL AND stop_id IS NOT NULL AND post_id IS NULL)"
                        " OR (kind = 'post' AND trip_id IS NULL AND stop_id IS NULL AND post_id IS NOT NULL)",
                        name="target"),
        UniqueConstraint("kind", "scope", "slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))
    # Where the slug is unique: a stop's trip id (stop slugs are unique per trip), 0 for trips and posts.
    scope: Mapped[int] = mapped_column(Integer, default=0)
    slug: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"), index=True)
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
