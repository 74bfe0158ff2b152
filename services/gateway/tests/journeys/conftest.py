"""Browser journeys: each role's year in the web UI, clicked and typed as a person does, at desktop and phone size.

The five services and the gateway run for real (the `stack` fixture of the gateway's tests); Debian's Chromium
drives the pages. Every page the person lands on is checked for sideways overflow and photographed to
test-artifacts/journeys/<journey>-<size>/NN-<step>.png. The gateway routes the person reached by a click, a
typed address or a form are recorded (document requests and htmx requests, matched against the gateway's url_map);
test_route_coverage.py, which runs after the journeys, fails when a page or form of the gateway was reached by none.
The gateway's Content-Security-Policy is enforced by the browser all along: a journey fails when any page it opens
reports a violation (the `securitypolicyviolation` event, or Chromium's "Content Security Policy" console error), or
when a page of the gateway arrives without the header.
"""
from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..conftest import ARTIFACTS, PASSWORD

SIZES = {
    # An English desktop browser: dates must still read dd/mm/yyyy.
    "desktop": {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"},
    "phone": {"viewport": {"width": 360, "height": 800}, "locale": "vi-VN", "is_mobile": True, "has_touch": True},
}
TIMEOUT_MS = 30_000  # a loaded two-core machine: waits are generous, never sleeps

# Routes the people of the ward never open: machines' endpoints and static files.
MACHINE_ENDPOINTS = re.compile(r"^(static|ops\.|api-docs\.|internal\.)")

# Reports every Content-Security-Policy violation of a page to its console, where the journey collects it.
CSP_LISTENER = """document.addEventListener('securitypolicyviolation', e => console.error(
    'CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':'
    + e.lineNumber + ' (' + (e.sample || '') + ')'));"""

# Filled while the journeys run in this session: "METHOD /rule" -> journeys (test ids) that reached it.
REACHED: dict[str, set[str]] = {}
# Journeys (test ids) that ran to their end in this session.
FINISHED: set[str] = set()
# Journey tests collected in this session.
COLLECTED: set[str] = set()


def page_routes(app: Flask) -> set[str]:
    """Every page and form of the gateway as "METHOD /rule" (GET and POST only)."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if MACHINE_ENDPOINTS.match(rule.endpoint):
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            routes.add(f"{method} {rule.rule}")
    return routes


def route_of(app: Flask, method: str, url: str) -> str | None:
    """The gateway rule a request lands on, as "METHOD /rule"; None for static files and unknown paths."""
    parts = urlsplit(url)
    try:
        rule, _ = app.url_map.bind("127.0.0.1").match(parts.path, method=method, query_args=parts.query,
                                                      return_rule=True)
    except (HTTPException, RequestRedirect):
        return None
    if MACHINE_ENDPOINTS.match(rule.endpoint):
        return None
    return f"{method} {rule.rule}"


def said(page: Any, message: str) -> None:
    """The page tells the person `message` (a status line: what was just done)."""
    from playwright.sync_api import expect

    expect(page.get_by_role("status").filter(has_text=message)).to_be_visible()


def no_horizontal_overflow(page: Any) -> None:
    """Nothing sticks out sideways: the page is no wider than the window (tables scroll inside their box)."""
    measure = page.evaluate("""() => {
        const root = document.documentElement, width = root.clientWidth;
        const wide = [...document.querySelectorAll('body *')].filter(e => {
            const scrolled = e.parentElement && e.parentElement.closest('.table-wrap');  // scrolls inside its box
            if (scrolled && getComputedStyle(e).position !== 'absolute') return false;
            return e.getBoundingClientRect().right > width + 1;
        }).slice(0, 5).map(e => `<${e.tagName.toLowerCase()} class="${e.className}">`
                                  + (e.textContent || '').trim().slice(0, 40));
        return {scroll: Math.max(document.body.scrollWidth, root.scrollWidth), width, wide};
    }""")
    assert measure["scroll"] <= measure["width"], (
        f"{page.url} is {measure['scroll']} px wide in a {measure['width']} px window; sticking out: {measure['wide']}")


def tables_read_as_cards(page: Any) -> None:
    """On a phone a list table is a card per row: every cell takes the card's width beside its column's heading
    (no column squeezed to one word per line)."""
    narrow = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('table.cards tbody td')].filter(td => td.colSpan === 1)
            .filter(td => !td.dataset.label || td.getBoundingClientRect().width < width * 0.75)
            .slice(0, 5).map(td => `${td.dataset.label || '(no heading)'}: ${(td.textContent || '').trim().slice(0, 40)}`);
    }""")
    assert not narrow, f"{page.url}: table cells not laid out as a card on a phone: {narrow}"


