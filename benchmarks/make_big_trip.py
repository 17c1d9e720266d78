"""Build a big trip through the service's own import paths: 3 legs with 300,000 track points in all (1 s
sampling), 60 stops with posts, and 2,000 small photos with GPS along the tracks. Deterministic (seeded).

    python benchmarks/make_big_trip.py --root /tmp/bigtrip            # the full size
    python benchmarks/make_big_trip.py --root /tmp/small --quick      # 3 x 4,000 points, 12 stops, 150 photos
"""

from __future__ import annotations

import argparse
import io
import math
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from travelmap import create_app, db
from travelmap.config import PhotoSettings
from travelmap.models import Author
from travelmap.services import authoring, posts
from travelmap.services.photos import prepare, store_batch
from travelmap.services.tracks import import_track

SLUG = "big-trip"
START = datetime(2011, 5, 1, 0, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Size:
    """How big a trip to make."""

    legs: int = 3
    points_per_leg: int = 100_000
    stops: int = 60
    photos: int = 2_000


FULL, QUICK = Size(), Size(points_per_leg=4_000, stops=12, photos=150)


def leg_points(
    rng: random.Random, leg: int, count: int, start: tuple[float, float]
) -> list[tuple[float, float, float, datetime]]:
    """A winding 1 s track: speed 8–25 m/s, heading drifting, elevation rolling."""
    lat, lon = start
    heading = 250.0 + leg * 40
    t0 = START + timedelta(days=leg * 3)
    out = []
    for i in range(count):
        heading += rng.uniform(-3, 3) + 2 * math.sin(i / 400)
        speed = 16 + 8 * math.sin(i / 900) + rng.uniform(-1, 1)
        lat += speed * math.cos(math.radians(heading)) / 111_320
        lon += speed * math.sin(math.radians(heading)) / (111_320 * math.cos(math.radians(lat)))
        ele = 900 + 300 * math.sin(i / 7000 + leg) + rng.uniform(-3, 3)
        out.append((lat, lon, ele, t0 + timedelta(seconds=i)))
    return out


def gpx_bytes(points: list[tuple[float, float, float, datetime]], name: str) -> bytes:
    """Write points as GPX 1.1."""
    rows = [
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>'
        for lat, lon, ele, t in points
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="travelmap benchmarks" '
        f'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>{name}</name><trkseg>\n'
        + "\n".join(rows)
        + "\n</trkseg></trk></gpx>\n"
    ).encode()


def small_jpeg(rng: random.Random, lat: float, lon: float, when: datetime) -> bytes:
    """A 160×120 JPEG with EXIF GPS and time (+08:00)."""
    image = Image.new("RGB", (160, 120), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    exif = Image.Exif()
    local = when + timedelta(hours=8)
    exif[0x8769] = {0x9003: local.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+08:00"}

    def dms(value: float) -> tuple:
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        return (float(d), float(m), round((value - d - m / 60) * 3600, 4))

    exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, exif=exif)
    return out.getvalue()


def build(app, size: Size = FULL, seed: int = 1, log=print) -> str:  # type: ignore[no-untyped-def]
    """Build the big trip in the app's database and media folder; return its slug."""
    rng = random.Random(seed)
    media = Path(app.config["MEDIA_DIR"])
    with app.app_context():
        db.upgrade_schema(db.engine())
        s = db.session()
        owner = Author(username="bench", display_name="Bench Author")
        s.add(owner)
        trip = authoring.create_trip(
            s,
            owner,
            {
                "title": "A long journey",
                "slug": SLUG,
                "visibility": "public",
                "timezone": "Asia/Shanghai",
                "summary": "Weeks of 1-second GPS and thousands of photos.",
            },
        )
        s.commit()
        all_points = []
        start = (40.8424, 111.7490)
        for n in range(size.legs):
            leg = authoring.add_leg(s, trip, {"name": f"Leg {n + 1}"})
            s.commit()
            points = leg_points(rng, n, size.points_per_leg, start)
            start = points[-1][:2]
            all_points.append(points)
            log(f"  leg {n + 1}: importing {len(points):,} points")
            import_track(s, leg, gpx_bytes(points, f"Leg {n + 1}"), f"leg-{n + 1}.gpx", media)
            s.commit()
        per_leg = size.stops // size.legs
        for n, points in enumerate(all_points):
            for k in range(per_leg):
                lat, lon, _, when = points[int((k + 0.5) * len(points) / per_leg)]
                post = posts.create_post(
                    s,
                    owner,
                    {
                        "title": f"Day notes {n + 1}.{k + 1}",
                        "summary": "A short note written at this stop.",
                        "body": "Some *Markdown* text about the place.",
                    },
                )
                authoring.add_stop(
                    s,
                    trip,
                    {
                        "leg": n + 1,
                        "name": f"Stop {n + 1}.{k + 1}",
                        "lat": lat,
                        "lon": lon,
                        "arrived_at": (when + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
                        "post": post.slug,
                    },
                )
        s.commit()
        log(f"  {size.stops} stops with posts")
        settings = PhotoSettings()
        flat = [p for points in all_points for p in points]
        batch = []
        for i in range(size.photos):
            lat, lon, _, when = flat[int((i + 0.5) * len(flat) / size.photos)]
            batch.append(
                prepare(small_jpeg(rng, lat, lon, when), f"photo-{i:04d}.jpg", trip, settings, caption=f"Photo {i + 1}")
            )
            if len(batch) == 250 or i == size.photos - 1:
                store_batch(s, trip, batch, media, settings)
                s.commit()
                batch = []
        log(f"  {size.photos} photos")
    return SLUG


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path, help="folder for the SQLite database and media")
    parser.add_argument("--quick", action="store_true", help="a small trip (CI smoke run)")
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.root / 'big.sqlite3'}",
            "MEDIA_DIR": str(args.root / "media"),
            "SECRET_KEY": "bench",
            "MAX_UPLOAD_MB": 1024,
        }
    )
    build(app, QUICK if args.quick else FULL)


if __name__ == "__main__":
    main()
