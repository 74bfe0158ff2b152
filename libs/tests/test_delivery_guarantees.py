"""Nothing is lost and nothing is doubled: broker outages, a relay killed mid-batch, poison events."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update

from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Message, dlq_topic
from dvk_platform.config import topic_name
from dvk_platform.consumer import ConsumerRunner
from dvk_platform.outbox import add_event
from dvk_platform.tables import outbox_messages
from dvk_platform.worker import build_relay
from dvk_testing import wait_until
from dvk_testing.plugin import bus_for, read_topic
from registration.models import Unit
from registration.units import create_unit

UNIT_UPDATED = "vn.dvk.registration.unit-updated.v1"


def _rename(db, unit_id: int, n: int) -> None:
    """One state change and its event, committed together."""
    with db.transaction() as session:
        unit = session.get(Unit, unit_id)
        unit.name = f"Tổ dân phố {unit_id} (lần {n})"
        session.flush()
        add_event(session, aggregate_type="unit", aggregate_id=unit.id, event_type=UNIT_UPDATED,
                  payload={"unit_id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind,
                           "active": unit.active, "n": n})


def _unpublished(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(outbox_messages).where(outbox_messages.c.published_at.is_(None)))


def _assert_complete_and_ordered(records, expected_ids: set[str]) -> None:
    first_seen: dict[str, CloudEvent] = {}
    per_unit: dict[str, list[int]] = defaultdict(list)
    for record in records:
        event = CloudEvent.from_binary(record.value, record.headers)
        if event.id in first_seen:
            continue
        first_seen[event.id] = event
        if event.type == UNIT_UPDATED:
            per_unit[event.subject].append(event.data["n"])
    assert expected_ids <= set(first_seen), f"{len(expected_ids - set(first_seen))} events lost"
    for unit, ns in per_unit.items():
        assert ns == sorted(ns), f"events of unit {unit} out of order: {ns}"


@contextmanager
def _embedded_log_locked(path: str):
    """The embedded log's counterpart of a stopped broker: another process holds its write lock."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _outage_scenario(app, stop_bus, start_bus) -> None:
    db = app.extensions["dvk_db"]
    units = []
    with db.transaction() as session:
        for i in range(10):
            units.append(create_unit(session, {"code": f"tdp-{i}", "name": f"Tổ dân phố {i}", "kind": "to_dan_pho"}).id)
    relay = build_relay(app)
    relay.max_backoff = 2.0
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: _unpublished(db) == 0, 30), "relay did not publish before the outage"
        stop_bus()
        for n in range(200):
            _rename(db, units[n % 10], n)
        assert _unpublished(db) > 0  # held back while the bus is down
        start_bus()
        assert wait_until(lambda: _unpublished(db) == 0, 90), f"{_unpublished(db)} events still unpublished"
    finally:
        relay.stop()
        thread.join(15)
        relay.bus.close()
    with db.transaction() as session:
        rows = session.execute(select(outbox_messages.c.id, outbox_messages.c.attempts)).all()
    assert len(rows) == 210
    reader = bus_for(dict(app.config))
    try:
        records = read_topic(reader, topic_name(app.config, "registration"), 210, timeout=60)
    finally:
        reader.close()
    _assert_complete_and_ordered(records, {r.id for r in rows})


@pytest.mark.slow
def test_kafka_stopped_then_restarted_loses_nothing(make_service, database_kind, own_kafka, topic_prefix):
    app = make_service("registration", database_kind, BUS="kafka", KAFKA_BOOTSTRAP=own_kafka.bootstrap)
    _outage_scenario(app, own_kafka.stop, own_kafka.start)


@pytest.mark.slow
def test_embedded_log_unavailable_then_back_loses_nothing(make_service, database_kind, tmp_path):
    path = str(tmp_path / "bus.db")
    bus_for({"BUS": "embedded", "EMBEDDED_BUS_PATH": path}).ensure_topics([])
    app = make_service("registration", database_kind, BUS="embedded", EMBEDDED_BUS_PATH=path)
    lock = _embedded_log_locked(path)
    _outage_scenario(app, lock.__enter__, lambda: lock.__exit__(None, None, None))


def _effects_table(db) -> Table:
    table = Table("observed_effects", MetaData(), Column("id", Integer, primary_key=True, autoincrement=True),
                  Column("event_id", String(64), nullable=False))
    table.create(db.engine)
    return table


