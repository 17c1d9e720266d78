"""Regenerate the synthetic demo GPX tracks and JPEG photos for the travelmap demo trip."""
from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import gpxpy.gpx
from PIL import Image, ImageDraw, ImageFont, TiffImagePlugin

HERE = Path(__file__).resolve().parent
CST = timezone(timedelta(hours=8))  # China Standard Time; all local times below are CST
SEED = "travelmap-demo-2010"
SAMPLE_S = 5  # seconds between track points
Pt = tuple[float, float, float]  # (lat, lon, ele in metres), or (x, y, ele) in local metres
TrackPt = tuple[float, float, float, datetime]  # (lat, lon, ele, UTC time)
STOPS: dict[str, Pt] = {
    "beijing": (39.9042, 116.4074, 45.0),
    "hohhot": (40.8424, 111.7490, 1050.0),
    "xilamuren": (41.3500, 111.2000, 1600.0),
    "baotou": (40.6574, 109.8403, 1050.0),
    "bayan-obo": (41.7700, 109.9700, 1550.0),
    "tailings-lake": (40.6300, 109.7000, 1040.0),
    "baotou-east-station": (40.6125, 110.0345, 1020.0),
    "beijing-station": (39.9029, 116.4271, 45.0),
}

# Hand-picked waypoints (lat, lon, ele) roughly following the real roads.
ROUTES: dict[str, list[Pt]] = {
    "beijing-hohhot": [  # G6 Jingzang expressway via Badaling, Huailai, Zhangjiakou, Jining, Zhuozi
        STOPS["beijing"], (39.908, 116.397, 45), (39.923, 116.36, 47), (39.942, 116.357, 48), (39.965, 116.378, 50),
        (39.983, 116.378, 50), (40.005, 116.36, 52), (40.03, 116.335, 55), (40.055, 116.31, 58), (40.08, 116.3, 60),
        (40.135, 116.28, 70), (40.205, 116.215, 110), (40.24, 116.13, 200), (40.275, 116.095, 330),
        (40.288, 116.07, 430), (40.31, 116.06, 540), (40.335, 116.035, 620), (40.355, 116.01, 680),
        (40.37, 115.97, 640), (40.395, 115.875, 520), (40.4, 115.8, 500), (40.41, 115.7, 490), (40.405, 115.6, 490),
        (40.41, 115.52, 500), (40.43, 115.43, 520), (40.46, 115.35, 540), (40.49, 115.27, 560), (40.53, 115.18, 580),
        (40.57, 115.1, 600), (40.61, 115.04, 620), (40.67, 114.97, 660), (40.72, 114.91, 700), (40.77, 114.88, 720),
        (40.76, 114.74, 760), (40.73, 114.6, 800), (40.69, 114.45, 880), (40.7, 114.3, 950), (40.74, 114.15, 1050),
        (40.79, 114.02, 1150), (40.85, 113.9, 1250), (40.9, 113.75, 1330), (40.95, 113.58, 1380),
        (40.99, 113.42, 1420), (41.02, 113.28, 1440), (41.03, 113.13, 1420), (41.01, 112.98, 1450),
        (40.97, 112.85, 1430), (40.93, 112.72, 1400), (40.89, 112.58, 1380), (40.87, 112.45, 1330),
        (40.86, 112.3, 1250), (40.85, 112.15, 1180), (40.84, 112, 1120), (40.83, 111.88, 1070), (40.835, 111.8, 1060),
        STOPS["hohhot"],
    ],
    "hohhot-xilamuren": [  # north over the Daqing Shan via Wuchuan
        STOPS["hohhot"], (40.87, 111.73, 1060), (40.9, 111.71, 1090), (40.93, 111.69, 1180), (40.96, 111.66, 1330),
        (40.99, 111.63, 1500), (41.02, 111.6, 1650), (41.04, 111.56, 1720), (41.06, 111.51, 1620),
        (41.09, 111.45, 1560), (41.13, 111.41, 1580), (41.17, 111.37, 1600), (41.21, 111.33, 1620),
        (41.25, 111.29, 1640), (41.29, 111.25, 1620), (41.32, 111.22, 1610), STOPS["xilamuren"],
    ],
    "hohhot-baotou": [  # G6 west via Tumed Left Banner and Tumed Right Banner (Salaqi)
        STOPS["hohhot"], (40.835, 111.7, 1045), (40.82, 111.62, 1040), (40.8, 111.52, 1030), (40.77, 111.4, 1020),
        (40.74, 111.28, 1015), (40.71, 111.16, 1010), (40.68, 111.02, 1005), (40.65, 110.9, 1000),
        (40.62, 110.78, 1000), (40.59, 110.65, 1005), (40.56, 110.52, 1010), (40.57, 110.4, 1010),
        (40.58, 110.28, 1010), (40.59, 110.15, 1010), (40.59, 110.04, 1015), (40.61, 109.96, 1030),
        (40.63, 109.9, 1040), (40.65, 109.86, 1048), STOPS["baotou"],
    ],
    "baotou-bayan-obo": [  # north up the Kundulun valley, over the hills to Guyang, across the plateau
        STOPS["baotou"], (40.67, 109.845, 1060), (40.7, 109.85, 1100), (40.73, 109.87, 1180), (40.77, 109.89, 1300),
        (40.81, 109.91, 1450), (40.85, 109.94, 1580), (40.89, 109.97, 1650), (40.94, 110, 1580),
        (40.99, 110.03, 1520), (41.03, 110.05, 1500), (41.09, 110.06, 1560), (41.16, 110.07, 1600),
        (41.23, 110.06, 1610), (41.3, 110.05, 1580), (41.37, 110.04, 1560), (41.44, 110.03, 1540),
        (41.51, 110.01, 1530), (41.58, 110, 1540), (41.65, 109.99, 1560), (41.71, 109.98, 1560), STOPS["bayan-obo"],
    ],
    "baotou-tailings-lake": [  # west through Kundulun and past the steelworks to the tailings dam
        STOPS["baotou"], (40.655, 109.825, 1048), (40.652, 109.805, 1046), (40.648, 109.785, 1045),
        (40.645, 109.765, 1044), (40.641, 109.745, 1043), (40.637, 109.725, 1042), (40.633, 109.712, 1041),
        STOPS["tailings-lake"],
    ],
}