@dataclass
class Journey:
    """One journey of one role at one size: the people's browser contexts, their steps and what they reached."""

    browser: Any
    app: Flask
    base: str
    name: str
    size: str
    test_id: str
    contexts: list[Any] = field(default_factory=list)
    steps: int = 0
    visited: dict[str, str] = field(default_factory=dict)  # route of a page landed on -> its address
    checked: set[str] = field(default_factory=set)  # routes of pages checked for overflow and photographed
    csp_problems: list[str] = field(default_factory=list)  # violations reported, gateway pages without the policy

    @property
    def folder(self):
        return ARTIFACTS / "journeys" / f"{self.name}-{self.size}"

    def person(self, username: str | None = None, password: str = PASSWORD) -> Any:
        """A new browser (own cookies) at this journey's size; signed in when a username is given."""
        context = self.browser.new_context(**SIZES[self.size])
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(2 * TIMEOUT_MS)
        self.contexts.append(context)
        context.add_init_script(CSP_LISTENER)  # in every page and tab of this browser, before the page's own scripts
        context.on("console", self._console)
        context.on("response", self._policy_sent)
        context.on("request", self._record)  # the tabs a link opens (a photo, a PDF) count too
        page = context.new_page()
        page.on("download", self._downloaded)  # a file link is reached by its click too
        page.on("framenavigated", lambda frame: self._landed(page, frame))
        if username:
            page.goto(f"{self.base}/dang-nhap")
            self.sign_in(page, username, password)
        return page

    def sign_in(self, page: Any, username: str, password: str = PASSWORD) -> None:
        """Type the username and password into the labelled fields and press "Đăng nhập"."""
        from playwright.sync_api import expect

        if route_of(self.app, "GET", page.url) not in self.checked:  # the sign-in page, once per journey
            self.step(page, "dang-nhap")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    def sign_out(self, page: Any) -> None:
        from playwright.sync_api import expect

        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()

    def step(self, page: Any, name: str) -> None:
        """What the person sees now: no sideways overflow, and a screenshot NN-<name>.png."""
        page.wait_for_load_state("load")  # measured once its style sheets apply, not while the page is still arriving
        no_horizontal_overflow(page)
        if self.size == "phone":
            tables_read_as_cards(page)
        self.steps += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.folder / f"{self.steps:02d}-{name}.png"), full_page=True)
        route = route_of(self.app, "GET", page.url)
        if route:
            self.checked.add(route)

    def refresh_until(self, page: Any, ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        """Reload the page (as a person presses F5) until it shows the effect of an event, for at most `timeout` s."""
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"after {timeout:.0f} s {page.url} still does not show {what}")
            page.wait_for_timeout(300)  # the next look, not a wait for a guessed duration
            page.reload()

    def _record(self, request: Any) -> None:
        # pages, htmx, and what a page's own script sends after a click (the evidence upload, with its progress bar)
        if not (request.is_navigation_request() or request.headers.get("hx-request") == "true"
                or request.resource_type in ("xhr", "fetch")):
            return
        route = route_of(self.app, request.method, request.url)
        if route:
            REACHED.setdefault(route, set()).add(self.test_id)

    def _console(self, message: Any) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            self.csp_problems.append(f"{message.page.url if message.page else '?'}: {text}")

    def _policy_sent(self, response: Any) -> None:
        request = response.request
        page = (response.headers.get("content-type") or "").startswith("text/html")
        if request.resource_type == "document" and page and response.url.startswith(self.base):
            policy = response.headers.get("content-security-policy") or ""
            if "script-src 'self'" not in policy or "frame-ancestors 'none'" not in policy:
                self.csp_problems.append(f"{response.url} ({response.status}) came without the Content-Security-Policy")

    def _downloaded(self, download: Any) -> None:
        route = route_of(self.app, "GET", download.url)
        if route:
            REACHED.setdefault(route, set()).add(self.test_id)

    def _landed(self, page: Any, frame: Any) -> None:
        if frame == page.main_frame and frame.url.startswith(self.base):
            route = route_of(self.app, "GET", frame.url)
            if route:
                self.visited.setdefault(route, frame.url)

    def unchecked_pages(self) -> dict[str, str]:
        return {route: url for route, url in self.visited.items() if route not in self.checked}

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def journey(request: pytest.FixtureRequest, browser, stack, size: str) -> Iterator[Journey]:
    """A journey named after its test (test_journey_<name>) at the parametrised size, on a running stack."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    name = request.node.originalname.removeprefix("test_journey_").replace("_", "-")
    trip = Journey(browser=browser, app=stack.gateway, base=stack.site.url, name=name, size=size,
                   test_id=request.node.nodeid)
    shutil.rmtree(trip.folder, ignore_errors=True)
    yield trip
    trip.close()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.passed:
        assert not trip.csp_problems, "Content-Security-Policy problems:\n" + "\n".join(trip.csp_problems)
        unchecked = trip.unchecked_pages()
        assert not unchecked, f"pages landed on but never checked for overflow nor photographed: {unchecked}"
        FINISHED.add(request.node.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before the harness sorts the session into its groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder runs in the journeys group (one process: the coverage counts what every journey of
    the process reached), and the route coverage is judged after every journey of the session has run."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.journeys)
    items.sort(key=lambda item: item.get_closest_marker("after_journeys") is not None)


def pytest_collection_finish(session: pytest.Session) -> None:
    COLLECTED.update(item.nodeid for item in session.items if "journey" in getattr(item, "fixturenames", ()))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "after_journeys: runs after every browser journey of the session")
