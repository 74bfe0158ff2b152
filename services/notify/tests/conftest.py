"""Real servers for notify's tests: an SMTP server (aiosmtpd), HTTP servers for webhooks, and the notify service
itself on PostgreSQL and SQLite, knowing the ward's users from the gateway's account events (no gateway runs)."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Message
from dvk_platform.config import topic_name
from dvk_platform.worker import build_consumer
from dvk_testing import free_port, wait_until
from notify.events import handlers

RECIPIENTS = [
    {"user_id": "vhxh-hoa", "name": "Trần Thị Hoa", "email": "hoa.vhxh@minhxuan.gov.vn", "role": "vhxh", "unit_id": 3, "active": True},
    {"user_id": "ld-minh", "name": "Nguyễn Văn Minh", "email": "minh.chutich@minhxuan.gov.vn", "role": "lanh_dao", "unit_id": None, "active": True},
    {"user_id": "tdp1-tam", "name": "Lê Văn Tâm", "email": "tam.tdp1@minhxuan.gov.vn", "role": "don_vi", "unit_id": 12, "active": True},
    {"user_id": "tdp2-lan", "name": "Phạm Thị Lan", "email": "lan.tdp2@minhxuan.gov.vn", "role": "don_vi", "unit_id": 13, "active": True},
    {"user_id": "tdp3-duc", "name": "Võ Minh Đức", "email": "duc.tdp3@minhxuan.gov.vn", "role": "don_vi", "unit_id": 14, "active": True},
    {"user_id": "tdp1-cu", "name": "Cán bộ đã nghỉ", "email": "nghi@minhxuan.gov.vn", "role": "don_vi", "unit_id": 12, "active": False},
]


class SmtpInbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives; can be started late to play "SMTP down"."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class RecordingHttpServer:
    """An HTTP server in a thread. `answers[path]` is a status code, or "hang" to never answer in time."""

    def __init__(self, answers: dict[str, Any] | None = None, get_body: Any = None) -> None:
        self.answers = answers or {}
        self.get_body = get_body
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": b""})
                status, body = outer.get_body(self) if outer.get_body else (404, b"")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "at": time.monotonic()})
                answer = outer.answers.get(self.path, 200)
                if answer == "hang":
                    outer.release.wait(10)
                    answer = 200
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def posts(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path and r["body"]]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox(free_port())
    inbox.start()
    yield inbox
    inbox.stop()


@pytest.fixture
def webhook_server() -> Iterator[RecordingHttpServer]:
    server = RecordingHttpServer({"/ok": 200, "/loi": 500, "/treo": "hang"})
    yield server
    server.close()


def user_event(row: dict[str, Any], kind: str = "user-created", version: int = 1,
               occurred_at: str = "2026-01-05T01:00:00.000000+00:00") -> CloudEvent:
    """One of the gateway's account events, as its relay publishes it."""
    data = {**row, "user_id": str(row["user_id"]), "version": version, "occurred_at": occurred_at}
    data.setdefault("active", kind != "user-deactivated")
    return CloudEvent(type=f"vn.dvk.gateway.{kind}.v1", source="/wards/minh-xuan/gateway", subject=data["user_id"],
                      ward="minh-xuan", data=data)


@pytest.fixture
def make_service(make_service):
    """The harness's make_service; a notify app given KNOWN_USERS (rows like RECIPIENTS) first handles a
    user-created event for each, as if the gateway had published them."""

    def make(service: str, *args: Any, **config: Any):
        known = config.pop("KNOWN_USERS", None)
        app = make_service(service, *args, **config)
        if known:
            handle(app, *(user_event(row) for row in known))
        return app

    return make


@pytest.fixture
def notify_config(smtp_server) -> dict[str, Any]:
    return {
        "KNOWN_USERS": RECIPIENTS, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_TIMEOUT": 2.0,
        "WEBHOOK_TIMEOUT": 0.5, "DELIVERY_BACKOFF_SECONDS": 30.0, "DELIVERY_MAX_ATTEMPTS": 3,
        "PUBLIC_URL": "https://dvk.minhxuan.gov.vn",
    }


@pytest.fixture
def notify(make_service, database_kind, notify_config):
    return make_service("notify", database_kind, **notify_config)


def event(event_type: str, data: dict[str, Any], subject: str = "1", time_: str | None = None) -> CloudEvent:
    service = event_type.split(".")[2]
    extra = {"time": time_} if time_ else {}
    return CloudEvent(type=event_type, source=f"/wards/minh-xuan/{service}", subject=subject, ward="minh-xuan", data=data, **extra)


def handle(app, *events: CloudEvent) -> None:
    """Apply events with notify's handlers, each in its own transaction (as the consumer does)."""
    table = handlers(app)
    for e in events:
        with app.extensions["dvk_db"].transaction() as session:
            table[e.type](session, e)


def publish(app, bus, *events: CloudEvent) -> None:
    for e in events:
        bus.publish(topic_name(app.config, e.type.split(".")[2]), [Message(e.key.encode(), e.value(), e.headers())])


def consume(app, expected: int, timeout: float = 30.0):
    """Run notify's real consumer until it has seen `expected` records; returns its outcome."""
    runner = build_consumer(app)
    runner.bus.ensure_topics(runner.topics)
    seen = 0

    def step() -> bool:
        nonlocal seen
        seen += runner.run_once(timeout=0.5)
        return seen >= expected

    try:
        assert wait_until(step, timeout, interval=0), f"consumer saw {seen} of {expected} records"
    finally:
        runner.close()
        runner.bus.close()
    return runner.outcome


def at(text: str) -> datetime:
    """An instant written in Vietnam's local time, e.g. at("2026-02-01 08:00")."""
    return datetime.fromisoformat(text + "+07:00").astimezone(UTC)


class Kit:
    """The helpers above, for test modules (conftest cannot be imported under --import-mode=importlib)."""

    RECIPIENTS = RECIPIENTS
    user_event = staticmethod(user_event)
    SmtpInbox = SmtpInbox
    event = staticmethod(event)
    handle = staticmethod(handle)
    publish = staticmethod(publish)
    consume = staticmethod(consume)
    at = staticmethod(at)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
