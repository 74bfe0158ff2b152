"""The access matrix: every endpoint × caller gives the status in security/access/notify.md.

The notification under test is always addressed to Lê Văn Tâm (tdp1-tam), officer of Tổ dân phố 1 (unit 12): a
model of his unit returned for revision. "same-unit" is another officer of unit 12, "other-unit" the officer of
Tổ dân phố 2 (unit 13). Another user's notification is 404, and the lists only ever show or mark the caller's own.
"""
from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from dvk_core.envelope import CloudEvent
from dvk_testing import access
from dvk_testing.plugin import bearer
from notify.dispatcher import dispatch_due
from notify.models import Delivery, InboxMessage
from notify.reminders import run_reminders

OWN, OTHER = 12, 13
RECIPIENT = "tdp1-tam"
TABLE = access.load("notify")  # security/access/notify.md
CALLERS = {  # column: (role, unit, user id)
    "admin": ("admin", None, "admin-an"), "vhxh": ("vhxh", None, "vhxh-hoa"), "lanh_dao": ("lanh_dao", None, "ld-minh"),
    "giam_sat": ("giam_sat", None, "gs-mttq"), "don_vi:recipient": ("don_vi", OWN, RECIPIENT),
    "don_vi:same-unit": ("don_vi", OWN, "tdp1-hung"), "don_vi:other-unit": ("don_vi", OTHER, "tdp2-lan"),
}
RETURNED = "vn.dvk.registration.model-returned.v1"
QUIET = ["vn.dvk.awards.award-decided.v1"]  # subscribers made for the table hear nothing the test sends


def returned(model_id: int) -> CloudEvent:
    return CloudEvent(type=RETURNED, source="/wards/minh-xuan/registration", subject=str(model_id), ward="minh-xuan", data={
        "model_id": model_id, "unit_id": OWN, "year": 2026, "title": "Camera an ninh vì bình yên khu phố", "field": "quoc_phong_an_ninh",
        "status": "returned", "late": False, "occurred_at": "2026-02-03T02:00:00+00:00", "actor_role": "vhxh", "reason": "Bổ sung chỉ tiêu.",
    })


def unit_created(unit_id: int, name: str) -> CloudEvent:
    return CloudEvent(type="vn.dvk.registration.unit-created.v1", source="/wards/minh-xuan/registration", subject=str(unit_id),
                      ward="minh-xuan", data={"unit_id": unit_id, "code": f"tdp-{unit_id}", "name": name, "kind": "to_dan_pho", "active": True})


@pytest.fixture
def app(make_service, notify_config) -> Flask:
    """Notify on SQLite; a delivery is given up after its first failed attempt, so one dispatch makes a failure."""
    return make_service("notify", "sqlite", **{**notify_config, "DELIVERY_MAX_ATTEMPTS": 1})


class Target:
    """Builds, for each call, a fresh record in the state the endpoint acts on, addressed to tdp1-tam (unit 12)."""

    def __init__(self, app: Flask, kit, webhook_server) -> None:
        self.app, self.kit, self.webhook_server = app, kit, webhook_server
        self.client = app.test_client()
        self.counter = itertools.count(100)
        # units 12 and 13 are known and have not registered: the 14-day registration reminder goes to both
        kit.handle(app, unit_created(OWN, "Tổ dân phố 1"), unit_created(OTHER, "Tổ dân phố 2"))
        assert sorted(r.unit_id for r in run_reminders(app, kit.at("2026-02-01 08:00"))) == [OWN, OTHER]
        # every returned model goes to a subscriber whose endpoint answers 500: its webhook delivery fails
        failing = self.http("POST", "/webhook-subscribers", "admin", json={
            "name": "Hệ thống của tỉnh (lỗi)", "url": webhook_server.url + "/loi", "event_types": [RETURNED]})
        assert failing.status_code == 201, failing.get_json()

    def http(self, method: str, path: str, caller: str | None, json: Any = None, if_match: int | None = None) -> Any:
        headers = {}
        if caller is not None:
            role, unit, user = CALLERS[caller]
            headers.update(bearer(self.app, role, unit, user_id=user, name=f"Cán bộ {user}"))
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return self.client.open(path, method=method, json=json, headers=headers)

    def session(self):
        return self.app.extensions["dvk_db"].transaction()

    def message(self) -> tuple[int, str]:
        """A fresh unread notification in tdp1-tam's inbox; returns (its id, the event id)."""
        event = returned(next(self.counter))
        self.kit.handle(self.app, event)
        with self.session() as session:
            [message_id] = session.scalars(select(InboxMessage.id).where(InboxMessage.event_id == event.id)).all()
            return message_id, event.id

    def failed(self) -> int:
        _, event_id = self.message()
        while dispatch_due(self.app, datetime.now(UTC)).claimed:  # batches of 50, until nothing is due
            pass
        with self.session() as session:
            delivery = session.scalar(select(Delivery).where(Delivery.event_id == event_id, Delivery.channel == "webhook"))
            assert delivery.status == "failed", delivery.last_error
            return delivery.id

    def subscriber(self) -> dict:
        n = next(self.counter)
        created = self.http("POST", "/webhook-subscribers", "admin", json=self.subscriber_body(n))
        assert created.status_code == 201, created.get_json()
        return created.get_json()

    def subscriber_body(self, n: int) -> dict:
        return {"name": f"Đảng ủy phường {n}", "url": f"{self.webhook_server.url}/ok", "event_types": QUIET}

    def request(self, endpoint: str) -> tuple[str, str, dict[str, Any], int | None]:
        """(method, path, request arguments, the notification the call is about, if any)."""
        method, template = endpoint.split(" ")
        kwargs: dict[str, Any] = {}
        message_id = None
        if template.startswith("/inbox"):  # every inbox call runs with an unread notification of tdp1-tam present
            message_id, _ = self.message()
            template = template.replace("{message}", str(message_id))
        if "{failed}" in template:
            template = template.replace("{failed}", str(self.failed()))
        if "{subscriber}" in template:
            subscriber = self.subscriber()
            template = template.replace("{subscriber}", str(subscriber["id"]))
            kwargs["if_match"] = subscriber["version"]
        if endpoint == "POST /webhook-subscribers":
            kwargs["json"] = self.subscriber_body(next(self.counter))
        elif endpoint == "PATCH /webhook-subscribers/{subscriber}":
            kwargs["json"] = {"active": False}
        elif endpoint == "POST /reminders":
            kwargs["json"] = {"deadline_kind": "registration", "year": 2026, "unit_ids": [OWN]}
        elif method == "POST":
            kwargs["json"] = {}
        if method == "GET":
            kwargs.pop("if_match", None)
        return method, template, kwargs, message_id

    def own_messages(self, user_id: str) -> tuple[set[int], int]:
        """The ids of a user's notifications and how many are unread, from the database."""
        with self.session() as session:
            ids = set(session.scalars(select(InboxMessage.id).where(InboxMessage.user_id == user_id)))
            unread = session.scalar(select(func.count()).where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None)))
            return ids, unread or 0

    def is_read(self, message_id: int) -> bool:
        with self.session() as session:
            return session.get(InboxMessage, message_id).read_at is not None


