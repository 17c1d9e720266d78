"""Every setting travelmap reads, declared once with its default and help."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import platformdirs

from .sandbox import Limits

# Shipped with the package (setuptools maps the repository's templates/ and data/ into it at build time),
# found the same way from a checkout, an editable install or a wheel.
TEMPLATES = Path(str(files("travelmap.templates")))
DEMO_TRIP = Path(str(files("travelmap.demo")))

# Tile providers a user can pick by name; anything else is taken as a URL
# template ("https://{s}.example/{z}/{x}/{y}.png|Attribution text").
TILE_PROVIDERS: dict[str, tuple[str, str]] = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ),
    "opentopomap": (
        "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
        'Map data &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors, '
        'SRTM | Style &copy; <a href="https://opentopomap.org">OpenTopoMap</a> (CC-BY-SA)',
    ),
    "cartodb-positron": (
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
    ),
    # For offline demos and tests: no tiles at all, the map still draws.
    "none": ("", ""),
}


@dataclass(frozen=True)
class Setting:
    """One environment setting: its Flask config key, default and help text."""

    env: str
    key: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("TRAVELMAP_HOME", "HOME", None,
            "Folder for the database, media and secret key; default: the per-user data folder "
            "(~/.local/share/travelmap on Linux)."),
    Setting("TRAVELMAP_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", None,
            "SQLAlchemy URL; default: SQLite file travelmap.sqlite3 in TRAVELMAP_HOME."),
    Setting("TRAVELMAP_MEDIA_DIR", "MEDIA_DIR", None,
            "Folder for uploaded originals and derived images; default: media/ in TRAVELMAP_HOME."),
    Setting("TRAVELMAP_SECRET_KEY", "SECRET_KEY", None,
            "Flask secret key; default: a random key kept in secret_key in TRAVELMAP_HOME."),
    Setting("TRAVELMAP_MAX_UPLOAD_MB", "MAX_UPLOAD_MB", "32",
            "Largest accepted upload in megabytes (413 above it)."),
    Setting("TRAVELMAP_MAX_MEGAPIXELS", "MAX_MEGAPIXELS", "60",
            "Largest accepted photo in megapixels, read from the header before decoding (413 above it)."),
    Setting("TRAVELMAP_GEOTAG_MAX_GAP_S", "GEOTAG_MAX_GAP_S", "300",
            "A photo without GPS is placed from the track only if a track point lies this many seconds away."),
    Setting("TRAVELMAP_PHOTO_STOP_RADIUS_M", "PHOTO_STOP_RADIUS_M", "2000",
            "A photo this many metres from a stop is attached to that stop."),
    Setting("TRAVELMAP_TILES", "TILES", "osm",
            "Tile provider: osm, opentopomap, cartodb-positron, none, or 'URL|attribution'."),
    Setting("TRAVELMAP_DATA_DIR", "DATA_DIR", str(DEMO_TRIP),
            "Folder holding the demo trip (trip.toml, gpx/, photos/) that `seed` loads; default: the one shipped "
            "with travelmap."),
    Setting("TRAVELMAP_SECURE_COOKIES", "SESSION_COOKIE_SECURE", "0",
            "Set to 1 behind HTTPS so cookies carry the Secure flag."),
    Setting("TRAVELMAP_RATELIMIT_STORAGE", "RATELIMIT_STORAGE", "memory://",
            "Where failed log-in counters live: memory:// (per worker) or a shared redis:// or memcached:// URL."),
    Setting("TRAVELMAP_PUBLIC_URL", "PUBLIC_URL", None,
            "The site's address as readers type it (https://maps.example.org): every absolute URL is built from it "
            "and other host names are refused; default: the address `travelmap serve` serves, else http://localhost."),
    Setting("TRAVELMAP_PROXIES", "PROXIES", "0",
            "How many reverse proxies (nginx, a load balancer) sit in front; their X-Forwarded-* headers are trusted."),
    Setting("TRAVELMAP_MAX_TRACK_POINTS", "MAX_TRACK_POINTS", str(Limits.max_points),
            "Most points (waypoints included) one uploaded track file may hold (413 above it): a million is 11 days "
            "recorded every second; what a worker needs grows with it, about 1 KB a point."),
    Setting("TRAVELMAP_PASSWORD_HASH", "PASSWORD_HASH", "scrypt",
            "How new passwords are hashed (werkzeug's scrypt, or pbkdf2:sha256:ITERATIONS); the test suite uses a "
            "cheap pbkdf2 to save time, a site should keep scrypt."),
    Setting("TRAVELMAP_PARSE_MEMORY_MB", "PARSE_MEMORY_MB", str(Limits.memory_mb),
            "Memory one uploaded file's parse may allocate, in megabytes (413 above it)."),
    Setting("TRAVELMAP_PARSE_CPU_S", "PARSE_CPU_S", f"{Limits.cpu_s:g}",
            "CPU seconds one uploaded file's parse may use (413 above it)."),
    Setting("TRAVELMAP_PARSE_TIMEOUT_S", "PARSE_TIMEOUT_S", f"{Limits.timeout_s:g}",
            "Wall-clock seconds one uploaded file's parse may take, however busy the server is (503 after it)."),
    Setting("TRAVELMAP_PARSE_SANDBOX", "PARSE_SANDBOX", "1",
            "0 parses uploads inside the web worker, without limits: for debugging only, a crash then takes the "
            "worker down."),
)

_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def home_folder(overrides: Mapping[str, object] | None = None) -> Path:
    """Return the folder where travelmap keeps its data: HOME from the overrides, TRAVELMAP_HOME, or the
    platform's per-user data folder. Never the package or the checkout."""
    chosen = (overrides or {}).get("HOME") or os.environ.get("TRAVELMAP_HOME")
    return Path(str(chosen)) if chosen else Path(platformdirs.user_data_dir("travelmap", appauthor=False))


