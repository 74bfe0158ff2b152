"""Fixtures of the reporting tests: the service on a real database, a controllable clock, and delivery of
registration and awards events through the real consumer runner (inbox, handlers, one transaction each)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Record
from dvk_platform.config import topic_name
from dvk_platform.worker import build_consumer
from dvk_testing.plugin import bearer

WARD = "minh-xuan"

UNITS = [
    (1, "vp-hdnd-ubnd", "Văn phòng HĐND-UBND", "co_quan"),
    (3, "vhxh", "Phòng Văn hóa - Xã hội", "co_quan"),
    (5, "cong-an", "Công an phường", "cong_an"),
    (12, "tdp-1", "Tổ dân phố 1", "to_dan_pho"),
    (13, "tdp-2", "Tổ dân phố 2", "to_dan_pho"),
]


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 6, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def app(make_service, database_kind, clock):
    return make_service("reporting", database_kind, CLOCK=clock)


@pytest.fixture
def client(app):
    return app.test_client()


_times = itertools.count()


def event(service: str, name: str, subject: Any, data: dict[str, Any], time: str | None = None) -> CloudEvent:
    """An event as another service's relay would publish it."""
    if time is None:  # strictly increasing times, as a relay stamps them
        time = datetime.fromtimestamp(1_767_225_600 + next(_times), UTC).isoformat(timespec="milliseconds")
    return CloudEvent(type=f"vn.dvk.{service}.{name}.v1", source=f"/wards/{WARD}/{service}", subject=str(subject),
                      ward=WARD, data=data, time=time)


def unit_event(unit_id: int, code: str, name: str, kind: str, active: bool = True, what: str = "unit-created") -> CloudEvent:
    return event("registration", what, unit_id, {"unit_id": unit_id, "code": code, "name": name, "kind": kind, "active": active})


def deliver(app, events: list[CloudEvent]):
    """Run each event through the consumer exactly as records read from the bus; returns the runner's outcome."""
    runner = build_consumer(app)
    offsets = itertools.count()
    try:
        for ev in events:
            topic = topic_name(app.config, ev.type.split(".")[2])
            runner.process(Record(topic, 0, next(offsets), ev.key.encode(), ev.value(), ev.headers()))
        return runner.outcome
    finally:
        runner.close()


@pytest.fixture
def units(app):
    """The fixture ward's five units, known from registration's events."""
    outcome = deliver(app, [unit_event(*u) for u in UNITS])
    assert outcome.handled == len(UNITS)
    return UNITS


def model_event(name: str, model_id: int, unit_id: int, status: str, occurred_at: str, field: str = "van_hoa_xa_hoi",
                title: str | None = None, year: int = 2026, late: bool = False, reason: str | None = None) -> CloudEvent:
    return event("registration", name, model_id, {
        "model_id": model_id, "unit_id": unit_id, "year": year, "title": title or f"Mô hình số {model_id}", "field": field,
        "status": status, "late": late, "occurred_at": occurred_at, "actor_role": "vhxh" if status in ("accepted", "returned") else "don_vi",
        "reason": reason,
    })


def headers(app, role: str, unit_id: int | None = None, version: int | None = None) -> dict[str, str]:
    h = bearer(app, role, unit_id)
    if version is not None:
        h["If-Match"] = str(version)
    return h


@pytest.fixture
def kit():
    """The helpers above, for test modules (conftest is not importable under --import-mode=importlib)."""
    from types import SimpleNamespace

    return SimpleNamespace(event=event, unit_event=unit_event, deliver=deliver, model_event=model_event, headers=headers,
                           UNITS=UNITS)
