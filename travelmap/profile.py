"""Elevation profiles drawn server-side as SVG: distance on x, elevation on y. Pure; no Flask."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from markupsafe import Markup

from .models import Leg, Track
from .redaction import TrackView
from .text import safe_colour

WIDTH, HEIGHT = 360, 170
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 50, 10, 10, 26


@dataclass(frozen=True)
class Profile:
    """A leg's profile: points [distance_m, elevation_m, lat, lon] and the SVG drawing of them."""

    points: list[list[float]]
    svg: Markup
    # The leg's route in miniature with a dot for the place the reader points at: on a phone the page's map has
    # scrolled away by the time the reader touches the profile, so the profile carries a map of its own.
    mini: Markup = Markup("")

    def data_json(self) -> Markup:
        """Return the points as JSON safe inside a <script type="application/json">."""
        return Markup(json.dumps(self.points, separators=(",", ":")).replace("<", "\\u003c"))


def _nice_step(span: float, ticks: int) -> float:
    """Return a round tick step (1, 2 or 5 × 10^n) giving about `ticks` ticks over span."""
    raw = span / max(1, ticks)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


MIN_ELEVATION_SPAN_M = 10.0


def _elevation_axis(low: float, high: float) -> tuple[float, float, float]:
    """Return the elevation axis (bottom, top, tick step) for heights from low to high.

    The axis spans at least 10 m, centred on the heights, so a flat track (a canal, or an app that writes
    0 for every point) is a level line inside the chart; it never goes below 0 for heights that do not.
    """
    if high - low < MIN_ELEVATION_SPAN_M:
        middle = (low + high) / 2
        never_below_zero = low >= 0
        low, high = middle - MIN_ELEVATION_SPAN_M / 2, middle + MIN_ELEVATION_SPAN_M / 2
        if never_below_zero and low < 0:
            low, high = 0.0, MIN_ELEVATION_SPAN_M
    step = _nice_step(high - low, 4)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    if top <= bottom:  # cannot happen with the span above; kept so the drawing can never divide by zero
        top = bottom + step
    return bottom, top, step


def leg_profile(leg: Leg, tracks: list[TrackView]) -> Profile | None:
    """Join the profiles of what readers see of the leg's tracks end to end (in time order) and draw them, with a
    gap between tracks (two recordings, often of different days, are not one climb); None without elevations."""
    points: list[list[float]] = []
    breaks: list[int] = []
    offset = 0.0
    for track in tracks:
        if not track.profile:
            continue
        if points:
            breaks.append(len(points))
        points.extend([d + offset, e, lat, lon] for d, e, lat, lon in track.profile)
        offset += track.distance_m
    return draw(points, leg.colour, breaks=breaks)


def track_profile(track: Track, colour: str) -> Profile | None:
    """Draw one track's profile over its whole distance (the track editor's); None without elevations."""
    return draw([list(p) for p in track.profile or []], colour, total=track.distance_m)


# Width of one character of an 11 px axis label (digits, separators, the unit), a little over the real one: labels
# are placed from it so that none runs off the drawing.
LABEL_CHAR_W = 6.6


def _label_width(text: str) -> float:
    return len(text) * LABEL_CHAR_W


