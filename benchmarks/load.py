"""Readers under load: concurrent readers against trip pages, embeds and GeoJSON on the production server.

    python benchmarks/load.py                  # 50 readers for 30 s; the demo trip on SQLite in a temporary folder
    python benchmarks/load.py --quick          # 10 readers for 5 s (CI smoke run: under 40 s with seeding)
    python benchmarks/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/bench_load

What is measured. The demo trip is seeded into a fresh database (SQLite in a temporary folder, or the empty
database --database-url names) and a temporary media folder; the real production server is started as in the
README, `gunicorn -w 2 -b 127.0.0.1:<free port> wsgi:app` (sync workers); every URL of the mix is fetched a few
times to warm each worker's page cache; then N reader threads each send one request at a time (a closed loop)
until the time or the request budget runs out, whichever comes first. Requests are plain GETs with
`Accept-Encoding: gzip`, like a browser's first visit (no If-None-Match, so every answer carries its body),
cycling through trip pages, leg and stop pages, embeds, GeoJSON exports, photos.json, lines.json and photo
thumbnails. A request's latency runs from sending it to the last byte of its body, TCP connect included
(sync workers close the connection after every answer). Per-URL req/s is that kind's share of the mix.

The baseline, measured in the same run by the same readers and client code, is a bare WSGI hello-world
(benchmarks/hello_app.py) under gunicorn with the same settings: the ceiling of server + load generator on
this machine. After the mix, the same readers load each kind of URL alone for a few seconds (--each-seconds),
so the table can say "trip page req/s / bare req/s"; "ratio" is that, or the whole mix's req/s over bare.

Caveats. The load generator shares the machine's cores with the server (2 cores on the reference machine;
the CPU lines of the output show the split; a PostgreSQL server on the same machine takes its share too,
uncounted), and the readers are Python threads under one GIL, so the absolute numbers are modest: read the
ratios. With 50 readers and 2 sync workers, most of a request's latency in the mix is waiting in the listen
queue (Little's law: latency ~ readers / throughput), which is why every kind shows about the same p50 there;
the "alone" column tells the kinds apart. Everything stays on loopback: --host must be a loopback address.

Target: zero errors (an answer other than 2xx or 304, a failed connection or a timeout, or a traceback or
worker timeout in the server's log). The script exits with status 1 when there was any, so a CI run
notices; that is deliberate, not a crash.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import table  # noqa: E402
from travelmap import create_app, db  # noqa: E402
from travelmap.config import photo_settings  # noqa: E402
from travelmap.models import Photo, Trip  # noqa: E402
from travelmap.services.seed import seed_trip  # noqa: E402

DATA_DIR = ROOT / "data"
OK_STATUSES = frozenset(range(200, 300)) | {304}
REQUEST_HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "travelmap-load-benchmark"}
LOG_PROBLEMS = ("Traceback", "WORKER TIMEOUT", "[ERROR]", "[CRITICAL]", "terminated due to signal")
FULL = {"readers": 50, "seconds": 30.0, "baseline_seconds": 10.0, "each_seconds": 3.0}
QUICK = {"readers": 10, "seconds": 5.0, "baseline_seconds": 2.0, "each_seconds": 0.5}


# ---------------------------------------------------------------- what the readers ask for

@dataclass(frozen=True)
class Kind:
    """One kind of URL in the mix: its label, its weight in the mix, and the concrete paths of that kind."""

    label: str
    weight: int
    paths: tuple[str, ...]


def reader_mix(slug: str, revision: int, legs: Sequence[int], stops: Sequence[str],
               photo_ids: Sequence[int]) -> tuple[Kind, ...]:
    """The URLs a visit to the trip makes, weighted roughly as readers ask for them."""
    base = f"/trips/{slug}"
    return (
        Kind("trip page", 4, (base,)),
        Kind("leg page", 2, tuple(f"{base}/legs/{n}" for n in legs)),
        Kind("stop page", 2, tuple(f"{base}/stops/{s}" for s in stops)),
        Kind("embed", 2, (f"/embed/trips/{slug}",) + tuple(f"/embed/trips/{slug}?leg={n}" for n in legs)),
        Kind("GeoJSON", 2, (f"{base}.geojson",) + tuple(f"{base}/legs/{n}.geojson" for n in legs)),
        Kind("photos.json", 1, (f"{base}/photos.json?v={revision}",)),
        Kind("lines.json", 1, tuple(f"{base}/legs/{n}/lines.json" for n in legs)),
        Kind("photo thumbnail", 2, tuple(f"{base}/photos/{i}/thumb.jpg" for i in photo_ids)),
    )


def schedule(kinds: Sequence[Kind], seed: int) -> Iterator[tuple[str, str]]:
    """Yield (label, path) forever: each kind as often as its weight, shuffled per reader, paths in turn."""
    rng = random.Random(seed)
    deck = [kind for kind in kinds for _ in range(kind.weight)]
    turns: Counter[str] = Counter()
    while True:
        rng.shuffle(deck)
        for kind in deck:
            yield kind.label, kind.paths[(seed + turns[kind.label]) % len(kind.paths)]
            turns[kind.label] += 1


# ---------------------------------------------------------------- the fresh instance

def seed_instance(database_url: str, media: Path) -> tuple[Kind, ...]:
    """Migrate the database, load the demo trip (its photo copies go to media) and return the reader mix."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MEDIA_DIR": str(media), "SECRET_KEY": "bench-seed"})
    with app.app_context():
        engine = db.engine()
        try:
            db.upgrade_schema(engine)
            session = db.session()
            trip, created = seed_trip(session, DATA_DIR, media, photo_settings(app.config))
            session.commit()
            if not created:
                raise SystemExit(f"{safe_url(database_url)} already holds the demo trip; give an empty database "
                                 "(the trip's photo files must be in this run's media folder).")
            return _mix_of(session, trip)
        finally:
            db.session().close()
            engine.dispose()  # SQLite: the last connection closing checkpoints the WAL