def from_environment(instance_path: Path) -> dict[str, object]:
    """Read every setting from the environment, filling defaults that depend on the data folder."""
    values: dict[str, object] = {}
    for setting in SETTINGS:
        raw = os.environ.get(setting.env, setting.default)
        if raw is not None:
            values[setting.key] = raw
    values["HOME"] = str(instance_path)
    values.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance_path / 'travelmap.sqlite3'}")
    values.setdefault("MEDIA_DIR", str(instance_path / "media"))
    values["SESSION_COOKIE_SECURE"] = str(values.get("SESSION_COOKIE_SECURE", "0")) in {"1", "true", "yes"}
    parse_limits(values)  # a mistyped limit stops the start-up with its name, not the first upload
    return values


@dataclass(frozen=True)
class PhotoSettings:
    """Limits and radii for photo ingest (from TRAVELMAP_* settings)."""

    max_pixels: int = 60_000_000
    max_gap_s: float = 300.0  # a track point must lie this close in time to geotag from it
    stop_radius_m: float = 2_000.0  # a photo this close to a stop belongs to it
    learn_radius_m: float = 100.0  # a GPS photo this close to the track teaches its camera's clock offset
    parse_limits: Limits = Limits()  # memory and time one photo's decode may use


def photo_settings(config: Mapping[str, object]) -> PhotoSettings:
    """Return the photo ingest settings from an app's config."""
    return PhotoSettings(max_pixels=int(float(str(config["MAX_MEGAPIXELS"])) * 1_000_000),
                         max_gap_s=float(str(config["GEOTAG_MAX_GAP_S"])),
                         stop_radius_m=float(str(config["PHOTO_STOP_RADIUS_M"])),
                         parse_limits=parse_limits(config))


def parse_limits(values: Mapping[str, object]) -> Limits:
    """Return the limits for parsing one uploaded file from the PARSE_* settings (defaults where unset)."""
    def number(key: str, env: str, default: float) -> float:
        raw = values.get(key, default)
        try:
            value = float(str(raw))
        except (TypeError, ValueError):
            value = float("nan")
        if not 0 < value < float("inf"):
            raise ValueError(f"{env} must be a positive number, got {raw!r}")
        return value

    flag = str(values.get("PARSE_SANDBOX", "1")).strip().lower()
    if flag not in _FLAGS:
        raise ValueError(f"TRAVELMAP_PARSE_SANDBOX must be 1 or 0, got {flag!r}")
    return Limits(memory_mb=max(1, round(number("PARSE_MEMORY_MB", "TRAVELMAP_PARSE_MEMORY_MB", Limits.memory_mb))),
                  cpu_s=number("PARSE_CPU_S", "TRAVELMAP_PARSE_CPU_S", Limits.cpu_s),
                  timeout_s=number("PARSE_TIMEOUT_S", "TRAVELMAP_PARSE_TIMEOUT_S", Limits.timeout_s),
                  enabled=_FLAGS[flag],
                  max_points=max(1, round(number("MAX_TRACK_POINTS", "TRAVELMAP_MAX_TRACK_POINTS",
                                                 Limits.max_points))))


def tile_layer(setting: str) -> tuple[str, str]:
    """Return (url template, attribution HTML) for a TRAVELMAP_TILES value."""
    if setting in TILE_PROVIDERS:
        return TILE_PROVIDERS[setting]
    url, _, attribution = setting.partition("|")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"TRAVELMAP_TILES must be one of {', '.join(TILE_PROVIDERS)} or 'URL|attribution', "
                         f"got {setting!r}")
    return url, attribution or "Map tiles"
