"""One error policy: TravelmapError carries a status and a message a person understands.

Plain exception classes, importable by every layer (the readers and pure modules included); how they
become HTTP answers is the web layer's business (`views/errors.py`), how they become CLI lines the CLI's.
"""

from __future__ import annotations

import errno
from typing import Any


class TravelmapError(Exception):
    """An error to show the user: HTTP status, a stable code and a plain-language message."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None,
                 code: str | None = None, details: dict[str, Any] | None = None) -> None:
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
