"""Backing up a trip as a zip and restoring it: identical on another instance and another database,
all or nothing, and hostile archives refused with a clear message."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from travelmap import db, media
from travelmap.errors import Conflict, InvalidInput
from travelmap.models import Photo, Post, Stop, Track, Trip
from travelmap.services.accounts import create_author
from travelmap.services.archive import VERSION, default_owner, export_trip, import_trip

from . import databases
from .conftest import DEMO_SLUG, count_rows, make_app, media_files

PASSWORD = "correct horse battery"


# ---------------------------------------------------------------- helpers

def export_bytes(app: Flask, slug: str = DEMO_SLUG) -> bytes:
    """Export a trip of the app to zip bytes."""
    with app.app_context():
        s = db.session()
        trip = s.scalar(select(Trip).where(Trip.slug == slug))
        out = io.BytesIO()
        export_trip(s, trip, Path(app.config["MEDIA_DIR"]), out)
        return out.getvalue()


def restore(app: Flask, archive: bytes, *, slug: str | None = None, username: str | None = None,
            notes: list[str] | None = None, **kwargs: object) -> str:
    """Import an archive into the app and commit; return the new trip's slug."""
    with app.app_context():
        s = db.session()
        trip = import_trip(s, io.BytesIO(archive), Path(app.config["MEDIA_DIR"]), default_owner(s, username), slug,
                           notes=notes, **kwargs)
        s.commit()
        return trip.slug


def instance(root: Path, uri: str | None = None, *, author: str | None = "demo") -> Flask:
    """An empty app under root (optionally on an explicit database) with one author."""
    root.mkdir(parents=True, exist_ok=True)
    app = make_app(root, **({"SQLALCHEMY_DATABASE_URI": uri} if uri else {}))
    if author:
        with app.app_context():
            create_author(db.session(), author, PASSWORD)
            db.session().commit()
    return app


def _file_digest(app: Flask, relpath: str) -> str:
    return hashlib.sha256((Path(app.config["MEDIA_DIR"]) / relpath).read_bytes()).hexdigest()


def dump(app: Flask, slug: str = DEMO_SLUG) -> dict:
    """Everything a trip is, without database ids and creation times: fields, stats, every point, photos, links."""
    with app.app_context():
        s = db.session()
        trip = s.scalar(select(Trip).where(Trip.slug == slug))
        legs = []
        for leg in trip.legs:
            tracks = []
            for t in leg.tracks:
                tracks.append({
                    **{k: getattr(t, k) for k in (
                        "name", "original_name", "sha256", "original_path", "format", "point_count", "segment_count",
                        "waypoint_count",
                        "distance_m", "ascent_m", "descent_m", "duration_s", "moving_time_s", "max_speed_mps",
                        "started_at", "ended_at", "min_lat", "min_lon", "max_lat", "max_lon", "display_geometry",
                        "detail_geometry", "lines", "profile", "warnings")},
                    "segments": [(g.position, g.point_count, g.planned, g.points) for g in t.segments],
                    "file": _file_digest(app, t.original_path)})
            legs.append({
                "position": leg.position, "name": leg.name, "colour": leg.colour, "transport": leg.transport,
                "stops": [{k: getattr(stop, k) for k in ("position", "slug", "name", "lat", "lon", "timezone",
                                                         "arrived_at", "departed_at")}
                          | {"post": stop.post.slug if stop.post else None} for stop in leg.stops],
                "tracks": tracks})
        positions = {leg.id: leg.position for leg in trip.legs}
        photos = sorted(s.scalars(select(Photo).where(Photo.trip_id == trip.id)), key=lambda p: p.sha256)
        posts = {stop.post for stop in trip.stops() if stop.post}
        return {
            "trip": {k: getattr(trip, k) for k in ("title", "summary", "visibility", "timezone", "demo",
                                                   "blur_photo_locations")} | {"owner": trip.owner.username},
            "legs": legs,
            "posts": sorted(({k: getattr(p, k) for k in ("slug", "title", "author_name", "published", "summary", "body",
                                                         "url", "licence", "licence_url", "demo")}
                             | {"owner": p.owner.username} for p in posts), key=lambda p: p["slug"]),
            "photos": [{k: getattr(p, k) for k in (
                "sha256", "original_name", "caption", "camera", "taken_at", "utc_offset_min", "lat", "lon",
                "altitude_m", "location_source", "time_gap_s", "width", "height", "content_type", "original_path",
                "display_path", "thumb_path", "warnings")}
                | {"stop": p.stop.slug if p.stop else None, "leg": positions.get(p.leg_id),
                   "files": [_file_digest(app, path) for path in (p.original_path, p.display_path, p.thumb_path)]}
                for p in photos],
        }


