"""The site's one public address (TRAVELMAP_PUBLIC_URL): every absolute URL is built from it, never from the
request, and requests for any other host are refused before routing (Flask's TRUSTED_HOSTS).

A forged `Host` or `X-Forwarded-Host` therefore can neither reach a view nor end up in a page, a cached page,
an export or an oEmbed answer. Loopback names are trusted as well, so health checks and a curl on the server
itself work; they still get pages that name the public address only.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

# Used when TRAVELMAP_PUBLIC_URL is not set: a site that answers only on this machine until it is told its
# address (`travelmap serve` tells it the address it serves).
DEFAULT_PUBLIC_URL = "http://localhost"
LOOPBACK_NAMES = ("localhost", "127.0.0.1")  # werkzeug cannot match IPv6 literals in TRUSTED_HOSTS


def parse_public_url(value: str) -> str:
    """Return the public URL normalised (lower-case host, no trailing slash), or raise ValueError saying why."""
    parts = urlsplit(value.strip())
    host = parts.hostname or ""
    problem = None
    try:
        port = parts.port
    except ValueError:
        port, problem = None, "its port is not a number from 1 to 65535"
    if parts.scheme not in ("http", "https") or not host:
        problem = "it must start with http:// or https:// and name a host"
    elif parts.query or parts.fragment or parts.username or parts.password:
        problem = "it may not carry a query, a fragment or a user name"
    elif ":" in host:
        problem = "use a host name or an IPv4 address, not an IPv6 one"
    if problem:
        raise ValueError(f"TRAVELMAP_PUBLIC_URL must be the site's address as readers type it, such as "
                         f"https://maps.example.org; {value!r} will not do: {problem}.")
    netloc = host + (f":{port}" if port else "")
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def served_address(host: str, port: int) -> str:
    """Return the public URL for a server bound to host:port (`travelmap serve` without TRAVELMAP_PUBLIC_URL)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        name = host.lower()
    else:
        # A wildcard or IPv6 address is not a name a reader types: the machine answers as localhost.
        name = "localhost" if address.version == 6 or address.is_unspecified else str(address)
    return f"http://{name}" + ("" if port == 80 else f":{port}")


def trusted_hosts(public_url: str) -> list[str]:
    """Return the host names requests may carry: the public URL's host, then the loopback names."""
    host = urlsplit(public_url).hostname or ""
    return [host] + [name for name in LOOPBACK_NAMES if name != host]


def use_public_url(app: Flask, value: str) -> None:
    """Make value the app's public address: its absolute URLs and the hosts it answers for."""
    public_url = parse_public_url(value)
    parts = urlsplit(public_url)
    app.extensions["travelmap.public_url"] = public_url
    app.extensions["travelmap.public_adapter"] = app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    app.config["TRUSTED_HOSTS"] = trusted_hosts(public_url)


def init_app(app: Flask) -> None:
    """Read TRAVELMAP_PUBLIC_URL (a start-up error names a bad one) and trust only its host and loopback."""
    use_public_url(app, str(app.config.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL))
    app.jinja_env.globals["public_url"] = external_url


def public_url() -> str:
    """Return the site's public address, without a trailing slash."""
    return str(current_app.extensions["travelmap.public_url"])


def external_url(endpoint: str, **values: object) -> str:
    """Return the absolute URL of an endpoint at the public address (url_for(..., _external=True) would take
    the host and scheme from the request)."""
    adapter: MapAdapter = current_app.extensions["travelmap.public_adapter"]
    return adapter.build(endpoint, values, force_external=True)


def _is_public_address(url: str) -> bool:
    """Tell whether an absolute URL names this site (its public host and port, http or https, under its path)."""
    theirs, ours = urlsplit(url), urlsplit(public_url())
    try:
        port = theirs.port or {"http": 80, "https": 443}.get(theirs.scheme)
    except ValueError:
        return False
    our_port = ours.port or {"http": 80, "https": 443}[ours.scheme]
    # The other scheme counts too: readers paste http:// addresses of https:// sites and the reverse.
    same_port = port == our_port or {port, our_port} == {80, 443}
    return (theirs.scheme in ("http", "https") and (theirs.hostname or "") == ours.hostname and same_port
            and (theirs.path + "/").startswith(ours.path + "/"))


def page_route(url: str) -> tuple[str, dict[str, Any]] | None:
    """Return (endpoint, arguments) of a GET page of this site at an absolute URL, or None for any other URL.
    The URL is only parsed, never fetched."""
    if not _is_public_address(url):
        return None
    path = urlsplit(url).path[len(urlsplit(public_url()).path):] or "/"
    adapter: MapAdapter = current_app.extensions["travelmap.public_adapter"]
    try:
        endpoint, args = adapter.match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint), dict(args)