def what_leaked(target: Target, endpoint: str, caller: str, response: Any, message_id: int | None) -> str | None:
    """Checks the contents of an allowed call: a user sees and marks only their own; a unit officer only their unit."""
    role, unit, user = CALLERS[caller]
    body = response.get_json()
    mine, unread = target.own_messages(user)
    if endpoint == "GET /inbox":
        shown = {item["id"] for item in body["items"]}
        if not shown <= mine or body["total"] != len(mine) or body["unread"] != unread or (message_id in shown) != (user == RECIPIENT):
            return f"lists {sorted(shown)}, total {body['total']}, unread {body['unread']}; own {sorted(mine)}, unread {unread}"
    elif endpoint == "GET /inbox/unread-count" and body != {"unread": unread}:
        return f"counts {body}, own unread {unread}"
    elif endpoint in ("POST /inbox/{message}/read", "POST /inbox/read-all"):
        if target.is_read(message_id) != (user == RECIPIENT):
            return f"notification {message_id} of {RECIPIENT} read: {target.is_read(message_id)}"
    elif endpoint == "GET /reminders":
        units = {reminder["unit_id"] for reminder in body}
        if units != ({unit} if role == "don_vi" else {OWN, OTHER}):
            return f"sees reminders of units {sorted(units)}"
    return None


def test_every_endpoint_and_caller_gets_the_expected_status(app, kit, webhook_server):
    target = Target(app, kit, webhook_server)
    asked: dict[tuple[str, str], int | None] = {}

    def ask(endpoint: str, caller: str):
        method, path, kwargs, message_id = target.request(endpoint)
        asked[endpoint, caller] = message_id
        return target.http(method, path, caller, **kwargs)

    def shows_no_more_than_its_own(endpoint: str, caller: str, got) -> str | None:
        message_id = asked[endpoint, caller]
        if got.status_code == 404:
            if got.get_json()["title"] != "Không tìm thấy thông báo." or "Camera an ninh" in got.get_data(as_text=True):
                return "the refusal shows the notification"
            return "refused, yet marked read" if target.is_read(message_id) else None
        if got.status_code < 300:
            return what_leaked(target, endpoint, caller, got, message_id)
        return None

    assert access.mismatches(TABLE, ask, shows_no_more_than_its_own) == []
    assert len(TABLE.rows) * len(CALLERS) == 91


def test_the_table_lists_every_documented_endpoint(make_service):
    assert access.undocumented(TABLE, make_service("notify", "sqlite")) == {"missing from the table": set(), "not documented": set()}


def test_without_a_token_every_endpoint_answers_401(app, kit, webhook_server):
    target = Target(app, kit, webhook_server)
    left_unread: list[str] = []

    def ask(endpoint: str):
        method, path, kwargs, message_id = target.request(endpoint)
        answer = target.http(method, path, None, **kwargs)
        if message_id is not None and target.is_read(message_id):
            left_unread.append(endpoint)
        return answer

    assert access.unauthenticated_answers(TABLE, ask) == []
    assert left_unread == [], "marked read without a token"
