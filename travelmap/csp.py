"""The Content-Security-Policy of every response: scripts only from the app, inline map scripts by hash.

Pages are cached and gzipped once per trip revision, so a per-request nonce would break the cache;
the inline scripts folium writes are allowed by their SHA-256 instead, which is the same for every
copy of a cached page. Only the scripts of a rendered map are allowed, registered by the template
that places them (`csp_allow_map`); any other inline script in a page, say one injected through a
bug in escaping, has no hash in the policy and the browser refuses to run it. Styles may be inline
(folium and Leaflet position elements with style attributes); images may come from the app and the
tile provider; nothing else leaves the app.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, g, request

from .maps import MapParts

# An inline script that runs: no src, and not a data block (type="application/json" is never executed).
SELF = "'self'"
_INLINE_SCRIPT = re.compile(
    rb'<script(?![^>]*\bsrc=)(?![^>]*\btype="application/(?:ld\+)?json")[^>]*>(.*?)</script>', re.S | re.I)


def script_hashes(html: bytes) -> list[str]:
    """Return the CSP source expressions ('sha256-…') of every inline script in a page, in order."""
    hashes: list[str] = []
    for match in _INLINE_SCRIPT.finditer(html):
        source = _digest(match.group(1))
        if source not in hashes:
            hashes.append(source)
    return hashes


def _digest(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode("ascii") + "'"


def allow_map(parts: MapParts) -> str:
    """Allow a rendered map's inline scripts (folium's head script and the map script) in this response.

    A Jinja global: templates call it where they place the map's script; it returns nothing.
    """
    allowed = g.setdefault("csp_scripts", [])
    for source in [*script_hashes(str(parts.head).encode()), _digest(str(parts.script).encode())]:
        if source not in allowed:
            allowed.append(source)
    return ""


def allowed_scripts() -> list[str]:
    """The inline script hashes registered while this response was rendered."""
    return list(g.get("csp_scripts", []))


def tile_origin(url_template: str) -> str:
    """The CSP source of a tile URL template: https://{s}.tile.example.org/{z}/… -> https://*.tile.example.org."""
    if not url_template:
        return ""
    parts = urlsplit(url_template.replace("{s}", "a"))
    host = parts.hostname or ""
    if "{s}" in url_template.split("//", 1)[-1].split("/", 1)[0]:
        host = "*." + host.split(".", 1)[1]
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def policy(scripts: list[str], *, tiles_url: str, ancestors: str, outside_images: bool = False) -> str:
    """Build the policy for one response, allowing the given inline script hashes; outside_images lets
    a post show the https images its author put in it."""
    images = " ".join(
        filter(None, [SELF, "data:", "blob:", tile_origin(tiles_url), "https:" if outside_images else ""])
    )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src " + " ".join([SELF, *scripts]),
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def for_request(scripts: list[str]) -> str:
    """The policy for the current request: embeds may be framed by any site, the workspace by none,
    other pages by ours only."""
    if request.path.startswith("/embed/"):
        ancestors = "*"
    elif request.blueprint == "author":
        ancestors = "'none'"
    else:
        ancestors = SELF
    return _policy(
        tuple(scripts), current_app.extensions["travelmap.tiles"][0], ancestors, request.endpoint == "public.post"
    )


@lru_cache(maxsize=1024)
def _policy(scripts: tuple[str, ...], tiles_url: str, ancestors: str, outside_images: bool) -> str:
    """policy(), remembered: a cached page asks for the same header on every hit."""
    return policy(list(scripts), tiles_url=tiles_url, ancestors=ancestors, outside_images=outside_images)
