"""A parser that crashes, runs away with memory or loops forever on an upload ends that one request with a
clear answer, through every way in (workspace form with and without its script, API, CLI, backup archive):
nothing is stored, and the same server goes on to take the next upload.

The misbehaving parsers are real: a read of address 0 from C (SIGSEGV), an allocation loop, a busy loop
(tests/hostile_parsers.py), put in place of the GPX parser or the photo decoder; and a real GPX file that
crashes gpxpy in C. Without the sandbox the first kills the test run, the second eats the machine's memory
up to its cap and the third never returns.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import travelmap.photos
import travelmap.services.tracks
from travelmap import db

from . import hostile as h
from . import hostile_parsers
from .conftest import count_rows, media_files
from .test_archive import export_bytes, rebuild
from .test_hostile_uploads import (
    PATHS,
    Case,
    Result,
    World,
    assert_refused,
    salted,
    send_gpx,
    send_photo,
    world,  # noqa: F401 - the module's app, clients and CLI inputs
)

MEMORY_MB = 256
RUNAWAYS = [
    ("crashes in C", hostile_parsers.segfault, 400, "the program decoding it crashed on it"),
    ("allocates without bound", hostile_parsers.allocate_without_bound, 413,
     f"needs more than {MEMORY_MB} MB of memory to read"),
    ("loops forever", hostile_parsers.loop_forever, 413, "took more than 1 second of computing"),
]
PARSERS = {"gpx": (travelmap.services.tracks, "read_track"), "photo": (travelmap.photos, "analyse")}


@pytest.fixture
def tight(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The module's app with small parse limits, so runaways are stopped quickly."""
    monkeypatch.setitem(world.app.config, "PARSE_MEMORY_MB", MEMORY_MB)
    monkeypatch.setitem(world.app.config, "PARSE_CPU_S", 1)
    monkeypatch.setitem(world.app.config, "PARSE_TIMEOUT_S", 60)  # the CPU limit, not the clock, must stop a loop
    return world


def good_file(kind: str, salt: str) -> bytes:
    return salted(h.good_gpx() if kind == "gpx" else h.good_jpeg(7), salt, kind)


def send(world: World, kind: str, path: str, filename: str, data: bytes) -> Result:
    return (send_gpx if kind == "gpx" else send_photo)(world, path, filename, data)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", ["gpx", "photo"])
@pytest.mark.parametrize("what, parser, status, phrase", RUNAWAYS, ids=[r[0] for r in RUNAWAYS])
def test_a_parser_that_crashes_or_runs_away_ends_only_its_request_and_stores_nothing(
        tight: World, monkeypatch: pytest.MonkeyPatch, what: str, parser: Callable[..., object], status: int,
        phrase: str, kind: str, path: str) -> None:
    filename = f"runaway.{'gpx' if kind == 'gpx' else 'jpg'}"
    before, strays = tight.state(), tight.stray_files()
    with monkeypatch.context() as patch:
        patch.setattr(*PARSERS[kind], parser)
        result = send(tight, kind, path, filename, good_file(kind, f"{what} {path} refused"))
    assert_refused(result, Case(what, filename, lambda _: b"", status, phrase), path, kind)
    assert "Nothing was saved" in result.message, result.message
    assert tight.state() == before and tight.stray_files() == strays
    # The same server, through the same way in, takes the next upload with the real parser.
    result = send(tight, kind, path, f"next.{'gpx' if kind == 'gpx' else 'jpg'}",
                  good_file(kind, f"{what} {path} next"))
    assert result.ok, (result.status, result.message)


def crashing_gpx() -> bytes:
    """A valid track whose point holds 200,000 nested extension elements: gpxpy's deep copy recurses in C
    until the stack runs out (SIGSEGV). A depth limit in the reader may refuse it first; either way, a 400."""
    nested = b"<extensions>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</extensions>"
    return h.good_gpx("crashing").replace(b"</trkpt>", nested + b"</trkpt>", 1)


@pytest.mark.parametrize("path", PATHS)
def test_a_gpx_file_that_crashes_the_real_parser_is_refused_and_the_server_goes_on(
        world: World, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setitem(world.app.config, "MAX_UPLOAD_MB", 2)
    monkeypatch.setitem(world.app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    before, strays = world.state(), world.stray_files()
    result = send_gpx(world, path, "deep.gpx", crashing_gpx())
    assert_refused(result, Case("deep", "deep.gpx", lambda _: b"", 400, ""), path, "gpx")
    assert world.state() == before and world.stray_files() == strays
    assert send_gpx(world, path, "after.gpx", good_file("gpx", f"after deep {path}")).ok


# ---------------------------------------------------------------- the backup archive (travelmap import-trip)


def _with_gpx(archive: bytes, data: bytes) -> bytes:
    """Put data in place of the archive's first GPX file (with its sha256 updated, so only parsing can fail)."""
    document = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("trip.json"))
    entry = document["legs"][0]["tracks"][0]

    def edit(doc: dict) -> None:
        doc["legs"][0]["tracks"][0]["sha256"] = hashlib.sha256(data).hexdigest()

    return rebuild(archive, manifest=edit, replace={entry["file"]: data})


@pytest.mark.parametrize("what, archive_of, parser, phrase", [
    pytest.param(what, archive_of, parser, phrase, id=what) for what, archive_of, parser, phrase in [
        ("a GPX file that crashes gpxpy", lambda archive: _with_gpx(archive, crashing_gpx()), None, ""),
        ("a photo that crashes the decoder", lambda archive: archive, hostile_parsers.segfault, "crashed on it"),
        ("a photo that allocates without bound", lambda archive: archive, hostile_parsers.allocate_without_bound,
         f"more than {MEMORY_MB} MB"),
        ("a GPX file that loops forever", lambda archive: archive, hostile_parsers.loop_forever,
         "1 second of computing"),
    ]])
def test_an_archive_whose_file_crashes_or_runs_away_is_refused_whole_and_the_next_import_works(
        seeded_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str,
        archive_of: Callable[[bytes], bytes], parser: Callable[..., object] | None, phrase: str) -> None:
    for key, value in {"PARSE_MEMORY_MB": MEMORY_MB, "PARSE_CPU_S": 1, "PARSE_TIMEOUT_S": 60}.items():
        monkeypatch.setitem(seeded_app.config, key, value)
    clean = export_bytes(seeded_app)
    (tmp_path / "bad.zip").write_bytes(archive_of(clean))
    (tmp_path / "good.zip").write_bytes(clean)
    with seeded_app.app_context():
        before = count_rows(db.session())
    files = media_files(seeded_app)
    runner = seeded_app.test_cli_runner()
    with monkeypatch.context() as patch:
        if parser is not None:
            patch.setattr(*PARSERS["photo" if "photo" in what else "gpx"], parser)
        result = runner.invoke(args=["import-trip", str(tmp_path / "bad.zip"), "--slug", "bad-copy"])
    assert result.exit_code == 1, result.output
    assert phrase in result.output and "Traceback" not in result.output, result.output
    if parser is not None:  # (a reader that refuses the deep file up front has its own words)
        assert "Nothing was saved" in result.output, result.output
    with seeded_app.app_context():
        assert count_rows(db.session()) == before
    assert media_files(seeded_app) == files
    result = runner.invoke(args=["import-trip", str(tmp_path / "good.zip"), "--slug", "good-copy"])
    assert result.exit_code == 0, result.output
