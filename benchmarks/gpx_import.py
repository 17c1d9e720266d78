"""Track import cost: the GPX import and every track reader, each beside gpxpy.parse on the same points, same run.

    python benchmarks/gpx_import.py            # 10k, 100k and 500k points
    python benchmarks/gpx_import.py --quick    # 2k and 10k points (CI smoke run)

Table 1, the import: what an upload does (decode, the streaming GPX reader with its XML defences and
validation, stats, two simplified geometries, the profile, packing every point, the database insert and
commit on SQLite in a temporary folder, the original file written into place) next to gpxpy.parse
alone. Aim: at most 1.3x gpxpy's time and 1.5x its peak memory. It runs twice: with the parse in this
process (the sandbox off) and as uploads run it, in a sandboxed child process (travelmap/sandbox.py, with
limits raised for files over the 32 MB upload limit); the sandbox cost is the ratio of the two, in wall
time and in CPU time (this process's plus the child's, which other load on the machine disturbs less).
The sandboxed parse's memory is the child's peak resident size.

Table 2, the readers: the streaming GPX reader and the FIT, TCX and KML readers, each on a file of the
same points (benchmarks/track_files.py), next to gpxpy.parse on the GPX file. Every case runs in a fresh
Python process that first loads its file: peak memory is the peak of Python's allocations while it
reads (tracemalloc, which also sees expat's buffers), with the growth of the process's high-water
resident size (VmHWM, the first read) beside it; time is the best of a few reads. Aim at 500,000
points: time at most gpxpy's, peak memory at most a fifth of it.

Table 3 (--largest), what one upload costs a server: for each format, the largest file the default upload
limit (32 MB; a KMZ: the 64 MB of KML its reader inflates at most) lets through, imported whole as an upload
is, with the default sandbox limits, each in a fresh process: the growth of the worker's resident high-water
mark (VmHWM) and the sandboxed child's peak resident size. Their sum is what one such upload needs at once.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import gpxpy
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import peak_memory, synthetic_gpx, table, wall_time, watch_children
from benchmarks.track_files import fit_file, geojson_file, kml_file, kmz_file, synthetic_points, tcx_file
from travelmap import create_app, db
from travelmap.formats import read_track
from travelmap.formats.kmz import MAX_KML_BYTES
from travelmap.gpx import decode
from travelmap.models import Author, Leg, Trip
from travelmap.sandbox import Limits
from travelmap.services.tracks import import_track

UNSANDBOXED = Limits(enabled=False)
# The 500k-point file is 104 MB, three times the upload limit: give it room (uploads get the settings).
SANDBOXED = Limits(memory_mb=16_384, cpu_s=3_600, timeout_s=3_600)

REPEAT = {2_000: 3, 10_000: 3, 100_000: 2, 500_000: 1}  # the import table
READ_REPEAT = {2_000: 3, 10_000: 3, 100_000: 3, 500_000: 2}  # the readers table: best of these, on a shared machine
READERS = ["gpx", "fit", "tcx", "kml"]
WRITERS: dict[str, Callable[[int], bytes]] = {
    "gpx": synthetic_gpx,
    "fit": lambda n: fit_file(synthetic_points(n)),
    "tcx": lambda n: tcx_file(synthetic_points(n)),
    "kml": lambda n: kml_file(synthetic_points(n)),
}
LARGEST_WRITERS: dict[str, Callable[[int], bytes]] = {
    **WRITERS,
    "kmz": lambda n: kmz_file(synthetic_points(n)),
    "geojson": lambda n: geojson_file(synthetic_points(n)),
}
UPLOAD_LIMIT = 32 * 1024 * 1024  # the default TRAVELMAP_MAX_UPLOAD_MB


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
    parser.add_argument("--largest", action="store_true",
                        help="only table 3: the largest legal upload of each format, imported whole, sandboxed")
    parser.add_argument("--largest-case", nargs=2, metavar=("FORMAT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.largest_case:
        print(json.dumps(measure_largest(args.largest_case[0], Path(args.largest_case[1]))))
        return
    if args.largest:
        largest_table()
        return
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
    """Print table 1: the whole import through the service vs gpxpy.parse alone, unsandboxed and sandboxed."""
    rows = []
    children = watch_children()
    with bench_leg() as (session, leg, media):
        counter = iter(range(10**9))

        for size in sizes:
            data = synthetic_gpx(size)
            text = decode(data)

            def parse_only(text: str = text) -> object:
                return gpxpy.parse(text)

            def whole_import(limits: Limits = UNSANDBOXED, data: bytes = data) -> object:
                # A new creator comment each run: the same bytes twice would be a duplicate (409).
                unique = data.replace(b"travelmap benchmarks", f"run {next(counter)}".encode(), 1)
                track = import_track(session, leg, unique, "bench.gpx", media, limits=limits)
                session.commit()
                return track

            def sandboxed_import() -> object:
                return whole_import(SANDBOXED)

            def cpu_time(fn: Callable[[], object], size: int = size) -> float:
                """Return the least CPU time of the runs: this process's and its sandbox children's."""
                best = float("inf")
                for _ in range(REPEAT[size]):
                    start, children.cpu_s = time.process_time(), 0.0
                    fn()
                    best = min(best, time.process_time() - start + children.cpu_s)
                return best

            t_parse = wall_time(parse_only, REPEAT[size])
            t_import = wall_time(whole_import, REPEAT[size])
            t_sandboxed = wall_time(sandboxed_import, REPEAT[size])
            c_import, c_sandboxed = cpu_time(whole_import), cpu_time(sandboxed_import)
            m_parse = peak_memory(parse_only)
            m_import = peak_memory(whole_import)
            children.peak_mb = 0.0
            m_parent = peak_memory(sandboxed_import)
            rows.append([f"{size:,}", f"{len(data) / 1e6:.1f}", f"{t_parse:.2f}", f"{t_import:.2f}",
                         f"{t_import / t_parse:.2f}x", f"{t_sandboxed:.2f}", f"{t_sandboxed / t_import:.2f}x",
                         f"{c_import:.2f}", f"{c_sandboxed:.2f}", f"{c_sandboxed / c_import:.2f}x",
                         f"{size / t_import:,.0f}", f"{m_parse / 1e6:.0f}", f"{m_import / 1e6:.0f}",
                         f"{m_import / m_parse:.2f}x", f"{m_parent / 1e6:.0f}", f"{children.peak_mb:.0f}"])
    print("1. GPX import through the service vs gpxpy.parse alone (best wall time; peak Python memory via "
          "tracemalloc),\n   and the same import with the parse sandboxed in a child process (its peak resident size)")
    print(table(["points", "MB", "gpxpy s", "import s", "time ratio", "sandboxed s", "sandbox cost", "import CPU s",
                 "sandboxed CPU s", "CPU cost", "import pts/s", "gpxpy MB", "import MB", "memory ratio",
                 "sandboxed: worker MB", "child RSS MB"], rows))
    print("aim: time ratio <= 1.30x, memory ratio <= 1.50x (the import with the parse in this process)")


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


def largest_file(fmt: str) -> bytes:
    """Return the file of this format with the most points that the upload limit (and a KMZ's inflate limit) allow."""
    write = LARGEST_WRITERS[fmt]
    # A KMZ is far under the upload limit; the KML it inflates to is what binds.
    limit, size = (MAX_KML_BYTES, _inflated) if fmt == "kmz" else (UPLOAD_LIMIT, len)
    probe = 20_000
    points = int(limit * 0.995 / (size(write(probe)) / probe))
    while True:
        data = write(points)
        if size(data) <= limit and len(data) <= UPLOAD_LIMIT:
            return data
        points = int(points * 0.99)


def _inflated(kmz: bytes) -> int:
    """Return how many bytes a zip's members inflate to."""
    with zipfile.ZipFile(io.BytesIO(kmz)) as archive:
        return sum(member.file_size for member in archive.infolist())


def largest_table() -> None:
    """Print table 3: the largest legal upload of each format through the whole sandboxed import, one process each."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in LARGEST_WRITERS:
            path = Path(tmp) / f"largest.{fmt}"
            path.write_bytes(largest_file(fmt))
            out = subprocess.run([sys.executable, __file__, "--largest-case", fmt, str(path)],
                                 capture_output=True, text=True, check=True).stdout
            got = json.loads(out.strip().splitlines()[-1])
            rows.append([fmt.upper(), f"{path.stat().st_size / 2**20:.1f}", f"{got['points']:,}",
                         f"{got['seconds']:.1f}", f"{got['worker_mb']:.0f}", f"{got['child_mb']:.0f}",
                         f"{got['worker_mb'] + got['child_mb']:.0f}"])
            path.unlink()
    print("3. The largest legal upload of each format, imported whole with the sandbox at its default limits (a fresh "
          "process each;\n   worker = growth of its resident high-water mark, child = the sandboxed reader's peak "
          "resident size)")
    print(table(["format", "file MiB", "points", "import s", "worker MB", "child MB", "together MB"], rows))


def measure_largest(fmt: str, path: Path) -> dict:
    """Import one file through the service as an upload does (sandboxed, default limits); report time and memory."""
    data = path.read_bytes()
    children = watch_children()
    with bench_leg() as (session, leg, media):
        gc.collect()
        before = resident_peak(reset=True)
        start = time.perf_counter()
        track = import_track(session, leg, data, path.name, media, limits=Limits())
        session.commit()
        seconds = time.perf_counter() - start
        worker = resident_peak() - before
        points = track.point_count
    return {"points": points, "seconds": seconds, "worker_mb": worker / 1e6, "child_mb": children.peak_mb}


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
            import_track(session, leg, data, "bench.gpx", media, limits=UNSANDBOXED)
            session.commit()

        import_peak = peak_memory(whole_import)
    return f"{parse_peak / 1e6:.1f}", f"{import_peak / 1e6:.1f}"


if __name__ == "__main__":
    main()
