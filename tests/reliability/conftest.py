"""Fixtures of the cross-service reliability tests: services seeded as ward staff would find them, callers with
a role's service token, and other services' events delivered through the real consumer (inbox, handlers)."""
from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Record
from dvk_platform.config import topic_name
from dvk_platform.tables import outbox_messages
from dvk_platform.worker import build_consumer
from dvk_testing.plugin import Caller
from dvk_testing.recipients import user_created

WARD = "minh-xuan"
TDP = {12: ("tdp-1", "Tổ dân phố 1"), 13: ("tdp-2", "Tổ dân phố 2"), 14: ("tdp-3", "Tổ dân phố 3")}
# A clock inside the 2026 registration window, and late enough in the year for council meetings and decisions.
NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def outbox_after(app: Flask, seq: int) -> list[dict[str, Any]]:
    """Outbox rows written after the row numbered `seq`, oldest first."""
    with app.extensions["dvk_db"].transaction() as session:
        rows = session.execute(select(outbox_messages).where(outbox_messages.c.seq > seq).order_by(outbox_messages.c.seq))
        return [dict(r) for r in rows.mappings()]


def outbox_last_seq(app: Flask) -> int:
    with app.extensions["dvk_db"].transaction() as session:
        return session.scalar(select(func.coalesce(func.max(outbox_messages.c.seq), 0)))


_offsets = itertools.count()


def deliver(app: Flask, events: Iterable[CloudEvent]) -> None:
    """Run events through the app's real consumer (inbox and handlers, one transaction each), as if read from the bus."""
    runner = build_consumer(app)
    try:
        for event in events:
            topic = topic_name(app.config, event.type.split(".")[2])
            runner.process(Record(topic, 0, next(_offsets), event.key.encode(), event.value(), event.headers()))
        assert runner.outcome.dead_lettered == 0, "an event was dead-lettered"
    finally:
        runner.close()


def outbox_as_events(rows: Iterable[dict[str, Any]], service: str) -> list[CloudEvent]:
    """Outbox rows as the relay would publish them."""
    return [CloudEvent(type=r["type"], source=f"/wards/{WARD}/{service}", subject=str(r["aggregateid"]), ward=WARD,
                       data=r["payload"], id=r["id"]) for r in rows]


def unit_created(unit_id: int, code: str, name: str, kind: str = "to_dan_pho") -> CloudEvent:
    return CloudEvent(type="vn.dvk.registration.unit-created.v1", source=f"/wards/{WARD}/registration", subject=str(unit_id),
                      ward=WARD, data={"unit_id": unit_id, "code": code, "name": name, "kind": kind, "active": True})


@pytest.fixture
def ward_clock():
    return lambda: NOW


@pytest.fixture
def caller():
    """caller(app) -> a Caller for that app."""
    return Caller


# --------------------------------------------------------------------------- the ward's users, as notify knows them

RECIPIENTS = [
    {"user_id": "vhxh-1", "name": "Trần Văn Bình", "email": "binh.vhxh@minhxuan.gov.vn", "role": "vhxh", "unit_id": 3, "active": True},
    {"user_id": "tdp1-1", "name": "Nguyễn Thị Hòa", "email": "hoa.tdp1@minhxuan.gov.vn", "role": "don_vi", "unit_id": 12, "active": True},
]


@pytest.fixture
def recipients():
    """teach(notify_app): notify learns RECIPIENTS from the gateway's user-created events (no gateway runs)."""

    def teach(notify: Flask) -> Flask:
        from notify.events import handlers

        table = handlers(notify)
        for row in RECIPIENTS:  # each in its own transaction, as notify's consumer applies them
            event = user_created(row, notify.config["WARD_CODE"])
            with notify.extensions["dvk_db"].transaction() as session:
                table[event.type](session, event)
        return notify

    return teach
