"""Link-preview images (1200×630 PNG) drawn with Pillow from the track geometry: no tiles needed. Pure."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from .geo import decode_polyline
from .models import Trip
from .text import safe_colour

WIDTH, HEIGHT, BAND = 1200, 630, 120


def _mercator(lat: float, lon: float) -> tuple[float, float]:
    """Project to Web Mercator units (x east, y north)."""
    lat = max(-85.0, min(85.0, lat))
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's bundled scalable font."""
    return ImageFont.load_default(size=size)


def trip_preview(trip: Trip, width: int = WIDTH) -> bytes:
    """Draw the trip: legs in their colours (dashed for untracked legs), numbered stops, the title below."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (238, 242, 246))
    draw = ImageDraw.Draw(image)
    lines: list[tuple[str, list[tuple[float, float]], bool]] = []
    for leg in trip.legs:
        colour = safe_colour(leg.colour)
        for track in leg.tracks:
            for part in (track.lines or {}).get("overview", []):
                coords = decode_polyline(part["line"])
                lines.append((colour, [_mercator(lat, lon) for lat, lon in coords], bool(part.get("planned"))))
        untracked = leg.untracked_line()
        if untracked is not None:
            lines.append((colour, [_mercator(lat, lon) for lat, lon in untracked], True))
    stops = [(stop, _mercator(stop.lat, stop.lon)) for stop in trip.stops()]
    points = [p for _, line, _ in lines for p in line] + [p for _, p in stops]
    if points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
        pad = 60
        scale = min((WIDTH - 2 * pad) / max(max(xs) - min(xs), span * 0.05),
                    (HEIGHT - BAND - 2 * pad) / max(max(ys) - min(ys), span * 0.05))
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

        def px(p: tuple[float, float]) -> tuple[float, float]:
            return WIDTH / 2 + (p[0] - cx) * scale, (HEIGHT - BAND) / 2 - (p[1] - cy) * scale

        for colour, line, dashed in lines:
            xy = [px(p) for p in line]
            if dashed:
                _dashed(draw, xy, colour)
            elif len(xy) >= 2:
                draw.line(xy, fill=colour, width=7, joint="curve")
        numbers = trip.stop_numbers()
        font = _font(20)
        for stop, p in reversed(stops):  # stop 1 ends up on top where stops overlap
            x, y = px(p)
            draw.ellipse((x - 17, y - 17, x + 17, y + 17), fill=safe_colour(stop.leg.colour), outline="white", width=4)
            draw.text((x, y), str(numbers[stop.id]), fill="white", font=font, anchor="mm")
    draw.rectangle((0, HEIGHT - BAND, WIDTH, HEIGHT), fill=(17, 24, 39))
    draw.text((40, HEIGHT - BAND + 26), _fit(trip.title, 52), fill="white", font=_font(44))
    legs = len(trip.legs)
    distance = sum(t.distance_m for leg in trip.legs for t in leg.tracks) / 1000
    subtitle = f"{legs} leg{'s' if legs != 1 else ''} · {len(stops)} stops" + (
        f" · {distance:,.0f} km" if distance else ""
    )
    draw.text((40, HEIGHT - BAND + 80), subtitle + " · travelmap", fill=(209, 213, 219), font=_font(24))
    if width != WIDTH:
        image = image.resize((width, round(HEIGHT * width / WIDTH)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _fit(text: str, limit: int) -> str:
    """Shorten a title to fit the band."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _dashed(
    draw: ImageDraw.ImageDraw, xy: list[tuple[float, float]], colour: str, dash: float = 18, gap: float = 12
) -> None:
    """Draw a dashed polyline."""
    for (x0, y0), (x1, y1) in zip(xy, xy[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        n = 0.0
        while n < length:
            a, b = n / length, min(length, n + dash) / length
            draw.line(
                [(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                fill=colour,
                width=6,
            )
            n += dash + gap
