"""Gateway test fixtures: a real gateway app, real upstream services served over HTTP on free ports."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from dvk_platform.db import get_db
from gateway.accounts import hash_password
from gateway.models import User

# Screenshots of the browser tests: test-artifacts/ at the top of the checkout (ignored by git).
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

# Hashing is the slow part of account tests; one hash of this password serves every test user.
PASSWORD = "MatKhau@2026"
_PASSWORD_HASH = hash_password(PASSWORD)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@dataclass
class Clock:
    """The gateway's notion of now, moved by tests (login throttling windows)."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 8, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


class Served:
    """A WSGI app served on 127.0.0.1 in a background thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], Served]]:
    servers: list[Served] = []

    def start(app: Flask) -> Served:
        served = Served(app)
        servers.append(served)
        return served

    yield start
    for served in servers:
        if served.thread.is_alive():
            served.stop()


def closed_port_url() -> str:
    """An address where nothing listens (a service that is down)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_gateway(make_service, clock: Clock) -> Callable[..., Flask]:
    """A migrated gateway; upstream URLs default to closed ports unless given."""

    def make(database_kind: str = "sqlite", **config: Any) -> Flask:
        settings = {
            "COOKIE_SECURE": False,
            "CLOCK": clock,
            "SERVICE_CONNECT_TIMEOUT": 1.0,
            "SERVICE_READ_TIMEOUT": 5.0,
            **{f"{s}_URL": closed_port_url() for s in ("REGISTRATION", "REPORTING", "AWARDS", "NOTIFY")},
            **config,
        }
        return make_service("gateway", database_kind, **settings)

    return make


def add_user(app: Flask, username: str, role: str, unit_id: int | None = None, active: bool = True,
             full_name: str | None = None) -> int:
    with app.app_context(), get_db().transaction() as s:
        user = User(username=username, full_name=full_name or f"Cán bộ {username}", role=role, unit_id=unit_id,
                    email=f"{username}@minhxuan.example.vn", password_hash=_PASSWORD_HASH, active=active)
        s.add(user)
        s.flush()
        return user.id


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/dang-nhap")
    return client.post("/dang-nhap", data={"username": username, "password": password,
                                            "csrf_token": csrf_from(page.get_data(as_text=True))})


def form_post(client: FlaskClient, page_path: str, action: str, data: dict[str, str]) -> Any:
    """Post a form the way a browser does: with the CSRF token read from the page showing it."""
    page = client.get(page_path)
    assert page.status_code == 200, page.status_code
    return client.post(action, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))})


class Workers:
    """Each service's relay (outbox → bus) and consumer (bus → handlers) running in threads, as
    `dvk-worker relay|consume <service>` run them, until stopped."""

    def __init__(self) -> None:
        self.runners: list[Any] = []
        self.threads: list[threading.Thread] = []

    def start(self, app: Flask) -> None:
        from dvk_platform.spec import load_spec
        from dvk_platform.worker import build_consumer, build_relay

        service = app.config["SERVICE_NAME"]
        kinds = [build_relay]
        if load_spec(service).subscribes:  # the gateway consumes none
            kinds.append(build_consumer)
        for build in kinds:
            with app.app_context():
                runner = build(app)

            def run(runner: Any = runner) -> None:
                with app.app_context():
                    runner.run()

            thread = threading.Thread(target=run, name=f"{service}-{build.__name__}", daemon=True)
            self.runners.append(runner)
            self.threads.append(thread)
            thread.start()

    def stop(self) -> None:
        for runner in self.runners:
            runner.stop()
        for thread in self.threads:
            thread.join(10)


@dataclass
class Stack:
    """The five services for real: four APIs and the gateway served over HTTP, events on the embedded bus."""

    gateway: Flask
    site: Served
    apps: dict[str, Flask]
    urls: dict[str, str]


STACK_USERS = [  # username, role, unit, full name
    ("tdp1", "don_vi", 12, "Phạm Văn Nam"),
    ("vhxh", "vhxh", None, "Nguyễn Thị Hoa"),
    ("lanhdao", "lanh_dao", None, "Trần Quốc Bảo"),
    ("quantri", "admin", None, "Quản trị hệ thống"),
    ("giamsat", "giam_sat", None, "Lê Minh Giám"),
]


@pytest.fixture
def stack(make_service, make_gateway, serve, clock: Clock) -> Iterator[Stack]:
    """Registration (seeded with Minh Xuân's 21 units and the year's period), reporting, awards and notify, each
    with its relay and consumer on one embedded bus (the harness gives every app of a test the same log file),
    and the gateway; every service reads the test's clock."""
    from registration.seed import seed

    fast = {"CLOCK": clock, "RELAY_POLL_INTERVAL": 0.05, "CONSUMER_RETRY_BACKOFF": 0.05}
    apps = {name: make_service(name, **fast) for name in ("registration", "reporting", "awards")}
    seed(apps["registration"])
    urls = {name: serve(app).url for name, app in apps.items()}
    gateway = make_gateway(**{f"{name.upper()}_URL": url for name, url in urls.items()})
    for username, role, unit_id, full_name in STACK_USERS:
        add_user(gateway, username, role, unit_id=unit_id, full_name=full_name)
    site = serve(gateway)
    # notify learns the accounts from the gateway's events (its relay below), never by asking the gateway
    apps["notify"] = make_service("notify", **fast, SMTP_PORT=int(closed_port_url().rsplit(":", 1)[1]))
    urls["notify"] = serve(apps["notify"]).url
    gateway.config["NOTIFY_URL"] = urls["notify"]
    workers = Workers()
    for app in (*apps.values(), gateway):
        workers.start(app)
    yield Stack(gateway=gateway, site=site, apps=apps, urls=urls)
    workers.stop()


def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Poll until check() returns something truthy (asynchronous effects of events), at most `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout:.0f} s: {check.__doc__ or check}")
        time.sleep(interval)
