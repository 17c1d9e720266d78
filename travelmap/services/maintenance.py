"""Keeping the database and the media folder in agreement: find orphaned files and rows whose files are gone."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import media, photos
from ..models import Photo, Track

STALE_PART_S = 3600  # an unfinished upload this old is left over from a crash


@dataclass
class Report:
    """What `travelmap check` found and, with repair, what it did."""

    orphaned: list[str] = field(default_factory=list)  # files no row refers to
    missing: list[str] = field(default_factory=list)  # files a row refers to that are gone
    repaired: list[str] = field(default_factory=list)
    unrepairable: list[str] = field(default_factory=list)


def _referenced(session: Session) -> dict[str, Photo | Track]:
    """Map every media path the database refers to onto its row."""
    paths: dict[str, Photo | Track] = {}
    for track in session.scalars(select(Track)):
        paths[track.original_path] = track
    for photo in session.scalars(select(Photo)):
        for path in (photo.original_path, photo.display_path, photo.thumb_path):
            paths[path] = photo
    return paths


def check(session: Session, root: Path, *, repair: bool = False, max_pixels: int = 60_000_000) -> Report:
    """Compare rows and files; with repair, delete orphans and stale partial uploads and remake lost photo copies."""
    report = Report()
    referenced = _referenced(session)
    now = time.time()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = str(path.relative_to(root))
        if path.name.startswith(".upload-") and path.name.endswith(".part"):
            if now - path.stat().st_mtime > STALE_PART_S:
                report.orphaned.append(relative)
                if repair:
                    path.unlink(missing_ok=True)
                    report.repaired.append(f"deleted {relative}")
            continue
        if path.name.startswith(".write-test-"):
            continue
        if relative not in referenced:
            report.orphaned.append(relative)
            if repair:
                path.unlink(missing_ok=True)
                report.repaired.append(f"deleted {relative}")
    for relative, row in sorted(referenced.items()):
        if (root / relative).is_file():
            continue
        report.missing.append(relative)
        if not repair:
            continue
        if isinstance(row, Photo) and relative != row.original_path and (root / row.original_path).is_file():
            analysed = photos.analyse((root / row.original_path).read_bytes(), max_pixels=max_pixels)
            data = analysed.display if relative == row.display_path else analysed.thumb
            media.stage(session, root, relative, data)
            report.repaired.append(f"remade {relative} from the original")
        else:
            what = "the original photo" if isinstance(row, Photo) else "the original GPX file"
            report.unrepairable.append(f"{relative}: {what} is gone; restore it from a backup or delete the "
                                       f"{'photo' if isinstance(row, Photo) else 'track'} (id {row.id})")
    return report