@dataclass(frozen=True)
class Drive:
    """One continuous drive, written as one <trkseg>."""
    route: str
    depart: datetime  # local CST
    cruise_kmh: float
    town_kmh: float = 35.0
    town_km: float = 6.0
    reverse: bool = False
    pause_wp: int = -1  # waypoint index of a rest stop (-1: none)
    pause_min: int = 0


def local(day: int, hh: int, mm: int) -> datetime:
    """Return a CST datetime on day `day` of October 2010."""
    return datetime(2010, 10, day, hh, mm, tzinfo=CST)


# file name -> (track name, drives)
TRACKS: dict[str, tuple[str, list[Drive]]] = {
    "01-beijing-to-hohhot.gpx": ("Beijing to Hohhot on the G6", [
        Drive("beijing-hohhot", local(11, 9, 30), 95, 30, 15, pause_wp=33, pause_min=20)]),  # rest near Wanquan
    "02-hohhot-xilamuren.gpx": ("Hohhot to the Xilamuren grassland and back", [
        Drive("hohhot-xilamuren", local(12, 9, 0), 70),
        Drive("hohhot-xilamuren", local(13, 9, 30), 70, reverse=True)]),
    "03-hohhot-to-baotou.gpx": ("Hohhot to Baotou on the G6", [
        Drive("hohhot-baotou", local(14, 9, 0), 100, 35, 8)]),
    "04-baotou-bayan-obo.gpx": ("Baotou to the Bayan Obo mining district and back", [
        Drive("baotou-bayan-obo", local(15, 7, 30), 80),
        Drive("baotou-bayan-obo", local(15, 14, 0), 80, reverse=True)]),
    "05-baotou-tailings-lake.gpx": ("Baotou to the tailings lake and back", [
        Drive("baotou-tailings-lake", local(16, 10, 0), 45, 30, 2),
        Drive("baotou-tailings-lake", local(16, 12, 0), 45, 30, 2, reverse=True)]),
}


