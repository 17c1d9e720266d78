"""User text is escaped everywhere it reaches: pages, popups, tooltips, layer names."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from sqlalchemy import select

from travelmap.models import Leg, Stop

from .conftest import DEMO_SLUG

NASTY = "<img src=x onerror=alert(1)> `${x}` </script>"


class _Scripts(HTMLParser):
    """Collect inline script bodies and every element's tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in_script = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_script:
            self.scripts[-1] += data


def rename(session, name: str) -> None:
    stop = session.scalars(select(Stop).where(Stop.slug == "xilamuren")).one()
    stop.name = name
    leg = session.scalars(select(Leg).where(Leg.position == 2)).one()
    leg.name = name
    stop.leg.trip.revision += 1
    session.commit()


def test_a_hostile_stop_and_leg_name_never_becomes_markup(client, session):
    rename(session, NASTY)
    page = client.get(f"/trips/{DEMO_SLUG}").get_data(as_text=True)
    assert NASTY not in page
    assert "<img src=x" not in page
    parser = _Scripts()
    parser.feed(page)
    assert not [t for t, a in parser.tags if t == "img" and a.get("src") == "x"]
    map_script = max(parser.scripts, key=len)
    # The whole map script survives in one piece: the name did not close the <script>.
    assert "L.map(" in map_script and "travelmapTrip(" in map_script and "travelmapPhotos(" in map_script
    data = json.loads(re.search(r"travelmapTrip\([^,]+,\s*\[[^\]]*\],\s*(\{.*?\})\);\n", map_script).group(1))
    assert len(data["stops"]) == 8 and NASTY in [row[3] for row in data["stops"]]  # the name, as plain data
    # Outside JSON string literals, no trace of the name: no backtick, no ${…} interpolation.
    code_only = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', map_script)
    assert "`" not in code_only and "${x}" not in code_only


def test_the_literal_hostile_name_is_what_the_sidebar_shows(client, session):
    rename(session, NASTY)
    page = client.get(f"/trips/{DEMO_SLUG}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; `${x}` &lt;/script&gt;" in page


def test_leg_pages_and_post_pages_escape_the_name_too(client, session):
    rename(session, NASTY)
    for url in (f"/trips/{DEMO_SLUG}/legs/1", f"/trips/{DEMO_SLUG}/legs/2"):
        page = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in page and NASTY not in page
    stop = session.scalars(select(Stop).where(Stop.slug == "xilamuren")).one()
    page = client.get(f"/posts/{stop.post.slug}").get_data(as_text=True)
    assert "<img src=x" not in page


JINJA = "{{ 7*7 }} {% if true %}x{% endif %} {# note #} {{{"


def test_template_syntax_in_user_text_is_shown_not_evaluated(client, session):
    # folium compiles rendered scripts as Jinja templates a second time; user text must not reach that.
    rename(session, JINJA)
    trip = session.scalars(select(Leg)).first().trip
    trip.title = JINJA
    session.commit()
    for url in (f"/trips/{DEMO_SLUG}", f"/trips/{DEMO_SLUG}/legs/2", f"/embed/trips/{DEMO_SLUG}", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert ">49<" not in page and "7*7" in page.replace("\\u0025", "%")
    data = client.get(f"/trips/{DEMO_SLUG}").get_data(as_text=True)
    rows = json.loads(re.search(r"travelmapTrip\([^,]+,\s*\[[^\]]*\],\s*(\{.*?\})\);\n", data).group(1))
    assert JINJA in [row[3] for row in rows["stops"]]


def test_a_post_linked_to_a_hostile_stop_renders_its_map(client, session):
    rename(session, JINJA)
    stop = session.scalars(select(Stop).where(Stop.slug == "xilamuren")).one()
    response = client.get(f"/posts/{stop.post.slug}")
    assert response.status_code == 200 and ">49<" not in response.get_data(as_text=True)
