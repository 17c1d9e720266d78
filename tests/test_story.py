"""The story view and the pieces it rests on: where each stop lies along the route, stop numbers readable on any
colour, the story page for the demo trip and for trips with nothing much in them, and the front page's cards."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from travelmap import db, storymap
from travelmap.models import Photo, Trip
from travelmap.redaction import EVERYTHING
from travelmap.services import authoring, posts
from travelmap.services.accounts import create_author
from travelmap.text import PALETTE, contrast_ratio, text_colour

from .conftest import DEMO_SLUG

T = f"/trips/{DEMO_SLUG}"
DEMO_STOPS = ["beijing", "hohhot", "xilamuren", "baotou", "bayan-obo", "tailings-lake", "baotou-east-station",
              "beijing-station"]


# ---------------------------------------------------------------- where a stop lies along its leg

# A road east out of town (0.0 → 0.2° of longitude) and back again.
OUT_AND_BACK = [[(40.0, 0.0), (40.0, 0.05), (40.0, 0.1), (40.0, 0.15), (40.0, 0.2)],
                [(40.0, 0.2), (40.0, 0.15), (40.0, 0.1), (40.0, 0.05), (40.0, 0.0)]]


def test_a_stop_in_a_town_the_route_passes_twice_is_placed_at_the_first_pass() -> None:
    # The town (0.1°) lies on the way out and on the way back: the stop is where the route first reaches it.
    assert storymap.leg_splits(OUT_AND_BACK, [(40.0, 0.1)]) == [(0, 2)]


def test_stops_never_go_back_along_the_route() -> None:
    # Start, the far end, then home again: home is the end of the second line, not the start of the first.
    splits = storymap.leg_splits(OUT_AND_BACK, [(40.0, 0.0), (40.0, 0.2), (40.0, 0.001)])
    assert splits == [(0, 0), (0, 4), (1, 4)]


def test_a_leg_with_no_lines_places_its_stops_at_its_start() -> None:
    assert storymap.leg_splits([], [(1.0, 2.0), (3.0, 4.0)]) == [(0, -1), (0, -1)]


def test_the_demo_trips_stops_split_its_route_in_order(reader_app: Flask) -> None:
    with reader_app.app_context():
        trip = db.session().scalars(select(Trip)).one()
        entries = [storymap.leg_entry(leg, "display", None, EVERYTHING) for leg in trip.legs]
        data = storymap.story_data(trip, entries, EVERYTHING)
    assert list(data["stops"]) == DEMO_STOPS
    rows = list(data["stops"].values())
    # Within each leg, each stop lies further along than the one before (leg, line, vertex).
    for before, after in zip(rows, rows[1:]):
        if before[0] == after[0]:
            assert (after[3], after[4]) > (before[3], before[4])
    # Bayan Obo is the far end of its day trip: the whole way out is behind it, the way back ahead.
    bayan = data["stops"]["bayan-obo"]
    line = storymap.decode_polyline(entries[1]["lines"][bayan[3]])
    assert 0 < bayan[4] < len(line) - 1
    assert data["zoom"] == storymap.STORY_ZOOM and len(data["legs"]) == 3


# ---------------------------------------------------------------- stop numbers on any colour

@pytest.mark.parametrize("colour", [*PALETTE, "#ffff00", "#00ff00", "#ffffff", "#000000", "#777777", "#1d4ed8",
                                    "#f97316", "#22d3ee", "#808080", "#767676"])
def test_a_stop_number_is_black_or_white_whichever_reads_at_least_4_5_to_1_on_the_leg_colour(colour: str) -> None:
    ink = text_colour(colour)
    assert ink in ("#000000", "#ffffff")
    assert contrast_ratio(colour, ink) >= 4.5


def test_yellow_legs_get_black_numbers_and_dark_legs_white_ones() -> None:
    assert text_colour("#fde047") == "#000000"
    assert text_colour("#111827") == "#ffffff"
    assert text_colour("not a colour") == text_colour("#2563eb")  # the default colour, as drawn


def test_stop_numbers_take_their_ink_from_the_leg_colour_on_pages_and_maps(seeded_app: Flask,
                                                                            client: FlaskClient) -> None:
    with seeded_app.app_context():
        session = db.session()
        trip = session.scalars(select(Trip)).one()
        trip.legs[0].colour = "#fde047"
        trip.revision += 1
        session.commit()
    html = client.get(T).get_data(as_text=True)
    assert 'data-show-stop="beijing" title="Show Beijing on the map" aria-label="1. Show Beijing on the map" ' \
           'style="background: #fde047; color: #000000"' in html
    assert '"#fde047","11 October 2010, 09:30"' in html and '"beijing",0,"#000000"]' in html
    assert '"baotou",1,"#ffffff"]' in html


# ---------------------------------------------------------------- the story page


class Outline(HTMLParser):
    """The headings of a page (level, text) and the ids of its story sections, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.sections: list[str] = []
        self._level = 0
        self._text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self._level, self._text = int(tag[1]), []
        if "data-story-stop" in found:
            self.sections.append(f"stop:{found['data-story-stop']}")
        if "data-story-leg" in found:
            self.sections.append(f"leg:{found['data-story-leg']}")
        if tag == "span" and "tm-sr" in (found.get("class") or "") or found.get("aria-hidden") == "true":
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._hidden:
            self._hidden -= 1
        if re.fullmatch(r"h[1-6]", tag) and self._level:
            self.headings.append((self._level, " ".join("".join(self._text).split())))
            self._level = 0

    def handle_data(self, data: str) -> None:
        if self._level and not self._hidden:
            self._text.append(data)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_the_story_tells_every_leg_and_stop_in_route_order_under_headings(reader: FlaskClient) -> None:
    response = reader.get(f"{T}/story")
    assert response.status_code == 200
    page = outline(response.get_data(as_text=True))
    assert page.headings[0] == (1, "Inner Mongolia, Baotou and back to Beijing")
    assert [text for level, text in page.headings if level == 2] == [
        "Leg 1 Inner Mongolia", "Leg 2 Baotou", "Leg 3 Beijing"]
    assert [text for level, text in page.headings if level == 3] == [
        "Beijing", "Hohhot", "Xilamuren grassland", "Photos along Inner Mongolia (1)", "Baotou city centre",
        "Bayan Obo mining district", "Tailings lake", "Photos along Baotou (1)", "Baotou East railway station",
        "Beijing railway station"]
    assert page.sections == ["leg:0", *[f"stop:{s}" for s in DEMO_STOPS[:3]], "leg:1",
                             *[f"stop:{s}" for s in DEMO_STOPS[3:6]], "leg:2", *[f"stop:{s}" for s in DEMO_STOPS[6:]]]


