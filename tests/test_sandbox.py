"""The sandbox on its own: a parser runs in a child process under limits; what it returns or raises comes back
as itself, and a crash, a memory runaway, a CPU runaway or a hang becomes one clear TravelmapError."""

from __future__ import annotations

import io
import logging
import operator
import os
import resource
import socket
import sqlite3
import sys
from pathlib import Path

import pytest
from PIL import Image

from travelmap import config, errors, photos, sandbox
from travelmap.gpx import parse_gpx
from travelmap.sandbox import Limits

from . import hostile as h
from . import hostile_parsers

SMALL = Limits(memory_mb=256, cpu_s=1, timeout_s=60)


def raise_error(error: BaseException) -> None:
    """Raise what it is given (in the child)."""
    raise error


def test_the_parser_runs_in_another_process_and_its_result_comes_back() -> None:
    assert sandbox.run(Limits(), os.getpid) != os.getpid()
    data = h.good_gpx("round trip")
    assert sandbox.run(Limits(), parse_gpx, data) == parse_gpx(data)


def test_with_the_sandbox_off_the_parser_runs_in_this_process() -> None:
    assert sandbox.run(Limits(enabled=False), os.getpid) == os.getpid()


@pytest.mark.parametrize("error", [
    errors.InvalidInput("A point has latitude 95.", field="file", code="invalid_gpx"),
    errors.TooLarge("The image is 9000×9000 pixels.", code="image_too_large"),
    errors.UnsupportedType("This file is not a JPEG, HEIC, PNG or WebP image.", code="not_an_image"),
    errors.Conflict("Already there (track 3).", code="duplicate", details={"existing_id": 3}),
    errors.TravelmapError("Odd.", status=422, code="odd"),
], ids=lambda e: type(e).__name__)
def test_a_travelmap_error_raised_in_the_child_comes_back_as_itself(error: errors.TravelmapError) -> None:
    with pytest.raises(type(error)) as raised:
        sandbox.run(Limits(), raise_error, error)
    got = raised.value
    assert type(got) is type(error)
    assert (got.status, got.code, got.message, got.field, got.details) == (
        error.status, error.code, error.message, error.field, error.details)


def test_any_other_exception_comes_back_as_itself_with_the_childs_traceback() -> None:
    with pytest.raises(ZeroDivisionError) as raised:
        sandbox.run(Limits(), operator.truediv, 1, 0)
    cause = raised.value.__cause__
    assert isinstance(cause, sandbox.RemoteTraceback) and "ZeroDivisionError" in str(cause)


def test_a_function_the_child_cannot_import_is_refused_before_a_child_starts() -> None:
    with pytest.raises(TypeError, match="must be picklable"):
        sandbox.run(Limits(), lambda: 1)


def test_a_crash_in_c_code_is_a_400_that_says_nothing_was_saved(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, "travelmap.sandbox"), pytest.raises(errors.InvalidInput) as raised:
        sandbox.run(SMALL, hostile_parsers.segfault, b"data")
    assert raised.value.status == 400 and raised.value.code == "parser_crashed"
    assert "crashed" in raised.value.message and raised.value.message.endswith("Nothing was saved.")
    assert "SIGSEGV" in caplog.text and "hostile_parsers.segfault" in caplog.text


def test_a_memory_runaway_is_a_413_naming_the_limit() -> None:
    with pytest.raises(errors.TooLarge) as raised:
        sandbox.run(SMALL, hostile_parsers.allocate_without_bound, b"data")
    assert raised.value.status == 413 and raised.value.code == "parse_memory"
    assert "more than 256 MB of memory" in raised.value.message and "Nothing was saved." in raised.value.message


def test_a_parser_that_keeps_the_cpu_busy_is_stopped_at_its_cpu_limit_with_a_413() -> None:
    with pytest.raises(errors.TooLarge) as raised:
        sandbox.run(SMALL, hostile_parsers.loop_forever, b"data")
    assert raised.value.status == 413 and raised.value.code == "parse_cpu"
    assert "more than 1 second of computing" in raised.value.message and "Nothing was saved." in raised.value.message


def test_a_parser_that_hangs_is_stopped_by_the_wall_clock_with_a_503_and_killed() -> None:
    with pytest.raises(errors.Unavailable) as raised:
        sandbox.run(Limits(memory_mb=256, cpu_s=60, timeout_s=1), hostile_parsers.sleep_forever, b"data")
    assert raised.value.status == 503 and raised.value.code == "parse_timeout"
    assert "within 1 second," in raised.value.message and "try again later" in raised.value.message
    assert _sandbox_children() == []  # the hung child is gone, not left sleeping


