"""The performance figures of a long trip, each next to its baseline measured in the same run.

    python benchmarks/run.py           # the big trip: 300,000 points, 60 stops, 2,000 photos (a few minutes)
    python benchmarks/run.py --quick   # a small version of every figure (CI smoke run; times not judged)

Figures: 1 page weight, 2 cold build, 3 warm serving under gunicorn, 4 time to a drawn map in Chromium,
5 worst deviation of the drawn line at street zoom, 6 memory, 7 compression, 8 the cost of privacy zones
(cold builds of every public output with a zone at the start of each leg, against the same without zones).
The baseline is the obvious folium map of the same data: every point in a PolyLine, a Marker with a Popup
per stop and per photo.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import folium
from folium.plugins import MarkerCluster

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import make_big_trip  # noqa: E402
from benchmarks.common import table  # noqa: E402
from travelmap import create_app, db, geo  # noqa: E402
from travelmap.models import Photo, Track  # noqa: E402
from travelmap.services.trips import trip_by_slug  # noqa: E402

TRIP = f"/trips/{make_big_trip.SLUG}"


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


JQUERY_SHIM = ("<script>window.$ = function (html) { var box = document.createElement('div'); "
               "box.innerHTML = html; return [box.firstElementChild]; };</script>")


def baseline_map(app) -> folium.Map:  # type: ignore[no-untyped-def]
    """The obvious folium map: every recorded point, one Marker + Popup per stop and per photo.

    Its scripts are pointed at the same local Leaflet files as ours (and folium's jQuery use at a tiny
    shim), so the browser figure compares the maps, not CDNs.
    """
    from travelmap.assets import map_assets

    with app.test_request_context():
        s = db.session()
        assets = map_assets()
        trip = trip_by_slug(s, make_big_trip.SLUG)
        m = folium.Map(location=[40.8, 111.7], zoom_start=6, tiles=None)
        m.default_js = [("leaflet", assets.leaflet_js)]
        m.default_css = [("leaflet_css", assets.leaflet_css)]
        m.get_root().header.add_child(folium.Element(JQUERY_SHIM), name="jquery_shim")
        for leg in trip.legs:
            group = folium.FeatureGroup(name=leg.name).add_to(m)
            for track in leg.tracks:
                for seg in track.segments:
                    folium.PolyLine([(lat, lon) for lat, lon, _, _ in seg.iter_points()], color=leg.colour).add_to(
                        group
                    )
            for stop in leg.stops:
                folium.Marker(
                    [stop.lat, stop.lon],
                    tooltip=stop.name,
                    popup=folium.Popup(f"<b>{stop.name}</b><br><a href='/posts/{stop.post.slug}'>Read the post</a>"),
                ).add_to(group)
        cluster = MarkerCluster(name="Photos")
        cluster.default_js = [("markercluster", assets.cluster_js)]
        cluster.default_css = [("mc_css", assets.cluster_css), ("mc_default_css", assets.cluster_default_css)]
        cluster.add_to(m)
        for photo in s.query(Photo).filter_by(trip_id=trip.id):
            folium.Marker(
                [photo.lat, photo.lon],
                popup=folium.Popup(f"<img src='/media/{photo.thumb_path}' width=200><br>{photo.caption}"),
            ).add_to(cluster)
        folium.LayerControl().add_to(m)
        return m


def render_baseline(app) -> str:  # type: ignore[no-untyped-def]
    return baseline_map(app).get_root().render()


def our_page(app, client) -> bytes:  # type: ignore[no-untyped-def]
    """Build our trip page on a cache miss and return its HTML."""
    app.extensions["travelmap.page_cache"].clear()
    response = client.get(TRIP)
    assert response.status_code == 200, response.status_code
    return response.data


def cold_outputs(app, client) -> float:  # type: ignore[no-untyped-def]
    """Build every public output of the trip once on a cold cache (the cost a change to the trip or its owner's
    zones brings, paid once per revision): trip, leg and embed pages, lines.json, GeoJSON, GPX, preview, feed."""
    app.extensions["travelmap.page_cache"].clear()
    urls = [TRIP, f"/embed{TRIP}", f"{TRIP}.geojson", f"{TRIP}.gpx", f"{TRIP}/preview.png", f"{TRIP}/feed.atom"]
    for n in (1, 2, 3):
        urls += [f"{TRIP}/legs/{n}", f"{TRIP}/legs/{n}/lines.json"]
    t0 = time.perf_counter()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return time.perf_counter() - t0


def add_zones_at_leg_starts(app) -> int:  # type: ignore[no-untyped-def]
    """Give the trip's owner a 1 km privacy zone at the first point of each leg's first track; count the points
    they hide."""
    from travelmap.services import zones
    from travelmap.services.pages import trip_page

    with app.app_context():
        s = db.session()
        trip = trip_by_slug(s, make_big_trip.SLUG)
        for leg in trip.legs:
            lat, lon, _, _ = next(leg.tracks[0].segments[0].iter_points())
            zones.add_zone(s, trip.owner, {"lat": lat, "lon": lon, "radius_m": 1000}, b"bench")
        s.commit()
        page = trip_page(s, trip.id)
        hidden = sum(page.view.track(t).hidden_points for leg in page.trip.legs for t in leg.tracks)
        s.rollback()
        return hidden


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def worst_deviation(app, level: str) -> float:  # type: ignore[no-untyped-def]
    """Return the largest distance (m) from any recorded point to the drawn line at a level of detail."""
    worst = 0.0
    with app.app_context():
        for track in db.session().query(Track):
            drawn = [geo.decode_polyline(part["line"]) for part in track.lines[level]]
            for seg, line in zip(track.segments, drawn):
                points = [(lat, lon) for lat, lon, _, _ in seg.iter_points()]
                worst = max(worst, _max_distance(points, line))
    return worst


def _max_distance(points: list[tuple[float, float]], line: list[list[float]]) -> float:
    """Walk the recorded points along the simplified line (both in order) and measure each against its segment."""
    lat0 = math.radians(points[0][0])
    kx, ky = 111_320 * math.cos(lat0), 110_574

    def xy(p):  # type: ignore[no-untyped-def]
        return p[1] * kx, p[0] * ky

    line_xy = [xy(p) for p in line]
    worst, j = 0.0, 0
    for p in points:
        px, py = xy(p)
        best = math.inf
        for k in range(max(0, j - 1), min(len(line_xy) - 1, j + 3)):
            (ax, ay), (bx, by) = line_xy[k], line_xy[k + 1]
            dx, dy = bx - ax, by - ay
            t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
            d = math.hypot(px - ax - t * dx, py - ay - t * dy)
            if d < best:
                best, bestk = d, k
        j = bestk
        worst = max(worst, best)
    return worst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, path: str, seconds: float, clients: int = 8) -> tuple[float, int]:
    """A bounded load over loopback: (requests per second, errors). wrk (Debian's package) when installed,
    else a small threaded Python client (which is itself the bottleneck, so ratios are what to read)."""
    if shutil.which("wrk") and seconds >= 1:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{clients * 2}",
                f"-d{int(seconds)}s",
                "-H",
                "Accept-Encoding: gzip",
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        ).stdout
        rps = float(out.split("Requests/sec:")[1].split()[0])
        bad = out.split("Non-2xx or 3xx responses:")[1].split()[0] if "Non-2xx" in out else "0"
        errors = out.split("Socket errors:")[1].split("\n")[0] if "Socket errors" in out else ""
        return rps, int(bad) + sum(int(x) for x in __import__("re").findall(r"\d+", errors))
    done, errors = [0] * clients, [0] * clients
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < stop:
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    done[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - t0), sum(errors)


def gunicorn(root: Path, app_spec: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        cwd=str(ROOT),
        env=env,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def warm_serving(root: Path, seconds: float) -> tuple[float, float, int, int]:
    """Requests per second for a cached trip page vs a route returning the same bytes from memory."""
    env = {
        **os.environ,
        "TRAVELMAP_DATABASE_URL": f"sqlite:///{root / 'big.sqlite3'}",
        "TRAVELMAP_MEDIA_DIR": str(root / "media"),
        "TRAVELMAP_SECRET_KEY": "bench",
        "BENCH_PAGE": str(root / "page.html.gz"),
    }
    ours_port, memory_port = free_port(), free_port()
    servers = [
        gunicorn(root, "wsgi:app", ours_port, env),
        gunicorn(root, "benchmarks.memory_app:app", memory_port, env),
    ]
    try:
        for _ in range(4):  # warm both workers' caches
            load(ours_port, TRIP, 0.3, clients=2)
        conn = http.client.HTTPConnection("127.0.0.1", ours_port)
        conn.request("GET", TRIP, headers={"Accept-Encoding": "gzip"})
        first = conn.getresponse()
        first.read()
        conn.request("GET", TRIP, headers={"Accept-Encoding": "gzip", "If-None-Match": first.getheader("ETag")})
        not_modified = conn.getresponse()
        not_modified.read()
        load(memory_port, "/", 0.5, clients=2)
        memory, memory_errors = load(memory_port, "/", seconds)
        ours, ours_errors = load(ours_port, TRIP, seconds)
        return ours, memory, not_modified.status, ours_errors + memory_errors
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)


def browser_times(root: Path, ours_html: bytes, baseline_html: str) -> tuple[float, float] | None:
    """Milliseconds from navigation to a drawn map (tracks, stops, photo clusters), ours and the baseline's."""
    if not Path("/usr/bin/chromium").exists():
        return None
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'big.sqlite3'}",
            "MEDIA_DIR": str(root / "media"),
            "SECRET_KEY": "bench",
            "TILES": "none",
        }
    )
    (root / "baseline.html").write_text(baseline_html, encoding="utf-8")

    @app.get("/bench/baseline")
    def baseline():  # type: ignore[no-untyped-def]
        from flask import send_file

        response = send_file(root / "baseline.html")
        # The baseline is folium's own page, which has no CSP; ours would block its inline scripts.
        response.headers["Content-Security-Policy"] = "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:"
        return response

    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per thumbnail request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    ready = """() => document.querySelectorAll('path.leaflet-interactive').length > 0 &&
                      document.querySelectorAll('.leaflet-marker-icon').length > 0"""
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for url in (f"{base}{TRIP}", f"{base}/bench/baseline"):
                samples = []
                for _ in range(3):
                    page = browser.new_context().new_page()
                    page.route(
                        "**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort()
                    )
                    t0 = time.perf_counter()
                    try:
                        page.goto(url, wait_until="commit", timeout=60_000)
                        page.wait_for_function(ready, timeout=60_000, polling=20)
                        samples.append((time.perf_counter() - t0) * 1000)
                    except Exception:
                        samples.append(math.inf)
                    page.context.close()
                results.append(statistics.median(samples))
            browser.close()
    finally:
        server.shutdown()
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small versions of every figure (CI smoke run)")
    parser.add_argument("--keep", type=Path, help="build the big trip in this folder and keep it (reused if present)")
    args = parser.parse_args()
    size = make_big_trip.QUICK if args.quick else make_big_trip.FULL
    tmp = tempfile.mkdtemp(prefix="travelmap-bench-")
    root = args.keep or Path(tmp)
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'big.sqlite3'}",
                "MEDIA_DIR": str(root / "media"),
                "SECRET_KEY": "bench",
                "MAX_UPLOAD_MB": 1024,
            }
        )
        if not (root / "big.sqlite3").exists():
            print(
                f"building the trip: {size.legs} legs x {size.points_per_leg:,} points, {size.stops} stops, "
                f"{size.photos} photos …",
                file=sys.stderr,
            )
            t0 = time.perf_counter()
            make_big_trip.build(app, size, log=lambda line: print(line, file=sys.stderr))
            print(f"  built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        client = app.test_client()
        rows = []

        # 1 and 7: page weight, raw and compressed; other responses' compression
        ours = our_page(app, client)
        t0 = time.perf_counter()
        baseline_html = render_baseline(app)
        baseline_render = time.perf_counter() - t0
        base_bytes = baseline_html.encode()
        ours_gz, base_gz = len(gzip.compress(ours)), len(gzip.compress(base_bytes))
        rows.append(
            [
                "1 page weight (HTML incl. map data)",
                kb(len(ours)),
                kb(len(base_bytes)),
                f"{len(base_bytes) / len(ours):.0f}x smaller",
                "<= 150 KB, 20x",
            ]
        )
        rows.append(["1 page weight, gzip", kb(ours_gz), kb(base_gz), f"{base_gz / ours_gz:.0f}x smaller", "<= 50 KB"])
        for label, url in (("7 GeoJSON", f"{TRIP}.geojson"), ("7 GPX (every point)", f"{TRIP}.gpx")):
            raw = client.get(url).data
            packed = client.get(url, headers={"Accept-Encoding": "gzip"})
            assert packed.headers.get("Content-Encoding") == "gzip"
            rows.append(
                [
                    f"{label}, raw -> gzip",
                    kb(len(raw)),
                    kb(len(packed.data)),
                    f"{len(raw) / len(packed.data):.1f}x smaller",
                    "compressed",
                ]
            )

        # 2: cold build (cache miss)
        cold = timed(lambda: our_page(app, client), 5)
        base_time = baseline_render if args.quick else min(baseline_render, timed(lambda: render_baseline(app), 1))
        rows.append(
            [
                "2 cold build of the trip page",
                f"{cold * 1000:,.0f} ms",
                f"{base_time * 1000:,.0f} ms",
                f"{base_time / cold:.0f}x faster",
                "10x, < 100 ms",
            ]
        )

        # 3: warm serving under gunicorn, 2 workers
        (root / "page.html.gz").write_bytes(gzip.compress(ours, compresslevel=6, mtime=0))
        ours_rps, memory_rps, status_304, errors = warm_serving(root, 2.0 if args.quick else 8.0)
        rows.append(
            [
                "3 warm serving, gunicorn -w 2 (req/s)",
                f"{ours_rps:,.0f}",
                f"{memory_rps:,.0f}",
                f"{ours_rps / memory_rps:.2f}x",
                ">= 0.8x; 304: " + str(status_304),
            ]
        )
        if errors:
            rows.append(["3 errors during the load", str(errors), "", "", "0"])

        # 4: time to a drawn map in Chromium
        times = browser_times(root, ours, baseline_html)
        if times:
            rows.append(
                [
                    "4 navigation to drawn map, Chromium",
                    f"{times[0]:,.0f} ms",
                    f"{times[1]:,.0f} ms",
                    f"{times[1] / times[0]:.1f}x faster",
                    "3x, < 1.5 s",
                ]
            )

        # 5: fidelity where readers look
        rows.append(
            [
                "5 worst deviation, leg page / zoom >= 11 (10 m lines)",
                f"{worst_deviation(app, 'display'):.1f} m",
                "0 m (every point)",
                "",
                "<= 20 m",
            ]
        )
        rows.append(
            [
                "5 worst deviation, trip overview (zoom <= 10)",
                f"{worst_deviation(app, 'overview'):.1f} m",
                "",
                "",
                "(< 1 px there)",
            ]
        )

        # 6: memory
        tracemalloc.start()
        our_page(app, client)
        _, ours_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        render_baseline(app)
        _, base_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            [
                "6 peak memory, building the trip page",
                f"{ours_peak / 1e6:,.1f} MB",
                f"{base_peak / 1e6:,.1f} MB",
                f"{base_peak / ours_peak:.0f}x less",
                "",
            ]
        )
        points = 20_000 if args.quick else 500_000
        gpx = (
            subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / "gpx_import.py"), "--points", str(points)],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
            .split("\t")
        )
        rows.append(
            [
                f"6 peak memory, importing {points:,} points",
                f"{float(gpx[1]):,.0f} MB",
                f"{float(gpx[0]):,.0f} MB (gpxpy.parse)",
                f"{float(gpx[1]) / float(gpx[0]):.2f}x",
                "<= 1.5x",
            ]
        )

        # 8: privacy zones, applied when outputs are built: the first build after a change cuts the tracks (once
        # per revision and worker), every other output of that revision reuses the cut
        from travelmap.redaction import _DERIVED

        without = timed(lambda: cold_outputs(app, client), 1 if args.quick else 3)
        hidden = add_zones_at_leg_starts(app)

        def first_build() -> float:
            _DERIVED.clear()
            return cold_outputs(app, client)

        with_zones = timed(first_build, 1 if args.quick else 3)
        reused = timed(lambda: cold_outputs(app, client), 1 if args.quick else 3)
        rows.append(
            [
                f"8 all 12 outputs, first build after a zone change ({hidden:,} points hidden)",
                f"{with_zones * 1000:,.0f} ms",
                f"{without * 1000:,.0f} ms (no zones)",
                f"{with_zones / without:.2f}x",
                "once per revision",
            ]
        )
        rows.append(["8 all 12 outputs, the cut reused", f"{reused * 1000:,.0f} ms",
                     f"{without * 1000:,.0f} ms (no zones)", f"{reused / without:.2f}x", "~1x"])

        print(
            f"Big trip: {size.legs} legs, {size.legs * size.points_per_leg:,} points, {size.stops} stops, "
            f"{size.photos} photos{' (quick)' if args.quick else ''}"
        )
        print(table(["figure", "travelmap", "baseline", "ratio", "aim"], rows))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