def _mix_of(session: Session, trip: Trip) -> tuple[Kind, ...]:
    """Read the leg positions, stop slugs and photo ids of the seeded trip."""
    photo_ids = list(session.scalars(select(Photo.id).where(Photo.trip_id == trip.id).order_by(Photo.id)))
    return reader_mix(trip.slug, trip.revision, [leg.position for leg in trip.legs],
                      [stop.slug for stop in trip.stops()], photo_ids)


def safe_url(url: str) -> str:
    """A database URL fit for printing (no password)."""
    return make_url(url).render_as_string(hide_password=True)


def backend_name(url: str) -> str:
    """SQLite, PostgreSQL, … from a database URL."""
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(make_url(url).get_backend_name(),
                                                                  make_url(url).get_backend_name())


# ---------------------------------------------------------------- the server

def free_port(host: str) -> int:
    """Ask the kernel for a free TCP port on host."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[int, int]:
    """GET path like a browser would; return (status, body bytes). The connection reopens by itself when closed."""
    connection.request("GET", path, headers=REQUEST_HEADERS)
    response = connection.getresponse()
    return response.status, len(response.read())


def _wait_ready(process: subprocess.Popen, host: str, port: int, path: str, log: Path, timeout: float = 60) -> None:
    """Poll path until it answers 200; fail with the server's log when the server dies or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}:\n{log_tail(log)}")
        connection = http.client.HTTPConnection(host, port, timeout=5)
        try:
            if fetch(connection, path)[0] == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer {path} within {timeout:.0f} s:\n{log_tail(log)}")