def _worker_env(app) -> dict[str, str]:
    cfg = app.config
    return {**os.environ, "DVK_DATABASE_URL": cfg["DATABASE_URL"], "DVK_BUS": cfg["BUS"],
            "DVK_KAFKA_BOOTSTRAP": cfg["KAFKA_BOOTSTRAP"], "DVK_EMBEDDED_BUS_PATH": cfg["EMBEDDED_BUS_PATH"],
            "DVK_TOPIC_PREFIX": cfg["TOPIC_PREFIX"], "DVK_RELAY_BATCH_SIZE": "50", "DVK_RELAY_POLL_INTERVAL": "0.05"}


def _start_relay(app) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dvk_platform.worker", "relay", "registration"],
                            env=_worker_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.serial  # kills processes and needs the machine: its 120 s budgets are not for a shared run
@pytest.mark.slow
def test_relay_killed_mid_batch_side_effects_happen_once(make_service, database_kind, bus_config):
    app = make_service("registration", database_kind, **bus_config)
    db = app.extensions["dvk_db"]
    total = 3000
    with db.transaction() as session:
        unit = create_unit(session, {"code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho"})
    for start in range(0, total - 1, 500):
        with db.transaction() as session:
            for n in range(start, min(start + 500, total - 1)):
                add_event(session, aggregate_type="unit", aggregate_id=unit.id, event_type=UNIT_UPDATED,
                          payload={"unit_id": unit.id, "code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho",
                                   "active": True, "n": n})

    relay = _start_relay(app)
    try:
        assert wait_until(lambda: _unpublished(db) < total, 60, interval=0.01), "relay never started publishing"
    finally:
        relay.send_signal(signal.SIGKILL)
        relay.wait(10)
    left = _unpublished(db)
    assert 0 < left < total, f"the kill was not mid-run ({left} of {total} left)"

    # A relay that dies after sending but before marking leaves sent rows unmarked; make that certain
    # for a slice of rows so the consumer below is shown to absorb duplicates.
    with db.transaction() as session:
        done = session.scalars(select(outbox_messages.c.seq).where(outbox_messages.c.published_at.is_not(None))
                               .order_by(outbox_messages.c.seq.desc()).limit(25)).all()
        session.execute(update(outbox_messages).where(outbox_messages.c.seq.in_(done)).values(published_at=None))

    relay = _start_relay(app)
    try:
        assert wait_until(lambda: _unpublished(db) == 0, 90), f"{_unpublished(db)} never published after restart"
    finally:
        relay.send_signal(signal.SIGTERM)
        relay.wait(20)

    consumer_app = make_service("registration", database_kind, **bus_config)
    consumer_db = consumer_app.extensions["dvk_db"]
    effects = _effects_table(consumer_db)

    def record_effect(session, event: CloudEvent) -> None:
        session.execute(insert(effects).values(event_id=event.id))

    bus = bus_for(bus_config)
    runner = ConsumerRunner(consumer_db, bus, group="effects", topics=[topic_name(app.config, "registration")],
                            handlers={UNIT_UPDATED: record_effect, "vn.dvk.registration.unit-created.v1": record_effect})

    def seen() -> int:
        runner.run_once(timeout=0.5)
        return runner.outcome.handled

    try:
        assert wait_until(lambda: seen() >= total, 120, interval=0)
        # Drain whatever duplicates remain on the topic.
        while runner.run_once(timeout=1.0):
            pass
    finally:
        runner.close()
        bus.close()
    with consumer_db.transaction() as session:
        count, distinct = session.execute(
            select(func.count(), func.count(effects.c.event_id.distinct())).select_from(effects)).one()
    assert (count, distinct) == (total, total)
    assert runner.outcome.duplicates >= 25
    assert runner.outcome.dead_lettered == 0


