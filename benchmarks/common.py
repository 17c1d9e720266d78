"""Shared helpers for the benchmarks: synthetic GPX of a given size, timing, peak memory, tables, and what
sandboxed children used."""

from __future__ import annotations

import gc
import logging
import math
import random
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

START = datetime(2010, 10, 11, 1, 30, tzinfo=timezone.utc)


def synthetic_gpx(points: int, seed: int = 1, sample_s: float = 1.0) -> bytes:
    """Write a GPX 1.1 track of `points` points at 1 s sampling, with elevation, time and a heart-rate extension."""
    rng = random.Random(seed)
    lat, lon, heading = 40.8424, 111.7490, 250.0
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="travelmap benchmarks" '
           'xmlns="http://www.topografix.com/GPX/1/1" '
           'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n<trk><name>Benchmark</name><trkseg>\n']
    for i in range(points):
        heading += rng.uniform(-2, 2)
        step = 12.0 + rng.uniform(-1, 1)
        lat += step * math.cos(math.radians(heading)) / 111_320
        lon += step * math.sin(math.radians(heading)) / (111_320 * math.cos(math.radians(lat)))
        ele = 1050 + 200 * math.sin(i / 5000) + rng.uniform(-3, 3)
        when = (START + timedelta(seconds=i * sample_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{when}</time>'
                   f'<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{120 + i % 40}</gpxtpx:hr>'
                   '</gpxtpx:TrackPointExtension></extensions></trkpt>\n')
    out.append("</trkseg></trk>\n</gpx>\n")
    return "".join(out).encode()


def wall_time(fn: Callable[[], object], repeat: int, pick: Callable[[list[float]], float] = min) -> float:
    """Run fn `repeat` times and return the best (or, with pick=statistics.median, the median) wall time."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return pick(times)


def peak_memory(fn: Callable[[], object]) -> int:
    """Return the peak Python memory (bytes, tracemalloc) allocated while fn runs."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def table(headers: list[str], rows: list[list[object]]) -> str:
    """Format a plain-text table."""
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Children(logging.Handler):
    """Add up the CPU time and keep the largest peak resident size (MB) the sandbox reports for its children."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.peak_mb = 0.0
        self.cpu_s = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        usage = getattr(record, "sandbox_usage", None)
        if usage is not None:
            self.peak_mb = max(self.peak_mb, usage.peak_mb)
            self.cpu_s += usage.cpu_s


def watch_children() -> Children:
    """Start collecting the sandbox's reports of its children's CPU time and peak memory."""
    handler = Children()
    logger = logging.getLogger("travelmap.sandbox")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    return handler
