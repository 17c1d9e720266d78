"""Defences that hold for every page: the Content-Security-Policy, log-in rate limits, secrets kept out of logs."""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import re

import pytest

from .authoring_helpers import PASSWORD, bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG, seeded_copy

T = f"/trips/{DEMO_SLUG}"
PUBLIC_PAGES = ["/", T, f"{T}/legs/1", f"{T}/legs/2", f"{T}/stops/hohhot",
                "/posts/baotou-capital-of-rare-earths", f"/embed{T}", f"/embed{T}?leg=2", "/login", "/no/such/page"]
WORKSPACE_PAGES = ["/author", f"/author{T}", f"/author{T}/stops/new", f"/author{T}/photos", "/author/tokens"]

INLINE = re.compile(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>(.*?)</script>', re.S)


def directives(header: str) -> dict[str, list[str]]:
    """Split a CSP header into {directive: [sources]}."""
    parts = (item.split() for item in header.split(";") if item.strip())
    return {words[0]: words[1:] for words in parts}


def check_policy(url: str, response) -> None:  # type: ignore[no-untyped-def]
    """Assert that a page's scripts all come from the app or are inline scripts allowed by hash."""
    policy = directives(response.headers["Content-Security-Policy"])
    data = response.get_data()
    page = (gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data).decode()
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
    assert all(s == "'self'" or s.startswith("'sha256-") for s in scripts), (url, scripts)
    for body in INLINE.findall(page):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts, f"an inline script on {url} is not allowed by the policy"
    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page):
        assert src.startswith("/static/"), (url, src)
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["default-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_allows_only_the_apps_scripts_and_its_own_inline_map_script(reader, url):
    first = reader.get(url)
    check_policy(url, first)
    # A cached page (served gzipped from the page cache) carries a policy that fits it too.
    check_policy(url, reader.get(url, headers={"Accept-Encoding": "gzip"}))


def test_every_workspace_page_has_the_policy_and_may_never_be_framed(seeded_app):
    make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    for url in WORKSPACE_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        check_policy(url, response)
        assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_json_and_files_carry_a_policy_too(reader):
    for url in (f"{T}.geojson", f"{T}.gpx", f"{T}/feed.atom", "/static/travelmap.css"):
        response = reader.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response.headers["Content-Security-Policy"], url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_images_may_come_from_the_configured_tile_provider_only(tmp_path, seeded_template):
    app = seeded_copy(seeded_template, tmp_path, TILES="https://{s}.tiles.example.org/{z}/{x}/{y}.png|© Example")
    images = directives(app.test_client().get(T).headers["Content-Security-Policy"])["img-src"]
    assert images == ["'self'", "data:", "blob:", "https://*.tiles.example.org"]


def failed_login(client, username: str = "demo"):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": "guess", "csrf_token": token})


def test_failed_log_ins_are_stopped_after_ten_a_minute_with_a_clear_message(seeded_app):
    make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    assert [failed_login(client).status_code for _ in range(10)] == [401] * 10
    blocked = failed_login(client)
    assert blocked.status_code == 429
    assert "Too many failed log-ins" in blocked.get_data(as_text=True)
    # Even the right password waits: the limit is on the address, not on the guess.
    token = csrf_token(client, "/login")
    right = client.post("/login", data={"username": "demo", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429
    # Another address is not affected.
    other = seeded_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    login(other, "demo")


def test_successful_log_ins_do_not_count_against_the_limit(seeded_app):
    make_author(seeded_app, "demo")
    for _ in range(15):
        client = seeded_app.test_client()
        login(client, "demo")


def test_behind_a_proxy_the_limit_applies_to_the_forwarded_client_address(tmp_path, seeded_template):
    app = seeded_copy(seeded_template, tmp_path, PROXIES=1)
    make_author(app, "demo")
    client = app.test_client()
    for _ in range(10):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
        assert failed_login(client).status_code == 401
    assert failed_login(client).status_code == 429
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"  # another reader behind the same proxy
    assert failed_login(client).status_code == 401


def test_api_tokens_and_passwords_never_reach_the_logs(seeded_app, caplog):
    caplog.set_level(logging.DEBUG)
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    client.get("/api/trips", headers=bearer(token))
    client.get("/api/trips", headers=bearer(token + "x"))  # a wrong token is not logged either
    login(client, "demo")
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["create-token", "demo", "--name", "laptop"])
    assert result.exit_code == 0
    created = re.search(r"[A-Za-z0-9_\-]{32,}", result.output)
    assert created
    runner.invoke(args=["list-tokens", "demo"])
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (token, created.group(0), PASSWORD):
        assert secret not in logged


def test_an_inline_script_that_is_not_a_maps_own_gets_no_hash_in_the_policy(tmp_path, seeded_template):
    from flask import render_template_string

    app = seeded_copy(seeded_template, tmp_path)
    # As if a bug let a typed `<script>` through into a page, next to a real map.
    app.add_url_rule("/injected", "injected", lambda: render_template_string(
        '{% import "public/_map.html" as mapparts %}<p><script>alert(1)</script></p>'))
    response = app.test_client().get("/injected")
    scripts = directives(response.headers["Content-Security-Policy"])["script-src"]
    assert scripts == ["'self'"]
    digest = base64.b64encode(hashlib.sha256(b"alert(1)").digest()).decode()
    assert f"'sha256-{digest}'" not in response.headers["Content-Security-Policy"]


def test_a_post_may_show_the_https_images_its_author_put_in_it_but_no_outside_scripts(reader):
    policy = directives(reader.get("/posts/baotou-capital-of-rare-earths").headers["Content-Security-Policy"])
    assert policy["img-src"][-1] == "https:"
    assert all(s == "'self'" or s.startswith("'sha256-") for s in policy["script-src"])