def _stop(process: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (SIGTERM), and for good if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(app_spec: str, host: str, port: int, workers: int, env: dict[str, str], log: Path,
             ready_path: str) -> Iterator[subprocess.Popen]:
    """Run `gunicorn -w N -b host:port app_spec` from the project root until the block ends, whatever happens."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    with log.open("ab") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", bind,
                                    "--log-level", "warning", app_spec],
                                   cwd=str(ROOT), env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        _wait_ready(process, host, port, ready_path, log)
        yield process
    finally:
        _stop(process)


def log_tail(log: Path, lines: int = 30) -> str:
    """The last lines of a server log."""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def log_problems(log: Path) -> list[str]:
    """Lines of the server log that tell of a failure: tracebacks, errors, worker timeouts and kills."""
    if not log.exists():
        return []
    return [line for line in log.read_text(errors="replace").splitlines() if any(p in line for p in LOG_PROBLEMS)]


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by a process and its direct children; None off Linux."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that just ended
            if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1] is the parent's pid
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick
    except (OSError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------- the readers

@dataclass
class Tally:
    """What readers saw, by URL label: latencies (s), body bytes, and errors by description."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    body_bytes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_kinds: Counter[str] = field(default_factory=Counter)

    def record(self, label: str, seconds: float, size: int) -> None:
        """Count one request that got an answer."""
        self.latencies[label].append(seconds)
        self.body_bytes[label] += size

    def fail(self, label: str, description: str) -> None:
        """Count one error (after record(), for an answer with a bad status; alone, for an exception)."""
        self.errors[f"{label}: {description}"] += 1
        self.error_kinds[label] += 1

    def merge(self, other: Tally) -> None:
        """Add another reader's tally to this one."""
        for label, values in other.latencies.items():
            self.latencies[label].extend(values)
        self.body_bytes.update(other.body_bytes)
        self.errors.update(other.errors)
        self.error_kinds.update(other.error_kinds)


class Budget:
    """Stops the readers at whichever comes first: the deadline or the last request of the budget."""

    def __init__(self, seconds: float, max_requests: int) -> None:
        self.seconds = seconds
        self.deadline = math.inf
        self._left = max_requests
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the clock (called once, when every reader is ready)."""
        self.deadline = time.perf_counter() + self.seconds

    def take(self) -> bool:
        """Claim one request; False once time or requests have run out."""
        if time.perf_counter() >= self.deadline:
            return False
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def read(index: int, host: str, port: int, kinds: Sequence[Kind], budget: Budget, barrier: threading.Barrier,
         timeout: float, out: list[Tally]) -> None:
    """One reader: one request at a time over its own connection, until the budget says stop."""
    tally = out[index]
    requests = schedule(kinds, seed=index)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    barrier.wait()
    try:
        while budget.take():
            label, path = next(requests)
            started = time.perf_counter()
            try:
                status, size = fetch(connection, path)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                tally.record(label, time.perf_counter() - started, 0)
                tally.fail(label, f"{type(exc).__name__}: {exc}"[:120])
                continue
            tally.record(label, time.perf_counter() - started, size)
            if status not in OK_STATUSES:
                tally.fail(label, f"HTTP {status} for {path}")
    finally:
        connection.close()


@dataclass(frozen=True)
class Phase:
    """One bounded load on one server: what the readers saw, for how long, and the CPU it cost."""

    tally: Tally
    elapsed: float
    client_cpu: float
    server_cpu: float | None


def run_load(host: str, port: int, kinds: Sequence[Kind], readers: int, seconds: float, max_requests: int,
             timeout: float, server_pid: int) -> Phase:
    """Run `readers` readers at once for `seconds` or `max_requests` requests in all, whichever ends first."""
    budget = Budget(seconds, max_requests)
    tallies = [Tally() for _ in range(readers)]
    barrier = threading.Barrier(readers + 1)
    threads = [threading.Thread(target=read, args=(i, host, port, kinds, budget, barrier, timeout, tallies),
                                name=f"reader-{i}", daemon=True) for i in range(readers)]
    for thread in threads:
        thread.start()
    server_cpu, client_cpu = process_tree_cpu(server_pid), time.process_time()
    barrier.wait()
    started = time.perf_counter()
    budget.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    server_after = process_tree_cpu(server_pid)
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return Phase(total, elapsed, time.process_time() - client_cpu,
                 None if server_cpu is None or server_after is None else server_after - server_cpu)


def warm_up(host: str, port: int, kinds: Sequence[Kind], workers: int, timeout: float) -> None:
    """Fetch every path from 2 x workers readers at once, so each worker builds its cached pages before the
    clock starts; any answer but 200 stops the benchmark (a broken URL is not a load result)."""
    paths = [path for kind in kinds for path in kind.paths]
    failures: list[str] = []

    def fetch_all(offset: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            for path in paths[offset:] + paths[:offset]:
                status, _ = fetch(connection, path)
                if status != 200:
                    failures.append(f"HTTP {status} for {path}")
        except (OSError, http.client.HTTPException) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch_all, args=(i * len(paths) // (2 * workers),))
               for i in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("warm-up failed: " + "; ".join(sorted(set(failures))[:5]))


# ---------------------------------------------------------------- the report

def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of sorted values."""
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds for the table."""
    return f"{seconds * 1000:,.1f}"


@dataclass(frozen=True)
class Line:
    """The figures of one row: requests, errors, latency percentiles, mean body size, throughput."""

    label: str
    requests: int
    errors: int
    p50: float
    p90: float
    p99: float
    worst: float
    mean_bytes: float
    rps: float


def line(label: str, latencies: list[float], errors: int, body_bytes: int, elapsed: float) -> Line:
    """Summarise one row's latencies."""
    ordered = sorted(latencies)
    return Line(label, len(ordered), errors, percentile(ordered, 50), percentile(ordered, 90), percentile(ordered, 99),
                ordered[-1] if ordered else math.nan, body_bytes / max(1, len(ordered)), len(ordered) / elapsed)


def phase_lines(phase: Phase, kinds: Sequence[Kind] | None, total_label: str) -> list[Line]:
    """A row per kind (when kinds are given) and a row for the whole phase."""
    tally = phase.tally
    rows = [line(kind.label, tally.latencies[kind.label], tally.error_kinds[kind.label],
                 tally.body_bytes[kind.label], phase.elapsed) for kind in kinds or ()]
    everything = [value for values in tally.latencies.values() for value in values]
    rows.append(line(total_label, everything, sum(tally.error_kinds.values()), sum(tally.body_bytes.values()),
                     phase.elapsed))
    return rows


def ratio(value: float, baseline: float) -> str:
    """value / baseline as "0.42x" (blank when there is nothing to compare)."""
    return f"{value / baseline:.2f}x" if baseline and not math.isnan(value) else ""


def report_table(mix: list[Line], alone: dict[str, Line], bare: Line) -> str:
    """The table: a row per kind and one for the whole mix, from the mixed load, then the bare baseline.

    "alone req/s" is a kind's own throughput (every reader asking only for it); "ratio" divides that, or the
    whole mix's req/s, by the bare baseline's.
    """
    headers = ["URLs", "requests", "errors", "KB/answer", "p50 ms", "p90 ms", "p99 ms", "max ms", "req/s",
               "alone req/s", "ratio"]
    rows: list[list[object]] = []
    for item in mix + [bare]:
        solo = alone.get(item.label)
        throughput = solo.rps if solo else item.rps if item is bare or item is mix[-1] else math.nan
        rows.append([item.label, f"{item.requests:,}", f"{item.errors:,}", f"{item.mean_bytes / 1024:,.1f}",
                     ms(item.p50), ms(item.p90), ms(item.p99), ms(item.worst), f"{item.rps:,.1f}",
                     f"{solo.rps:,.1f}" if solo else "", ratio(throughput, bare.rps)])
    return table(headers, rows)


def cpu_line(name: str, phase: Phase) -> str:
    """How the machine's cores were shared between the server and the readers during a phase."""
    cores = os.cpu_count() or 1
    server = "n/a" if phase.server_cpu is None else f"{phase.server_cpu:,.1f} s"
    return (f"  CPU during {name}: server {server}, load generator {phase.client_cpu:,.1f} s, of "
            f"{cores * phase.elapsed:,.1f} core-seconds ({cores} cores x {phase.elapsed:,.1f} s)")


def error_lines(tally: Tally, name: str) -> list[str]:
    """The errors of a phase, most frequent first."""
    return [f"  {name}: {count:,} x {what}" for what, count in tally.errors.most_common(10)]


# ---------------------------------------------------------------- main

def loopback_host(value: str) -> str:
    """argparse type: resolve a host and accept it only when every address is a loopback address."""
    try:
        addresses = sorted({str(info[4][0]) for info in socket.getaddrinfo(value, None, proto=socket.IPPROTO_TCP)},
                           key=lambda a: ":" in a)  # IPv4 first
    except socket.gaierror as exc:
        raise argparse.ArgumentTypeError(f"cannot resolve {value!r}: {exc}") from exc
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise argparse.ArgumentTypeError(f"{value!r} is not a loopback address; this benchmark stays on loopback")
    return addresses[0]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the options; --quick changes the defaults of those not given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK['readers']} readers for {QUICK['seconds']:.0f} s (CI smoke run)")
    parser.add_argument("--readers", type=int, help=f"concurrent readers (default {FULL['readers']})")
    parser.add_argument("--seconds", type=float, help=f"length of the travelmap load (default {FULL['seconds']:.0f})")
    parser.add_argument("--baseline-seconds", type=float,
                        help=f"length of the bare baseline load (default {FULL['baseline_seconds']:.0f})")
    parser.add_argument("--each-seconds", type=float,
                        help="after the mix, load each kind of URL alone this long (0: skip; default "
                             f"{FULL['each_seconds']:g}, quick {QUICK['each_seconds']:g})")
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="stop a load after this many requests even before its time is up (default 200,000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as in the README)")
    parser.add_argument("--host", type=loopback_host, default="127.0.0.1",
                        help="loopback address the server binds to (default 127.0.0.1); others are refused")
    parser.add_argument("--database-url",
                        help="an empty database to seed and serve, left seeded afterwards "
                             "(default: SQLite in a temporary folder)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a reader waits for one answer")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.readers, args.workers, args.max_requests, args.seconds, args.baseline_seconds) <= 0 \
            or args.each_seconds < 0:
        parser.error("--readers, --workers, --max-requests, --seconds and --baseline-seconds must be positive")
    return args


