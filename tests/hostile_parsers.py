"""Stand-ins for a GPX parser or photo decoder that misbehave the way C code does on a hostile file.

Tests put one in place of `travelmap.services.tracks.read_track` or `travelmap.photos.analyse` (they take
any arguments). They live at module level so the sandbox can send them to its child process by name.
"""

from __future__ import annotations

import ctypes
import os
import time

# A parser that escaped its memory limit stops here rather than taking the test machine with it.
RUNAWAY_CAP_MB = 3072


def segfault(*_args: object, **_kwargs: object) -> object:
    """Crash the process the way a bug in C code does: read address 0 (SIGSEGV)."""
    return ctypes.string_at(0)


def allocate_without_bound(*_args: object, **_kwargs: object) -> object:
    """Keep allocating (and touching) memory, 64 MB at a time, as a decompression bomb would."""
    hoard = []
    for _ in range(RUNAWAY_CAP_MB // 64):
        hoard.append(bytearray(64 * 1024 * 1024))
    raise RuntimeError(f"allocated {RUNAWAY_CAP_MB} MB and nothing stopped it")


def loop_forever(*_args: object, **_kwargs: object) -> object:
    """Keep the CPU busy and never return, as a decoder stuck in a loop would."""
    n = 0
    while True:
        n += 1


def sleep_forever(*_args: object, **_kwargs: object) -> object:
    """Never return without using the CPU, as a decoder waiting on something that never comes would."""
    while True:
        time.sleep(3600)


def open_descriptors(*_args: object, **_kwargs: object) -> dict[int, str]:
    """Return what each open file descriptor of this process points at."""
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[int(fd)] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass  # the descriptor listdir itself used
    return found


def data_size_mb(*_args: object, **_kwargs: object) -> float:
    """Return this process's data size (what RLIMIT_DATA counts) in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmData in /proc/self/status")
