"""Host handling: absolute URLs come from TRAVELMAP_PUBLIC_URL, never from the request, and a request for any
other host is refused, so a forged Host or X-Forwarded-Host can neither reach nor poison a cached page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask

from .conftest import DEMO_SLUG, make_app, seeded_copy

T = f"/trips/{DEMO_SLUG}"
POST = "/posts/baotou-capital-of-rare-earths"
EVIL = "evil.example"

# Every page kind that is rendered once and served from the cache, and the post page.
CACHED_KINDS = {
    "trip": T, "leg": f"{T}/legs/2", "stop": f"{T}/stops/baotou", "embed": f"/embed{T}?leg=2",
    "photos.json": f"{T}/photos.json", "lines.json": f"{T}/legs/1/lines.json", "geojson": f"{T}.geojson",
    "gpx": f"{T}.gpx", "feed": f"{T}/feed.atom", "preview": f"{T}/preview.png", "post": POST,
}

# How an attacker names their host: the Host header itself, or X-Forwarded-Host when proxies are trusted.
FORGERIES = {
    "Host": ({}, {"Host": EVIL}),
    "Host with a port": ({}, {"Host": f"{EVIL}:8080"}),
    "X-Forwarded-Host": ({"PROXIES": 1}, {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
@pytest.mark.parametrize("kind", list(CACHED_KINDS))
def test_a_forged_host_is_refused_and_never_reaches_a_page_anyone_gets(tmp_path, seeded_template, kind, forgery):
    config, headers = FORGERIES[forgery]
    app = seeded_copy(seeded_template, tmp_path, **config)
    client = app.test_client()
    url = CACHED_KINDS[kind]
    forged = client.get(url, headers=headers)
    assert forged.status_code == 400
    assert EVIL.encode() not in forged.data
    assert b"TRAVELMAP_PUBLIC_URL" not in forged.data  # a reader gets a plain message, not admin advice
    # Everyone who comes later, with or without validators, gets a page that names only the real address.
    for later in (client.get(url), client.get(url, headers={"Accept-Encoding": "gzip"}),
                  app.test_client().get(url)):
        assert later.status_code == 200
        assert EVIL.encode() not in later.get_data()


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_oembed_with_a_forged_host_is_refused_and_never_calls_the_attackers_pages_ours(tmp_path, seeded_template,
                                                                                     forgery):
    config, headers = FORGERIES[forgery]
    client = seeded_copy(seeded_template, tmp_path, **config).test_client()
    response = client.get(f"/oembed?url={quote(f'http://{EVIL}{T}', safe='')}", headers=headers)
    assert response.status_code == 400 and EVIL.encode() not in response.data
    # From a trusted host, the attacker's address is simply not this site.
    response = client.get(f"/oembed?url={quote(f'http://{EVIL}{T}', safe='')}")
    assert response.status_code == 404


@pytest.fixture
def public_app(tmp_path, seeded_template) -> Flask:
    """The demo site configured for https://maps.example.org behind one proxy."""
    return seeded_copy(seeded_template, tmp_path, PUBLIC_URL="https://maps.example.org", PROXIES=1)


def test_absolute_urls_come_from_the_public_url_whatever_the_request_says(public_app):
    client = public_app.test_client()
    # Plain http to a loopback name (a health check, a curl on the server), and the proxy's own headers:
    # neither changes what the page says its address is.
    for headers in ({"Host": "127.0.0.1:8000"}, {"Host": "localhost"},
                    {"Host": "maps.example.org", "X-Forwarded-Proto": "http"}):
        page = client.get(T, headers=headers).get_data(as_text=True)
        assert f'<link rel="canonical" href="https://maps.example.org{T}">' in page
        assert f'property="og:url" content="https://maps.example.org{T}"' in page
        assert f'property="og:image" content="https://maps.example.org{T}/preview.png"' in page
        assert f'name="twitter:image" content="https://maps.example.org{T}/preview.png"' in page
        assert f'href="https://maps.example.org/oembed?url=https://maps.example.org{T}&amp;format=json"' in page
        assert "http://localhost" not in page and "127.0.0.1" not in page
    feed = client.get(f"{T}/feed.atom", headers={"Host": "localhost"}).get_data(as_text=True)
    assert f'href="https://maps.example.org{T}/feed.atom" rel="self"' in feed
    assert f"https://maps.example.org{POST}" in feed and "localhost" not in feed
    assert f"https://maps.example.org{POST}" in client.get(f"{T}.gpx").get_data(as_text=True)
    geojson = client.get(f"{T}.geojson").get_data(as_text=True)
    assert "https://maps.example.org/media/thumbs/" in geojson and "localhost" not in geojson


