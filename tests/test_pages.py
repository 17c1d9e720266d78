"""Reader pages: what each shows, their caching, and their errors."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from travelmap.models import Author, Post, Stop, Trip

from .conftest import DEMO_SLUG

TRIP_URL = f"/trips/{DEMO_SLUG}"


def test_the_front_page_lists_the_demo_trip_over_an_overview_map(reader):
    page = reader.get("/").get_data(as_text=True)
    assert f'href="{TRIP_URL}"' in page
    assert "Inner Mongolia, Baotou and back to Beijing" in page
    assert 'class="folium-map"' in page and "L.map(" in page


def test_the_trip_page_has_the_map_and_a_timeline_of_legs_and_stops_with_post_links(reader):
    page = reader.get(TRIP_URL).get_data(as_text=True)
    assert 'class="folium-map"' in page
    timeline = page[page.index('class="tm-timeline"'):]
    names = ["Beijing", "Hohhot", "Xilamuren", "Baotou", "Bayan Obo", "Tailings lake"]
    positions = [timeline.find(n) for n in names]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert 'href="/posts/baotou-capital-of-rare-earths"' in timeline
    for position in (1, 2, 3):
        assert f'href="{TRIP_URL}/legs/{position}"' in timeline


def test_the_trip_page_shows_trip_totals(reader):
    page = reader.get(TRIP_URL).get_data(as_text=True)
    stats = page[page.index('class="tm-stats"'):page.index("</dl>")]
    assert "km" in stats and "Photos" in stats and ">8<" in stats


def test_stops_show_their_local_arrival_time(reader):
    page = reader.get(TRIP_URL).get_data(as_text=True)
    # Baotou: arrived 02:51 UTC, 10:51 in Asia/Shanghai.
    assert 'datetime="2010-10-14T10:51:00+08:00"' in page


def test_each_leg_has_its_own_page(reader):
    for position, name in ((1, "Inner Mongolia"), (2, "Baotou"), (3, "Beijing")):
        response = reader.get(f"{TRIP_URL}/legs/{position}")
        assert response.status_code == 200 and name in response.get_data(as_text=True)
    assert "Travelled by train" in reader.get(f"{TRIP_URL}/legs/3").get_data(as_text=True)


def test_the_external_post_shows_attribution_licence_and_the_original_link(reader):
    page = reader.get("/posts/baotou-capital-of-rare-earths").get_data(as_text=True)
    assert "Baotou, Inner Mongolia the &#39;Capital of Rare Earths&#39;" in page
    assert "Go Katayama" in page and "CC BY-SA 3.0 Unported" in page
    assert 'href="https://creativecommons.org/licenses/by-sa/3.0/"' in page
    assert 'href="https://gokatayama.com/"' in page and "Read the original post" in page
    assert 'class="folium-map"' in page  # the small map of the stops that link to it


def test_a_demo_post_renders_its_markdown_body_and_says_it_is_demo_content(client, session):
    post = session.scalars(select(Post).where(Post.demo.is_(True), Post.body != "")).first()
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert "demo content" in page and "<p>" in page[page.index('class="tm-prose"'):]


def add_post(session, **fields) -> Post:
    author = session.scalars(select(Author)).first()
    post = Post(owner=author, title=fields.pop("title", "Hostile"), slug=fields.pop("slug", "hostile"),
                published=date(2010, 10, 1), **fields)
    session.add(post)
    # Readers see a post through a stop of a trip they may see: this one is on the public demo trip.
    session.scalars(select(Stop).where(Stop.slug == "hohhot")).one().post = post
    session.commit()
    return post


def test_markdown_bodies_are_sanitised(client, session):
    add_post(session, body='Hello <script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))')
    page = client.get("/posts/hostile").get_data(as_text=True)
    prose = page[page.index('class="tm-prose"'):page.index("</article>")]
    assert "<script>" not in prose and "onerror" not in prose and "javascript:" not in prose
    assert "Hello" in prose


def test_a_javascript_link_is_never_offered_as_the_original_post(client, session):
    add_post(session, url="javascript:alert(1)", licence_url="data:text/html,x", summary="s")
    page = client.get("/posts/hostile").get_data(as_text=True)
    assert "javascript:" not in page and "data:text" not in page and "Read the original" not in page


def test_a_trip_page_is_rendered_once_per_revision_and_answers_if_none_match(client, seeded_app, session):
    first = client.get(TRIP_URL)
    etag = first.headers["ETag"]
    cache = seeded_app.extensions["travelmap.page_cache"]
    misses = cache.misses
    again = client.get(TRIP_URL)
    assert again.data == first.data and cache.misses == misses and cache.hits >= 1
    assert client.get(TRIP_URL, headers={"If-None-Match": etag}).status_code == 304
    trip = session.scalars(select(Trip)).one()
    trip.revision += 1
    session.commit()
    changed = client.get(TRIP_URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and cache.misses == misses + 1


def test_an_edit_that_bumps_the_revision_shows_at_once(client, session):
    client.get(TRIP_URL)
    stop = session.scalars(select(Stop).where(Stop.slug == "hohhot")).one()
    stop.name = "Hohhot (Huhehaote)"
    stop.leg.trip.revision += 1
    session.commit()
    assert "Hohhot (Huhehaote)" in client.get(TRIP_URL).get_data(as_text=True)


def test_unknown_trips_posts_and_legs_are_404_pages_a_person_can_read(reader):
    for url in ("/trips/nowhere", "/posts/nothing", f"{TRIP_URL}/legs/9"):
        response = reader.get(url)
        assert response.status_code == 404
        assert "Not found" in response.get_data(as_text=True)


def test_errors_are_json_for_clients_that_ask_for_json(reader):
    response = reader.get("/trips/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_private_trip_is_not_listed_and_not_shown(client, session):
    trip = session.scalars(select(Trip)).one()
    trip.visibility = "private"
    trip.revision += 1
    session.commit()
    assert client.get(TRIP_URL).status_code == 404
    assert DEMO_SLUG not in client.get("/").get_data(as_text=True)


def test_photos_are_served_as_exif_free_copies_and_originals_are_not(client, session):
    from travelmap.models import Photo

    photo = session.scalars(select(Photo)).first()
    thumb = client.get(f"/media/{photo.thumb_path}")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    from io import BytesIO

    from PIL import Image

    assert not Image.open(BytesIO(thumb.data)).getexif()
    assert client.get(f"/media/{photo.original_path}").status_code == 404


class _Assets(HTMLParser):
    """Collect every script src and stylesheet href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "") and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_no_page_loads_a_script_or_stylesheet_from_another_host(client, session):
    post = session.scalars(select(Post)).first()
    pages = ["/", TRIP_URL, f"{TRIP_URL}/legs/1", f"{TRIP_URL}/legs/3", f"/posts/{post.slug}", "/trips/nowhere"]
    seen = set()
    for url in pages:
        parser = _Assets()
        parser.feed(client.get(url).get_data(as_text=True))
        assert parser.urls, url
        for asset in parser.urls:
            assert asset.startswith("/") and not asset.startswith("//"), f"{url} loads {asset}"
            seen.add(asset)
    for asset in seen:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()  # photos (the front page's cover) are streamed from their files: close them
    assert any("leaflet.js" in a for a in seen) and any("markercluster" in a for a in seen)


