"""Rendered pages cached per trip revision, with ETags, so a trip is rendered once per change."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Flask, Response, current_app, request

from . import csp


@dataclass(frozen=True)
class Cached:
    """A rendered body, compressed once, with its ETag and content type."""

    body: bytes
    gzipped: bytes
    etag: str
    mimetype: str
    scripts: list[str]  # CSP hashes of the inline scripts of an HTML page


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, Cached] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], tuple[str | bytes, list[str]]], mimetype: str) -> Cached:
        """Return the cached page for key, building (and storing) it on a miss; build returns the body and
        the CSP hashes of the inline scripts it placed."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return item
        body, scripts = build()
        data = body.encode("utf-8") if isinstance(body, str) else body
        # Compressed once here, not on every hit; PNGs are compressed already.
        packed = data if mimetype.startswith("image/") else gzip.compress(data, compresslevel=6, mtime=0)
        item = Cached(data, packed, hashlib.sha256(data).hexdigest()[:32], mimetype, scripts)
        with self._lock:
            self.misses += 1
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return item

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()


def page_cache() -> PageCache:
    """Return the app's page cache."""
    return current_app.extensions["travelmap.page_cache"]


def cached_response(key: Hashable, build: Callable[[], str | bytes], mimetype: str = "text/html",
                    max_age: int = 0) -> Response:
    """Serve a page from the cache (building it on a miss) with an ETag; If-None-Match gets 304."""
    def build_with_scripts() -> tuple[str | bytes, list[str]]:
        body = build()
        return body, csp.allowed_scripts()

    item = page_cache().get_or_build(key, build_with_scripts, mimetype)
    compressible = item.gzipped is not item.body
    gzipped = compressible and "gzip" in request.headers.get("Accept-Encoding", "")
    etag = item.etag + "-gz" if gzipped else item.etag  # another representation, another strong ETag
    headers = {"ETag": f'"{etag}"',
               "Cache-Control": f"public, max-age={max_age}, must-revalidate" if max_age else "no-cache"}
    if compressible:
        headers["Vary"] = "Accept-Encoding"
    headers["Content-Security-Policy"] = csp.for_request(item.scripts)
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(item.gzipped if gzipped else item.body, mimetype=item.mimetype, headers=headers)


def init_app(app: Flask) -> None:
    """Give the app its page cache."""
    app.extensions["travelmap.page_cache"] = PageCache()