def test_oembed_knows_this_site_by_its_public_url_and_answers_with_it(public_app):
    client = public_app.test_client()
    for page in (f"https://maps.example.org{T}", f"http://maps.example.org{T}/legs/2",
                 f"https://MAPS.example.org{POST}"):
        body = client.get(f"/oembed?url={quote(page, safe='')}", headers={"Host": "localhost"}).json
        assert body["provider_url"] == "https://maps.example.org/"
        assert f'src="https://maps.example.org/embed{T}' in body["html"]
        assert body["thumbnail_url"].startswith(f"https://maps.example.org{T}/preview.png")
    # A loopback name is trusted as a host, but it is not this site's address.
    response = client.get(f"/oembed?url={quote(f'http://localhost{T}', safe='')}")
    assert response.status_code == 404


def test_behind_a_proxy_x_forwarded_host_cannot_widen_the_trusted_hosts(public_app):
    client = public_app.test_client()
    assert client.get(T, headers={"Host": "maps.example.org"}).status_code == 200
    same = {"Host": "maps.example.org", "X-Forwarded-Host": "maps.example.org"}
    assert client.get(T, headers=same).status_code == 200
    refused = client.get(T, headers={"Host": "maps.example.org", "X-Forwarded-Host": EVIL})
    assert refused.status_code == 400
    assert "This site's address is https://maps.example.org/" in refused.get_data(as_text=True)
    assert client.get(T, headers={"Host": "other.example.org"}).status_code == 400


def test_an_unknown_host_gets_a_clear_400_as_json_or_text(public_app):
    client = public_app.test_client()
    api = client.get("/api/trips", headers={"Host": EVIL})
    assert api.status_code == 400 and api.json["error"]["code"] == "unknown_host"
    assert "https://maps.example.org" in api.json["error"]["message"]
    page = client.get("/", headers={"Host": EVIL, "Accept": "text/html"})
    assert page.status_code == 400 and "https://maps.example.org" in page.get_data(as_text=True)


def test_cache_keys_do_not_depend_on_the_request_host(public_app):
    client = public_app.test_client()
    for url in (T, f"{T}.geojson", f"{T}.gpx", f"{T}/feed.atom"):
        first = client.get(url, headers={"Host": "maps.example.org"})
        again = client.get(url, headers={"Host": "localhost", "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url


@pytest.mark.parametrize("value, expected", [
    ("https://maps.example.org", "https://maps.example.org"),
    ("https://Maps.Example.org/", "https://maps.example.org"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("https://example.org/travel/", "https://example.org/travel"),
])
def test_the_public_url_setting_is_read_and_normalised(value, expected):
    from travelmap import hosts

    assert hosts.parse_public_url(value) == expected


@pytest.mark.parametrize("value", ["maps.example.org", "ftp://maps.example.org", "https://", "https://a.org/?x=1",
                                   "https://a.org/#top", "https://user:pw@a.org", "https://[::1]:5000",
                                   "https://a.org:99999"])
def test_a_public_url_that_is_no_site_address_stops_the_start_up_with_the_reason(tmp_path, value):
    with pytest.raises(ValueError, match="TRAVELMAP_PUBLIC_URL"):
        make_app(tmp_path, PUBLIC_URL=value)


def test_the_public_url_is_a_setting_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAVELMAP_PUBLIC_URL", "https://maps.example.org/")
    from travelmap import hosts

    app = make_app(tmp_path)
    with app.test_request_context("/", base_url="http://127.0.0.1:8000"):
        assert hosts.external_url("public.trip", slug="x") == "https://maps.example.org/trips/x"


def test_a_site_under_a_path_builds_its_absolute_urls_under_that_path(tmp_path):
    from travelmap import hosts

    app = make_app(tmp_path, PUBLIC_URL="https://example.org/travel")
    with app.test_request_context("/"):
        assert hosts.external_url("public.index") == "https://example.org/travel/"
        assert hosts.external_url("exports.preview", slug="x", width=None) == "https://example.org/travel/trips/x/preview.png"


@pytest.mark.parametrize("host, port, expected", [
    ("127.0.0.1", 5000, "http://127.0.0.1:5000"),
    ("localhost", 8080, "http://localhost:8080"),
    ("::1", 5000, "http://localhost:5000"),
    ("maps.example.org", 80, "http://maps.example.org"),
])
def test_serve_defaults_the_public_url_to_the_address_it_serves(host, port, expected):
    from travelmap import hosts

    assert hosts.served_address(host, port) == expected


def test_serve_uses_its_address_when_no_public_url_is_set_and_keeps_a_set_one(tmp_path, monkeypatch):
    import werkzeug.serving

    served: list[Flask] = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda host, port, app, **kw: served.append(app))
    app = make_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5123", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert len(served) == 1  # the app, wrapped so that every answer is closed (cli.closing_answers)
    assert app.extensions["travelmap.public_url"] == "http://127.0.0.1:5123"
    assert app.config["TRUSTED_HOSTS"][0] == "127.0.0.1"
    assert "http://127.0.0.1:5123/" in result.output

    app = make_app(tmp_path / "set", PUBLIC_URL="https://maps.example.org")
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5124", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert len(served) == 2 and app.extensions["travelmap.public_url"] == "https://maps.example.org"