@dataclass(frozen=True)
class Results:
    """Everything one run measured."""

    database_url: str
    kinds: tuple[Kind, ...]
    bare: Phase
    mix: Phase
    alone: dict[str, Phase]
    logged: list[str]


def measure(args: argparse.Namespace, root: Path) -> Results:
    """Seed an instance under root, load the bare baseline, then travelmap: the mix, then each kind alone."""
    database_url = args.database_url or f"sqlite:///{root / 'travelmap.sqlite3'}"
    kinds = seed_instance(database_url, root / "media")
    env = {**os.environ, "TRAVELMAP_DATABASE_URL": database_url, "TRAVELMAP_MEDIA_DIR": str(root / "media"),
           "TRAVELMAP_SECRET_KEY": secrets.token_hex(32)}
    host, logs = args.host, [root / "bare.log", root / "travelmap.log"]

    def load(port: int, pid: int, mix: Sequence[Kind], seconds: float) -> Phase:
        return run_load(host, port, mix, args.readers, seconds, args.max_requests, args.timeout, pid)

    hello = (Kind("hello", 1, ("/",)),)
    port = free_port(host)
    with gunicorn("benchmarks.hello_app:app", host, port, args.workers, env, logs[0], "/") as server:
        warm_up(host, port, hello, args.workers, args.timeout)
        bare = load(port, server.pid, hello, args.baseline_seconds)
    port = free_port(host)
    with gunicorn("wsgi:app", host, port, args.workers, env, logs[1], kinds[0].paths[0]) as server:
        warm_up(host, port, kinds, args.workers, args.timeout)
        mix = load(port, server.pid, kinds, args.seconds)
        alone = {kind.label: load(port, server.pid, [kind], args.each_seconds) for kind in kinds
                 if args.each_seconds > 0}
    return Results(database_url, kinds, bare, mix, alone, [line for log in logs for line in log_problems(log)])


