"""Chromium enforces our Content-Security-Policy, and no page of ours breaks it."""

from __future__ import annotations

from typing import Any

import pytest

from ..authoring_helpers import PASSWORD, make_author
from ..conftest import DEMO_SLUG

pytestmark = pytest.mark.browser

T = f"/trips/{DEMO_SLUG}"
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


def visit(page: Any, url: str) -> list[str]:
    """Open a page, let its scripts run, and return the policy violations Chromium reported."""
    response = page.goto(url)
    assert response.status < 400, url
    page.wait_for_load_state("load")
    if page.locator(".leaflet-container").count():
        page.wait_for_selector(".leaflet-marker-icon, .leaflet-interactive, .tm-pin", state="attached")
    return page.evaluate("window.__violations")


def test_reader_and_workspace_pages_run_under_the_policy_without_a_single_violation(
        live_server: Any, open_page: Any) -> None:
    make_author(live_server.app, "demo")
    browsing = open_page()
    page = browsing.page
    page.add_init_script(RECORD_VIOLATIONS)
    for url in ("/", T, f"{T}/legs/2", f"{T}/stops/baotou", "/posts/baotou-capital-of-rare-earths",
                f"/embed{T}", f"/embed{T}?stop=baotou"):
        assert visit(page, live_server.url + url) == [], url
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/author")
    for url in ("/author", f"/author{T}", f"/author{T}/stops/new", f"/author{T}/photos", f"/author{T}/legs/1/edit"):
        assert visit(page, live_server.url + url) == [], url
    assert browsing.record.problems() == []


def test_a_script_injected_into_a_page_is_refused_by_the_browser(live_server: Any, open_page: Any) -> None:
    browsing = open_page()
    page = browsing.page
    page.add_init_script(RECORD_VIOLATIONS)
    visit(page, live_server.url + T)
    ran = page.evaluate("""() => {
        window.__ran = false;
        const s = document.createElement('script');
        s.textContent = 'window.__ran = true';
        document.body.appendChild(s);
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.__ran = true');
        img.src = '/no-such-image';
        document.body.appendChild(img);
    }""")
    # Both the script and the image's handler are refused, each with a violation report (events, not a timer).
    page.wait_for_function("() => window.__violations.filter(v => v.startsWith('script-src')).length >= 2")
    ran = page.evaluate("window.__ran")
    assert ran is False
    violations = page.evaluate("window.__violations")
    assert any(v.startswith("script-src") for v in violations), violations


def test_a_script_that_lands_in_a_served_page_does_not_run_but_the_map_does(live_server: Any, open_page: Any) -> None:
    browsing = open_page()
    page = browsing.page
    page.add_init_script(RECORD_VIOLATIONS)

    def inject(route: Any) -> None:  # as if a typed <script> had slipped through escaping on the server
        response = route.fetch()
        body = response.text().replace("<main", "<script>window.__ran = true</script><main", 1)
        route.fulfill(response=response, body=body)

    page.route(live_server.url + T, inject)
    visit(page, live_server.url + T)
    page.wait_for_selector(".tm-pin")
    assert page.evaluate("window.__ran === true") is False
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
