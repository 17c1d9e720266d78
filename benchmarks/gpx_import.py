"""Track import cost: the GPX import and every track reader, each beside gpxpy.parse on the same points, same run.

    python benchmarks/gpx_import.py            # 10k, 100k and 500k points
    python benchmarks/gpx_import.py --quick    # 2k and 10k points (CI smoke run)

Table 1, the import: what an upload does (decode, the streaming GPX reader with its XML defences and
validation, stats, two simplified geometries, the profile, packing every point, the database insert and
commit on SQLite in a temporary folder, the original file written into place) next to gpxpy.parse
alone. Aim: at most 1.3x gpxpy's time and 1.5x its peak memory.

Table 2, the readers: the streaming GPX reader and the FIT, TCX and KML readers, each on a file of the
same points (benchmarks/track_files.py), next to gpxpy.parse on the GPX file. Every case runs in a fresh
Python process that first loads its file: peak memory is the peak of Python's allocations while it
reads (tracemalloc, which also sees expat's buffers), with the growth of the process's high-water
resident size (VmHWM, the first read) beside it; time is the best of a few reads. Aim at 500,000
points: time at most gpxpy's, peak memory at most a fifth of it.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import gpxpy
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import peak_memory, synthetic_gpx, table, wall_time
from benchmarks.track_files import fit_file, kml_file, synthetic_points, tcx_file
from travelmap import create_app, db
from travelmap.formats import read_track
from travelmap.gpx import decode
from travelmap.models import Author, Leg, Trip
from travelmap.services.tracks import import_track

REPEAT = {2_000: 3, 10_000: 3, 100_000: 2, 500_000: 1}  # the import table
READ_REPEAT = {2_000: 3, 10_000: 3, 100_000: 3, 500_000: 2}  # the readers table: best of these, on a shared machine
READERS = ["gpx", "fit", "tcx", "kml"]
WRITERS: dict[str, Callable[[int], bytes]] = {
    "gpx": synthetic_gpx,
    "fit": lambda n: fit_file(synthetic_points(n)),
    "tcx": lambda n: tcx_file(synthetic_points(n)),
    "kml": lambda n: kml_file(synthetic_points(n)),
}


@contextmanager
def bench_leg() -> Iterator[tuple[Session, Leg, Path]]:
    """Yield (session, leg, media folder) of a throwaway app with one trip and one leg."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.sqlite3'}",
                          "MEDIA_DIR": str(root / "media"), "SECRET_KEY": "bench", "MAX_UPLOAD_MB": 1024})
        with app.app_context():
            db.upgrade_schema(db.engine())
            session = db.session()
            trip = Trip(slug="bench", title="Bench", owner=Author(username="bench"))
            leg = Leg(trip=trip, position=1, name="Leg")
            session.add_all([trip, leg])
            session.commit()
            yield session, leg, root / "media"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small files only (CI smoke run)")
    parser.add_argument("--points", type=int, help="only peak memory for one size: prints 'gpxpy_MB<TAB>import_MB'")
    parser.add_argument("--case", nargs=3, metavar=("READER", "FILE", "REPEAT"),
                        help="(internal) measure one reader on one file in this fresh process; prints JSON")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure_case(args.case[0], Path(args.case[1]), int(args.case[2]))))
        return
    if args.points:
        print(*memory_only(args.points), sep="\t")
        return
    sizes = [2_000, 10_000] if args.quick else [10_000, 100_000, 500_000]
    import_table(sizes)
    print()
    readers_table(sizes)


def import_table(sizes: list[int]) -> None:
    """Print table 1: the whole import through the service vs gpxpy.parse alone."""
    rows = []
    with bench_leg() as (session, leg, media):
        counter = iter(range(10**9))

        for size in sizes:
            data = synthetic_gpx(size)
            text = decode(data)

            def parse_only(text: str = text) -> object:
                return gpxpy.parse(text)

            def whole_import(data: bytes = data) -> object:
                # A new creator comment each run: the same bytes twice would be a duplicate (409).
                unique = data.replace(b"travelmap benchmarks", f"run {next(counter)}".encode(), 1)
                track = import_track(session, leg, unique, "bench.gpx", media)
                session.commit()
                return track

            t_parse = wall_time(parse_only, REPEAT[size])
            t_import = wall_time(whole_import, REPEAT[size])
            m_parse = peak_memory(parse_only)
            m_import = peak_memory(whole_import)
            rows.append([f"{size:,}", f"{len(data) / 1e6:.1f}", f"{t_parse:.2f}", f"{t_import:.2f}",
                         f"{t_import / t_parse:.2f}x", f"{size / t_import:,.0f}",
                         f"{m_parse / 1e6:.0f}", f"{m_import / 1e6:.0f}", f"{m_import / m_parse:.2f}x"])
    print("1. GPX import through the service vs gpxpy.parse alone (best wall time; peak Python memory via tracemalloc)")
    print(table(["points", "MB", "gpxpy s", "import s", "time ratio", "import pts/s", "gpxpy MB", "import MB",
                 "memory ratio"], rows))
    print("aim: time ratio <= 1.30x, memory ratio <= 1.50x")