def test_each_stop_says_when_in_local_time_and_tells_its_post_once(reader: FlaskClient) -> None:
    html = reader.get(f"{T}/story").get_data(as_text=True)
    beijing = html.split('id="stop-beijing"', 1)[1].split('id="stop-hohhot"', 1)[0]
    assert '<time datetime="2010-10-11T09:30:00+08:00">Arrived 11 October 2010, 09:30</time>' in beijing
    # The Markdown body, rendered: its list and emphasis are HTML.
    assert "<li>Distance: about 450 km</li>" in beijing and "<em>Demo content written for travelmap.</em>" in beijing
    # Hohhot links the same post: it points back to Beijing rather than telling it twice.
    hohhot = html.split('id="stop-hohhot"', 1)[1].split('id="stop-xilamuren"', 1)[0]
    assert "We left central Beijing" not in hohhot
    assert 'Told with <a href="#stop-beijing">Beijing</a> above' in hohhot
    assert html.count("We left central Beijing at half past nine") == 1


def test_an_external_post_shows_its_summary_and_a_clear_link_to_the_original(reader: FlaskClient) -> None:
    html = reader.get(f"{T}/story").get_data(as_text=True)
    baotou = html.split('id="stop-baotou"', 1)[1].split('id="stop-bayan-obo"', 1)[0]
    assert "Baotou was the photojournalist&#39;s last stop" in baotou
    assert '<a class="tm-button" href="https://gokatayama.com/" rel="noopener nofollow">' \
           "Read the original post by Go Katayama ↗</a>" in baotou