def draw(points: list[list[float]], colour: str, *, total: float | None = None,
         breaks: list[int] | None = None) -> Profile | None:
    """Draw profile points [distance_m, elevation_m, lat, lon] as SVG; x spans `total` metres (the last point's
    distance by default); the line is broken before each index in `breaks` (a new track). None with fewer than
    two points."""
    if len(points) < 2:
        return None
    total = max(total or points[-1][0], points[-1][0], 1.0)
    low = min(p[1] for p in points)
    high = max(p[1] for p in points)
    y0, y1, step_y = _elevation_axis(low, high)
    heights = []
    n = 0
    while y0 + n * step_y <= y1 + 1e-9:
        heights.append(y0 + n * step_y)
        n += 1
    y_labels = [(e, f"{e:,.0f} m") for e in heights]
    # The left margin fits the widest height label ("8,848 m", "-412 m"), so none is cut off.
    pad_left = max(PAD_LEFT, math.ceil(max(_label_width(t) for _, t in y_labels)) + 10)
    inner_w, inner_h = WIDTH - pad_left - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(d: float) -> float:
        return pad_left + d / total * inner_w

    def y(e: float) -> float:
        return PAD_TOP + (y1 - e) / (y1 - y0) * inner_h

    colour = safe_colour(colour)
    parts = [
        f'<svg class="tm-profile-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'data-total="{total:.1f}" data-left="{pad_left}" data-right="{PAD_RIGHT}" '
        f'aria-label="Elevation profile: {low:.0f} to {high:.0f} m over {total / 1000:.1f} km">',
    ]
    for e, text in y_labels:
        parts.append(f'<line class="tm-grid" x1="{pad_left}" x2="{WIDTH - PAD_RIGHT}" y1="{y(e):.1f}" y2="{y(e):.1f}"/>'
                     f'<text class="tm-axis" x="{pad_left - 6}" y="{y(e) + 4:.1f}" text-anchor="end">{text}</text>')
    unit, per = ("km", 1000.0) if total >= 2000 else ("m", 1.0)  # a short track is labelled in metres
    step_x = _nice_step(total / per, 4) * per
    n = 0
    while n * step_x <= total + 1e-6:
        d = n * step_x
        text = f"{d / per:g} {unit}"
        # Centred on its tick, unless that would run past the right edge: then it ends at the tick.
        anchor = "end" if x(d) + _label_width(text) / 2 > WIDTH - 2 else "middle"
        parts.append(f'<text class="tm-axis" x="{x(d):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">{text}</text>')
        n += 1
    bounds = [0, *sorted(b for b in set(breaks or ()) if 0 < b < len(points)), len(points)]
    for first, stop in zip(bounds, bounds[1:]):
        piece = points[first:stop]
        line = " ".join(f"{x(d):.1f},{y(e):.1f}" for d, e, _, _ in piece)
        area = f"{x(piece[0][0]):.1f},{y(y0):.1f} {line} {x(piece[-1][0]):.1f},{y(y0):.1f}"
        parts.append(f'<polygon class="tm-area" points="{area}" fill="{colour}" fill-opacity="0.18"/>')
        parts.append(
            f'<polyline class="tm-line" points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
            'vector-effect="non-scaling-stroke"/>'
        )
    parts.append(
        f'<line class="tm-cursor" x1="0" x2="0" y1="{PAD_TOP}" y2="{HEIGHT - PAD_BOTTOM}" visibility="hidden"/>'
    )
    parts.append("</svg>")
    return Profile(points=points, svg=Markup("".join(parts)), mini=mini_map(points, colour))


MINI, MINI_PAD = 100, 8


def mini_map(points: list[list[float]], colour: str) -> Markup:
    """Draw a route ([distance, elevation, lat, lon] points) as a small square SVG map, north up, with a hidden
    dot the page's script moves; the data-* attributes say how a latitude and longitude map onto it."""
    lats, lons = [p[2] for p in points], [p[3] for p in points]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    shrink = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter away from the equator
    span = max((east - west) * shrink, north - south, 1e-9)
    scale = (MINI - 2 * MINI_PAD) / span
    left = MINI_PAD + (MINI - 2 * MINI_PAD - (east - west) * shrink * scale) / 2
    top = MINI_PAD + (MINI - 2 * MINI_PAD - (north - south) * scale) / 2
    step = max(1, len(points) // 200)
    line = " ".join(f"{left + (lon - west) * shrink * scale:.1f},{top + (north - lat) * scale:.1f}"
                    for lat, lon in list(zip(lats, lons))[::step] + [(lats[-1], lons[-1])])
    return Markup(
        f'<svg class="tm-profile-mini" viewBox="0 0 {MINI} {MINI}" aria-hidden="true" focusable="false" '
        f'data-west="{west:.6f}" data-north="{north:.6f}" data-left="{left:.2f}" data-top="{top:.2f}" '
        f'data-kx="{shrink * scale:.4f}" data-ky="{scale:.4f}">'
        f'<polyline class="tm-mini-route" points="{line}" stroke="{colour}"/>'
        f'<circle class="tm-mini-dot" r="5" cx="0" cy="0" visibility="hidden"/></svg>'
    )
