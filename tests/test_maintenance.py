"""`travelmap check`: orphaned files and rows whose files are gone are found, and repaired where possible."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Track


def paths(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        photo = db.session().scalars(select(Photo)).first()
        track = db.session().scalars(select(Track)).first()
        return Path(app.config["MEDIA_DIR"]), photo.thumb_path, photo.original_path, track.original_path


def test_a_clean_site_checks_clean(seeded_app):
    result = seeded_app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0 and "agree" in result.output


def test_orphans_and_lost_copies_are_reported_then_repaired(seeded_app):
    root, thumb, _, _ = paths(seeded_app)
    (root / "thumbs" / "zz").mkdir(parents=True, exist_ok=True)
    (root / "thumbs" / "zz" / "stray.jpg").write_bytes(b"left behind")
    lost = (root / thumb).read_bytes()
    (root / thumb).unlink()
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["check"])
    assert result.exit_code != 0
    assert "orphaned  thumbs/zz/stray.jpg" in result.output and f"missing   {thumb}" in result.output
    result = runner.invoke(args=["check", "--repair"])
    assert result.exit_code == 0, result.output
    assert not (root / "thumbs" / "zz" / "stray.jpg").exists()
    assert (root / thumb).is_file() and (root / thumb).read_bytes()[:2] == lost[:2] == b"\xff\xd8"
    assert "agree" in runner.invoke(args=["check"]).output


def test_a_lost_original_cannot_be_repaired_and_says_what_to_do(seeded_app):
    root, _, original, gpx = paths(seeded_app)
    (root / original).unlink()
    (root / gpx).unlink()
    result = seeded_app.test_cli_runner().invoke(args=["check", "--repair"])
    assert result.exit_code != 0
    assert "the original photo is gone" in result.output and "the original GPX file is gone" in result.output
    assert "restore it from a backup" in result.output
