"""One error policy: TravelmapError carries a status and a message a person understands."""

from __future__ import annotations

import errno

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException


class TravelmapError(Exception):
    """An error to show the user: HTTP status, a stable code and a plain-language message."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None,
                 code: str | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class InvalidInput(TravelmapError):
    """The request or file is malformed or fails validation (400)."""


class Unauthorized(TravelmapError):
    """No valid credentials (401)."""

    status, code = 401, "unauthorized"


class Forbidden(TravelmapError):
    """Authenticated, but this belongs to someone else (403)."""

    status, code = 403, "forbidden"


class NotFound(TravelmapError):
    """The thing asked for does not exist or is not visible to this user (404)."""

    status, code = 404, "not_found"


class Conflict(TravelmapError):
    """The thing already exists: a duplicate upload or a slug taken (409)."""

    status, code = 409, "conflict"


class TooLarge(TravelmapError):
    """The upload is over the size or pixel limit (413)."""

    status, code = 413, "too_large"


class UnsupportedType(TravelmapError):
    """The upload is not a kind of file we accept (415)."""

    status, code = 415, "unsupported_type"


class StorageFull(TravelmapError):
    """The media folder's disk is full (507): nothing of the upload was kept."""

    status, code = 507, "storage_full"


class Unavailable(TravelmapError):
    """The database or the media folder failed for a moment (503): nothing was saved, trying again may work."""

    status, code = 503, "unavailable"


def storage_error(error: OSError) -> TravelmapError:
    """Turn a failed write to the media folder into an error a person understands."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull("The server's disk is full, so the upload was not stored. Nothing was saved; "
                           "ask the site's owner to free some space, then try again.")
    return Unavailable(f"The server could not write the file ({error.strerror or error}). Nothing was saved; "
                       "try again, and tell the site's owner if it keeps happening.")


def wants_json() -> bool:
    """Tell whether the client should get JSON errors (API routes, or an Accept header asking for it)."""
    if request.path.startswith("/api/") or request.path == "/oembed":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, code: str, message: str, field: str | None = None,
                   details: dict | None = None) -> Response:
    """Render an error as JSON or as an HTML page, by what the client wants."""
    if wants_json():
        body: dict = {"code": code, "message": message}
        if field:
            body["field"] = field
        if details:
            body.update(details)
        response = jsonify({"error": body})
    else:
        response = Response(render_template("errors/error.html", status=status, message=message), mimetype="text/html")
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into the one shape."""

    @app.errorhandler(TravelmapError)
    def _travelmap_error(error: TravelmapError) -> Response:
        return error_response(error.status, error.code, error.message, error.field, error.details)

    @app.errorhandler(OperationalError)
    def _database_error(error: OperationalError) -> Response:
        # The database is locked for too long, restarting, or unreachable: the request's transaction
        # is rolled back at teardown (staged files go with it), so nothing half-written remains.
        app.logger.error("database error: %s", error.orig)
        return error_response(503, "unavailable", "The database is busy or could not be reached, so nothing was "
                                                  "saved. Try again in a moment.")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        messages = {
            404: "There is nothing at this address.",
            405: "This address does not accept that method.",
            413: f"The upload is too large: the limit is {app.config['MAX_UPLOAD_MB']} MB.",
        }
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large",
                429: "too_many_requests"}.get(status, "http_error")
        message = messages.get(status, error.description or error.name)
        if isinstance(error, CSRFError):
            code, message = "csrf", ("This form has expired or did not come from this site, so nothing was saved. "
                                     "Reload the page and try again.")
        response = error_response(status, code, message)
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response