def test_each_stop_shows_its_own_photos(reader: FlaskClient, reader_app: Flask) -> None:
    with reader_app.app_context():
        thumb = db.session().scalars(select(Photo.thumb_path).join(Photo.stop).where(Photo.caption.like("Yurt%"))).one()
    html = reader.get(f"{T}/story").get_data(as_text=True)
    xilamuren = html.split('id="stop-xilamuren"', 1)[1].split('id="leg-2"', 1)[0]
    assert f'src="/media/{thumb}"' in xilamuren and 'alt="Yurt camp on the Xilamuren grassland."' in xilamuren
    assert 'data-stop-name="Xilamuren grassland"' in xilamuren
    # Photos of a leg that belong to no stop are told with their leg.
    leg1 = html.split('id="leg-1"', 1)[1].split('id="leg-2"', 1)[0]
    assert 'aria-label="Photos along Inner Mongolia"' in leg1


def test_the_story_map_follows_the_text_from_a_static_script(reader: FlaskClient) -> None:
    response = reader.get(f"{T}/story")
    html = response.get_data(as_text=True)
    assert '<script src="/static/story.js"></script>' in html
    data = json.loads(re.search(r"travelmapStory\(map_\w+, (\{.*?\})\);", html, re.S).group(1))  # type: ignore[union-attr]
    assert list(data["stops"]) == DEMO_STOPS
    # Only the map's own scripts are inline, allowed by hash; the story's code is a file of ours.
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_the_story_is_cached_per_revision_with_an_etag(seeded_app: Flask, client: FlaskClient) -> None:
    first = client.get(f"{T}/story")
    etag = first.headers["ETag"]
    assert client.get(f"{T}/story", headers={"If-None-Match": etag}).status_code == 304
    with seeded_app.app_context():
        session = db.session()
        trip = session.scalars(select(Trip)).one()
        trip.title, trip.revision = "A new title", trip.revision + 1
        session.commit()
    again = client.get(f"{T}/story", headers={"If-None-Match": etag})
    assert again.status_code == 200 and "A new title" in again.get_data(as_text=True)


def test_the_trip_page_and_its_timeline_link_to_the_story(reader: FlaskClient) -> None:
    html = reader.get(T).get_data(as_text=True)
    assert f'<a class="tm-button" href="{T}/story">Read the story</a>' in html
    for position in (1, 2, 3):
        assert f'href="{T}/story#leg-{position}"' in html
    assert f'href="{T}/story#leg-2"' in reader.get(f"{T}/legs/2").get_data(as_text=True)


def test_the_story_embed_has_no_site_chrome_and_its_links_leave_the_frame(reader: FlaskClient) -> None:
    response = reader.get(f"/embed{T}/story")
    html = response.get_data(as_text=True)
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert 'class="tm-header"' not in html and "travelmapStory(" in html and "gestureHandling.enable()" in html
    assert f'<a href="{T}/stops/baotou" target="_top">' in html
    assert '<a class="tm-skip" href="#content">' in html


def test_the_workspace_embed_panel_offers_the_story(seeded_app: Flask) -> None:
    from .authoring_helpers import login, make_author

    make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    html = client.get(f"/author{T}").get_data(as_text=True)
    assert f'data-embed="http://localhost/embed{T}/story" data-page="http://localhost{T}/story"' in html


@pytest.mark.parametrize("visibility, status", [("public", 200), ("unlisted", 200), ("private", 404)])
def test_the_story_of_a_private_trip_is_not_found(seeded_app: Flask, visibility: str, status: int) -> None:
    with seeded_app.app_context():
        session = db.session()
        trip = session.scalars(select(Trip)).one()
        trip.visibility, trip.revision = visibility, trip.revision + 1
        session.commit()
    client = seeded_app.test_client()
    assert client.get(f"{T}/story").status_code == status
    assert client.get(f"/embed{T}/story").status_code == status


# ---------------------------------------------------------------- stories of trips with little in them


@pytest.fixture
def sparse(app: Flask) -> Iterator[tuple[Flask, str]]:
    """An author with an empty public trip; yields the app and the trip's slug (tests add what they need)."""
    with app.app_context():
        session = db.session()
        author = create_author(session, "ann", "correct horse battery")
        trip = authoring.create_trip(session, author, {"title": "Nothing much", "visibility": "public"})
        session.commit()
        yield app, trip.slug


