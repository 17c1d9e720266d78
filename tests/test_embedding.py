"""Embedding and sharing: embed pages, oEmbed, previews, the visibility table, GeoJSON, GPX and Atom exports."""

from __future__ import annotations

import html
import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import gpxpy
import pytest
from PIL import Image
from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Track, Trip
from travelmap.services.trips import trip_by_slug

from .authoring_helpers import login, make_author
from .conftest import DEMO_SLUG

T = f"/trips/{DEMO_SLUG}"
HOST = "http://localhost"


def oembed(client, page: str, **params):  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/oembed?url={quote(HOST + page, safe='')}&{query}")


# ---------------------------------------------------------------- oEmbed

@pytest.mark.parametrize("page, title, query", [
    (T, "Inner Mongolia, Baotou and back to Beijing", ""),
    (f"{T}/legs/2", "Baotou · Inner Mongolia, Baotou and back to Beijing", "leg=2"),
    (f"{T}/stops/baotou", "Baotou city centre · Inner Mongolia, Baotou and back to Beijing", "stop=baotou"),
    ("/posts/baotou-capital-of-rare-earths", "[Natural Resources] Baotou, Inner Mongolia the 'Capital of Rare Earths'",
     "stop=baotou"),
], ids=["trip", "leg", "stop", "post"])
def test_oembed_answers_for_trip_leg_stop_and_post_pages(reader, page, title, query):
    response = oembed(reader, page, format="json")
    assert response.status_code == 200
    body = response.json
    assert body["version"] == "1.0" and body["type"] == "rich" and body["title"] == title
    assert body["provider_name"] == "travelmap" and body["provider_url"] == f"{HOST}/"
    assert body["author_name"] and body["cache_age"] > 0
    assert (body["width"], body["height"]) == (640, 480)
    src = f'src="{HOST}/embed{T}' + (f"?{query}" if query else "") + '"'
    assert body["html"].startswith("<iframe ") and src in body["html"]
    assert body["thumbnail_url"] == f"{HOST}{T}/preview.png"
    assert (body["thumbnail_width"], body["thumbnail_height"]) == (1200, 630)


def test_oembed_for_the_story_embeds_the_story_not_the_map(reader):
    body = oembed(reader, f"{T}/story", format="json").json
    assert body["title"] == "Inner Mongolia, Baotou and back to Beijing: the story"
    assert f'src="{HOST}/embed{T}/story"' in body["html"]
    assert 'title="Story: Inner Mongolia, Baotou and back to Beijing"' in body["html"]


def test_oembed_fits_the_iframe_and_thumbnail_within_maxwidth_and_maxheight(reader):
    body = oembed(reader, T, maxwidth=400, maxheight=200).json
    assert body["width"] <= 400 and body["height"] <= 200
    assert body["thumbnail_width"] <= 400 and "width=400" in body["thumbnail_url"]
    image = Image.open(io.BytesIO(reader.get(body["thumbnail_url"].replace(HOST, "")).data))
    assert image.width == body["thumbnail_width"]


@pytest.mark.parametrize("url, status", [
    ("https://example.com/trips/x", 404),
    (f"{HOST}/trips/no-such-trip", 404),
    (f"{HOST}/author", 404),
    (f"{HOST}/media/thumbs/x.jpg", 404),
    ("javascript:alert(1)", 404),
], ids=["other site", "unknown trip", "workspace page", "media file", "javascript URL"])
def test_oembed_refuses_anything_but_our_pages_and_never_fetches(reader, url, status):
    response = reader.get(f"/oembed?url={quote(url, safe='')}")
    assert response.status_code == status and response.json["error"]["message"]


def test_oembed_says_501_for_xml_and_400_without_a_url(reader):
    assert oembed(reader, T, format="xml").status_code == 501
    assert reader.get("/oembed").status_code == 400


