"""In Chromium, the account page: change the password (the other browser is logged out, this one stays), then
log out everywhere (this browser too)."""

from __future__ import annotations

from typing import Any

import pytest

from ..authoring_helpers import PASSWORD, make_author

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a longer and newer one"


def log_in(page: Any, server: Any, password: str = PASSWORD) -> None:
    page.goto(server("/login"))
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server("/author"))


def test_an_author_changes_the_password_and_logs_out_everywhere_from_the_account_page(
        live_server, open_page, screenshot):
    make_author(live_server.app, "demo")
    laptop, phone = open_page().page, open_page().page
    log_in(laptop, live_server)
    log_in(phone, live_server)
    laptop.get_by_role("link", name="Account").click()
    assert "logged in in 2 browsers" in laptop.locator("main").inner_text()
    laptop.get_by_label("Current password").fill(PASSWORD)
    laptop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("New password again").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Change the password").click()
    assert "every other browser is logged out" in laptop.locator(".tm-flash").inner_text()
    assert "logged in in 1 browser," in laptop.locator("main").inner_text()
    screenshot(laptop, "account-after-a-password-change", full_page=True)
    phone.goto(live_server("/author"))
    assert phone.url.startswith(live_server("/login"))
    log_in(phone, live_server, NEW_PASSWORD)
    laptop.get_by_role("button", name="Log out everywhere").click()
    laptop.wait_for_url(live_server("/login"))
    assert "logged out everywhere (2 browsers)" in laptop.locator(".tm-flash").inner_text()
    for page in (laptop, phone):
        page.goto(live_server("/author"))
        assert page.url.startswith(live_server("/login"))
