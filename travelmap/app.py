"""The Flask application factory: settings, extensions, blueprints, error handlers and CLI commands."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import access, assets, cache, cli, config, csp, db, filters, hosts
from .views import (
    api,
    author,
    author_tracks,  # noqa: F401  (adds the track editor's routes to author.bp)
    embed,
    exports,
    maplinks,
    public,
)
from .views import errors as web_errors

csrf = CSRFProtect()
compress = Compress()


class BoundedInt(IntegerConverter):
    """`<int:…>` in every route stops at 2**31 - 1, the largest id a database here holds: a longer number
    in an address is a 404, not a database error (SQLite cannot bind past 2**63)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = 2**31 - 1,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _secret_key(instance: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first start."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _check_media_dir(folder: Path) -> None:
    """Fail at start-up, with the reason, when the media folder cannot be created or written to."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise RuntimeError(f"The media folder {folder} cannot be written to ({exc.strerror or exc}); "
                           "set TRAVELMAP_MEDIA_DIR to a writable folder.") from exc


def _security_headers(response: Response) -> Response:
    """Add the headers every response carries; embeds may be framed anywhere, other pages only by us."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = csp.for_request(csp.allowed_scripts())
    return response


def _whole_static_files(response: Response) -> Response:
    """Read a static asset into memory before Flask-Compress sees it, and close its file here and now: gzipped
    whole, and no file left open for the garbage collector (Flask-Compress's streaming path, and a response the
    server drops, say when the browser has gone on to the next page, would do that). Assets are small."""
    if response.is_streamed and request.endpoint in {"static", "vendor.vendor"}:
        source = response.response
        try:
            body = b"" if response.status_code == 304 else b"".join(
                chunk.encode() if isinstance(chunk, str) else chunk for chunk in source)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        response.direct_passthrough = False
        response.response = [body]  # the headers (length, range, validators) already describe it
    return response


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the travelmap app."""
    home = config.home_folder(test_config)
    app = Flask("travelmap", instance_path=str(home), template_folder=str(config.TEMPLATES))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=app.config["SESSION_COOKIE_SECURE"],
        # A form left open for hours must still save: tokens live as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        # Responses that are not cached pages (those come compressed from the cache) are gzipped here.
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_LEVEL=6,
        COMPRESS_MIN_SIZE=500,
        COMPRESS_MIMETYPES=["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                            "application/geo+json", "application/gpx+xml", "application/atom+xml", "image/svg+xml"],
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.config["MAX_CONTENT_LENGTH"] = int(float(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    _check_media_dir(Path(app.config["MEDIA_DIR"]))
    app.extensions["travelmap.tiles"] = config.tile_layer(app.config["TILES"])
    hosts.init_app(app)

    app.url_map.converters["int"] = BoundedInt
    db.init_app(app)
    web_errors.init_app(app)
    cache.init_app(app)
    assets.init_app(app)
    filters.init_app(app)
    cli.init_app(app)
    access.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    app.after_request(_whole_static_files)  # registered after Flask-Compress's hook, so it runs before it
    app.register_blueprint(public.bp)
    app.register_blueprint(author.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(exports.bp)
    app.jinja_env.globals["oembed_link"] = embed.discovery_link
    app.jinja_env.globals["iframe_label"] = embed.iframe_label
    app.jinja_env.globals["post_url"] = maplinks.post_url
    app.jinja_env.globals["csp_allow_map"] = csp.allow_map
    csrf.exempt(api.bp)  # the API takes bearer tokens, never cookies, so CSRF cannot reach it
    app.after_request(_security_headers)
    proxies = int(app.config.get("PROXIES", 0) or 0)
    # Behind nginx or a load balancer the client address comes from X-Forwarded-For; X-Forwarded-Host is checked
    # against the trusted hosts like Host itself, and neither ever makes an absolute URL (hosts.py).
    if proxies:
        # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    return app