def set_visibility(app, visibility: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        trip = s.scalars(select(Trip)).one()
        trip.visibility = visibility
        trip.revision += 1
        s.commit()


def test_oembed_is_401_for_a_private_trip(seeded_app, client):
    set_visibility(seeded_app, "private")
    assert oembed(client, T).status_code == 401
    assert oembed(client, "/posts/baotou-capital-of-rare-earths").status_code == 401


@pytest.mark.parametrize("page", [T, f"{T}/legs/1", f"{T}/stops/hohhot", f"{T}/story",
                                  "/posts/baotou-capital-of-rare-earths"])
def test_every_shareable_page_has_oembed_discovery_and_a_link_preview(reader, page):
    html = reader.get(page).get_data(as_text=True)
    assert 'type="application/json+oembed"' in html and "/oembed?url=" in html
    assert 'property="og:title"' in html and 'name="twitter:card" content="summary_large_image"' in html
    assert f'property="og:image" content="{HOST}{T}/preview.png"' in html


def test_the_preview_image_is_a_1200_by_630_png_cached_per_revision(seeded_app, client):
    first = client.get(f"{T}/preview.png")
    assert first.mimetype == "image/png" and Image.open(io.BytesIO(first.data)).size == (1200, 630)
    assert client.get(f"{T}/preview.png", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalars(select(Trip)).one()
        trip.title, trip.revision = "Renamed trip", trip.revision + 1
        s.commit()
    assert client.get(f"{T}/preview.png", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


# ---------------------------------------------------------------- embed pages

def test_the_embed_page_is_the_map_alone_with_a_link_to_the_full_trip(reader):
    html = reader.get(f"/embed{T}").get_data(as_text=True)
    assert 'class="folium-map"' in html and 'class="tm-header"' not in html
    assert f'href="{T}" target="_top"' in html and "View the full trip" in html
    assert "leaflet-gesture-handling" in html and "gestureHandling.enable()" in html
    assert 'target="_top"' in html.split("SafePopup", 1)[0] or "target=\\u0022_top" in html or 'target=\\"_top' in html


def test_embed_options_pick_a_leg_a_stop_and_leave_photos_out(reader):
    leg = reader.get(f"/embed{T}?leg=2&photos=0").get_data(as_text=True)
    assert "travelmapPhotos(" not in leg and f'href="{T}/legs/2"' in leg
    stop = reader.get(f"/embed{T}?stop=baotou").get_data(as_text=True)
    assert f'href="{T}/stops/baotou"' in stop
    assert reader.get(f"/embed{T}?stop=nowhere").status_code == 404
    assert reader.get(f"/embed{T}?leg=7").status_code == 404


# ---------------------------------------------------------------- headers per page kind

HEADER_TABLE = [
    # (kind, url, frame-ancestors, X-Frame-Options, cached with ETag)
    ("embed", f"/embed{T}", "*", None, True),
    ("story embed", f"/embed{T}/story", "*", None, True),
    ("trip page", T, "'self'", None, True),
    ("story", f"{T}/story", "'self'", None, True),
    ("leg page", f"{T}/legs/1", "'self'", None, True),
    ("post page", "/posts/baotou-capital-of-rare-earths", "'self'", None, False),
    ("geojson", f"{T}.geojson", "'self'", None, True),
    ("gpx", f"{T}.gpx", "'self'", None, True),
    ("feed", f"{T}/feed.atom", "'self'", None, True),
    ("preview", f"{T}/preview.png", "'self'", None, True),
    ("login", "/login", "'none'", "DENY", False),
]


@pytest.mark.parametrize("kind, url, ancestors, xfo, etag", HEADER_TABLE, ids=[h[0] for h in HEADER_TABLE])
def test_each_page_kind_sends_its_framing_and_caching_headers(reader, kind, url, ancestors, xfo, etag):
    response = reader.get(url)
    assert response.status_code == 200
    assert f"frame-ancestors {ancestors}" in response.headers["Content-Security-Policy"]
    assert response.headers.get("X-Frame-Options") == xfo
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if etag:
        assert response.headers.get("ETag") and "Cache-Control" in response.headers
        again = reader.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    if kind in ("embed", "story embed", "geojson", "gpx", "feed", "preview"):
        assert "Set-Cookie" not in response.headers
        assert "max-age=" in response.headers["Cache-Control"]


def test_geojson_may_be_read_from_any_site(reader):
    assert reader.get(f"{T}.geojson").headers["Access-Control-Allow-Origin"] == "*"


# ---------------------------------------------------------------- the visibility table

KINDS = {
    "page": T, "leg page": f"{T}/legs/1", "stop page": f"{T}/stops/baotou", "embed": f"/embed{T}",
    "story": f"{T}/story", "story embed": f"/embed{T}/story",
    "geojson": f"{T}.geojson", "gpx": f"{T}.gpx", "feed": f"{T}/feed.atom", "preview": f"{T}/preview.png",
    "media": "MEDIA", "oembed": "OEMBED",
}
EXPECTED = {  # visibility -> viewer -> status (oEmbed answers 401 for private, whoever asks)
    "public": {"anonymous": 200, "other": 200, "owner": 200},
    "unlisted": {"anonymous": 200, "other": 200, "owner": 200},
    "private": {"anonymous": 404, "other": 404, "owner": 200},
}


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private"])
@pytest.mark.parametrize("viewer", ["anonymous", "other", "owner"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_the_visibility_table(seeded_app, visibility, viewer, kind):
    make_author(seeded_app, "demo")
    make_author(seeded_app, "other")
    set_visibility(seeded_app, visibility)
    client = seeded_app.test_client()
    if viewer != "anonymous":
        login(client, "demo" if viewer == "owner" else "other")
    url = KINDS[kind]
    if url == "MEDIA":
        with seeded_app.app_context():
            url = "/media/" + db.session().scalars(select(Photo.thumb_path)).first()
    if url == "OEMBED":
        response = oembed(client, T)
        expected = 401 if visibility == "private" else 200
    else:
        response = client.get(url)
        expected = EXPECTED[visibility][viewer]
    assert response.status_code == expected
    response.close()  # a photo is streamed from its file: close it, as a WSGI server does
    listed = DEMO_SLUG in client.get("/").get_data(as_text=True)
    assert listed == (visibility == "public")
    if visibility == "unlisted" and kind == "page":
        assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)


# ---------------------------------------------------------------- exports

def test_the_geojson_is_rfc7946_with_the_baotou_stop_where_it_belongs(reader):
    body = reader.get(f"{T}.geojson").json
    assert body["type"] == "FeatureCollection" and len(body["bbox"]) == 4
    kinds = [f["properties"]["kind"] for f in body["features"]]
    assert kinds.count("leg") == 3 and kinds.count("stop") == 8 and kinds.count("photo") == 8
    for feature in body["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Point", "LineString", "MultiLineString"}
    baotou = next(f for f in body["features"] if f["properties"].get("name") == "Baotou city centre")
    lon, lat = baotou["geometry"]["coordinates"]
    assert lon == pytest.approx(109.84, abs=0.01) and lat == pytest.approx(40.66, abs=0.01)
    assert baotou["properties"]["post_url"] == f"{HOST}/posts/baotou-capital-of-rare-earths"
    assert baotou["properties"]["arrived_at"].endswith("+08:00")
    train = next(f for f in body["features"] if f["properties"].get("transport") == "train")
    assert train["geometry"]["type"] == "LineString" and len(train["geometry"]["coordinates"]) == 2
    legs = [f for f in body["features"] if f["properties"]["kind"] == "leg"]
    assert all(f["properties"]["colour"].startswith("#") and "distance_m" in f["properties"] for f in legs)
    photo = next(f for f in body["features"] if f["properties"]["kind"] == "photo")
    assert photo["properties"]["thumbnail_url"].startswith(f"{HOST}/media/thumbs/")


def test_geojson_can_leave_photos_out_and_export_one_leg(reader):
    no_photos = reader.get(f"{T}.geojson?photos=0").json
    assert not [f for f in no_photos["features"] if f["properties"]["kind"] == "photo"]
    leg = reader.get(f"{T}/legs/2.geojson").json
    assert [f["properties"]["name"] for f in leg["features"] if f["properties"]["kind"] == "leg"] == ["Baotou"]


def test_the_gpx_export_reads_back_to_every_stored_point(seeded_app, client):
    exported = gpxpy.parse(client.get(f"{T}.gpx").get_data(as_text=True))
    with seeded_app.app_context():
        tracks = db.session().scalars(select(Track).order_by(Track.leg_id, Track.started_at)).all()
        stored = [list(seg.iter_points()) for track in tracks for seg in track.segments]
    read = [
        [(p.latitude, p.longitude, p.elevation, p.time.timestamp()) for p in seg.points]
        for track in exported.tracks
        for seg in track.segments
    ]
    assert read == stored
    assert len(exported.waypoints) == 8
    baotou = next(w for w in exported.waypoints if w.name == "Baotou city centre")
    assert baotou.link == f"{HOST}/posts/baotou-capital-of-rare-earths"
    one_leg = gpxpy.parse(client.get(f"{T}/legs/1.gpx").get_data(as_text=True))
    assert len(one_leg.tracks) == 2 and len(one_leg.waypoints) == 3


def test_the_atom_feed_lists_the_posts_with_georss_points_and_is_linked_from_the_trip(reader, reader_app):
    response = reader.get(f"{T}/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom", "georss": "http://www.georss.org/georss"}
    entries = root.findall("a:entry", ns)
    with reader_app.app_context():
        posts = {s.post_id for s in trip_by_slug(db.session(), DEMO_SLUG).stops() if s.post_id}
    assert len(entries) == len(posts) == 6  # one entry per post a stop links to
    katayama = next(e for e in entries if "Capital of Rare Earths" in e.find("a:title", ns).text)
    lat, lon = map(float, katayama.find("georss:point", ns).text.split())
    assert lat == pytest.approx(40.6574) and lon == pytest.approx(109.8403)
    assert katayama.find("a:author/a:name", ns).text == "Go Katayama"
    assert f'href="{T}/feed.atom"' in reader.get(T).get_data(as_text=True)


def test_exports_escape_hostile_names(seeded_app, client):
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalars(select(Trip)).one()
        trip.title = "<script>alert(1)</script> & co"
        trip.revision += 1
        s.commit()
    feed = client.get(f"{T}/feed.atom").data
    ET.fromstring(feed)
    assert b"<script>" not in feed
    assert json.loads(client.get(f"{T}.geojson").data)["name"] == "<script>alert(1)</script> & co"
    gpxpy.parse(client.get(f"{T}.gpx").get_data(as_text=True))


def test_the_workspace_snippet_titles_its_iframe_as_oembed_does_for_every_choice(seeded_app):
    make_author(seeded_app, "demo")
    author = seeded_app.test_client()
    login(author, "demo")
    page = author.get(f"/author/trips/{DEMO_SLUG}").get_data(as_text=True)
    panel = page[page.index('id="embed-what"'):page.index("</select>", page.index('id="embed-what"'))]
    options = re.findall(r'<option value="[^"]*" data-label="([^"]*)"(?: data-embed="[^"]*")? data-page="([^"]*)"',
                         panel)
    assert len(options) == 2 + 3 + len(re.findall(r'value="stop=', panel))  # trip, story, legs, stops
    reader = seeded_app.test_client()
    for label, address in options:
        body = reader.get(f"/oembed?url={quote(html.unescape(address), safe='')}").json
        assert f'title="{label}"' in body["html"], address