def readers_table(sizes: list[int]) -> None:
    """Print table 2: each reader on the same points vs gpxpy.parse, every case in a fresh process."""
    rows = []
    misses = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            files = {}
            for reader in READERS:
                files[reader] = Path(tmp) / f"{size}.{reader}"
                files[reader].write_bytes(WRITERS[reader](size))
            base = run_case("gpxpy", files["gpx"], READ_REPEAT[size])
            for reader in READERS:
                got = run_case(reader, files[reader], READ_REPEAT[size])
                time_ratio, memory_ratio = got["seconds"] / base["seconds"], got["peak"] / base["peak"]
                rows.append([reader.upper(), f"{size:,}", f"{files[reader].stat().st_size / 1e6:.1f}",
                             f"{got['seconds']:.2f}", f"{base['seconds']:.2f}", f"{time_ratio:.2f}x",
                             f"{got['peak'] / 1e6:.0f}", f"{base['peak'] / 1e6:.0f}", f"{memory_ratio:.2f}x",
                             f"{got['rss'] / 1e6:.0f}", f"{base['rss'] / 1e6:.0f}"])
                if size == 500_000 and (time_ratio > 1.0 or memory_ratio > 0.2):
                    misses.append(reader.upper())
    print("2. Each reader on a file of the same points vs gpxpy.parse on the GPX (a fresh process per case; best "
          "wall time; peak Python memory via tracemalloc; RSS = growth of the resident high-water mark, first read)")
    print(table(["reader", "points", "file MB", "read s", "gpxpy s", "time ratio", "read MB", "gpxpy MB",
                 "memory ratio", "read RSS MB", "gpxpy RSS MB"], rows))
    print("aim at 500,000 points: time ratio <= 1.00x, memory ratio <= 0.20x"
          + (f"; MISSED by {', '.join(misses)}" if misses else ""))


def run_case(reader: str, path: Path, repeat: int) -> dict:
    """Measure one case in a fresh Python process (so no earlier case's memory counts)."""
    out = subprocess.run([sys.executable, __file__, "--case", reader, str(path), str(repeat)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure_case(reader: str, path: Path, repeat: int) -> dict:
    """Read one file `repeat` times: best time, tracemalloc peak, and the growth of the resident high-water mark."""
    data = path.read_bytes()
    if reader == "gpxpy":
        text = decode(data)
        del data

        def read() -> object:
            return gpxpy.parse(text)
    else:
        def read() -> object:
            return read_track(data)
    gc.collect()
    before = resident_peak(reset=True)
    start = time.perf_counter()
    read()
    first = time.perf_counter() - start
    rss = resident_peak() - before
    seconds = min([first] + ([wall_time(read, repeat - 1)] if repeat > 1 else []))
    return {"seconds": seconds, "peak": peak_memory(read), "rss": rss}


def resident_peak(reset: bool = False) -> int:
    """Return this process's resident high-water mark in bytes (Linux: VmHWM), first lowering it to now if asked.

    ru_maxrss will not do: Linux carries the parent's high-water mark into a child across fork and exec.
    """
    status = Path("/proc/self/status")
    if not status.exists():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if reset:
        try:
            Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
        except OSError:
            pass
    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    return int(fields["VmHWM"].split()[0]) * 1024


def memory_only(size: int) -> tuple[str, str]:
    """Peak memory (MB) of gpxpy.parse and of the whole import, for one file size."""
    data = synthetic_gpx(size)
    text = decode(data)
    with bench_leg() as (session, leg, media):
        parse_peak = peak_memory(lambda: gpxpy.parse(text))

        def whole_import() -> None:
            import_track(session, leg, data, "bench.gpx", media)
            session.commit()

        import_peak = peak_memory(whole_import)
    return f"{parse_peak / 1e6:.1f}", f"{import_peak / 1e6:.1f}"


if __name__ == "__main__":
    main()
