"""The media folder: files named by content hash, written to a temporary file and
renamed into place only after the database transaction commits (or deleted on rollback)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from .errors import storage_error

_PENDING = "travelmap.media.pending"
_DOOMED = "travelmap.media.doomed"


@dataclass
class Staged:
    """A file written to a temporary name, waiting for its transaction."""

    tmp: Path
    final: Path


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of the bytes."""
    return hashlib.sha256(data).hexdigest()


def content_path(kind: str, digest: str, suffix: str) -> str:
    """Return the relative path of a content-addressed file, e.g. 'thumbs/ab/abcdef….jpg'."""
    return f"{kind}/{digest[:2]}/{digest}{suffix}"


def stage(session: Session, root: Path, relpath: str, data: bytes) -> str:
    """Write data under a temporary name; it gets relpath when the session commits and vanishes on rollback."""
    final = (root / relpath).resolve()
    if root.resolve() not in final.parents:
        raise ValueError(f"media path escapes the media folder: {relpath!r}")
    tmp_name = ""
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=final.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a read-only or vanished folder: say so, keep nothing
            raise storage_error(exc) from exc
        raise
    session.info.setdefault(_PENDING, []).append(Staged(Path(tmp_name), final))
    return relpath


def remove_after_commit(session: Session, root: Path, relpaths: list[str]) -> None:
    """Delete these files once the session commits (their rows are gone); keep them if it rolls back."""
    session.info.setdefault(_DOOMED, []).extend(root / p for p in relpaths)


def discard_pending(session: Session) -> None:
    """Delete every staged file of the session and forget scheduled removals (called on rollback)."""
    session.info.pop(_DOOMED, None)
    for staged in session.info.pop(_PENDING, []):
        staged.tmp.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _promote(session: Session) -> None:
    """Move staged files into place now that their rows exist."""
    for staged in session.info.pop(_PENDING, []):
        if staged.final.exists():  # same content already stored (content-hash name)
            staged.tmp.unlink(missing_ok=True)
        else:
            os.replace(staged.tmp, staged.final)
    for path in session.info.pop(_DOOMED, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction: SessionTransaction) -> None:
    """Throw away staged files when their transaction rolls back."""
    discard_pending(session)
