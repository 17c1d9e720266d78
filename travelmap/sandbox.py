"""Run a parser of untrusted files in a child process under limits, so a crash or runaway ends one request only.

GPX files and photos, uploaded or inside a backup archive, are decoded by C code (expat, libjpeg, libpng,
libwebp, libheif, zlib) that a hostile or merely broken file can crash, make allocate without bound, or
keep busy forever. In the web worker that would take every request the worker serves down with it; here
it costs one clear answer:

- a crash (the child killed by a signal: SIGSEGV, SIGBUS, SIGABRT …) is a 400 ``parser_crashed``;
- more memory than ``memory_mb`` (MemoryError, or the kernel's OOM killer) is a 413 ``parse_memory``;
- more CPU time than ``cpu_s`` (the file keeps the decoder busy) is a 413 ``parse_cpu``;
- no answer within ``timeout_s`` of wall time while under the CPU limit (the server is overloaded or the
  decoder is stuck waiting) is a 503 ``parse_timeout``: trying again later may work.

Each says "Nothing was saved." (callers parse before they store anything) and the technical detail goes to
the log. A TravelmapError the parser raises comes back as itself (class, status, code, message, field,
details); any other exception is re-raised as itself, as if the parser had run here.

The mechanism is multiprocessing's ``forkserver`` start method, with the parsers preloaded and warmed
(``sandbox_preload``):

- Per call a fresh child is forked from a server process that imported gpxpy, Pillow, pillow-heif and the
  time-zone data once, so a call costs a fork and two pipe transfers, not an interpreter start and
  imports. Measured on the 2-core development machine: 15-30 ms per call for a small file, plus about
  2 ms per MB of file in and 3 ms per MB of result out; a fresh child also pays for first touching the
  memory it decodes into (about 17,000 page faults, 40 ms, for a 12-megapixel JPEG). In CPU time a GPX
  import costs the same sandboxed (within 3%), a 12-megapixel photo about 50 ms more. The server takes
  about 1 s to start, on a worker's first upload, and holds about 110 MB. See the benchmarks.
- Unlike ``fork`` from the worker, it is safe in a threaded worker (gunicorn ``--threads``, Werkzeug):
  the server was started by exec, so no lock held by another thread is copied in a locked state, and the
  child inherits none of the worker's open database connections, listening sockets or files — only the
  pipe it answers on (``tests/test_sandbox.py`` checks this).
- Unlike a persistent pool of worker processes, a crash or a kill on timeout loses nothing but that one
  call, memory a parse used is returned to the system when its child exits, limits apply per file, and
  one user's file never runs in a process that parsed another's.

Limits are set in the child with setrlimit: RLIMIT_DATA (heap and anonymous mappings, counted from what
the child starts with, so the budget is what the parse itself may allocate), RLIMIT_CPU and RLIMIT_CORE
= 0 (a crash leaves no core file of an attacker's data on disk). The wall-clock timeout is the parent's:
it kills the child with SIGKILL.

``Limits(enabled=False)`` calls the parser in this process, unprotected: for debugging only.
Linux only (RLIMIT_DATA counts anonymous mappings since Linux 4.7; /proc). No Flask or SQLAlchemy here.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext, ForkServerProcess
from typing import Any, ParamSpec, TypeVar

from .errors import InvalidInput, TooLarge, TravelmapError, Unavailable

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Imported once by the fork server, so each child starts with the parsers loaded and warm (Pillow's plugins,
# the time-zone data) and without the worker's main script, which multiprocessing would otherwise re-run.
PRELOAD = ("travelmap.sandbox_preload",)

MB = 1024 * 1024
CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL, signal.SIGFPE, signal.SIGSYS,
                 signal.SIGTRAP}


@dataclass(frozen=True)
class Limits:
    """What one parse may use: MB beyond the child's start, CPU seconds, wall seconds; enabled=False runs it here."""

    memory_mb: int = 3072
    cpu_s: float = 60.0
    timeout_s: float = 120.0
    enabled: bool = True
    max_points: int = 1_000_000  # a track file may hold at most this many points (413 above it)


@dataclass(frozen=True)
class Usage:
    """What one sandboxed call used: wall seconds in the parent, CPU seconds and peak resident MB of the child."""

    wall_s: float
    cpu_s: float
    peak_mb: float


class RemoteTraceback(Exception):
    """The child's traceback, kept as the cause of an unexpected exception re-raised in the parent."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


def run(limits: Limits, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call func(*args, **kwargs) in a child process under the limits and return its result.

    func, its arguments and its result are pickled: func must be a function of an importable module (not
    of the main script, which the child does not load).
    """
    if not limits.enabled:
        return func(*args, **kwargs)
    result, _ = run_measured(limits, func, *args, **kwargs)
    return result


def run_measured(limits: Limits, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> tuple[T, Usage]:
    """Call func in a child process under the limits; return its result and what the call used."""
    context = _context()
    started = time.monotonic()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, limits, func, args, kwargs), daemon=True,
                              name=f"travelmap-sandbox:{_name(func)}")
    try:
        process.start()
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        receiver.close()
        raise TypeError(f"sandbox.run: {_name(func)} and its arguments must be picklable (a module-level "
                        f"function): {error}") from error
    finally:
        sender.close()  # the child holds the only write end now: its death reads as end of file
    try:
        outcome = _wait(receiver, process, started + limits.timeout_s)
        if outcome is None:
            process.kill()
            process.join()
            log.error("sandbox: %s gave no answer within %s s (wall clock); killed it", _name(func), limits.timeout_s)
            raise _timed_out(limits)
        process.join(max(1.0, started + limits.timeout_s - time.monotonic()))
    finally:
        receiver.close()
        if process.exitcode is None:
            process.kill()
            process.join()
        process.close()
    return _result(outcome, limits, func, time.monotonic() - started)