def print_report(args: argparse.Namespace, results: Results, load_before: float) -> int:
    """Print the table and the notes under it; return the number of problems (errors and logged failures)."""
    bare = phase_lines(results.bare, None, "baseline: bare WSGI hello-world")[0]
    alone = {label: phase_lines(phase, None, label)[0] for label, phase in results.alone.items()}
    each = f", then each kind alone for {args.each_seconds:g} s" if results.alone else ""
    print(f"Readers under load: {args.readers} readers for {args.seconds:g} s on a mix of URLs{each}; "
          f"baseline {args.baseline_seconds:g} s; at most {args.max_requests:,} requests per load; "
          f"gunicorn -w {args.workers} (sync workers) on {args.host}; "
          f"{backend_name(results.database_url)}{' (quick)' if args.quick else ''}")
    print(f"The readers share this machine's {os.cpu_count()} cores with the server, so read the ratios. "
          f"Load average before the run: {load_before:.2f} (other work on the machine skews every figure).")
    print(report_table(phase_lines(results.mix, results.kinds, "all travelmap URLs (the mix)"), alone, bare))
    print("  req/s: in the mix (a kind's row: its share); alone req/s: every reader asking for that kind only; "
          "ratio: alone (or whole-mix) req/s / bare req/s")
    print(cpu_line("the mix", results.mix))
    print(cpu_line("the baseline", results.bare))
    phases = [("mix", results.mix), ("baseline", results.bare)] + [(f"alone {k}", p) for k, p in results.alone.items()]
    errors = sum(sum(phase.tally.errors.values()) for _, phase in phases)
    print(f"Target: 0 errors. This run: {errors:,} errors, {len(results.logged)} problem lines in the server logs"
          f"{'' if errors or results.logged else ' -- target met'}.  (Exit status 1 when there is any.)")
    for name, phase in phases:
        for text in error_lines(phase.tally, name):
            print(text)
    for text in results.logged[:10]:
        print(f"  server log: {text}")
    return errors + len(results.logged)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the table; return 1 when there were errors (the target is zero)."""
    args = parse_args(argv)
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="travelmap-load-") as tmp:
        results = measure(args, Path(tmp))
    problems = print_report(args, results, load_before)
    print(f"Whole run, seeding included: {time.perf_counter() - began:,.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
