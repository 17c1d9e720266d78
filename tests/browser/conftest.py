"""Browser fixtures: the seeded app on a real HTTP server, Debian's Chromium through Playwright, and
per-page records of console errors, page errors and dialogs.

The suite skips (with the reason) when /usr/bin/chromium or the playwright package is missing, unless
TRAVELMAP_REQUIRE_BROWSER=1, in which case it fails instead. We never download browsers: Chromium is
always launched through executable_path.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from travelmap import hosts
from travelmap.cli import closing_answers

from ..conftest import make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1366, "height": 860}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# Console messages that only say a resource could not be fetched: tiles from the internet are
# expected to fail here (no network), so they are not errors of the page itself.
IGNORED_CONSOLE = re.compile(r"Failed to load resource")
# Every screenshot saved in this run, listed at the end of the run.
SAVED_SCREENSHOTS: list[Path] = []


def _missing_browser_reason() -> str | None:
    """Return why the browser suite cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (install Debian's chromium package to run the browser tests)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright cannot be imported ({error}); install the package's [test] extras"
    return None


@pytest.fixture(scope="session", autouse=True)
def browser_available() -> None:
    """Skip every browser test with the reason, or fail when TRAVELMAP_REQUIRE_BROWSER=1."""
    reason = _missing_browser_reason()
    if reason is None:
        return
    if os.environ.get("TRAVELMAP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"TRAVELMAP_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class LiveServer:
    """An app served over real HTTP on 127.0.0.1."""

    app: Flask
    url: str

    def __call__(self, path: str = "/") -> str:
        """Return the absolute URL of a path on this server."""
        return self.url + path


@contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """Serve an app on a free port of 127.0.0.1 in a background thread while the block runs."""
    server = make_server("127.0.0.1", 0, closing_answers(app), threaded=True)  # as `travelmap serve` runs it
    if not app.config.get("PUBLIC_URL"):  # as `travelmap serve` does: links name the address served
        hosts.use_public_url(app, hosts.served_address("127.0.0.1", server.server_port))
    thread = threading.Thread(target=server.serve_forever, name="travelmap-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(seeded_app: Flask) -> Iterator[LiveServer]:
    """Serve a private copy of the seeded app on a free port in a background thread."""
    with serving(seeded_app) as server:
        yield server


@pytest.fixture
def empty_live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve an app on an empty, migrated database (no demo trip, no authors) under tmp_path/empty."""
    root = tmp_path / "empty"
    root.mkdir()
    with serving(make_app(root)) as server:
        yield server


@dataclass
class StaticSite:
    """A folder of plain files served over HTTP on another port of 127.0.0.1: another origin, like a blog."""

    folder: Path
    url: str

    def __call__(self, path: str = "/") -> str:
        """Return the absolute URL of a path on this site."""
        return self.url + path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def foreign_site(tmp_path: Path) -> Iterator[StaticSite]:
    """Serve tmp_path/foreign on a free port of 127.0.0.1 (a blogger's site that embeds our maps); write pages
    into site.folder."""
    folder = tmp_path / "foreign"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="foreign-site", daemon=True)
    thread.start()
    try:
        yield StaticSite(folder, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, started once per test run."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        message = f"Chromium at {CHROMIUM} did not start: {error}"
        if os.environ.get("TRAVELMAP_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@dataclass
class PageRecord:
    """What went wrong on a page: console errors, uncaught exceptions, dialogs, blocked requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Return every console error, page error and dialog, labelled."""
        return ([f"console: {m}" for m in self.console_errors] + [f"pageerror: {m}" for m in self.page_errors]
                + [f"dialog: {m}" for m in self.dialogs])


@dataclass
class Browsing:
    """A fresh browser context (a fresh profile) with its page and the page's record."""

    context: Any
    page: Any
    record: PageRecord


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """Open a page in a fresh browser context: open_page(**context_options) -> Browsing.

    Requests to any host but 127.0.0.1 (map tiles) are aborted at once, so the test neither waits for
    DNS nor depends on the network; they are kept in record.external_requests. Dialogs are recorded
    and dismissed.
    """
    contexts: list[Any] = []

    def _open(**options: Any) -> Browsing:
        context = browser.new_context(**{**DESKTOP, **options})
        contexts.append(context)
        record = PageRecord()

        def route(route: Any) -> None:
            host = urlsplit(route.request.url).hostname
            if host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                record.external_requests.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(10_000)

        def on_console(message: Any) -> None:
            if message.type == "error" and not IGNORED_CONSOLE.search(message.text):
                record.console_errors.append(message.text)

        def on_dialog(dialog: Any) -> None:
            record.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("console", on_console)
        page.on("pageerror", lambda error: record.page_errors.append(str(error)))
        page.on("dialog", on_dialog)
        return Browsing(context, page, record)

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: TRAVELMAP_SCREENSHOTS if set, else a pytest temporary folder."""
    configured = os.environ.get("TRAVELMAP_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# True once the page has not scrolled and the map has not moved or animated since the previous poll.
STILL_JS = """() => {
  const pane = document.querySelector('.leaflet-map-pane');
  const moving = !!document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim');
  const key = [scrollX, scrollY, pane ? pane.style.transform : ''].join('|');
  const still = window.__tmStill === key && !moving;
  window.__tmStill = key;
  return still;
}"""


def wait_until_still(page: Any) -> None:
    """Wait (by watching, not by sleeping) until smooth scrolling, panning and zooming have come to rest."""
    page.wait_for_function(STILL_JS, polling=100)


def next_frames(page: Any, frames: int = 2) -> None:
    """Wait for the browser to paint this many frames: whatever an event handler changed is on screen."""
    page.evaluate("n => new Promise(r => { const f = k => k ? requestAnimationFrame(() => f(k - 1)) : r(); f(n); })",
                  frames)


@pytest.fixture
def screenshot(screenshot_dir: Path) -> Any:
    """Save a screenshot: screenshot(page, name, full_page=False) -> path (printed, shown with -s or -rP)."""

    def _shot(page: Any, name: str, *, full_page: bool = False) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        print(f"screenshot: {path}")
        SAVED_SCREENSHOTS.append(path)
        return path

    return _shot


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List the screenshots of this run, so a developer can look at them."""
    if SAVED_SCREENSHOTS:
        terminalreporter.section("travelmap screenshots")
        for path in SAVED_SCREENSHOTS:
            terminalreporter.write_line(str(path))