@dataclass(frozen=True)
class Photo:
    """One synthetic photo: scene, local time and where it is placed (stop, track or nowhere)."""
    file: str
    label: str
    scene: str
    when: datetime  # local CST
    place: str  # "stop:<slug>", "track:<gpx file>" or "none" (no GPS IFD)
    size: tuple[int, int] = (1200, 800)


PHOTOS: list[Photo] = [
    Photo("01-badaling-pass.jpg", "G6 near Badaling", "pass", local(11, 10, 20), "track:01-beijing-to-hohhot.gpx"),
    Photo("02-hohhot-morning.jpg", "Hohhot", "city", local(12, 7, 50), "stop:hohhot"),
    Photo("03-xilamuren-grassland.jpg", "Xilamuren grassland", "grassland", local(12, 16, 20),
          "stop:xilamuren", (800, 1200)),
    Photo("04-road-to-baotou.jpg", "G6 towards Baotou", "road", local(14, 10, 5), "none"),
    Photo("05-baotou-centre.jpg", "Baotou", "smog", local(14, 15, 30), "stop:baotou"),
    Photo("06-bayan-obo-pit.jpg", "Bayan Obo mining district", "mine", local(15, 9, 10),
          "track:04-baotou-bayan-obo.gpx"),
    Photo("07-tailings-lake.jpg", "Tailings lake", "lake", local(16, 10, 50), "stop:tailings-lake"),
    Photo("08-train-to-beijing.jpg", "Baotou East station", "train", local(17, 7, 55), "stop:baotou-east-station"),
]


def smoothstep(x: float) -> float:
    """Clamp x to [0, 1] and ease it smoothly."""
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) pairs."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


def cumdist(pts: list[Pt]) -> list[float]:
    """Cumulative planar distance in metres along a path in local metres."""
    s = [0.0]
    for a, b in zip(pts, pts[1:]):
        s.append(s[-1] + math.dist(a[:2], b[:2]))
    return s


