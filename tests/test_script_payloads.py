"""Script payloads typed into any text field are shown as text wherever the text goes — pages, map popups and
tooltips, attributes, oEmbed, feeds and exports — and never run.

Each payload is typed into every text field a user controls at once (through the API, the workspace forms, a GPX
file and a photo's EXIF), and every output is fetched. A site built the same way from plain words is the baseline:
an HTML page must have exactly the baseline's elements and attributes (outside the sanitised post body) and the
same script code outside string literals; JSON and XML outputs must parse and carry the text verbatim.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from travelmap import db, validate
from travelmap.services.accounts import create_author, create_token
from travelmap.text import ALLOWED_TAGS

from . import databases
from .authoring_helpers import PASSWORD, bearer, csrf_token, login, post_form
from .conftest import count_rows, make_app
from .photofactory import dms

PLAIN = "Plain words"  # the baseline: the same site, built from harmless text
# Typed into the "everything" payload: if folium's second Jinja pass ever evaluated user text, "x49x" would appear.
EVALUATED = "x49x"
EVERYTHING = ("<script>alert(1)</script>\"><img src=x onerror=alert(1)>' onmouseover='alert(1) javascript:alert(1)"
              "</script><script>alert(1)</script>x{{7*7}}x{% raw %}${alert(1)}`alert(1)`a\u2028b\u2029c]]>&amp;&"
              "</textarea>")
PAYLOADS = {
    "script-element": "<script>alert(1)</script>",
    "attribute-breakout": "\"><img src=x onerror=alert(1)>",
    "single-quote-handler": "' onmouseover='alert(1)",
    "javascript-url": "javascript:alert(1)",
    "script-close": "</script><script>alert(1)</script>",
    "jinja-expression": "{{7*7}}",
    "jinja-raw": "{% raw %}",
    "template-literal": "${alert(1)} `${alert(1)}` `",
    "line-separators": "a\u2028b\u2029c",
    "cdata-end-and-ampersand": "]]> & &amp; <![CDATA[x]]>",
    "rcdata-close": "</textarea></title></noscript><svg onload=alert(1)>",
    "everything": EVERYTHING,
    # As long as every field allows (names and titles: 200 characters), markup all the way.
    "very-long": ("<img src=x onerror=alert(1)>{{7*7}}\u2028" * 10)[:199] + "!",
}
HOSTILE_URLS = ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
                "javascript&colon;alert(1)", "data:text/html,<script>alert(1)</script>",
                "vbscript:msgbox(1)", "//evil.example/x", "https:alert(1)", "/relative\"><script>alert(1)</script>",
                "\"><script>alert(1)</script>"]

STOP_A = (40.0, 110.0)  # leg 1, where the track starts; the post and the photo are here
PHOTO_AT = (40.001, 110.001)
WAYPOINT = (40.03, 110.03)  # a GPX waypoint that becomes a stop of leg 1
STOP_B, STOP_C = (40.5, 111.0), (41.0, 112.0)  # leg 2, by train: a dashed line between them


# ---------------------------------------------------------------- building a site from one text

def gpx_file(text: str, start: tuple[float, float], points: int = 20) -> bytes:
    """A GPX 1.1 file whose every name and description is the text, with a waypoint."""
    t = xml_escape(text, {'"': "&quot;"})
    lat, lon = start
    track = "".join(f'<trkpt lat="{lat + i * 0.0025:.6f}" lon="{lon + i * 0.0025:.6f}"><ele>{1000 + i}</ele>'
                    f"<time>2010-10-14T02:{i:02d}:00Z</time></trkpt>" for i in range(points))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="{t}" '
            f'xmlns="http://www.topografix.com/GPX/1/1"><metadata><name>{t}</name><desc>{t}</desc></metadata>'
            f'<wpt lat="{WAYPOINT[0]}" lon="{WAYPOINT[1]}"><name>{t}</name><desc>{t}</desc>'
            f"<time>2010-10-14T02:30:00Z</time></wpt>"
            f"<trk><name>{t}</name><desc>{t}</desc><trkseg>{track}</trkseg></trk></gpx>").encode()


def photo_file(text: str) -> bytes:
    """A JPEG placed at PHOTO_AT whose camera make, model and image description are the text."""
    exif = Image.Exif()
    exif[0x010F] = exif[0x0110] = exif[0x010E] = text  # Make, Model, ImageDescription
    exif[0x8769] = {0x9003: "2010:10:14 10:05:00", 0x9011: "+08:00"}
    exif[0x8825] = {1: "N", 2: dms(PHOTO_AT[0]), 3: "E", 4: dms(PHOTO_AT[1])}
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (200, 120, 40)).save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def as_sent(name: str) -> str:
    """A file name as a browser puts it in a multipart form (WHATWG: ", CR and LF percent-encoded); Werkzeug's
    test client writes it unquoted."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@dataclass
class Site:
    """A trip whose every text field holds one text, with the things the tests fetch."""

    app: Flask
    text: str
    reader: FlaskClient
    author: FlaskClient
    token: str
    trip: str
    post: str
    stops: list[dict]
    photo: dict
    tracks: list[dict]
    # Pages that only exist right after a form was sent (flash messages, upload results, a new token).
    after_forms: dict[str, tuple[int, str]] = field(default_factory=dict)

    def api(self, method: str, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.reader.open(url, method=method, headers=bearer(self.token), **kwargs)


def build_site(root: Path, text: str) -> Site:
    """Build a public trip whose every text field a user can type holds the text: author display name, token
    label, trip title and summary, two leg names, stop names (typed and from GPX waypoints), every post field,
    track names and file names (from the GPX and the upload), a photo's caption, file name and EXIF camera."""
    app = make_app(root)
    with app.app_context():
        session = db.session()
        author = create_author(session, "ann", PASSWORD, display_name=text)
        _, token = create_token(session, author, text[: validate.MAX_LABEL])  # a label is at most 100 characters
        session.commit()
    reader = app.test_client()
    site = Site(app, text, reader, app.test_client(), token, "", "", [], {}, [])

    def call(method: str, url: str, **kwargs: object) -> object:
        response = site.api(method, url, **kwargs)
        assert response.status_code in (200, 201), (url, response.get_json())
        return response.get_json()

    site.trip = call("POST", "/api/trips", json={"title": text, "summary": text, "visibility": "public"})["slug"]
    trip = f"/api/trips/{site.trip}"
    call("POST", f"{trip}/legs", json={"name": text})
    call("POST", f"{trip}/legs", json={"name": text, "transport": "train"})
    site.post = call("POST", "/api/posts", json={
        "title": text, "summary": text, "body": text, "author": text, "licence": text, "published": "2010-10-14",
        "url": "https://example.org/post?q=" + text, "licence_url": "https://example.org/licence#" + text})["slug"]
    call("POST", f"{trip}/stops", json={"name": text, "lat": STOP_A[0], "lon": STOP_A[1], "leg": 1,
                                        "arrived_at": "2010-10-14T10:00", "post": site.post})
    for lat, lon in (STOP_B, STOP_C):
        call("POST", f"{trip}/stops", json={"name": text, "lat": lat, "lon": lon, "leg": 2,
                                            "arrived_at": "2010-10-16T10:00"})
    site.tracks.append(call("POST", f"{trip}/legs/1/tracks?waypoints=stops",
                            data={"file": (io.BytesIO(gpx_file(text, STOP_A)), as_sent(text + ".gpx"))}))
    photos = call("POST", f"{trip}/photos", data={"file": (io.BytesIO(photo_file(text)), as_sent(text + ".jpg")),
                                                   "caption": text})
    assert photos[0]["caption"] == text
    site.photo = call("PATCH", f"{trip}/photos/{photos[0]['id']}", json={"caption": text})
    site.stops = [stop for leg in call("GET", trip)["legs"] for stop in leg["stops"]]

    # The workspace: log in, then send the forms whose answers show what was typed.
    login(site.author, "ann")
    workspace = f"/author/trips/{site.trip}"
    gpx = io.BytesIO(gpx_file(text, (40.2, 110.2), points=12))
    response = site.author.post(f"{workspace}/legs/1/tracks", data={
        "file": (gpx, as_sent(text + ".gpx")), "csrf_token": csrf_token(site.author, workspace)})
    site.after_forms["upload-results"] = (response.status_code, response.get_data(as_text=True))
    not_a_photo = io.BytesIO(b"not an image at all")
    response = site.author.post(f"{workspace}/photos", data={
        "file": (not_a_photo, as_sent(text + ".jpg")), "csrf_token": csrf_token(site.author, f"{workspace}/photos")},
        follow_redirects=True)
    site.after_forms["photo-refused"] = (response.status_code, response.get_data(as_text=True))
    response = post_form(site.author, "/author/tokens", {"name": text[: validate.MAX_LABEL]})
    site.after_forms["new-token"] = (response.status_code, response.get_data(as_text=True))
    response = site.author.post("/author/trips/new", data={
        "title": text, "summary": text, "visibility": "private", "slug": "",
        "csrf_token": csrf_token(site.author, "/author/trips/new")}, follow_redirects=True)
    site.after_forms["trip-created"] = (response.status_code, response.get_data(as_text=True))
    site.tracks = [t for leg in call("GET", trip)["legs"] for t in leg["tracks"]]
    return site


def _site_fixture(tmp_path_factory: pytest.TempPathFactory, text: str):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("payload-site")
    with databases.outliving_tests(root):  # kept across this module's tests
        site = build_site(root, text)
        yield site
        with site.app.app_context():
            db.engine().dispose()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The site built from plain words."""
    yield from _site_fixture(tmp_path_factory, PLAIN)


@pytest.fixture(scope="module", params=list(PAYLOADS.values()), ids=list(PAYLOADS))
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The site built from one payload."""
    yield from _site_fixture(tmp_path_factory, request.param)


# ---------------------------------------------------------------- reading HTML

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}
STRING_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
FOLIUM_ID = re.compile(r"_[0-9a-f]{32}(?![0-9a-f])")


class Parsed(HTMLParser):
    """What a page is made of: its elements and attribute names (outside the sanitised post body), its text
    nodes, attribute values, URLs and scripts."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: list[tuple] = []
        self.elements: list[tuple[str, dict]] = []  # every element, sanitised post body included
        self.values: list[str] = []
        self.urls: list[str] = []
        self.scripts: list[tuple[str, str]] = []  # (type, body)
        self._text: list[str] = []
        self._stack: list[str] = []
        self._prose_depth: int | None = None
        self._script: list[str] | None = None
        self.feed(page)
        self.close()
        self.texts = [t for t in "".join(self._text).split("\x00") if t.strip()]

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closes: bool) -> None:
        self._text.append("\x00")
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        if self._prose_depth is None:
            self.shape.append((tag, tuple(sorted(name for name, _ in attrs))))
        for name, value in attrs:
            self.values.append(value or "")
            if name in URL_ATTRIBUTES:
                self.urls.append(value or "")
        if tag == "script":
            self._script = [dict(attrs).get("type") or "", ""]
        if tag not in VOID and not closes:
            self._stack.append(tag)
            if self._prose_depth is None and "tm-prose" in (dict(attrs).get("class") or "").split():
                self._prose_depth = len(self._stack)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self._start(tag, attrs, closes=False)

    def handle_startendtag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self._start(tag, attrs, closes=True)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._text.append("\x00")
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], self._script[1]))
            self._script = None
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass
        if self._prose_depth is not None and len(self._stack) < self._prose_depth:
            self._prose_depth = None
        elif self._prose_depth is None:
            self.shape.append(("/" + tag,))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._script is not None:
            self._script[1] += data
        else:
            self._text.append(data)

    def code(self) -> list[str]:
        """The inline scripts with every string literal emptied and folium's random element names unified."""
        return [FOLIUM_ID.sub("_ID", STRING_LITERAL.sub('""', body)) for kind, body in self.scripts
                if kind in ("", "text/javascript")]

    def shows(self, text: str) -> bool:
        """Tell whether a text node shows the text (a title, a name …) exactly as typed."""
        return any(text in node for node in self.texts)


def map_data(parsed: Parsed) -> dict[str, list]:
    """The JSON a page's map scripts get: trip data (legs, stop rows), photo layer data, popup HTML strings."""
    found: dict[str, list] = {"trip": [], "photos": [], "popups": []}
    for kind, body in parsed.scripts:
        if kind not in ("", "text/javascript"):
            continue
        trip_calls = re.findall(r"travelmapTrip\([^,]+,\s*\[[^\]]*\],\s*(\{.*?\})\);\n", body)
        found["trip"] += [json.loads(m) for m in trip_calls]
        found["photos"] += [json.loads(m) for m in re.findall(r"travelmapPhotos\([^,]+, [^,]+, (\{.*?\})\);\n", body)]
        found["popups"] += [json.loads(m) for m in re.findall(r'\.bindPopup\(("(?:[^"\\\n]|\\.)*"), ', body)]
    return found


def assert_no_markup_from(text: str, page: str, baseline_page: str, *, shown: str | None = None) -> Parsed:
    """Fail when the page holds the text unescaped, has an element, an attribute or script code its baseline lacks,
    a script URL, a raw line separator in a script, or evaluated template syntax; and when `shown` is given, unless
    a text node shows it."""
    if "<" in text or ">" in text:
        assert text not in page, "the text is in the page unescaped"
    parsed, expected = Parsed(page), Parsed(baseline_page)
    assert parsed.shape == expected.shape, _first_difference(parsed.shape, expected.shape)
    assert parsed.code() == expected.code()
    for _kind, body in parsed.scripts:
        assert "\u2028" not in body and "\u2029" not in body, "a raw line separator inside a <script>"
    for url in parsed.urls:
        squeezed = re.sub(r"[\x00-\x20]", "", url).lower()
        assert not squeezed.startswith(("javascript:", "vbscript:", "data:text/html")), url
    assert EVALUATED not in page and all(EVALUATED not in t for t in parsed.texts + parsed.values)
    if shown is not None:
        assert parsed.shows(shown), f"no text node shows {shown[:60]!r}"
    return parsed


def _first_difference(got: list, want: list) -> str:
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return f"element {i}: {a} where the baseline has {b}; then {got[i + 1:i + 4]}"
    return f"{len(got)} elements where the baseline has {len(want)}"


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- the reader's pages

def reader_pages(site: Site) -> dict[str, tuple[str, str]]:
    """Every public page of the site: name -> (URL, the text a reader must see on it verbatim)."""
    t, text = f"/trips/{site.trip}", site.text
    stop_a = site.stops[0]["slug"]
    pages = {
        "index": ("/", text), "trip": (t, text), "leg-1": (f"{t}/legs/1", text), "leg-2": (f"{t}/legs/2", text),
        "post": (f"/posts/{site.post}", text), "embed": (f"/embed{t}", text),
        "embed-leg-1": (f"/embed{t}?leg=1", text), "embed-leg-2": (f"/embed{t}?leg=2", text),
        "embed-stop": (f"/embed{t}?stop={stop_a}", text), "embed-no-photos": (f"/embed{t}?photos=0&height=400", text),
    }
    for n, stop in enumerate(site.stops, start=1):
        pages[f"stop-{n}"] = (f"{t}/stops/{stop['slug']}", text)
    return pages


READER_PAGES = ["index", "trip", "leg-1", "leg-2", "post", "embed", "embed-leg-1", "embed-leg-2", "embed-stop",
                "embed-no-photos", "stop-1", "stop-2", "stop-3", "stop-4"]


@pytest.mark.parametrize("name", READER_PAGES)
def test_a_reader_page_shows_the_payload_as_text_and_gains_no_element_attribute_or_code(site, baseline, name):
    url, shown = reader_pages(site)[name]
    page = get(site.reader, url)
    base = get(baseline.reader, reader_pages(baseline)[name][0])
    parsed = assert_no_markup_from(site.text, page, base, shown=shown)
    if name.startswith("embed"):
        assert parsed.elements[-1] == ("script", {})  # the map script is still the last thing on the page
    else:  # attributes carry the text verbatim too: link previews, and the timeline's buttons
        titles = [attrs["content"] for tag, attrs in parsed.elements if attrs.get("property") == "og:title"]
        title = site.text if name in ("trip", "post") else f"{site.text} · {site.text}"  # leg or stop · trip
        assert titles == ([] if name == "index" else [title])
        if name in ("trip", "leg-1", "leg-2"):
            buttons = [attrs["title"] for tag, attrs in parsed.elements if "data-show-stop" in attrs]
            assert buttons and set(buttons) == {f"Show {site.text} on the map"}


@pytest.mark.parametrize("name", ["trip", "leg-1", "leg-2", "stop-1", "embed", "embed-leg-2", "embed-stop"])
def test_the_map_gets_names_as_json_data_verbatim(site, name):
    data = map_data(Parsed(get(site.reader, reader_pages(site)[name][0])))
    assert len(data["trip"]) == 1
    trip = data["trip"][0]
    legs = {"leg-1": [site.text], "leg-2": [f"{site.text} (by train)"], "embed-leg-2": [f"{site.text} (by train)"]}
    assert [leg["name"] for leg in trip["legs"]] == legs.get(name, [site.text, f"{site.text} (by train)"])
    assert trip["stops"] and all(row[3] == site.text for row in trip["stops"])


@pytest.mark.parametrize("url", ["/", "post"])
def test_popups_built_in_python_escape_the_names(site, url):
    # The front page's trip marker and the post page's stop markers get their popup as an HTML string.
    page = get(site.reader, url if url == "/" else f"/posts/{site.post}")
    popups = map_data(Parsed(page))["popups"]
    assert popups
    for html in popups:
        popup = Parsed(html)
        assert [tag for tag, *_ in popup.shape if not tag.startswith("/")] == ["div", "div", "a"]
        assert popup.texts[0] == site.text
        if url != "/":
            assert popup.texts[1] == site.text  # the link names the trip


@pytest.mark.parametrize("name", ["trip", "leg-2", "embed"])
def test_the_layer_control_gets_leg_names_as_escaped_html(site, name):
    # Leaflet inserts layer names as HTML: they must hold one swatch and the name as text.
    page = get(site.reader, reader_pages(site)[name][0])
    block = re.search(r"overlays :\s*\{(.*?)\},", page, re.S).group(1)
    labels = [json.loads(m) for m in re.findall(r'("(?:[^"\\\n]|\\.)*") :', block)]
    labels = [label for label in labels if "tm-swatch-photo" not in label]
    legs = {"leg-2": [f"2. {site.text}"]}.get(name, [f"1. {site.text}", f"2. {site.text}"])
    assert len(labels) == len(legs)
    for label, leg in zip(labels, legs):
        parsed = Parsed(label)
        assert parsed.shape == [("span", ("class", "style")), ("/span",)]
        assert parsed.texts == [leg]


def test_photo_popup_text_is_json_carrying_the_text_verbatim(site):
    assert site.reader.get(f"/trips/{site.trip}/photos.json").mimetype == "application/json"
    details = json.loads(get(site.reader, f"/trips/{site.trip}/photos.json"))
    caption, when, stop, stop_url, post, post_url = details[str(site.photo["id"])]
    assert caption == stop == post == site.text
    assert stop_url.startswith(f"/trips/{site.trip}/stops/") and post_url == f"/posts/{site.post}"
    assert when == "14 October 2010, 10:05"


def test_the_leg_lines_are_plain_json(site):
    for position in (1, 2):
        lines = json.loads(get(site.reader, f"/trips/{site.trip}/legs/{position}/lines.json"))
        assert set(lines) == {"lines", "planned"}


def test_the_post_body_is_markdown_sanitised_of_scripts_handlers_and_script_links(site):
    parsed = Parsed(get(site.reader, f"/posts/{site.post}"))
    start = next(i for i, (tag, attrs) in enumerate(parsed.elements) if attrs.get("class") == "tm-prose")
    body = parsed.elements[start + 1:]
    body = body[:next((i for i, (tag, attrs) in enumerate(body) if tag == "footer" or "tm-gallery-wrap" in
                       attrs.get("class", "") or "tm-external" in attrs.get("class", "")), len(body))]
    assert {tag for tag, _ in body} <= ALLOWED_TAGS
    for _tag, attrs in body:
        assert not [name for name in attrs if name.startswith("on")]
        assert set(attrs) <= {"src", "alt", "title", "href", "rel"}
        assert attrs.get("src", "x") == "x" and "alert" not in attrs.get("href", "")


# ---------------------------------------------------------------- oEmbed, GeoJSON, GPX, Atom, preview

def oembed(site: Site, page: str) -> dict:
    response = site.reader.get(f"/oembed?url={quote('http://localhost' + page, safe='')}&format=json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize("what", ["trip", "leg", "stop", "post"])
def test_oembed_carries_title_and_author_verbatim_and_its_html_is_one_escaped_iframe(site, what):
    t, text = f"/trips/{site.trip}", site.text
    page, title = {"trip": (t, text), "leg": (f"{t}/legs/2", f"{text} · {text}"),
                   "stop": (f"{t}/stops/{site.stops[0]['slug']}", f"{text} · {text}"),
                   "post": (f"/posts/{site.post}", text)}[what]
    body = oembed(site, page)
    assert body["title"] == title and body["author_name"] == text
    iframe = Parsed(body["html"])
    assert iframe.shape == [("iframe", ("allowfullscreen", "height", "loading", "src", "style", "title", "width")),
                            ("/iframe",)]
    attrs = iframe.elements[0][1]
    assert attrs["title"] == f"Map: {title}"  # verbatim, once parsed
    assert attrs["src"].startswith(f"http://localhost/embed{t}")


def test_geojson_is_valid_json_carrying_every_name_verbatim(site):
    for url in (f"/trips/{site.trip}.geojson", f"/trips/{site.trip}/legs/1.geojson"):
        assert site.reader.get(url).mimetype == "application/geo+json"
        body = json.loads(get(site.reader, url))
        props = [f["properties"] for f in body["features"]]
        names = [p.get("name") for p in props if p["kind"] in ("leg", "stop")]
        assert names and set(names) == {site.text}
        assert all(p["post_title"] == site.text for p in props if p["kind"] == "stop" and p["post_url"])
        assert [p["caption"] for p in props if p["kind"] == "photo"] == [site.text]
    assert json.loads(get(site.reader, f"/trips/{site.trip}.geojson"))["name"] == site.text


GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}


def test_the_gpx_export_parses_as_xml_and_carries_the_names_verbatim(site):
    for url, legs in ((f"/trips/{site.trip}.gpx", 2), (f"/trips/{site.trip}/legs/1.gpx", 1)):
        response = site.reader.get(url)
        assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
        root = ET.fromstring(response.data)
        assert root.find("g:metadata/g:name", GPX_NS).text == site.text
        assert root.find("g:metadata/g:desc", GPX_NS).text == site.text
        tracks = root.findall("g:trk", GPX_NS)
        assert len(tracks) == 2 and {trk.find("g:name", GPX_NS).text for trk in tracks} == {site.text}
        assert {trk.find("g:type", GPX_NS).text for trk in tracks} == {site.text}
        waypoints = root.findall("g:wpt", GPX_NS)
        assert len(waypoints) == (2 if legs == 1 else 4)
        assert {w.find("g:name", GPX_NS).text for w in waypoints} == {site.text}
        assert {w.find("g:link/g:text", GPX_NS).text for w in waypoints} == {site.text}


ATOM = {"a": "http://www.w3.org/2005/Atom"}


def test_the_atom_feed_parses_as_xml_and_carries_the_text_verbatim(site):
    response = site.reader.get(f"/trips/{site.trip}/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    text = site.text
    assert root.find("a:title", ATOM).text == text and root.find("a:subtitle", ATOM).text == text
    assert root.find("a:author/a:name", ATOM).text == text  # the trip owner's display name
    entry = root.find("a:entry", ATOM)
    for path in ("a:title", "a:summary", "a:rights", "a:author/a:name"):
        assert entry.find(path, ATOM).text == text, path
    related = entry.find("a:link[@rel='related']", ATOM)
    assert related.get("href") == "https://example.org/post?q=" + text


def test_the_original_gpx_downloads_under_a_safe_file_name(site):
    for track in site.tracks:
        response = site.reader.get(f"/trips/{site.trip}/tracks/{track['id']}.gpx")
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "\n" not in disposition and "\r" not in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/gpx+xml"


@pytest.mark.parametrize("width", [1200, 300])
def test_the_preview_image_draws_any_title(site, width):
    response = site.reader.get(f"/trips/{site.trip}/preview.png?width={width}")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(response.data)).width == width


def test_the_api_answers_carry_the_text_verbatim(site):
    trip = site.api("GET", f"/api/trips/{site.trip}").get_json()
    assert trip["title"] == trip["summary"] == site.text
    assert [leg["name"] for leg in trip["legs"]] == [site.text] * 2
    assert {stop["name"] for leg in trip["legs"] for stop in leg["stops"]} == {site.text}
    assert {track["name"] for leg in trip["legs"] for track in leg["tracks"]} == {site.text}
    post = site.api("GET", f"/api/posts/{site.post}").get_json()
    assert all(post[k] == site.text for k in ("title", "summary", "body", "author", "licence"))
    assert site.photo["caption"] == site.text
    assert site.photo["camera"] == camera_of(site.text)


def camera_of(text: str) -> str:
    """What EXIF keeps of a camera make and model typed as text (EXIF ASCII: others become '?')."""
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return f"{ascii_text} {ascii_text}".strip()[:200]


def test_the_exif_image_description_is_never_published(site):
    # The photo's ImageDescription is neither read nor served; the published copies carry no EXIF at all.
    for url in (f"/trips/{site.trip}/photos/{site.photo['id']}/thumb.jpg",
                f"/trips/{site.trip}/photos/{site.photo['id']}/display.jpg"):
        image = Image.open(io.BytesIO(site.reader.get(url).data))
        assert not image.getexif()


# ---------------------------------------------------------------- the workspace

def workspace_pages(site: Site) -> dict[str, tuple[str, str]]:
    """The author's pages: name -> (URL, the text that must show verbatim)."""
    w, text = f"/author/trips/{site.trip}", site.text
    stop_id = site.stops[0]["id"]
    return {
        "dashboard": ("/author", text), "trip": (w, text), "leg-edit": (f"{w}/legs/2/edit", text),
        "leg-delete": (f"{w}/legs/1/delete", text), "stop-new": (f"{w}/stops/new", text),
        "stop-edit": (f"{w}/stops/{stop_id}/edit", text), "stop-delete": (f"{w}/stops/{stop_id}/delete", text),
        "photos": (f"{w}/photos", text), "photo-edit": (f"{w}/photos/{site.photo['id']}", text),
        "posts": ("/author/posts", text), "post-edit": (f"/author/posts/{site.post}/edit", text),
        "post-new": ("/author/posts/new", text), "post-delete": (f"/author/posts/{site.post}/delete", text),
        "trip-delete": (f"{w}/delete", text), "tokens": ("/author/tokens", text[:100].strip()),
    }


WORKSPACE_PAGES = ["dashboard", "trip", "leg-edit", "leg-delete", "stop-new", "stop-edit", "stop-delete", "photos",
                   "photo-edit", "posts", "post-edit", "post-new", "post-delete", "trip-delete", "tokens"]


@pytest.mark.parametrize("name", WORKSPACE_PAGES)
def test_a_workspace_page_shows_the_payload_as_text_and_gains_no_element_attribute_or_code(site, baseline, name):
    url, shown = workspace_pages(site)[name]
    page = get(site.author, url)
    base = get(baseline.author, workspace_pages(baseline)[name][0])
    assert_no_markup_from(site.text, page, base, shown=shown)


@pytest.mark.parametrize("name", ["upload-results", "photo-refused", "new-token", "trip-created"])
def test_what_a_form_answers_shows_the_payload_as_text(site, baseline, name):
    status, page = site.after_forms[name]
    base_status, base = baseline.after_forms[name]
    assert status == base_status == 200
    shown = {"photo-refused": None, "new-token": site.text[:100].strip()}.get(name, site.text)
    assert_no_markup_from(site.text, page, base, shown=shown)


def test_the_workspace_lists_file_names_and_camera_as_text(site):
    page = Parsed(get(site.author, f"/author/trips/{site.trip}/photos"))
    assert page.shows(site.photo["file"]) and page.shows(camera_of(site.text))
    assert site.photo["file"].endswith(".jpg")


# ---------------------------------------------------------------- refused input and error pages

@dataclass
class Fresh:
    """A small site of plain words of its own, for tests that try to change things."""

    app: Flask
    client: FlaskClient
    author: FlaskClient
    token: str
    trip: str
    post: str

    def api(self, method: str, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.open(url, method=method, headers=bearer(self.token), **kwargs)

    def rows(self) -> dict[str, int]:
        with self.app.app_context():
            return count_rows(db.session())


@pytest.fixture
def fresh(tmp_path: Path) -> Fresh:
    """A trip of plain words with a leg, a stop and a post, and its author logged in."""
    app = make_app(tmp_path)
    with app.app_context():
        session = db.session()
        _, token = create_token(session, create_author(session, "ann", PASSWORD), "tests")
        session.commit()
    site = Fresh(app, app.test_client(), app.test_client(), token, "", "")
    site.trip = site.api("POST", "/api/trips", json={"title": PLAIN, "visibility": "public"}).get_json()["slug"]
    assert site.api("POST", f"/api/trips/{site.trip}/legs", json={"name": PLAIN}).status_code == 201
    site.post = site.api("POST", "/api/posts", json={"title": PLAIN}).get_json()["slug"]
    assert site.api("POST", f"/api/trips/{site.trip}/stops", json={
        "name": PLAIN, "lat": STOP_A[0], "lon": STOP_A[1], "leg": 1, "post": site.post}).status_code == 201
    login(site.author, "ann")
    return site


@pytest.mark.parametrize("field_name", ["url", "licence_url"])
@pytest.mark.parametrize("url", HOSTILE_URLS + [PAYLOADS["attribute-breakout"], EVERYTHING])
def test_a_script_or_other_non_http_link_is_refused_with_a_clear_400(fresh, field_name, url):
    before = fresh.rows()
    response = fresh.api("POST", "/api/posts", json={"title": "Link", field_name: url})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field_name and "http" in error["message"]
    response = fresh.api("PATCH", f"/api/posts/{fresh.post}", json={field_name: url})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field_name
    assert fresh.rows() == before
    assert fresh.api("GET", f"/api/posts/{fresh.post}").get_json()[field_name] is None


POST_FORM = {"title": "Link", "url": "", "summary": "", "body": "", "author": "", "licence": "", "licence_url": "",
             "published": "", "slug": ""}


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_post_form_refuses_a_script_link_and_shows_it_back_as_text(fresh, url):
    before = fresh.rows()
    response = post_form(fresh.author, "/author/posts/new", {**POST_FORM, "url": url})
    plain = post_form(fresh.author, "/author/posts/new", {**POST_FORM, "url": "ftp://example.org/"})
    assert response.status_code == plain.status_code == 400
    parsed = assert_no_markup_from(url, response.get_data(as_text=True), plain.get_data(as_text=True))
    typed = [attrs.get("value") for tag, attrs in parsed.elements if attrs.get("name") == "url"]
    assert typed == [url]  # back in its field as typed, as a value
    assert not [u for u in parsed.urls if "alert" in u or "evil" in u]
    assert fresh.rows() == before


@pytest.mark.parametrize("text", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_a_payload_in_a_checked_field_is_refused_and_its_message_is_text(fresh, text):
    before = fresh.rows()
    trip = f"/api/trips/{fresh.trip}"
    for url, body, field_name in ((f"{trip}/stops", {"name": "S", "lat": text, "lon": 1, "leg": 1}, "lat"),
                                  (f"{trip}/stops", {"name": "S", "lat": 1, "lon": 1, "leg": 1, "arrived_at": text},
                                   "arrived_at"),
                                  ("/api/trips", {"title": "T", "timezone": text}, "timezone"),
                                  ("/api/trips", {"title": "T", "slug": text}, "slug"),
                                  (f"{trip}/legs", {"name": "L", "colour": text}, "colour"),
                                  (f"{trip}/legs", {"name": "L", "transport": text}, "transport"),
                                  ("/api/posts", {"title": "P", "published": text}, "published")):
        response = fresh.api("POST", url, json=body)
        assert response.status_code == 400, (field_name, response.get_json())
        assert response.get_json()["error"]["field"] == field_name
    # The workspace refuses it the same way; the value quoted in the message is text.
    form = {"name": "S", "lat": text, "lon": "1", "leg": "1", "arrived_at": "", "departed_at": "", "post": "",
            "slug": ""}
    w = f"/author/trips/{fresh.trip}"
    response = post_form(fresh.author, f"{w}/stops/new", form)
    plain = post_form(fresh.author, f"{w}/stops/new", {**form, "lat": "north"})
    assert response.status_code == plain.status_code == 400
    assert_no_markup_from(text, response.get_data(as_text=True), plain.get_data(as_text=True))
    assert fresh.rows() == before


@pytest.mark.parametrize("text", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_an_error_page_about_a_typed_address_shows_it_as_text(fresh, text):
    t = f"/embed/trips/{fresh.trip}"
    for url, plain_url, status in ((f"{t}?leg={quote(text)}", f"{t}?leg=north", 400),
                                   (f"{t}?stop={quote(text)}", f"{t}?stop=nowhere", 404),
                                   (f"{t}?height={quote(text)}", f"{t}?height=tall", 400),
                                   (f"/trips/{fresh.trip}/preview.png?width={quote(text)}",
                                    f"/trips/{fresh.trip}/preview.png?width=wide", 400),
                                   (f"/trips/{quote(text, safe='')}", "/trips/nowhere", 404),
                                   (f"/posts/{quote(text, safe='')}", "/posts/nowhere", 404)):
        page, plain = get(fresh.client, url, status), get(fresh.client, plain_url, status)
        assert_no_markup_from(text, page, plain)
    page = f"http://localhost/trips/{fresh.trip}"
    for query in (f"url={quote(text)}", f"url={quote(page)}&maxwidth={quote(text)}",
                  f"url={quote('http://localhost/' + text)}", f"url={quote(page)}&format={quote(text)}"):
        response = fresh.client.get(f"/oembed?{query}")
        assert response.status_code in (400, 404, 501) and response.is_json
        assert set(json.loads(response.get_data(as_text=True))["error"]) >= {"code", "message"}


# ---------------------------------------------------------------- text longer than a field allows

def test_over_long_text_is_refused_with_a_clear_400(fresh):
    before = fresh.rows()
    long = "<script>alert(1)</script>" * 400
    trip = f"/api/trips/{fresh.trip}"
    for url, body, field_name in (("/api/trips", {"title": long}, "title"),
                                  ("/api/trips", {"title": "T", "summary": long}, "summary"),
                                  (f"{trip}/legs", {"name": long}, "name"),
                                  (f"{trip}/stops", {"name": long, "lat": 1, "lon": 1, "leg": 1}, "name"),
                                  ("/api/posts", {"title": long}, "title"),
                                  ("/api/posts", {"title": "P", "author": long}, "author"),
                                  ("/api/posts", {"title": "P", "licence": long}, "licence"),
                                  ("/api/posts", {"title": "P", "url": "https://example.org/?" + long}, "url")):
        response = fresh.api("POST", url, json=body)
        assert response.status_code == 400, (field_name, response.status_code)
        error = response.get_json()["error"]
        assert error["field"] == field_name and "too long" in error["message"]
    assert fresh.rows() == before


def test_a_gpx_file_with_an_over_long_track_name_is_imported_with_the_name_shortened(fresh):
    name = "<script>alert(1)</script>" * 400
    response = fresh.api("POST", f"/api/trips/{fresh.trip}/legs/1/tracks?waypoints=stops",
                         data={"file": (io.BytesIO(gpx_file(name, STOP_A)), "long.gpx")})
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    track = response.get_json()
    assert 0 < len(track["name"]) <= 300 and name.startswith(track["name"])
    stops = fresh.api("GET", f"/api/trips/{fresh.trip}").get_json()["legs"][0]["stops"]
    assert [len(stop["name"]) for stop in stops] == [len(PLAIN), 200]  # the waypoint's name, shortened too
    page = get(fresh.client, f"/trips/{fresh.trip}/legs/1")
    assert track["name"] in Parsed(page).texts and "<script>alert" not in page


@pytest.mark.parametrize("caption", ["a\x00b", "bell\x07", "c" * 2_001], ids=["nul", "control", "too-long"])
def test_a_caption_sent_with_an_uploaded_photo_is_checked_like_any_caption(fresh, caption):
    before = fresh.rows()
    response = fresh.api("POST", f"/api/trips/{fresh.trip}/photos",
                         data={"file": (io.BytesIO(photo_file(PLAIN)), "photo.jpg"), "caption": caption})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["field"] == "caption"
    assert fresh.rows() == before
