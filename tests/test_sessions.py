"""Sessions end on the server: a copied session cookie stops working after log-out, "log out everywhere" and a
password change (in the workspace or with the CLI), and a session does not outlive its lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from travelmap import db
from travelmap.models import Author, AuthorSession
from travelmap.orm import utcnow

from .authoring_helpers import PASSWORD, bearer, csrf_token, make_author
from .conftest import DEMO_SLUG

NEW_PASSWORD = "a longer and newer one"


@pytest.fixture
def demo(seeded_app: Flask) -> str:
    """The demo trip's owner, with the trip made private (so only a live session of theirs can see it)."""
    token = make_author(seeded_app, "demo")
    response = seeded_app.test_client().patch(f"/api/trips/{DEMO_SLUG}", json={"visibility": "private"},
                                              headers=bearer(token))
    assert response.status_code == 200
    return token


def logged_in(app: Flask, username: str = "demo", password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of the client's cookies (as if they had been stolen)."""
    thief = app.test_client()
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def can_work(client: FlaskClient) -> bool:
    """Tell whether the client is let into the workspace and can see the private trip."""
    workspace = client.get("/author")
    trip = client.get(f"/trips/{DEMO_SLUG}")
    assert (workspace.status_code == 200) == (trip.status_code == 200), (workspace.status_code, trip.status_code)
    if workspace.status_code != 200:
        assert workspace.status_code == 302 and workspace.headers["Location"].startswith("/login")
        assert trip.status_code == 404
    return workspace.status_code == 200


def press(client: FlaskClient, action: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Submit a workspace button or form with the CSRF token of the page it is on."""
    return client.post(action, data={**(data or {}), "csrf_token": csrf_token(client, "/author/account")})


def test_a_copied_session_cookie_stops_working_when_its_session_logs_out(seeded_app, demo):
    author = logged_in(seeded_app)
    assert author.get_cookie("remember_token") is None  # no long-lived cookie to steal besides the session
    thief = copy_of(seeded_app, author)
    other = logged_in(seeded_app)  # the same author in another browser
    assert can_work(thief) and can_work(other)
    assert press(author, "/logout").status_code == 302
    assert not can_work(author) and not can_work(thief)
    assert can_work(other)  # plain log-out ends this session only


def test_log_out_everywhere_ends_every_session_of_the_author_and_only_theirs(seeded_app, demo):
    make_author(seeded_app, "ann")
    first, second, ann = logged_in(seeded_app), logged_in(seeded_app), logged_in(seeded_app, "ann")
    thief = copy_of(seeded_app, second)
    page = first.get("/author/account").get_data(as_text=True)
    assert "Log out everywhere" in page and "2 browsers" in page
    response = press(first, "/author/account/logout-everywhere")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not any(can_work(c) for c in (first, second, thief))
    assert ann.get("/author").status_code == 200
    with seeded_app.app_context():
        demo_id = db.session().scalar(select(Author.id).where(Author.username == "demo"))
        assert not db.session().scalars(select(AuthorSession).where(AuthorSession.author_id == demo_id)).all()
    assert can_work(logged_in(seeded_app))  # logging in again works as before


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(seeded_app, demo):
    author, other = logged_in(seeded_app), logged_in(seeded_app)
    thief = copy_of(seeded_app, author)
    response = press(author, "/author/account", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                 "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert can_work(author)
    assert not can_work(other) and not can_work(thief)  # the copied cookie was renewed away too
    refused = seeded_app.test_client()
    token = csrf_token(refused, "/login")
    assert refused.post("/login", data={"username": "demo", "password": PASSWORD,
                                        "csrf_token": token}).status_code == 401
    assert can_work(logged_in(seeded_app, password=NEW_PASSWORD))


@pytest.mark.parametrize("fields, status, message", [
    ({"current_password": "not it", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, 400,
     "current password is not right"),
    ({"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}, 400, "at least 8"),
    ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "!"}, 400,
     "do not match"),
], ids=["a wrong current password", "a new password too short", "a confirmation that differs"])
def test_a_password_change_that_is_wrong_says_why_and_changes_nothing(seeded_app, demo, fields, status, message):
    author, other = logged_in(seeded_app), logged_in(seeded_app)
    response = press(author, "/author/account", fields)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert can_work(author) and can_work(other)
    assert can_work(logged_in(seeded_app))  # the old password still works


def test_guessing_the_current_password_on_the_account_page_counts_as_failed_log_ins(seeded_app, demo):
    author = logged_in(seeded_app)
    wrong = {"current_password": "guess", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    assert [press(author, "/author/account", wrong).status_code for _ in range(10)] == [400] * 10
    blocked = press(author, "/author/account", {**wrong, "current_password": PASSWORD})
    assert blocked.status_code == 429 and "Too many failed" in blocked.get_data(as_text=True)
    assert can_work(author)  # the session itself goes on; only password checks from the address stop
    login_page = seeded_app.test_client()
    token = csrf_token(login_page, "/login")
    assert login_page.post("/login", data={"username": "demo", "password": PASSWORD,
                                           "csrf_token": token}).status_code == 429


def test_the_cli_sets_a_password_and_ends_every_session(seeded_app, demo):
    author = logged_in(seeded_app)
    result = seeded_app.test_cli_runner().invoke(args=["set-password", "demo", "--password-stdin"],
                                                 input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "1 session" in result.output
    assert not can_work(author)
    assert can_work(logged_in(seeded_app, password=NEW_PASSWORD))
    unknown = seeded_app.test_cli_runner().invoke(args=["set-password", "nobody", "--password-stdin"],
                                                  input=NEW_PASSWORD + "\n")
    assert unknown.exit_code != 0 and "no author called 'nobody'" in unknown.output


def test_a_session_ends_after_thirty_days_whatever_the_cookie_says(seeded_app, demo):
    author = logged_in(seeded_app)
    with seeded_app.app_context():
        s = db.session()
        s.execute(update(AuthorSession).values(created_at=utcnow() - timedelta(days=31)))
        s.commit()
    assert not can_work(author)


def test_a_session_cookie_from_before_sessions_were_recorded_no_longer_opens_the_workspace(seeded_app, demo):
    old = seeded_app.test_client()
    with seeded_app.app_context():
        author_id = db.session().scalar(select(Author.id).where(Author.username == "demo"))
    with old.session_transaction() as cookie:  # what Flask-Login stored before: the author's id alone
        cookie["_user_id"] = str(author_id)
        cookie["_fresh"] = True
    assert not can_work(old)
