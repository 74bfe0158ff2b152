"""An event committed with its state change reaches its topic; a rolled-back one never does."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dvk_core.envelope import CloudEvent
from dvk_platform.config import topic_name
from dvk_platform.tables import outbox_messages
from dvk_platform.worker import build_relay
from dvk_testing.plugin import read_topic
from registration.models import Unit
from registration.units import create_unit, update_unit


def test_committed_event_arrives_with_cloudevents_headers(registration, bus):
    db = registration.extensions["dvk_db"]
    with db.transaction() as session:
        unit = create_unit(session, {"code": "tdp-7", "name": "Tổ dân phố 7", "kind": "to_dan_pho"})
    relay = build_relay(registration)
    assert relay.publish_pending() == 1

    topic = topic_name(registration.config, "registration")
    [record] = read_topic(bus, topic, 1)
    headers = dict(record.headers)
    assert record.key == str(unit.id).encode()
    assert headers["ce_type"] == b"vn.dvk.registration.unit-created.v1"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_source"] == b"/wards/minh-xuan/registration"
    assert headers["ce_subject"] == str(unit.id).encode()
    assert headers["ce_ward"] == b"minh-xuan"
    assert headers["ce_id"] and headers["ce_time"]
    assert json.loads(record.value)["name"] == "Tổ dân phố 7"
    event = CloudEvent.from_binary(record.value, record.headers)
    assert event.data["code"] == "tdp-7"
    with db.transaction() as session:
        row = session.execute(select(outbox_messages)).mappings().one()
    assert row["published_at"] is not None and row["attempts"] == 1 and row["last_error"] is None


def test_rolled_back_transaction_publishes_nothing(registration, bus):
    db = registration.extensions["dvk_db"]
    with pytest.raises(RuntimeError), db.transaction() as session:
        create_unit(session, {"code": "tdp-8", "name": "Tổ dân phố 8", "kind": "to_dan_pho"})
        raise RuntimeError("the request failed after the change")
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 0
        assert session.scalar(select(func.count()).select_from(outbox_messages)) == 0
    # A later committed event is the first and only one on the topic.
    with db.transaction() as session:
        create_unit(session, {"code": "tdp-9", "name": "Tổ dân phố 9", "kind": "to_dan_pho"})
    assert build_relay(registration).publish_pending() == 1
    records = read_topic(bus, topic_name(registration.config, "registration"), 1)
    assert [json.loads(r.value)["code"] for r in records] == ["tdp-9"]


def test_batches_sent_while_earlier_ones_await_acknowledgement_arrive_complete_and_in_order(registration, bus):
    """The relay reads and sends the next batch before the previous one is acknowledged; 23 batches of 7 still
    reach the topic once each, every unit's events in the order they were committed, and all are marked."""
    db = registration.extensions["dvk_db"]
    with db.transaction() as session:
        units = [create_unit(session, {"code": f"tdp-{i}", "name": f"Tổ dân phố {i}", "kind": "to_dan_pho"}) for i in range(5)]
    versions = {unit.id: unit.version for unit in units}
    for n in range(155):
        unit_id = units[n % 5].id
        with db.transaction() as session:
            versions[unit_id] = update_unit(session, unit_id, {"name": f"Tổ dân phố {n % 5} ({n})"}, versions[unit_id]).version
    relay = build_relay(registration)
    relay.batch_size = 7
    assert relay.publish_pending() == 160
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(outbox_messages).where(outbox_messages.c.published_at.is_(None))) == 0
    records = read_topic(bus, topic_name(registration.config, "registration"), 160)
    assert len({dict(r.headers)["ce_id"] for r in records}) == len(records) == 160
    renames: dict[bytes, list[int]] = {}
    for record in records:
        name = json.loads(record.value)["name"]
        if "(" in name:
            renames.setdefault(record.key, []).append(int(name.rsplit("(", 1)[1].rstrip(")")))
    assert sum(len(ns) for ns in renames.values()) == 155
    assert all(ns == sorted(ns) for ns in renames.values()), renames