def build(app: Flask, slug: str, legs: list[dict]) -> None:
    """Give the trip legs, each {"name", "transport"?, "stops": [{"name", "lat", "lon", "arrived_at"?, "post"?}]}."""
    with app.app_context():
        session = db.session()
        trip = session.scalars(select(Trip).where(Trip.slug == slug)).one()
        for number, leg in enumerate(legs, start=1):
            authoring.add_leg(session, trip, {k: v for k, v in leg.items() if k != "stops"})
            for stop in leg.get("stops", []):
                if "post" in stop:
                    posts.create_post(session, trip.owner, {"title": stop["post"], "slug": stop["post"],
                                                            "body": "**Bold** <script>alert(1)</script> words."})
                authoring.add_stop(session, trip, {"leg": number, **stop})
        session.commit()


def story(app: Flask, slug: str) -> str:
    response = app.test_client().get(f"/trips/{slug}/story")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_trip_with_no_legs_has_a_story_that_says_so(sparse: tuple[Flask, str]) -> None:
    app, slug = sparse
    html = story(app, slug)
    assert "This trip has no legs yet" in html and "travelmapStory(" in html
    assert outline(html).headings[0] == (1, "Nothing much")


def test_empty_legs_stops_without_times_or_posts_and_an_untracked_leg_all_have_their_place(
        sparse: tuple[Flask, str]) -> None:
    app, slug = sparse
    build(app, slug, [
        {"name": "Nowhere yet"},
        {"name": "By train", "transport": "train", "stops": [
            {"name": "Datong", "lat": 40.08, "lon": 113.3},
            {"name": "Zhangjiakou", "lat": 40.77, "lon": 114.88, "arrived_at": "2010-10-20T09:30", "post": "a-post"},
        ]},
        {"name": "One stop", "stops": [{"name": "Lonely", "lat": 41.0, "lon": 112.0}]},
    ])
    html = story(app, slug)
    page = outline(html)
    assert [text for level, text in page.headings if level == 2] == ["Leg 1 Nowhere yet", "Leg 2 By train",
                                                                     "Leg 3 One stop"]
    assert [text for level, text in page.headings if level == 3] == ["Datong", "Zhangjiakou", "Lonely"]
    assert "No stops on this leg yet." in html and "By train; no track was recorded." in html
    datong = html.split('id="stop-datong"', 1)[1].split('id="stop-zhangjiakou"', 1)[0]
    assert "<time" not in datong and "tm-story-post" not in datong
    # The post's Markdown is rendered and sanitised, as on the post page.
    assert "<strong>Bold</strong>" in html and "<script>alert(1)</script>" not in html
    data = json.loads(re.search(r"travelmapStory\(map_\w+, (\{.*?\})\);", html, re.S).group(1))  # type: ignore[union-attr]
    assert data["legs"][0] is None and data["stops"]["datong"][0] == 1 and data["stops"]["lonely"][3:] == [0, -1]


def test_a_stop_named_like_markup_is_text_in_the_story(sparse: tuple[Flask, str]) -> None:
    app, slug = sparse
    build(app, slug, [{"name": "<b>leg</b>", "stops": [{"name": "<img src=x onerror=alert(1)>", "lat": 1, "lon": 2}]}])
    html = story(app, slug)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;leg&lt;/b&gt;" in html


# ---------------------------------------------------------------- the front page's cards


def test_a_trip_card_shows_the_first_placed_photo_and_the_trips_dates(reader_app: Flask, reader: FlaskClient) -> None:
    with reader_app.app_context():
        first = db.session().scalars(select(Photo).where(Photo.lat.is_not(None)).order_by(Photo.taken_at)).first()
        assert first is not None
        first_id = first.id
    html = reader.get("/").get_data(as_text=True)
    assert f'<img class="tm-card-cover" src="{T}/photos/{first_id}/thumb.jpg" alt=""' in html
    assert '<time datetime="2010-10-11">11 October 2010</time> – <time datetime="2010-10-17">17 October 2010</time>' \
           in html


def test_a_trip_card_without_photos_shows_the_route_preview_and_no_dates_without_times(
        sparse: tuple[Flask, str]) -> None:
    app, slug = sparse
    build(app, slug, [{"name": "A leg", "stops": [{"name": "Somewhere", "lat": 40.0, "lon": 110.0}]}])
    html = app.test_client().get("/").get_data(as_text=True)
    assert f'<img class="tm-card-cover" src="/trips/{slug}/preview.png?width=600" alt=""' in html
    assert "tm-card-dates" not in html
