"""What assistive technology reads in the markup itself: the skip link comes first, a form's errors are announced
and tied to their fields, and no page reorders the keyboard with a positive tabindex."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .authoring_helpers import login, make_author, post_form
from .conftest import DEMO_SLUG

T = f"/trips/{DEMO_SLUG}"
READER_PAGES = ["/", T, f"{T}/legs/2", f"{T}/stops/baotou", "/posts/baotou-capital-of-rare-earths", f"{T}/story",
                f"/embed{T}", f"/embed{T}/story"]


class Focusables(HTMLParser):
    """The elements of a page's body a keyboard can reach, in order, and any positive tabindex."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[dict[str, str | None]] = []
        self.positive: list[str] = []
        self._body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._body = self._body or tag == "body"
        index = found.get("tabindex")
        if index and index.lstrip("-").isdigit() and int(index) > 0:
            self.positive.append(tag)
        if self._body and (tag in ("a", "button", "input", "select", "textarea") or index == "0"):
            self.order.append({"tag": tag, **found})


@pytest.mark.parametrize("path", READER_PAGES)
def test_the_skip_link_is_the_first_thing_the_keyboard_reaches_and_its_target_exists(reader: FlaskClient,
                                                                                      path: str) -> None:
    html = reader.get(path).get_data(as_text=True)
    page = Focusables()
    page.feed(html)
    assert page.order[0]["class"] == "tm-skip" and page.order[0]["href"] == "#content"
    assert len(re.findall(r'\bid="content"', html)) == 1
    assert page.positive == []


def test_a_forms_errors_are_announced_and_described_on_each_field(seeded_app: Flask) -> None:
    make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    response = post_form(client, f"/author{T}/stops/new",
                         {"name": "Somewhere", "lat": "91", "lon": "113", "leg": "1"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html.split('class="tm-flash tm-flash-error tm-error-summary" role="alert">', 1)[1].split("</div>", 1)[0]
    assert '<a href="#lat">Latitude: Latitude must be between -90 and 90; got 91.</a>' in summary
    lat = re.search(r"<input[^>]*\bid=\"lat\"[^>]*>", html)
    assert lat is not None and 'aria-invalid="true"' in lat.group(0)
    described = re.search(r'aria-describedby="([^"]+)"', lat.group(0))
    assert described is not None and "lat-error" in described.group(1).split()
    assert re.search(r'<div class="tm-error-msg" id="lat-error"><p>[^<]+</p></div>', html)


def test_help_text_is_read_with_its_field(seeded_app: Flask) -> None:
    make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    login(client, "demo")
    html = client.get(f"/author{T}/stops/new").get_data(as_text=True)
    for field_id in re.findall(r'<small class="tm-help" id="([\w-]+)-help">', html):
        tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', html)
        assert tag is not None and f"{field_id}-help" in tag.group(0)