def test_poison_event_goes_to_dlq_and_later_events_are_handled(make_service, database_kind, bus_config):
    app = make_service("registration", database_kind, **bus_config)
    db = app.extensions["dvk_db"]
    effects = _effects_table(db)
    topic = topic_name(app.config, "registration")
    kind = "vn.dvk.registration.unit-updated.v1"

    def handle(session, event: CloudEvent) -> None:
        if event.data.get("poison"):
            raise ValueError("đơn vị không tồn tại")
        session.execute(insert(effects).values(event_id=event.id))

    def event(n: int, **data) -> Message:
        e = CloudEvent(type=kind, source="/wards/minh-xuan/registration", subject="7", ward="minh-xuan",
                       data={"n": n, **data})
        return Message(e.key.encode(), e.value(), e.headers())

    good = [event(n) for n in range(3)]
    poison = event(3, poison=True)
    malformed = Message(b"7", b"\xff\xfe not json", event(4).headers)
    headerless = Message(b"7", json.dumps({"n": 5}).encode(), [])
    later = [event(n) for n in range(6, 9)]
    bus = bus_for(bus_config)
    bus.ensure_topics([topic, dlq_topic(topic)])
    assert bus.publish(topic, [*good, poison, malformed, headerless, *later]) == 9

    runner = ConsumerRunner(db, bus, group="poison-test", topics=[topic], handlers={kind: handle},
                            max_attempts=2, retry_backoff=0.01)
    try:
        assert wait_until(lambda: (runner.run_once(0.5), runner.outcome.handled)[1] >= 6, 60, interval=0)
    finally:
        runner.close()
    with db.transaction() as session:
        handled = session.scalar(select(func.count()).select_from(effects))
    assert handled == 6  # the three before and the three after the bad ones
    dead = read_topic(bus, dlq_topic(topic), 3)
    bus.close()
    assert len(dead) == 3
    errors = [r.header("dvk_error").decode() for r in dead]
    assert "ValueError: đơn vị không tồn tại" in errors[0]
    assert errors[1].startswith("EnvelopeError") and errors[2].startswith("EnvelopeError")
    assert {r.header("dvk_original_topic") for r in dead} == {topic.encode()}
    assert dead[1].value == b"\xff\xfe not json"  # kept verbatim for inspection


def _committed(bus_config: dict, group: str, topic: str) -> int:
    """How many records of the topic the group has committed."""
    if bus_config["BUS"] == "kafka":
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=bus_config["KAFKA_BOOTSTRAP"])
        try:
            offsets = admin.list_group_offsets(group).get(group, {})
        finally:
            admin.close()
        return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)
    with sqlite3.connect(bus_config["EMBEDDED_BUS_PATH"]) as conn:
        row = conn.execute("SELECT next_offset FROM bus_offsets WHERE group_id = ? AND topic = ?", (group, topic)).fetchone()
    return row[0] if row else 0


@pytest.mark.serial  # kills processes and needs the machine: its 120 s budgets are not for a shared run
@pytest.mark.slow
def test_consumer_killed_mid_batch_redelivered_events_change_nothing(make_service, bus_config, tmp_path):
    app = make_service("registration", "postgresql", **bus_config)
    db = app.extensions["dvk_db"]
    effects = _effects_table(db)
    topic = topic_name(app.config, "registration")
    total = 3000
    bus = bus_for(bus_config)
    bus.ensure_topics([topic, dlq_topic(topic)])
    batch = []
    for n in range(total):
        e = CloudEvent(type=UNIT_UPDATED, source="/wards/minh-xuan/registration", subject=str(n % 40),
                       ward="minh-xuan", data={"n": n})
        batch.append(Message(e.key.encode(), e.value(), e.headers()))
    assert bus.publish(topic, batch) == total
    bus.close()

    group = f"effects-{tmp_path.name}"
    env = {**os.environ, "DVK_DATABASE_URL": app.config["DATABASE_URL"], "DVK_BUS": bus_config["BUS"],
           "DVK_KAFKA_BOOTSTRAP": bus_config.get("KAFKA_BOOTSTRAP", ""),
           "DVK_EMBEDDED_BUS_PATH": bus_config.get("EMBEDDED_BUS_PATH", ""),
           "GROUP": group, "TOPIC": topic, "EVENT_TYPE": UNIT_UPDATED}
    script = [sys.executable, str(Path(__file__).with_name("consumer_process.py"))]

    def handled() -> int:
        with db.transaction() as session:
            return session.scalar(select(func.count()).select_from(effects))

    first = subprocess.Popen(script, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: handled() > 150, 90, interval=0.005), "the consumer never got going"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        first.stdout.close()
    handled_at_kill, committed_at_kill = handled(), _committed(bus_config, group, topic)
    assert 0 < handled_at_kill < total and committed_at_kill <= handled_at_kill

    second = subprocess.Popen(script, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert wait_until(lambda: handled() >= total, 120, interval=0.2), f"only {handled()} of {total} handled"
        assert wait_until(lambda: _committed(bus_config, group, topic) == total, 60, interval=0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        out, _ = second.communicate(timeout=30)
    outcome = json.loads(out.strip().splitlines()[-1])
    with db.transaction() as session:
        count, distinct = session.execute(
            select(func.count(), func.count(effects.c.event_id.distinct())).select_from(effects)).one()
    assert (count, distinct) == (total, total)  # every event's effect once, none twice
    # Exactly the events handled but not yet committed when the process died came again, and were skipped.
    assert outcome["duplicates"] == handled_at_kill - committed_at_kill
    assert outcome["handled"] == total - handled_at_kill and outcome["dead_lettered"] == 0
