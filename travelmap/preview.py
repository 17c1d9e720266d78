"""Link-preview images (1200×630 PNG) drawn with Pillow from the track geometry: no tiles needed. Pure."""

from __future__ import annotations

import io
import math
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont, ImageOps

from .geo import MERCATOR_MAX_LAT, decode_polyline, lon_span, shift_lon, unwrap
from .models import Trip
from .redaction import Redaction
from .text import safe_colour

WIDTH, HEIGHT, BAND = 1200, 630, 120
COVER_WIDTH = 460  # the cover photo's share of the picture, left of the route (a 9:10 portrait-ish crop)


XY = tuple[float, float]


def _mercator(lat: float, lon: float) -> XY:
    """Project to Web Mercator units (x east, y north); latitudes beyond ±85° are drawn at ±85°."""
    lat = max(-85.0, min(85.0, lat))
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _polar(north: bool) -> Callable[[float, float], XY]:
    """Return an azimuthal equidistant projection centred on a pole (x east, y towards the viewer's top):
    the map of a trip that goes where Mercator cannot (the Arctic from above, 0° down; Antarctica, 0° up)."""
    def project(lat: float, lon: float) -> XY:
        r = 90.0 - lat if north else 90.0 + lat
        t = math.radians(lon)
        return r * math.sin(t), (-r if north else r) * math.cos(t)
    return project


def project(lines: list[list[tuple[float, float]]], places: list[tuple[float, float]]
            ) -> tuple[list[list[XY]], list[XY]]:
    """Project lines and places of a trip for its preview, so the drawing is one piece that makes sense:
    across the antimeridian, longitudes are made continuous; a trip that reaches nearer a pole than Mercator
    shows (85°) and stays in that hemisphere is drawn from above the pole."""
    points = [p for line in lines for p in line] + places
    if not points:
        return [], []
    lats = [lat for lat, _ in points]
    if min(lats) > 0 and max(lats) > MERCATOR_MAX_LAT or max(lats) < 0 and min(lats) < -MERCATOR_MAX_LAT:
        polar = _polar(north=max(lats) > 0)
        return [[polar(lat, lon) for lat, lon in line] for line in lines], [polar(lat, lon) for lat, lon in places]
    west, east = lon_span([lon for _, lon in points])
    origin = west if east > 180 else None
    out = []
    for line in lines:
        lons = unwrap([lon for _, lon in line], origin)
        out.append([_mercator(lat, lon) for (lat, _), lon in zip(line, lons)])
    return out, [_mercator(lat, lon if origin is None else shift_lon(lon, origin)) for lat, lon in places]


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's bundled scalable font."""
    return ImageFont.load_default(size=size)


def _cover(data: bytes | None) -> Image.Image | None:
    """Decode the cover photo's display copy (our own re-encoded JPEG) cropped to its place; None if it fails."""
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as photo:
            photo.draft("RGB", (COVER_WIDTH * 2, (HEIGHT - BAND) * 2))  # JPEG: decode at a fraction of its size
            return ImageOps.fit(photo.convert("RGB"), (COVER_WIDTH, HEIGHT - BAND), Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None  # a damaged file costs the preview its photo, not the preview


def trip_preview(trip: Trip, width: int = WIDTH, *, view: Redaction, cover: bytes | None = None) -> bytes:
    """Draw the trip as readers see it: legs in their colours (dashed for untracked legs), numbered stops (those
    readers may place), the title below; with a cover photo (its display copy's bytes), the photo on the left
    and the route beside it."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (238, 242, 246))
    photo = _cover(cover)
    left = 0
    if photo is not None:
        image.paste(photo, (0, 0))
        left = COVER_WIDTH
    draw = ImageDraw.Draw(image)
    styles: list[tuple[str, bool]] = []  # (colour, dashed) of each line
    coords: list[list[tuple[float, float]]] = []
    for leg in trip.legs:
        colour = safe_colour(leg.colour)
        for track in view.tracks(leg):
            for part in (track.lines or {}).get("overview", []):
                styles.append((colour, bool(part.get("planned"))))
                coords.append([(lat, lon) for lat, lon in decode_polyline(part["line"])])
        untracked = view.untracked_line(leg)
        if untracked is not None:
            styles.append((colour, True))
            coords.append(untracked)
    placed = [(stop, place) for stop in trip.stops() if (place := view.place(stop)) is not None]
    projected, places = project(coords, [place for _, place in placed])
    lines = [(colour, line, dashed) for (colour, dashed), line in zip(styles, projected)]
    stops = [(stop, p) for (stop, _), p in zip(placed, places)]
    points = [p for _, line, _ in lines for p in line] + [p for _, p in stops]
    if points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
        pad = 60
        scale = min((WIDTH - left - 2 * pad) / max(max(xs) - min(xs), span * 0.05),
                    (HEIGHT - BAND - 2 * pad) / max(max(ys) - min(ys), span * 0.05))
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

        def px(p: tuple[float, float]) -> tuple[float, float]:
            return left + (WIDTH - left) / 2 + (p[0] - cx) * scale, (HEIGHT - BAND) / 2 - (p[1] - cy) * scale

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
    distance = sum(t.distance_m for leg in trip.legs for t in view.tracks(leg)) / 1000
    count = len(trip.stops())
    subtitle = f"{legs} leg{'s' if legs != 1 else ''} · {count} stop{'s' if count != 1 else ''}" + (
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
