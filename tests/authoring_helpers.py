"""Helpers for tests that act as authors: accounts, logged-in clients, tokens, CSRF-carrying posts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from travelmap import db
from travelmap.services.accounts import create_author, create_token

PASSWORD = "correct horse battery"


def make_author(app: Flask, username: str) -> str:
    """Create an author and return an API token for them."""
    with app.app_context():
        s = db.session()
        author = create_author(s, username, PASSWORD)
        _, raw = create_token(s, author, "tests")
        s.commit()
    return raw


def csrf_token(client: FlaskClient, url: str) -> str:
    """Fetch a page and return the CSRF token of its form."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client: FlaskClient, username: str) -> None:
    """Log in through the real login form."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def post_form(client: FlaskClient, form_url: str, data: dict, action: str | None = None):  # type: ignore[no-untyped-def]
    """Submit a workspace form with the CSRF token taken from the page that shows it."""
    data = {**data, "csrf_token": csrf_token(client, form_url)}
    return client.post(action or form_url, data=data)


def bearer(token: str) -> dict[str, str]:
    """Return the Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


class _FormReader(HTMLParser):
    """Collect, for every form on a page, what a browser would send unchanged and each field's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict[str, Any], dict[str, dict[str, str]]]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(({}, {}))
        if not self.forms:
            return
        values, attributes = self.forms[-1]
        name = a.get("name")
        if tag in ("input", "select") and name:
            attributes[name] = a
        if tag == "input" and name and a.get("type") == "checkbox":
            if "checked" in a:  # several boxes of one name send a value each
                checked = values.setdefault(name, [])
                assert isinstance(checked, list)
                checked.append(a.get("value", ""))
        elif tag == "input" and name and (a.get("type") != "radio" or "checked" in a):
            values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in a or self._select not in values):
            values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            attributes[name], values[name], self._textarea = a, "", name

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            values = self.forms[-1][0]
            # A browser drops the newline that starts a text area's content (WTForms writes one).
            start = not values[self._textarea]
            values[self._textarea] += data.removeprefix("\r\n").removeprefix("\n") if start else data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(page: str, containing: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Return what a browser would submit, unchanged, from the page's form that has the named field,
    and each of that form's fields' attributes."""
    reader = _FormReader()
    reader.feed(page)
    for values, attributes in reader.forms:
        if containing in attributes:
            return values, attributes
    raise AssertionError(f"no form with a field {containing!r} on the page")
