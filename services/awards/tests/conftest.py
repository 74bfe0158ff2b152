"""Fixtures of the awards tests: the service on a database, a controlled clock, and event delivery through the
platform's real consumer (inbox, handlers, one transaction per event)."""
from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from awards import events
from dvk_core.contracts import validate_event
from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Record, create_bus
from dvk_platform.config import topic_name
from dvk_platform.consumer import ConsumerRunner
from dvk_testing.plugin import bearer

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 10:00 on 05/12/2026 in Minh Xuân

UNITS = {
    3: ("phong-vhxh", "Phòng Văn hóa - Xã hội", "co_quan"),
    5: ("cong-an", "Công an phường", "cong_an"),
    12: ("tdp-1", "Tổ dân phố 1", "to_dan_pho"),
    13: ("tdp-2", "Tổ dân phố 2", "to_dan_pho"),
}


class Delivery:
    """Delivers other services' events to the awards consumer as bus records, exactly as the worker would."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app
        self.bus = create_bus(app.config, client_id="awards-test")
        self.runner = ConsumerRunner(
            app.extensions["dvk_db"], self.bus, group="awards-test", topics=[], handlers=events.HANDLERS,
            max_attempts=1, retry_backoff=0,
        )
        self.offsets = itertools.count()
        self.records: list[Record] = []

    def record(self, event_type: str, data: dict[str, Any], event_id: str | None = None, time: str | None = None) -> Record:
        validate_event(event_type, data)  # what we feed is what the other services really publish
        service = event_type.split(".")[2]
        subject = str(data.get("model_id") or data.get("report_id") or data.get("unit_id"))
        event = CloudEvent(type=event_type, source=f"/wards/minh-xuan/{service}", subject=subject, ward="minh-xuan",
                           data=data, id=event_id or str(uuid.uuid4()), **({"time": time} if time else {}))
        return Record(topic=topic_name(self.app.config, service), partition=0, offset=next(self.offsets),
                      key=event.key.encode(), value=event.value(), headers=event.headers())

    def process(self, record: Record) -> None:
        self.runner.process(record)
        assert self.runner.outcome.dead_lettered == 0, "an event was dead-lettered"
        self.records.append(record)

    def send(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> Record:
        record = self.record(event_type, data, event_id)
        self.process(record)
        return record

    def units(self, *unit_ids: int) -> None:
        for unit_id in unit_ids:
            code, name, kind = UNITS[unit_id]
            self.send("vn.dvk.registration.unit-created.v1",
                      {"unit_id": unit_id, "code": code, "name": name, "kind": kind, "active": True})

    def close(self) -> None:
        self.bus.close()


@pytest.fixture
def clock():
    return lambda: NOW


@pytest.fixture
def awards_on(make_service, clock):
    """awards_on(database_kind) -> the awards app on that database, its clock at 05/12/2026."""

    def make(database_kind: str = "sqlite", **config: Any):
        return make_service("awards", database_kind, CLOCK=clock, **config)

    return make


@pytest.fixture
def awards(awards_on):
    return awards_on("sqlite")


@pytest.fixture
def deliver_to():
    made: list[Delivery] = []

    def make(app) -> Delivery:  # noqa: ANN001
        delivery = Delivery(app)
        made.append(delivery)
        return delivery

    yield make
    for delivery in made:
        delivery.close()


@pytest.fixture
def deliver(awards, deliver_to) -> Delivery:
    return deliver_to(awards)


def _as_role(app, role: str, unit_id: int | None = None, name: str = "Cán bộ thử", **headers: str) -> dict[str, str]:  # noqa: ANN001
    return {**bearer(app, role, unit_id=unit_id, name=name), **headers}


def _confirm_entries(app, *codes: str) -> None:  # noqa: ANN001
    """An admin confirms seeded catalogue entries against the decree in force."""
    client = app.test_client()
    admin = _as_role(app, "admin")
    for path in ("titles", "forms"):
        for entry in client.get(f"/catalogue/{path}", headers=admin).json:
            if entry["code"] in codes:
                response = client.patch(f"/catalogue/{path}/{entry['id']}", json={"needs_confirmation": False},
                                        headers={**admin, "If-Match": str(entry["version"])})
                assert response.status_code == 200, response.json


def _entry_id(app, path: str, code: str) -> int:  # noqa: ANN001
    entries = app.test_client().get(f"/catalogue/{path}", headers=_as_role(app, "vhxh")).json
    return next(e["id"] for e in entries if e["code"] == code)


@pytest.fixture
def as_role():
    """as_role(app, role, unit_id=None, **extra headers) -> headers with a service token for that role."""
    return _as_role


@pytest.fixture
def confirm_entries():
    return _confirm_entries


@pytest.fixture
def entry_id():
    """entry_id(app, "titles" | "forms", code) -> the catalogue entry's id."""
    return _entry_id


MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."


def _approve(app, body: dict[str, Any]) -> dict[str, Any]:  # noqa: ANN001
    """Phòng VH-XH drafts and proposes a nomination; the council approves it. Returns the approved nomination."""
    client = app.test_client()
    vhxh = _as_role(app, "vhxh")
    created = client.post("/nominations", json={"year": 2026, **body}, headers=vhxh)
    assert created.status_code == 201, created.json
    proposed = client.post(f"/nominations/{created.json['id']}/propose", json={"version": created.json["version"]}, headers=vhxh)
    assert proposed.status_code == 200, proposed.json
    reviewed = client.post(f"/nominations/{created.json['id']}/review", json={
        "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES,
        "version": proposed.json["version"],
    }, headers=vhxh)
    assert reviewed.status_code == 200, reviewed.json
    return reviewed.json


@pytest.fixture
def approve():
    """approve(app, nomination body) -> a nomination the council has approved."""
    return _approve