def _parent_of(pid: str) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[1])


def _sandbox_children() -> list[int]:
    """Return the live processes started by a fork server of this process."""
    pids = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()]
    parents = {}
    for pid in pids:
        try:
            parents[pid] = _parent_of(pid)
        except OSError:
            pass  # it ended meanwhile
    servers = set()
    for pid, parent in parents.items():
        try:
            if parent == os.getpid() and b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                servers.add(int(pid))
        except OSError:
            pass
    assert servers, "no fork server found"
    return [int(pid) for pid, parent in parents.items() if parent in servers]


def test_the_child_runs_under_the_limits_and_writes_no_core_file() -> None:
    assert sandbox.run(SMALL, resource.getrlimit, resource.RLIMIT_CORE) == (0, 0)
    assert sandbox.run(SMALL, resource.getrlimit, resource.RLIMIT_CPU) == (1, 2)
    start_mb = sandbox.run(Limits(), hostile_parsers.data_size_mb)
    soft, hard = sandbox.run(SMALL, resource.getrlimit, resource.RLIMIT_DATA)
    assert soft == hard and abs(soft / 2**20 - start_mb - 256) < 16  # 256 MB beyond what it starts with


def test_the_child_inherits_no_database_connection_socket_or_open_file(tmp_path: Path) -> None:
    database = tmp_path / "open.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute("create table t (x)")
    listener = socket.create_server(("127.0.0.1", 0))
    secret = open(tmp_path / "secret.txt", "w")
    try:
        open_in_child = sandbox.run(Limits(), hostile_parsers.open_descriptors)
    finally:
        secret.close()
        listener.close()
        connection.close()
    targets = set(open_in_child.values())
    assert not any(target.startswith("socket:") for target in targets), targets
    assert not {str(database), str(tmp_path / "secret.txt")} & targets, targets
    # What it does hold: pipes to its parent, /dev/null, and library data the fork server opened read-only.
    assert all(target.startswith(("pipe:", "/dev/null", sys.prefix, sys.base_prefix))
               for fd, target in open_in_child.items() if fd > 2), targets


def test_the_default_limits_let_the_largest_legal_photo_through() -> None:
    """A 60-megapixel WebP with alpha is the hungriest photo we accept (about 1.5 GB to decode)."""
    out = io.BytesIO()
    Image.new("RGBA", (16383, 3662), (10, 200, 30, 128)).save(out, "WEBP", quality=50)
    analysed, used = sandbox.run_measured(Limits(), photos.analyse, out.getvalue(), max_pixels=60_000_000)
    assert analysed.info.width == 16383
    assert used.peak_mb < Limits().memory_mb / 1.5, used  # room to spare


@pytest.mark.parametrize("env, message", [
    ({"TRAVELMAP_PARSE_MEMORY_MB": "lots"}, "TRAVELMAP_PARSE_MEMORY_MB must be a positive number, got 'lots'"),
    ({"TRAVELMAP_PARSE_CPU_S": "-1"}, "TRAVELMAP_PARSE_CPU_S must be a positive number, got '-1'"),
    ({"TRAVELMAP_PARSE_TIMEOUT_S": "inf"}, "TRAVELMAP_PARSE_TIMEOUT_S must be a positive number, got 'inf'"),
    ({"TRAVELMAP_PARSE_SANDBOX": "maybe"}, "TRAVELMAP_PARSE_SANDBOX must be 1 or 0, got 'maybe'"),
])
def test_a_mistyped_parse_limit_stops_the_start_up_with_its_name(env: dict, message: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValueError, match=message):
        config.from_environment(tmp_path)


def test_the_parse_limits_come_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.parse_limits(config.from_environment(tmp_path)) == Limits()
    monkeypatch.setenv("TRAVELMAP_PARSE_MEMORY_MB", "512")
    monkeypatch.setenv("TRAVELMAP_PARSE_CPU_S", "5")
    monkeypatch.setenv("TRAVELMAP_PARSE_TIMEOUT_S", "7.5")
    monkeypatch.setenv("TRAVELMAP_PARSE_SANDBOX", "0")
    assert config.parse_limits(config.from_environment(tmp_path)) == Limits(512, 5.0, 7.5, enabled=False)