def geometry(name: str) -> list[Pt]:
    """Smooth a route's waypoints into a dense (~40 m) road-like path in local metres (x, y, ele)."""
    wps = ROUTES[name]
    lat0 = math.radians(wps[0][0])
    pts = [((lon - wps[0][1]) * 111320 * math.cos(lat0), (lat - wps[0][0]) * 110540, ele) for lat, lon, ele in wps]
    for _ in range(4):  # Chaikin corner cutting (a quadratic B-spline), endpoints kept
        cut = [pts[0]]
        for a, b in zip(pts, pts[1:]):
            cut += [tuple(0.75 * u + 0.25 * v for u, v in zip(a, b)), tuple(0.25 * u + 0.75 * v for u, v in zip(a, b))]
        pts = cut + [pts[-1]]
    dense: list[Pt] = [pts[0]]
    for a, b in zip(pts, pts[1:]):
        n = max(1, math.ceil(math.dist(a[:2], b[:2]) / 40))
        dense += [tuple(u + (v - u) * k / n for u, v in zip(a, b)) for k in range(1, n + 1)]
    s = cumdist(dense)
    rng = random.Random(f"{SEED}-{name}-wiggle")
    scale = min(1.0, s[-1] / 40000)  # gentle lateral curvature, smaller on short urban routes
    waves = [(rng.uniform(lo, hi) * scale, rng.uniform(l1, l2), rng.uniform(0, 2 * math.pi))
             for lo, hi, l1, l2 in ((10, 25, 1800, 3000), (30, 60, 4000, 7000), (50, 90, 9000, 14000))]
    out: list[Pt] = []
    for i, (x, y, ele) in enumerate(dense):
        a, b = dense[max(0, i - 1)], dense[min(len(dense) - 1, i + 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = math.hypot(dx, dy) or 1.0
        off = smoothstep(min(s[i], s[-1] - s[i]) / 1500) * sum(
            amp * math.sin(2 * math.pi * s[i] / lam + ph) for amp, lam, ph in waves)
        out.append((x - dy / norm * off, y + dx / norm * off, ele))
    return out


def to_latlon(name: str, x: float, y: float) -> tuple[float, float]:
    """Convert local metres of route `name` back to (lat, lon)."""
    lat0, lon0 = ROUTES[name][0][:2]
    return lat0 + y / 110540, lon0 + x / (111320 * math.cos(math.radians(lat0)))


def drive(d: Drive, tag: str) -> tuple[list[TrackPt], int]:
    """Sample one drive every SAMPLE_S s (smooth speeds, GPS noise); return points and rest-stop index."""
    path = geometry(d.route)[::-1] if d.reverse else geometry(d.route)
    s = cumdist(path)
    total, s_pause, i_pause = s[-1], -1e9, -1
    if d.pause_wp >= 0:  # path point nearest to the rest-stop waypoint
        wp = ROUTES[d.route][d.pause_wp][:2]
        s_pause = s[min(range(len(path)), key=lambda k: haversine(to_latlon(d.route, *path[k][:2]), wp))]
    rng = random.Random(f"{SEED}-{tag}")
    ph1, ph2 = rng.uniform(0, 6.3), rng.uniform(0, 6.3)
    noise = [0.0, 0.0]
    pos, i, t = 0.0, 0, d.depart.astimezone(timezone.utc)
    out: list[TrackPt] = []

    def record(x: float, y: float, ele: float) -> None:
        """Append a fix with AR(1) GPS noise (sigma ~3 m) and +-2 m elevation noise, then advance the clock."""
        nonlocal t
        noise[:] = [0.9 * n + 0.436 * rng.gauss(0, 3.0) for n in noise]
        lat, lon = to_latlon(d.route, x + noise[0], y + noise[1])
        out.append((round(lat, 6), round(lon, 6), round(ele + max(-2.0, min(2.0, rng.gauss(0, 0.8))), 1), t))
        t += timedelta(seconds=SAMPLE_S)

    while True:
        while i < len(s) - 2 and s[i + 1] < pos:
            i += 1
        f = (pos - s[i]) / ((s[i + 1] - s[i]) or 1.0)
        x, y, ele = (u + (v - u) * f for u, v in zip(path[i], path[i + 1]))
        record(x, y, ele)
        if pos >= total:
            return out, i_pause
        if i_pause < 0 <= s_pause <= pos:  # rest stop: the logger keeps recording while parked
            i_pause = len(out)
            for _ in range(d.pause_min * 60 // SAMPLE_S):
                record(x, y, ele)
        ramp = min(smoothstep(min(pos, total - pos) / (d.town_km * 1000)), smoothstep(abs(pos - s_pause) / 1500))
        cruise = d.cruise_kmh * (1 + 0.06 * math.sin(pos / 7000 + ph1) + 0.03 * math.sin(pos / 1900 + ph2))
        v_kmh = d.town_kmh * (0.7 + 0.3 * ramp) + (cruise - d.town_kmh) * ramp
        pos = min(total, pos + v_kmh / 3.6 * SAMPLE_S)


def write_gpx(fname: str, title: str, segments: list[list[TrackPt]], wpts: list[tuple[str, TrackPt]]) -> None:
    """Write one GPX 1.1 file with one named track and one <trkseg> per drive."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "travelmap data/build.py"
    gpx.waypoints = [gpxpy.gpx.GPXWaypoint(la, lo, elevation=e, time=t, name=n) for n, (la, lo, e, t) in wpts]
    trk = gpxpy.gpx.GPXTrack(name=title)
    trk.segments = [gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(la, lo, elevation=e, time=t)
                                               for la, lo, e, t in seg]) for seg in segments]
    gpx.tracks.append(trk)
    (HERE / "gpx" / fname).write_text(gpx.to_xml(version="1.1"), encoding="utf-8")


def point_at(segments: list[list[TrackPt]], when: datetime) -> tuple[float, float, float]:
    """Interpolate the track position at a time that falls inside one of its segments."""
    for seg in segments:
        for a, b in zip(seg, seg[1:]):
            if a[3] <= when <= b[3]:
                f = (when - a[3]) / (b[3] - a[3])
                return tuple(u + (v - u) * f for u, v in zip(a[:3], b[:3]))  # type: ignore[return-value]
    raise ValueError(f"{when} is not inside the track")


# scene -> (sky top, sky bottom, ground top, ground bottom, hill height as a fraction of the image height)
RGB = tuple[int, int, int]
SCENES: dict[str, tuple[RGB, RGB, RGB, RGB, float]] = {
    "road": ((70, 130, 210), (200, 225, 245), (165, 150, 105), (105, 95, 70), 0.06),
    "pass": ((60, 120, 205), (195, 220, 240), (125, 120, 80), (85, 80, 55), 0.22),
    "grassland": ((55, 120, 215), (205, 228, 245), (175, 170, 95), (105, 120, 55), 0.05),
    "city": ((90, 145, 210), (215, 225, 235), (125, 120, 115), (75, 75, 78), 0.04),
    "smog": ((150, 160, 175), (236, 214, 180), (125, 120, 115), (75, 75, 78), 0.04),
    "mine": ((95, 140, 200), (220, 225, 230), (160, 130, 100), (120, 95, 75), 0.06),
    "lake": ((150, 160, 170), (225, 210, 185), (130, 118, 100), (95, 88, 75), 0.05),
    "train": ((80, 140, 210), (210, 225, 240), (150, 140, 110), (100, 95, 80), 0.04),
}


def paint(scene: str, size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Draw a simple, pleasant synthetic landscape (gradients plus a few shapes) for a scene kind."""
    (w, h), (s0, s1, g0, g1, hills) = size, SCENES[scene]
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    hz = int(h * 0.55)
    for yy in range(h):
        top, bot, f = (s0, s1, yy / hz) if yy < hz else (g0, g1, (yy - hz) / (h - hz))
        d.line([(0, yy), (w, yy)], fill=tuple(int(a + (b - a) * f) for a, b in zip(top, bot)))
    ridge: list[tuple[float, float]] = []
    for layer, colour in enumerate([(140, 150, 170), (100, 115, 95)]):  # two layers of distant hills
        amp, ph = h * hills * (1 - 0.35 * layer), rng.uniform(0, 6.3)
        ridge = [(x, hz - amp * (0.55 + 0.3 * math.sin(x / (140 - 50 * layer) + ph) + 0.15 * math.sin(x / 41 + ph)))
                 for x in range(0, w + 10, 10)]
        d.polygon([(0, hz)] + ridge + [(w, hz)], fill=colour)
    if scene in ("road", "pass"):
        d.polygon([(w * 0.47, hz), (w * 0.53, hz), (w * 0.85, h), (w * 0.15, h)], fill=(75, 75, 80))
        for k in range(12):  # dashed centre line in perspective
            y0, y1 = hz + (h - hz) * (k / 12) ** 2, hz + (h - hz) * ((k + 0.5) / 12) ** 2
            d.line([(w / 2, y0), (w / 2, y1)], fill=(240, 220, 120), width=max(1, k // 2))
        if scene == "pass":  # a wall with watchtowers along the front ridge
            d.line(ridge, fill=(150, 130, 105), width=5)
            for x, y in ridge[8::22]:
                d.rectangle([x - 9, y - 16, x + 9, y + 2], fill=(150, 130, 105))
    elif scene == "grassland":
        for _ in range(1200):  # grass tufts
            x, y = rng.uniform(0, w), rng.uniform(hz, h)
            d.line([(x, y), (x + rng.uniform(-3, 3), y - 4 - (y - hz) * 0.03)], fill=(95, 115, 50), width=2)
        for y, x in sorted((hz + rng.uniform(0.04, 0.3) * (h - hz), rng.uniform(0.08, 0.92) * w) for _ in range(6)):
            r = 10 + (y - hz) * 0.18  # yurts, far ones first
            d.rectangle([x - r, y - r * 0.8, x + r, y], fill=(246, 244, 236))
            d.rectangle([x - r, y - r * 0.62, x + r, y - r * 0.5], fill=(60, 110, 170))
            d.pieslice([x - r * 1.05, y - r * 1.3, x + r * 1.05, y - r * 0.3], 180, 360, fill=(215, 210, 200))
            d.rectangle([x - r * 0.18, y - r * 0.45, x + r * 0.18, y], fill=(180, 60, 40))
    elif scene == "mine":
        cx, cy = w * 0.5, hz + (h - hz) * 0.45
        for k in range(9):  # terraced benches of the open pit
            rx, ry, tone = w * (0.46 - 0.045 * k), (h - hz) * (0.42 - 0.04 * k), 150 - 9 * k
            d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=(tone + 20, tone, tone - 25), outline=(90, 70, 55))
        d.rectangle([w * 0.62, cy - 8, w * 0.66, cy + 8], fill=(230, 180, 40))
    elif scene == "lake":
        d.rectangle([0, hz + 18, w, h], fill=(96, 100, 98))
        d.polygon([(0, hz + 18), (w, hz + 30), (w, hz + 40), (0, hz + 26)], fill=(150, 140, 120))  # dam crest
        for _ in range(40):  # ripples and reflections
            x, y = rng.uniform(0, w), rng.uniform(hz + 45, h)
            d.line([(x, y), (x + rng.uniform(30, 120), y)], fill=(125, 128, 122), width=2)
        for k in range(5):  # smokestacks and drifting smoke
            x, top = w * (0.55 + 0.07 * k), hz - 160 + 12 * k
            d.rectangle([x, top, x + 18, hz + 18], fill=(105, 100, 98))
            for j in range(5):
                r, cx, cy = 14 + 9 * j, x + 9 - 25 * j, top - 15 - 30 * j
                d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(200, 195, 185))
    else:  # city, smog and train: a skyline
        x = 0.0
        while x < w:
            bw, bh = rng.uniform(40, 110), rng.uniform(60, 110 if scene == "train" else 260)
            d.rectangle([x, hz - bh, x + bw, hz + 5], fill=(rng.randint(85, 120),) * 3)
            for wy in range(int(hz - bh + 10), int(hz - 5), 18):
                for wx in range(int(x + 8), int(x + bw - 8), 16):
                    d.rectangle([wx, wy, wx + 6, wy + 8], fill=(225, 210, 150))
            x += bw + rng.uniform(2, 14)
        if scene == "train":
            ry = hz + (h - hz) * 0.55
            d.rectangle([0, ry + 52, w, ry + 60], fill=(60, 55, 50))
            for x0 in range(40, w, 290):  # green carriages
                d.rounded_rectangle([x0, ry - 60, x0 + 280, ry + 50], 14, fill=(40, 95, 70))
                d.rectangle([x0, ry + 8, x0 + 280, ry + 16], fill=(235, 200, 60))
                for wx in range(x0 + 20, x0 + 260, 40):
                    d.rectangle([wx, ry - 45, wx + 26, ry - 15], fill=(200, 220, 230))
        elif scene == "smog":
            img = Image.blend(img, Image.new("RGB", size, (205, 190, 160)), 0.25)
    return img


def label(img: Image.Image, text: str) -> Image.Image:
    """Draw a small translucent caption box with the place name in the bottom-left corner."""
    font = ImageFont.load_default(size=26)  # Pillow >= 10.1
    over = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(over)
    x0, y0, x1, y1 = d.textbbox((30, img.height - 60), text, font=font)
    d.rounded_rectangle([x0 - 12, y0 - 10, x1 + 12, y1 + 10], 8, fill=(0, 0, 0, 130))
    d.text((30, img.height - 60), text, font=font, fill=(255, 255, 255, 255))
    return Image.alpha_composite(img.convert("RGBA"), over).convert("RGB")


def dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    """Split decimal degrees into EXIF (deg, min, sec/100) rationals."""
    hundredths = round(value * 360000)  # integer 1/100 arc-seconds, so seconds never round up to 60
    deg, rest = divmod(hundredths, 360000)
    minutes, sec = divmod(rest, 6000)
    return tuple(TiffImagePlugin.IFDRational(n, d) for n, d in ((deg, 1), (minutes, 1), (sec, 100)))


def write_photo(p: Photo, where: tuple[float, float, float] | None) -> None:
    """Paint one photo and save it as JPEG with camera, time and (optional) GPS EXIF."""
    img = label(paint(p.scene, p.size, random.Random(f"{SEED}-{p.file}")), f"{p.label}  {p.when:%Y-%m-%d %H:%M}")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "travelmap", "demo camera"
    exif[0x8769] = {0x9003: p.when.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+08:00"}
    if where is not None:
        lat, lon, ele = where
        exif[0x8825] = {0: b"\x02\x03\x00\x00", 1: "N", 2: dms(lat), 3: "E", 4: dms(lon), 5: 0,
                        6: TiffImagePlugin.IFDRational(round(ele * 10), 10)}
    img.save(HERE / "photos" / p.file, "JPEG", quality=80, exif=exif)


def check_trip(tracks: dict[str, list[list[TrackPt]]]) -> None:
    """Print whether trip.toml's stops agree with the generated track ends (place within 50 m, time within 60 s)."""
    trip = tomllib.loads((HERE / "trip.toml").read_text(encoding="utf-8"))
    bad, posts = 0, {post["slug"] for post in trip["posts"]}
    for leg in trip["legs"]:
        ends = [(seg[0], seg[-1]) for f in leg["tracks"] for seg in tracks[Path(f).name]]
        for st in leg["stops"]:
            at, dep = st["arrived_at"], st.get("departed_at")
            ok = haversine((st["lat"], st["lon"]), STOPS[st["slug"]][:2]) < 50 and st["post"] in posts
            if ends:
                here = (st["lat"], st["lon"])

                def near(q: tuple, here: tuple = here) -> bool:
                    return haversine(here, q[:2]) < 50

                arr = [e for _, e in ends if near(e)]
                ok &= any(abs((e[3] - at).total_seconds()) <= 60 for e in arr) or (not arr and at == dep)
                ok &= dep is None or any(near(s) and abs((s[3] - dep).total_seconds()) <= 60 for s, _ in ends)
            bad += not ok
            print(f"  stop {st['slug']:<20} {'ok' if ok else 'MISMATCH'}")
    files = {ph["file"] for ph in trip["photos"]}
    missing = files ^ {f"photos/{p.file}" for p in PHOTOS}
    print(f"  photos listed in trip.toml {'ok' if not missing else f'MISMATCH {sorted(missing)}'}")
    if bad or missing:
        raise SystemExit("trip.toml is inconsistent with build.py")


def main() -> None:
    """Regenerate every GPX file and photo, then print a summary and the trip.toml check."""
    (HERE / "gpx").mkdir(exist_ok=True)
    (HERE / "photos").mkdir(exist_ok=True)
    tracks: dict[str, list[list[TrackPt]]] = {}
    for fname, (title, drives) in TRACKS.items():
        runs = [drive(d, f"{fname}-{k}") for k, d in enumerate(drives)]
        segs = [seg for seg, _ in runs]
        wpts = [("Rest stop (service area)", seg[k]) for seg, k in runs if k >= 0]
        write_gpx(fname, title, segs, wpts)
        tracks[fname] = segs
        for seg in segs:
            km = sum(haversine(a[:2], b[:2]) for a, b in zip(seg, seg[1:])) / 1000
            print(f"{fname}: {len(seg):5d} pts {km:6.1f} km  {seg[0][3].astimezone(CST):%m-%d %H:%M:%S} "
                  f"-> {seg[-1][3].astimezone(CST):%m-%d %H:%M:%S}  end {seg[-1][:2]}")
    for p in PHOTOS:
        kind, _, ref = p.place.partition(":")
        where = (STOPS[ref] if kind == "stop" else
                 point_at(tracks[ref], p.when.astimezone(timezone.utc)) if kind == "track" else None)
        write_photo(p, where)
        print(f"photos/{p.file}: {p.when:%Y-%m-%d %H:%M:%S%z} gps={where}")
    print(f"total points: {sum(len(s) for segs in tracks.values() for s in segs)}")
    if (HERE / "trip.toml").exists():
        check_trip(tracks)


if __name__ == "__main__":
    main()
