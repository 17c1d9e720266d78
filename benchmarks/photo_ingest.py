"""Photo ingest cost: the service next to bare Pillow loops making the same two derivatives, same run.

    python benchmarks/photo_ingest.py            # 200 twelve-megapixel JPEGs
    python benchmarks/photo_ingest.py --quick    # 12 photos of 4 megapixels (CI smoke run)

The service does what an upload does: hash, read EXIF (time, GPS, camera), decode once (with draft),
make the display copy and thumbnail, place and attach the photo, insert the rows and commit, and move
the three files into place. Aims: at most 1.25x the bare loop with draft; at least 3x faster than the
bare loop without draft.

The ingest runs twice, into two trips: with each photo decoded in this process (the sandbox off), and as
uploads run it, each decoded in a sandboxed child process (travelmap/sandbox.py); the sandbox cost is the
ratio of the two, in wall time and in CPU time (this process's plus the children's, which other load on
the machine disturbs less).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import table, watch_children
from travelmap import create_app, db, sandbox
from travelmap.config import PhotoSettings
from travelmap.models import Author, Trip
from travelmap.photos import DISPLAY_FILTER, DISPLAY_PX, THUMB_PX
from travelmap.sandbox import Limits
from travelmap.services.photos import prepare, store_batch

INGEST = "travelmap ingest (service, with DB and files)"
SANDBOXED = "travelmap ingest, each photo decoded in a sandboxed child"


def make_photos(count: int, size: tuple[int, int]) -> list[bytes]:
    """Make `count` distinct camera-like JPEGs (a few drawn, grainy bases; each copy with its own EXIF time)."""
    bases = []
    for b in range(min(count, 8)):
        image = Image.new("RGB", size, (40 + b * 20, 90, 160))
        draw = ImageDraw.Draw(image)
        w, h = size
        for i in range(60):
            x, y = (i * 997 + b * 131) % w, (i * 613 + b * 71) % h
            draw.ellipse((x, y, x + w // 12, y + h // 12), fill=((i * 37) % 255, (i * 91) % 255, (b * 53 + i) % 255))
        draw.rectangle((0, int(h * 0.62), w, h), fill=(70, 110 + b * 10, 50))
        # Sensor-like grain: real photos compress to 3-5 MB at 12 MP, not to a few hundred KB.
        grain = Image.merge("RGB", [Image.effect_noise(size, 48 + 8 * c) for c in range(3)])
        image = Image.blend(image, grain, 0.22)
        exif = Image.Exif()
        exif[0x8769] = {0x9003: "2010:10:14 10:00:00", 0x9011: "+08:00"}
        exif[0x8825] = {1: "N", 2: (40.0, 39.0, 27.0), 3: "E", 4: (109.0, 50.0, 25.0)}
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90, exif=exif)
        bases.append(out.getvalue())
    photos = []
    for i in range(count):
        stamp = f"2010:10:14 {10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}".encode()
        photos.append(bases[i % len(bases)].replace(b"2010:10:14 10:00:00", stamp, 1))
    return photos


def bare_loop(photos: list[bytes], use_draft: bool) -> None:
    """Make a display copy and a thumbnail of each photo with plain Pillow."""
    for data in photos:
        image = Image.open(io.BytesIO(data))
        if use_draft:
            scale = DISPLAY_PX / max(image.size)
            image.draft("RGB", (int(image.width * scale), int(image.height * scale)))
        image = ImageOps.exif_transpose(image)
        display = image.copy()
        display.thumbnail((DISPLAY_PX, DISPLAY_PX), DISPLAY_FILTER)
        thumb = display.copy()
        thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
        for copy in (display, thumb):
            copy.save(io.BytesIO(), "JPEG", quality=85, optimize=True, progressive=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few smaller photos (CI smoke run)")
    args = parser.parse_args()
    count, size = (12, (2400, 1600)) if args.quick else (200, (4000, 3000))
    print(f"making {count} JPEGs of {size[0]}x{size[1]} ({size[0] * size[1] / 1e6:.0f} MP)…", file=sys.stderr)
    photos = make_photos(count, size)
    megabytes = sum(len(p) for p in photos) / 1e6

    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    children = watch_children()
    for run, draft in (("bare Pillow loop, with draft", True), ("bare Pillow loop, without draft", False)):
        t0, c0 = time.perf_counter(), time.process_time()
        bare_loop(photos, use_draft=draft)
        timings[run], cpu[run] = time.perf_counter() - t0, time.process_time() - c0

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.sqlite3'}",
                          "MEDIA_DIR": str(root / "media"), "SECRET_KEY": "bench"})
        with app.app_context():
            db.upgrade_schema(db.engine())
            session = db.session()
            owner = Author(username="bench")
            sandbox.run(Limits(), abs, 0)  # start the fork server: a worker pays that once, not per photo
            for run, limits in ((INGEST, Limits(enabled=False)), (SANDBOXED, Limits())):
                trip = Trip(slug=f"bench-{len(timings)}", title="Bench", owner=owner, timezone="Asia/Shanghai")
                session.add(trip)
                session.commit()
                settings = PhotoSettings(parse_limits=limits)
                t0, c0, children.cpu_s = time.perf_counter(), time.process_time(), 0.0
                batch = [prepare(data, f"photo-{i}.jpg", trip, settings) for i, data in enumerate(photos)]
                stored, _ = store_batch(session, trip, batch, root / "media", settings)
                session.commit()
                timings[run] = time.perf_counter() - t0
                cpu[run] = time.process_time() - c0 + children.cpu_s
                assert len(stored) == count

    base = timings["bare Pillow loop, with draft"]
    rows = [[name, f"{seconds:.2f}", f"{count / seconds:.1f}", f"{seconds / base:.2f}x", f"{cpu[name]:.2f}"]
            for name, seconds in timings.items()]
    print(f"Photo ingest: {count} JPEGs of {size[0] * size[1] / 1e6:.0f} MP ({megabytes:.0f} MB), "
          f"display {DISPLAY_PX}px + thumbnail {THUMB_PX}px")
    print(table(["run", "seconds", "photos/s", "vs bare with draft", "CPU s"], rows))
    ingest = timings[INGEST]
    print(f"ingest vs bare with draft: {ingest / base:.2f}x (aim <= 1.25x); "
          f"bare without draft vs ingest: {timings['bare Pillow loop, without draft'] / ingest:.1f}x faster "
          "(aim >= 3x)")
    print(f"sandbox cost: the sandboxed ingest takes {timings[SANDBOXED] / ingest:.2f}x the unsandboxed one's wall "
          f"time (+{(timings[SANDBOXED] - ingest) / count * 1000:.0f} ms a photo) and "
          f"{cpu[SANDBOXED] / cpu[INGEST]:.2f}x its CPU time (+{(cpu[SANDBOXED] - cpu[INGEST]) / count * 1000:.0f} ms "
          "a photo)")


if __name__ == "__main__":
    main()
