"""GPX import cost: the whole import through the service next to gpxpy.parse alone, on the same files, same run.

    python benchmarks/gpx_import.py            # 10k, 100k and 500k points
    python benchmarks/gpx_import.py --quick    # 2k and 10k points (CI smoke run)

The import covers what an upload does: decode, defused XML check, gpxpy parse, validation, stats,
two simplified geometries, the profile, packing every point, the database insert and commit (SQLite in a
temporary folder) and the original file written into place. Aim: at most 1.3x gpxpy's time and 1.5x its
peak memory.

It runs twice: with the parse in this process (the sandbox off) and as uploads run it, in a sandboxed
child process (travelmap/sandbox.py, with limits raised for files over the 32 MB upload limit); the
sandbox cost is the ratio of the two, in wall time and in CPU time (this process's plus the child's, which
other load on the machine disturbs less). The sandboxed parse's memory is the child's peak resident size.
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from typing import Callable, Iterator
import sys
import tempfile
from pathlib import Path

import gpxpy
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import peak_memory, synthetic_gpx, table, wall_time, watch_children  # noqa: E402
from travelmap import create_app, db  # noqa: E402
from travelmap.gpx import decode  # noqa: E402
from travelmap.models import Author, Leg, Trip  # noqa: E402
from travelmap.sandbox import Limits  # noqa: E402
from travelmap.services.tracks import import_track  # noqa: E402

UNSANDBOXED = Limits(enabled=False)
# The 500k-point file is 104 MB, three times the upload limit: give it room (uploads get the settings).
SANDBOXED = Limits(memory_mb=16_384, cpu_s=3_600, timeout_s=3_600)


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
    args = parser.parse_args()
    if args.points:
        print(*memory_only(args.points), sep="\t")
        return
    sizes = [2_000, 10_000] if args.quick else [10_000, 100_000, 500_000]
    repeat = {2_000: 3, 10_000: 3, 100_000: 2, 500_000: 1}

    rows = []
    children = watch_children()
    with bench_leg() as (session, leg, media):
        counter = iter(range(10**9))

        for size in sizes:
            data = synthetic_gpx(size)
            text = decode(data)

            def parse_only() -> object:
                return gpxpy.parse(text)

            def whole_import(limits: Limits = UNSANDBOXED) -> object:
                # A new creator comment each run: the same bytes twice would be a duplicate (409).
                unique = data.replace(b"travelmap benchmarks", f"run {next(counter)}".encode(), 1)
                track = import_track(session, leg, unique, "bench.gpx", media, limits=limits)
                session.commit()
                return track

            def sandboxed_import() -> object:
                return whole_import(SANDBOXED)

            def cpu_time(fn: Callable[[], object]) -> float:
                """Return the least CPU time of `repeat` runs: this process's and its sandbox children's."""
                best = float("inf")
                for _ in range(repeat[size]):
                    start, children.cpu_s = time.process_time(), 0.0
                    fn()
                    best = min(best, time.process_time() - start + children.cpu_s)
                return best

            t_parse = wall_time(parse_only, repeat[size])
            t_import = wall_time(whole_import, repeat[size])
            t_sandboxed = wall_time(sandboxed_import, repeat[size])
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
    print("GPX import through the service vs gpxpy.parse alone (best wall time; peak Python memory via tracemalloc),\n"
          "and the same import with the parse sandboxed in a child process (its peak resident size)")
    print(table(["points", "MB", "gpxpy s", "import s", "time ratio", "sandboxed s", "sandbox cost", "import CPU s",
                 "sandboxed CPU s", "CPU cost", "import pts/s", "gpxpy MB", "import MB", "memory ratio",
                 "sandboxed: worker MB", "child RSS MB"], rows))
    print("aim: time ratio <= 1.30x, memory ratio <= 1.50x (the import with the parse in this process)")


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
