"""Logging in: every attempt is counted before its password is checked, even when guesses arrive all at once
on a real server, and the answer takes the same work whether the username exists or not."""

from __future__ import annotations

import hashlib
import http.client
import itertools
import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from werkzeug.serving import make_server

import travelmap.services.accounts

from .authoring_helpers import PASSWORD, csrf_token, login, make_author

GUESSES = 16  # more than the 10 a minute the limit allows


@contextmanager
def real_server(app: Flask) -> Iterator[int]:
    """Serve the app with Werkzeug's threaded server on a free loopback port; yield the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="login-test-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class Browser:
    """One visitor with its own cookie, talking HTTP to the real server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        conn.close()
        return response.status, text

    def login_form(self) -> str:
        """Open the log-in page; return its CSRF token."""
        status, page = self.request("GET", "/login")
        assert status == 200
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match
        return match.group(1)


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record every password check the log-in makes (from any thread)."""
    checks: list[int] = []
    real = travelmap.services.accounts.check_password_hash

    def counted(pwhash: str, password: str) -> bool:
        checks.append(1)
        return real(pwhash, password)

    monkeypatch.setattr(travelmap.services.accounts, "check_password_hash", counted)
    return checks


def test_simultaneous_wrong_passwords_on_a_real_server_are_counted_before_any_is_checked(
        seeded_app, password_checks):
    make_author(seeded_app, "demo")
    with real_server(seeded_app) as port:
        browsers = [Browser(port) for _ in range(GUESSES)]
        tokens = [b.login_form() for b in browsers]
        start = threading.Barrier(GUESSES)
        results: list[tuple[int, str]] = [(0, "")] * GUESSES

        def guess(i: int) -> None:
            start.wait()
            results[i] = browsers[i].request("POST", "/login", {
                "username": "demo", "password": f"guess {i}", "csrf_token": tokens[i]})

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        statuses = sorted(status for status, _ in results)
        assert statuses == [401] * 10 + [429] * (GUESSES - 10), statuses
        assert len(password_checks) == 10
        assert all("Too many failed log-ins" in page for status, page in results if status == 429)
        # The address stays blocked, for the right password too: otherwise guessing could go on unlimited.
        late = Browser(port)
        status, _ = late.request("POST", "/login", {"username": "demo", "password": PASSWORD,
                                                     "csrf_token": late.login_form()})
        assert status == 429 and len(password_checks) == 10


def test_a_right_password_does_not_count_but_does_not_wipe_out_the_failures_before_it(seeded_app):
    make_author(seeded_app, "demo")
    make_author(seeded_app, "mallory")
    client = seeded_app.test_client()

    def attempt(username: str, password: str) -> int:
        token = csrf_token(client, "/login")
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code

    assert [attempt("demo", "guess") for _ in range(9)] == [401] * 9
    # Logging in to one's own account in between gives no one more guesses at another's.
    assert attempt("mallory", PASSWORD) == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/author/tokens")})
    assert attempt("demo", "guess") == 401
    assert attempt("demo", "guess") == 429


# ---------------------------------------------------------------- the same work either way


@pytest.fixture
def real_password_hash() -> Iterator[None]:
    """Hash with scrypt, as a site does, for the tests that count or time the hashing (the suite uses a cheap one)."""
    cheap = travelmap.services.accounts._hash_method
    travelmap.services.accounts.use_hash_method("scrypt")
    yield
    travelmap.services.accounts.use_hash_method(cheap)


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch, real_password_hash: None) -> list[int]:
    """Count the password hashes (scrypt runs) computed from here on."""
    counted: list[int] = []
    real = hashlib.scrypt

    def scrypt(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", scrypt)
    return counted


def test_an_unknown_username_costs_exactly_one_password_hash_as_a_known_one_does(seeded_app, hashes):
    make_author(seeded_app, "demo")
    make_author(seeded_app, "ann")
    addresses = (f"192.0.2.{n}" for n in itertools.count(1))
    for username, password, status in [("nobody", "guess", 401), ("demo", "guess", 401), ("ann", PASSWORD, 302),
                                       ("nobody", PASSWORD, 401), ("demo", PASSWORD, 302)]:
        client = seeded_app.test_client()
        client.environ_base["REMOTE_ADDR"] = next(addresses)
        token = csrf_token(client, "/login")
        hashes.clear()
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == status
        assert len(hashes) == 1, (username, password, len(hashes))


def test_log_in_takes_as_long_for_an_unknown_username_as_for_a_known_one(seeded_app, real_password_hash):
    make_author(seeded_app, "demo")
    addresses = (f"198.51.100.{n}" for n in itertools.count(1))
    timings: dict[str, list[float]] = {"nobody": [], "demo": []}
    for _ in range(12):
        for username in timings:  # interleaved, so a busy moment on the machine hits both alike
            client = seeded_app.test_client()
            client.environ_base["REMOTE_ADDR"] = next(addresses)
            token = csrf_token(client, "/login")
            start = time.perf_counter()
            response = client.post("/login", data={"username": username, "password": "guess", "csrf_token": token})
            timings[username].append(time.perf_counter() - start)
            assert response.status_code == 401
    unknown, known = statistics.median(timings["nobody"]), statistics.median(timings["demo"])
    # One hash against two would be a ratio near 2; the same work is 1 give or take the machine's noise.
    assert 0.7 < unknown / known < 1.4, (unknown, known)


def test_an_author_logs_in_after_the_failures_of_another_address(seeded_app):
    make_author(seeded_app, "demo")
    guesser = seeded_app.test_client()
    for _ in range(10):
        token = csrf_token(guesser, "/login")
        guesser.post("/login", data={"username": "demo", "password": "guess", "csrf_token": token})
    author = seeded_app.test_client()
    author.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    login(author, "demo")


def test_the_password_hash_is_a_setting_and_an_unknown_one_stops_the_start_up(tmp_path, real_password_hash):
    from travelmap import db as database
    from travelmap.models import Author

    from .conftest import make_app

    app = make_app(tmp_path / "one", PASSWORD_HASH="pbkdf2:sha256:2000")
    make_author(app, "ann")
    with app.app_context():
        stored = database.session().query(Author).filter_by(username="ann").one().password_hash
    assert stored.startswith("pbkdf2:sha256:2000$")
    client = app.test_client()
    login(client, "ann")  # a hash made with another method still verifies
    with pytest.raises(ValueError):
        make_app(tmp_path / "two", PASSWORD_HASH="md5")
