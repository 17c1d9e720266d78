"""The HTTP side of the one error policy: every error becomes the same JSON shape or an HTML page."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..errors import TravelmapError


def wants_json() -> bool:
    """Tell whether the client should get JSON errors (API routes, or an Accept header asking for it)."""
    if request.path.startswith("/api/") or request.path == "/oembed":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, code: str, message: str, field: str | None = None,
                   details: dict[str, Any] | None = None) -> Response:
    """Render an error as JSON or as an HTML page, by what the client wants."""
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
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
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
