"""User text made safe: Markdown rendering, HTML sanitising, URL and slug checks, escaping for maps."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import markdown
import nh3
from markupsafe import Markup, escape

# Rules for whole values: use them with fullmatch (`$` would let a final newline through, into headers).
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")
# Leg colours: a new leg takes the next of these; anything unreadable is shown in the default.
PALETTE = ("#c2410c", "#7c3aed", "#0f766e", "#be123c", "#1d4ed8", "#a16207", "#15803d", "#9333ea")
DEFAULT_COLOUR = "#2563eb"


def palette_colour(index: int) -> str:
    """Return the colour the leg at this 0-based index gets when its author picks none."""
    return PALETTE[index % len(PALETTE)]

# Tags a post body may keep after rendering; everything else (script, style,
# iframes, event handlers, javascript: links) is stripped by Ammonia.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "img",
    "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}


def render_markdown(body: str) -> Markup:
    """Render a Markdown post body to sanitised HTML (no scripts, handlers or unsafe links)."""
    html = markdown.markdown(body, extensions=["extra", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def safe_url(url: str | None) -> str | None:
    """Return the URL if it is an absolute http(s) link, else None (javascript:, data: and the like)."""
    if not url:
        return None
    url = url.strip()
    if any(ch in url for ch in "\r\n\t\x00") or any(unicodedata.category(ch) == "Cc" for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url


def slugify(text: str, max_length: int = 80) -> str:
    """Turn a title into a slug of [a-z0-9-] (falls back to 'item' for titles with no Latin letters)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "item"


def html_text(text: str) -> Markup:
    """Escape text for HTML that may end up inside a JavaScript template literal or a folium template too
    (` $ { } included: folium re-reads rendered scripts as Jinja templates)."""
    return Markup(str(escape(text)).replace("`", "&#96;").replace("$", "&#36;").replace("{", "&#123;")
                  .replace("}", "&#125;"))


def safe_colour(colour: str | None, default: str = DEFAULT_COLOUR) -> str:
    """Return a #rrggbb colour, or the default when the value is anything else."""
    return colour if colour and COLOUR_RE.fullmatch(colour) else default


def _luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio (1 to 21) between two #rrggbb colours."""
    light, dark = sorted((_luminance(safe_colour(first)), _luminance(safe_colour(second))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(background: str | None) -> str:
    """Return black or white, whichever reads better on the colour an author picked (stop numbers, swatches)."""
    colour = safe_colour(background)
    return "#000000" if contrast_ratio(colour, "#000000") >= contrast_ratio(colour, "#ffffff") else "#ffffff"


def clean_filename(name: str | None) -> str:
    """Return a display-safe file name: no folders, no control characters, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[-200:] or "upload"


def counted(number: int, word: str, plural: str | None = None) -> str:
    """Say how many of something there are, in the singular for one: '1 leg', '2 legs', '1,204 points'."""
    return f"{number:,} {word if number == 1 else plural or word + 's'}"