def test_the_only_outside_requests_are_map_tiles(reader):
    page = reader.get(TRIP_URL).get_data(as_text=True)
    import re

    outside = set(re.findall(r'(?:src|href)=["\'](https?://[^"\']+)', page))
    assert all(u.startswith(("https://www.openstreetmap.org", "https://gokatayama.com", "http://localhost/"))
               for u in outside), outside
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in page


def test_the_tile_provider_is_a_setting(tmp_path, seeded_template):
    from .conftest import seeded_copy

    app = seeded_copy(seeded_template, tmp_path, TILES="https://tiles.example.org/{z}/{x}/{y}.png|© Example tiles")
    page = app.test_client().get(TRIP_URL).get_data(as_text=True)
    assert "tiles.example.org/{z}/{x}/{y}.png" in page and "Example tiles" in page
    assert "tile.openstreetmap.org" not in page


@pytest.mark.parametrize("url", [TRIP_URL, f"{TRIP_URL}/legs/2", f"{TRIP_URL}/stops/baotou", f"/embed{TRIP_URL}?leg=1"])
def test_a_page_renders_to_the_same_bytes_in_every_worker_so_its_etag_revalidates_anywhere(
        tmp_path, seeded_template, url):
    from .conftest import seeded_copy

    roots = [tmp_path / "one", tmp_path / "two"]
    for root in roots:
        root.mkdir()
    workers = [seeded_copy(seeded_template, root) for root in roots]
    first, second = (app.test_client().get(url) for app in workers)
    assert first.status_code == 200 and first.get_data() == second.get_data()
    again = workers[1].test_client().get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_static_asset_is_read_whole_and_its_file_closed_even_when_the_server_drops_the_answer(reader_app):
    import gc
    import gzip
    import warnings
    from pathlib import Path

    from werkzeug.test import EnvironBuilder

    import travelmap

    css = (Path(travelmap.__file__).parent / "static" / "travelmap.css").read_bytes()
    started: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for headers in ({"Accept-Encoding": "gzip"}, {}, {"Range": "bytes=0-9"}):
            environ = EnvironBuilder(path="/static/travelmap.css", headers=headers).get_environ()
            answer = reader_app.wsgi_app(environ, lambda status, _headers, *args: started.append(status))
            body = b"".join(answer)
            if headers.get("Accept-Encoding"):
                body = gzip.decompress(body)
            assert body == (css[:10] if "Range" in headers else css)
            del answer  # never closed, as when a browser goes on to the next page mid-answer
        gc.collect()
    assert started[:2] == ["200 OK", "200 OK"] and started[2].startswith("206")
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_the_development_server_closes_a_photo_file_the_reader_stopped_downloading(reader_app, reader):
    import gc
    import warnings

    from werkzeug.test import EnvironBuilder

    from travelmap.cli import closing_answers

    photos = reader.get(f"/trips/{DEMO_SLUG}/photos.json").get_json()  # {id: details} of the published photos
    path = f"/trips/{DEMO_SLUG}/photos/{next(iter(photos))}/display.jpg"
    app = closing_answers(reader_app.wsgi_app)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = app(EnvironBuilder(path=path).get_environ(), lambda *args: None)
        assert next(iter(answer))  # the first chunk is sent, then the reader's browser goes elsewhere
        del answer  # the server drops the answer without closing it
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