def _context() -> ForkServerContext:
    """Return the forkserver context, telling it what to preload before its server first starts."""
    global _forkserver
    with _lock:
        if _forkserver is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _forkserver = context
        return _forkserver


_forkserver: ForkServerContext | None = None
_lock = threading.Lock()


def _name(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


# What the child sends back: (kind, value, Usage or None).
Outcome = tuple[Any, ...]


def _wait(receiver: multiprocessing.connection.Connection, process: ForkServerProcess,
          deadline: float) -> Outcome | None:
    """Return the child's answer, ("died", exit code) if it died without one, or None at the deadline."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready = multiprocessing.connection.wait([receiver, process.sentinel], timeout=remaining)
        if receiver.poll():
            try:
                answer: Outcome = receiver.recv()
                return answer
            except (EOFError, OSError):
                pass  # it died while answering: its exit code says why
            process.join()
            return ("died", process.exitcode, None)
        if process.sentinel in ready:
            process.join()
            return ("died", process.exitcode, None)


def _result(outcome: Outcome, limits: Limits, func: Callable[..., T], wall_s: float) -> tuple[T, Usage]:
    """Turn the child's answer (or its death) into the result, or the error to raise."""
    kind, value, usage = outcome[0], outcome[1], outcome[2]
    used = Usage(wall_s=wall_s, cpu_s=usage.cpu_s if usage else 0.0, peak_mb=usage.peak_mb if usage else 0.0)
    log.debug("sandbox: %s: %s in %.3f s (CPU %.3f s, peak %.0f MB)", _name(func), kind, used.wall_s, used.cpu_s,
              used.peak_mb, extra={"sandbox_usage": used})
    if kind == "ok":
        return value, used
    if kind == "refused":
        raise value
    if kind == "memory":
        log.warning("sandbox: %s ran out of its %s MB", _name(func), limits.memory_mb)
        raise _out_of_memory(limits)
    if kind == "raised":
        error, text = value
        error.__cause__ = RemoteTraceback(text)
        raise error
    code = value
    if code is not None and code < 0:
        signum = -code
        name = signal.Signals(signum).name if signum in signal.valid_signals() else str(signum)
        if signum == signal.SIGXCPU:
            log.warning("sandbox: %s used its %s s of CPU time (%s)", _name(func), limits.cpu_s, name)
            raise _out_of_time(limits)
        if signum == signal.SIGKILL:  # not ours (that is the wall-clock timeout): the kernel's OOM killer
            log.error("sandbox: %s was killed (SIGKILL), most likely for using too much memory", _name(func))
            raise _out_of_memory(limits)
        log.error("sandbox: %s crashed: killed by %s", _name(func), name)
        raise _crashed()
    log.error("sandbox: %s exited with status %s without an answer", _name(func), code)
    raise RuntimeError(f"the sandboxed {_name(func)} exited with status {code} without an answer; "
                       "its error went to the server's standard error")


def _crashed() -> TravelmapError:
    return InvalidInput("This file could not be read: the program decoding it crashed on it, so the file is probably "
                        "damaged. Nothing was saved.", code="parser_crashed")


def _out_of_memory(limits: Limits) -> TravelmapError:
    return TooLarge(f"This file needs more than {limits.memory_mb} MB of memory to read, more than the server allows "
                    "for one file. Nothing was saved.", code="parse_memory")


def _out_of_time(limits: Limits) -> TravelmapError:
    return TooLarge(f"Reading this file took more than {_seconds(limits.cpu_s)} of computing, the server's limit for "
                    "one file, so it was stopped. Nothing was saved.", code="parse_cpu")


def _timed_out(limits: Limits) -> TravelmapError:
    return Unavailable(f"The server did not finish reading this file within {_seconds(limits.timeout_s)}, so it "
                       "stopped. Nothing was saved; try again later. If it happens again, the file may be too "
                       "complex to read.", code="parse_timeout")


def _seconds(value: float) -> str:
    return f"{value:g} second{'' if value == 1 else 's'}"


# ---------------------------------------------------------------- in the child


def _child(sender: multiprocessing.connection.Connection, limits: Limits, func: Callable[..., Any],
           args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Run in the child: confine it, call func, send the outcome, and leave without the interpreter's teardown."""
    _confine(limits)
    try:
        outcome: Outcome = ("ok", func(*args, **kwargs))
    except TravelmapError as error:
        outcome = ("refused", error)
    except MemoryError:
        outcome = ("memory", None)
    except BaseException as error:
        outcome = ("raised", (error, traceback.format_exc()))
    del args, kwargs
    usage = resource.getrusage(resource.RUSAGE_SELF)
    outcome += (Usage(wall_s=0.0, cpu_s=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024),)
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("memory", None, None))
    except Exception as error:
        sender.send(("raised", (RuntimeError(f"the sandboxed call's outcome could not be sent back: {error!r}"),
                                traceback.format_exc()), None))
    sender.close()
    os._exit(0)  # freeing a big parse object by object would only delay the parent's join


def _confine(limits: Limits) -> None:
    """Set the child's memory, CPU and core-file limits (the memory budget counts from what it holds now)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = max(1, int(limits.cpu_s + 0.999))
    # SIGXCPU at the soft limit; the hard limit a second later kills it even if it catches that.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    data = _data_bytes() + limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))


def _data_bytes() -> int:
    """Return the process's data size now (heap and private writable mappings), as RLIMIT_DATA counts it."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


__all__ = ["Limits", "Usage", "RemoteTraceback", "run", "run_measured"]