PUBLIC_PAGES = ("/trips/{slug}", "/trips/{slug}/legs/1", "/trips/{slug}/legs/2", "/trips/{slug}/legs/3",
                "/trips/{slug}/stops/baotou", "/trips/{slug}/stops/xilamuren", "/trips/{slug}.geojson",
                "/trips/{slug}/legs/2.geojson", "/trips/{slug}.gpx", "/trips/{slug}/photos.json",
                "/trips/{slug}/legs/1/lines.json", "/trips/{slug}/feed.atom", "/embed/trips/{slug}",
                "/posts/baotou-capital-of-rare-earths", "/")


def published(app: Flask, slug: str = DEMO_SLUG) -> dict[str, str]:
    """What readers get from the trip's pages and exports, with the revision in cache-busting URLs masked (map
    element ids are numbered, not random, so they compare as they are)."""
    client = app.test_client()
    pages = {}
    for pattern in PUBLIC_PAGES:
        response = client.get(pattern.format(slug=slug))
        assert response.status_code == 200, pattern
        pages[pattern] = re.sub(r"([?&]v=)\d+", r"\g<1>N", response.get_data(as_text=True))
    return pages


def rebuild(archive: bytes, *, manifest: Callable[[dict], None] | None = None, drop: tuple[str, ...] = (),
            replace: dict[str, bytes] | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """Return a modified copy of an archive: trip.json edited, members dropped, replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    document = json.loads(source.read("trip.json"))
    if manifest:
        manifest(document)
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in source.namelist():
            if name in drop:
                continue
            data = json.dumps(document).encode() if name == "trip.json" else replace.get(name, source.read(name))
            zf.writestr(name, data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def photo_entry(document: dict, n: int = 0) -> dict:
    return document["photos"][n]


@pytest.fixture
def demo_archive(seeded_app: Flask) -> bytes:
    """The demo trip, exported."""
    return export_bytes(seeded_app)


# ---------------------------------------------------------------- the round trip

def test_the_archive_holds_trip_json_and_every_original_file(seeded_app: Flask, demo_archive: bytes) -> None:
    zf = zipfile.ZipFile(io.BytesIO(demo_archive))
    document = json.loads(zf.read("trip.json"))
    assert document["format"] == "travelmap-trip" and document["version"] == VERSION
    assert [leg["name"] for leg in document["legs"]] == ["Inner Mongolia", "Baotou", "Beijing"]
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalar(select(Trip).where(Trip.slug == DEMO_SLUG))
        root = Path(seeded_app.config["MEDIA_DIR"])
        tracks = {t.sha256: t for t in s.scalars(select(Track).where(Track.trip_id == trip.id))}
        photos = {p.sha256: p for p in s.scalars(select(Photo).where(Photo.trip_id == trip.id))}
        entries = [t for leg in document["legs"] for t in leg["tracks"]]
        assert {t["sha256"] for t in entries} == set(tracks)
        for entry in entries:
            assert zf.read(entry["file"]) == (root / tracks[entry["sha256"]].original_path).read_bytes()
        assert {p["sha256"] for p in document["photos"]} == set(photos)
        for entry in document["photos"]:
            assert zf.read(entry["file"]) == (root / photos[entry["sha256"]].original_path).read_bytes()
            assert entry["caption"] == photos[entry["sha256"]].caption
        baotou = next(stop for leg in document["legs"] for stop in leg["stops"] if stop["slug"] == "baotou")
        assert baotou["post"] == "baotou-capital-of-rare-earths"
        assert "baotou-capital-of-rare-earths" in {p["slug"] for p in document["posts"]}
    assert set(zf.namelist()) == {"trip.json"} | {e["file"] for e in entries} | {p["file"] for p in document["photos"]}
    assert all(not name.startswith(("/", "..")) for name in zf.namelist())


def test_the_demo_trip_restored_on_an_empty_instance_is_identical(seeded_app: Flask, demo_archive: bytes,
                                                                  tmp_path: Path) -> None:
    other = instance(tmp_path / "other")
    assert restore(other, demo_archive) == DEMO_SLUG
    assert dump(other) == dump(seeded_app)
    assert published(other) == published(seeded_app)
    with other.app_context():
        rows = count_rows(db.session())
    assert rows["trips"] == 1 and rows["photos"] == 8 and rows["tracks"] == 5
    assert not [f for f in media_files(other) if f.endswith(".part")]


def test_a_trip_travels_from_sqlite_to_postgresql_and_back_unchanged(seeded_app: Flask, demo_archive: bytes,
                                                                     tmp_path: Path) -> None:
    databases.require_postgres()
    name = databases.postgres_name(tmp_path / "archive-postgres")
    try:
        sqlite_a = instance(tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'a.sqlite3'}")
        restore(sqlite_a, demo_archive)
        postgres = instance(tmp_path / "pg", databases.create_postgres(name))
        assert postgres.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        restore(postgres, export_bytes(sqlite_a))
        sqlite_b = instance(tmp_path / "b", f"sqlite:///{tmp_path / 'b' / 'b.sqlite3'}")
        restore(sqlite_b, export_bytes(postgres))
        original = dump(seeded_app)
        assert dump(sqlite_a) == original
        assert dump(postgres) == original
        assert dump(sqlite_b) == original
        assert published(sqlite_b) == published(seeded_app)
    finally:
        for app in [a for a in locals().values() if isinstance(a, Flask) and a is not seeded_app]:
            with app.app_context():
                db.engine().dispose()
        databases.drop_postgres([name])


def test_a_taken_slug_is_refused_unless_another_is_given(seeded_app: Flask, demo_archive: bytes) -> None:
    with seeded_app.app_context():
        before = count_rows(db.session())
    with pytest.raises(Conflict, match=r"already a trip at /trips/inner-mongolia-baotou-beijing.*--slug"):
        restore(seeded_app, demo_archive)
    with seeded_app.app_context():
        assert count_rows(db.session()) == before
    notes: list[str] = []
    assert restore(seeded_app, demo_archive, slug="a-copy", notes=notes) == "a-copy"
    assert notes == []  # the owner's posts are there already, unchanged: the copy links to them
    copy, original = dump(seeded_app, "a-copy"), dump(seeded_app)
    assert copy == original
    with seeded_app.app_context():
        after = count_rows(db.session())
    assert after["posts"] == before["posts"] and after["trips"] == before["trips"] + 1


def test_posts_of_another_author_are_imported_under_new_slugs(seeded_app: Flask, demo_archive: bytes) -> None:
    with seeded_app.app_context():
        create_author(db.session(), "ann", PASSWORD)
        db.session().commit()
    notes: list[str] = []
    restore(seeded_app, demo_archive, slug="anns-copy", username="ann", notes=notes)
    assert any("'baotou-capital-of-rare-earths'" in note and "baotou-capital-of-rare-earths-2" in note
               for note in notes)
    copy = dump(seeded_app, "anns-copy")
    assert copy["trip"]["owner"] == "ann" and {p["owner"] for p in copy["posts"]} == {"ann"}
    baotou = next(stop for leg in copy["legs"] for stop in leg["stops"] if stop["slug"] == "baotou")
    assert baotou["post"] == "baotou-capital-of-rare-earths-2"


def test_the_owner_is_the_only_author_or_must_be_named(tmp_path: Path) -> None:
    app = instance(tmp_path / "x", author=None)
    with app.app_context():
        s = db.session()
        with pytest.raises(InvalidInput, match="create-author"):
            default_owner(s, None)
        create_author(s, "ann", PASSWORD)
        assert default_owner(s, None).username == "ann"
        create_author(s, "bob", PASSWORD)
        with pytest.raises(InvalidInput, match="--author"):
            default_owner(s, None)
        assert default_owner(s, "bob").username == "bob"
        with pytest.raises(Exception, match="no author called 'carl'"):
            default_owner(s, "carl")


# ---------------------------------------------------------------- hostile and broken archives

def _manifest(edit: Callable[[dict], None]) -> Callable[[bytes], bytes]:
    return lambda archive: rebuild(archive, manifest=edit)


def _first_photo(archive: bytes) -> str:
    return photo_entry(json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("trip.json")))["file"]


def _first_gpx(archive: bytes) -> str:
    return json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("trip.json"))["legs"][0]["tracks"][0]["file"]


def _not_an_image(archive: bytes) -> bytes:
    junk = b"this is not a photo"

    def edit(doc: dict) -> None:
        photo_entry(doc)["sha256"] = hashlib.sha256(junk).hexdigest()

    return rebuild(archive, manifest=edit, replace={_first_photo(archive): junk})


def _zip_bomb(archive: bytes) -> bytes:
    out = io.BytesIO(archive)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("photos/zeros.jpg", bytes(30 * 1024 * 1024))
    return out.getvalue()


HOSTILE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "not a zip": (lambda archive: b"<gpx>not a zip</gpx>", "not a zip archive"),
    "a truncated zip": (lambda archive: archive[: len(archive) // 2], "not a zip archive"),
    "no trip.json": (lambda archive: rebuild(archive, drop=("trip.json",)), "no trip.json"),
    "trip.json that is not JSON": (lambda archive: _with_manifest_bytes(archive, b"{not json"), "not valid JSON"),
    "trip.json nested too deep": (lambda archive: _with_manifest_bytes(archive, b"[" * 100_000), "not valid JSON"),
    "trip.json of something else": (lambda archive: _with_manifest_bytes(archive, b"[]"), "not describe a travelmap"),
    "an unknown format version": (_manifest(lambda d: d.update(version=99)), "version 99"),
    "a member named with ..": (lambda archive: rebuild(archive, extra={"../escape.txt": b"x"}), "'..'"),
    "an absolute member name": (lambda archive: rebuild(archive, extra={"/etc/cron.d/x": b"x"}), "absolute"),
    "a zip bomb": (_zip_bomb, "zip bomb"),
    "a referenced file missing": (lambda archive: rebuild(archive, drop=(_first_photo(archive),)),
                                  "not in the archive"),
    "a file that does not match its checksum": (
        lambda archive: rebuild(archive, replace={_first_gpx(archive): b"<gpx></gpx>"}), "does not match its sha256"),
    "a photo that is not an image": (_not_an_image, "not a JPEG"),
    "a stop out of range": (_manifest(lambda d: d["legs"][0]["stops"][0].update(lat=200)),
                            "lat must be between -90 and 90"),
    "a stop linking to a post not in the archive": (
        _manifest(lambda d: d["legs"][0]["stops"][0].update(post="nowhere")), "'nowhere' is not among"),
    "a photo on a stop not in the trip": (_manifest(lambda d: photo_entry(d).update(stop="atlantis")),
                                          "'atlantis' is not in the trip"),
    "a javascript: post link": (_manifest(lambda d: d["posts"][0].update(slug="new-post", url="javascript:alert(1)")),
                                "url must be an http"),
    "an unknown location source": (_manifest(lambda d: photo_entry(d).update(location_source="guess")),
                                   "location_source must be one of"),
    "a stop time without offset": (_manifest(lambda d: d["legs"][0]["stops"][0].update(arrived_at="2010-10-11T09:30")),
                                   "arrived_at must carry its UTC offset"),
}


def _with_manifest_bytes(archive: bytes, data: bytes) -> bytes:
    return rebuild(archive, drop=("trip.json",), extra={"trip.json": data})


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_archive_is_refused_with_a_clear_message_and_changes_nothing(
        seeded_app: Flask, demo_archive: bytes, case: str) -> None:
    make, expected = HOSTILE[case]
    archive = make(demo_archive)
    files = media_files(seeded_app)
    with seeded_app.app_context():
        before = count_rows(db.session())
    with pytest.raises(InvalidInput) as caught:
        restore(seeded_app, archive, slug="restored")
    assert expected in caught.value.message
    with seeded_app.app_context():
        assert count_rows(db.session()) == before
    assert media_files(seeded_app) == files


def test_a_file_over_the_upload_limit_is_refused(seeded_app: Flask, demo_archive: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"tracks/001-.*over the 0.1 MB upload limit"):
        restore(seeded_app, demo_archive, slug="restored", max_file_bytes=100 * 1024)


def test_staged_files_are_gone_when_the_import_fails_half_way(seeded_app: Flask, demo_archive: bytes) -> None:
    document = json.loads(zipfile.ZipFile(io.BytesIO(demo_archive)).read("trip.json"))
    last = document["photos"][-1]
    broken = zipfile.ZipFile(io.BytesIO(demo_archive)).read(last["file"])[:20_000]  # a truncated JPEG

    def edit(doc: dict) -> None:
        doc["photos"][-1]["sha256"] = hashlib.sha256(broken).hexdigest()

    archive = rebuild(demo_archive, manifest=edit, replace={last["file"]: broken})
    files = media_files(seeded_app)
    with seeded_app.app_context():
        s = db.session()
        before = count_rows(s)
        with pytest.raises(InvalidInput, match=re.escape(last["file"]) + ".*truncated"):
            import_trip(s, io.BytesIO(archive), Path(seeded_app.config["MEDIA_DIR"]), default_owner(s, "demo"),
                        "half-way")
        staged = [item.tmp for item in s.info.get(media._PENDING, [])]
        assert len(staged) == 5 + 3 * 7  # every GPX file, and three files for each good photo
        assert all(path.exists() for path in staged)
        s.rollback()
        assert not any(path.exists() for path in staged)
        assert count_rows(s) == before
    assert media_files(seeded_app) == files


# ---------------------------------------------------------------- the command line

def test_the_cli_exports_and_imports_a_trip_end_to_end(seeded_app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "backup" / "trip.zip"
    target.parent.mkdir()
    result = seeded_app.test_cli_runner().invoke(args=["export-trip", DEMO_SLUG, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}: 3 legs, 5 tracks, 8 photos" in result.output
    assert [p.name for p in target.parent.iterdir()] == ["trip.zip"]

    other = instance(tmp_path / "other", author=None)
    runner = other.test_cli_runner()
    result = runner.invoke(args=["import-trip", str(target)])
    assert result.exit_code != 0 and "create-author" in result.output
    assert runner.invoke(args=["create-author", "ann", "--password-stdin"], input=PASSWORD + "\n").exit_code == 0
    result = runner.invoke(args=["import-trip", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Imported 'Inner Mongolia, Baotou and back to Beijing' at /trips/{DEMO_SLUG} for ann" in result.output
    assert "8 stops, 5 tracks, 8 photos" in result.output
    assert runner.invoke(args=["create-author", "bob", "--password-stdin"], input=PASSWORD + "\n").exit_code == 0
    result = runner.invoke(args=["import-trip", str(target), "--slug", "second"])
    assert result.exit_code != 0 and "--author USERNAME" in result.output
    result = runner.invoke(args=["import-trip", str(target), "--author", "bob"])
    assert result.exit_code != 0 and "--slug NEW" in result.output
    result = runner.invoke(args=["import-trip", str(target), "--slug", "second", "--author", "bob"])
    assert result.exit_code == 0, result.output
    assert "note    The post slug 'baotou-capital-of-rare-earths' belongs to another author" in result.output
    with other.app_context():
        s = db.session()
        assert s.scalar(select(Trip).where(Trip.slug == "second")).owner.username == "bob"
        assert s.scalar(select(Post).where(Post.slug == "beijing-to-hohhot-by-road-2")).owner.username == "bob"
        assert s.scalar(select(Stop).where(Stop.slug == "baotou", Stop.trip_id == s.scalar(
            select(Trip.id).where(Trip.slug == "second")))).post.slug == "baotou-capital-of-rare-earths-2"


def test_the_cli_says_what_is_wrong_and_stores_nothing(seeded_app: Flask, tmp_path: Path) -> None:
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["export-trip", "no-such-trip", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and "There is no trip 'no-such-trip'." in result.output
    assert not (tmp_path / "x.zip").exists()
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"PK but not really")
    files = media_files(seeded_app)
    with seeded_app.app_context():
        before = count_rows(db.session())
    result = runner.invoke(args=["import-trip", str(bogus), "--slug", "bogus"])
    assert result.exit_code == 1
    assert "Error: This file is not a zip archive" in result.output
    with seeded_app.app_context():
        assert count_rows(db.session()) == before
    assert media_files(seeded_app) == files
    result = runner.invoke(args=["import-trip", str(bogus), "--author", "nobody"])
    assert result.exit_code != 0 and "There is no author called 'nobody'" in result.output


# ---------------------------------------------------------------- the workspace download

def test_the_owner_downloads_a_backup_from_the_workspace_and_no_one_else_can(seeded_app: Flask,
                                                                              tmp_path: Path) -> None:
    from .authoring_helpers import login

    with seeded_app.app_context():
        create_author(db.session(), "demo", PASSWORD)  # the demo trip's login-less owner gets a password
        create_author(db.session(), "eve", PASSWORD)
        db.session().commit()
    url = f"/author/trips/{DEMO_SLUG}/backup.zip"
    anonymous = seeded_app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    eve = seeded_app.test_client()
    login(eve, "eve")
    assert eve.get(url).status_code == 403
    owner = seeded_app.test_client()
    login(owner, "demo")
    assert url in owner.get(f"/author/trips/{DEMO_SLUG}").get_data(as_text=True)
    response = owner.get(url)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f"attachment; filename={DEMO_SLUG}.zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = response.data
    response.close()  # a streamed file: closing the response closes the spooled zip, as a WSGI server does
    other = instance(tmp_path / "other")
    restore(other, archive)
    assert dump(other) == dump(seeded_app)
