"""The load benchmark's baseline: the smallest WSGI app, served by gunicorn with the same settings as travelmap.

    gunicorn -w 2 -b 127.0.0.1:8000 benchmarks.hello_app:app
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

BODY = b"hello\n"
HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(environ: dict, start_response: Callable[..., object]) -> Iterable[bytes]:
    """Answer every request with six bytes: no framework, no database, no template."""
    start_response("200 OK", HEADERS)
    return [BODY]
