"""Faults against real servers: the broker killed during a rush of registrations, PostgreSQL restarted under
load, garbage published to every topic. Each test is bounded in time and asserts counts, not just "no error".

(The broker stopped and restarted, the relay killed mid-batch and poison events are in
libs/tests/test_delivery_guarantees.py; this module adds what spans services.)
"""
from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Message, dlq_topic
from dvk_platform.tables import inbox_events, outbox_messages
from dvk_platform.worker import build_consumer, build_relay
from dvk_testing import wait_until
from dvk_testing.plugin import Caller, bus_for, read_topic, unavailable
from dvk_testing.postgres import HarnessUnavailable, LocalPostgres, PostgresDatabases

# The issue asks for 1,000; DVK_RELIABILITY_REGISTRATIONS lowers it on a slow machine.
REGISTRATIONS = int(os.environ.get("DVK_RELIABILITY_REGISTRATIONS", "1000"))
OUTAGE_SECONDS = 20.0
SUBMITTED = "vn.dvk.registration.model-submitted.v1"


def model_body(n: int) -> dict[str, Any]:
    return {"title": f"Mô hình dân vận khéo số {n}", "field": "van_hoa_xa_hoi", "goals": "Vận động hộ dân tham gia.",
            "content": "Họp tổ dân phố hằng tháng.", "target_group": "Hộ gia đình", "person_in_charge": "Tổ trưởng",
            "start_date": "2026-03-01", "end_date": "2026-12-31", "expected_results": "Mọi hộ tham gia."}


def count(app, table, *where) -> int:
    with app.extensions["dvk_db"].transaction() as session:
        return session.scalar(select(func.count()).select_from(table).where(*where))


def unpublished(app) -> int:
    return count(app, outbox_messages, outbox_messages.c.published_at.is_(None))


class Background:
    """Runs a relay or a consumer loop in a thread, stopped and joined at the end of the test."""

    def __init__(self) -> None:
        self.runners: list[tuple[Any, threading.Thread]] = []

    def start(self, runner: Any) -> Any:
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        self.runners.append((runner, thread))
        return runner

    def stop(self) -> None:
        for runner, _ in self.runners:
            runner.stop()
        for runner, thread in self.runners:
            thread.join(30)
            bus = getattr(runner, "bus", None)
            if bus is not None:
                bus.close()


@pytest.fixture
def background():
    loops = Background()
    yield loops
    loops.stop()


def submit_registrations(app, total: int) -> list[int]:
    """Units 1-21 each draft and send models through the API, four callers at a time; returns the statuses."""
    call = Caller(app)

    def one(n: int) -> list[int]:
        unit = 1 + n % 21
        draft = call("POST", "/models", "don_vi", unit, json=model_body(n))
        if draft.status_code != 201:
            return [draft.status_code]
        sent = call("POST", f"/models/{draft.json['id']}/submit", "don_vi", unit, json={}, if_match=draft.json["version"])
        return [201, sent.status_code]

    with ThreadPoolExecutor(4) as pool:
        return [status for statuses in pool.map(one, range(total)) for status in statuses]


@pytest.mark.slow
def test_kafka_killed_during_registrations_loses_nothing_and_notifies_once(make_service, own_kafka, recipients,
                                                                            ward_clock, background):
    from notify.models import Delivery, InboxMessage
    from registration.seed import seed

    bus = {"BUS": "kafka", "KAFKA_BOOTSTRAP": own_kafka.bootstrap}
    registration = make_service("registration", "postgresql", CLOCK=ward_clock, **bus)
    seed(registration)
    notify = recipients(make_service("notify", "postgresql", CLOCK=ward_clock, **bus))
    relay = build_relay(registration)
    relay.max_backoff, relay.poll_interval = 1.0, 0.05
    background.start(relay)
    consumer = background.start(build_consumer(notify))
    assert wait_until(lambda: unpublished(registration) == 0, 60), "the seed's events were never published"

    own_kafka.kill()  # SIGKILL: no clean shutdown, nothing flushed
    killed = time.monotonic()
    statuses = submit_registrations(registration, REGISTRATIONS)
    took = time.monotonic() - killed
    assert statuses == [201, 200] * REGISTRATIONS, "a submission was refused while the broker was down"
    assert unpublished(registration) == REGISTRATIONS, "events should wait in the outbox while the broker is down"
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - killed)))

    own_kafka.start()
    back = time.monotonic()

    def notified() -> int:
        return count(notify, InboxMessage.__table__, InboxMessage.event_type == SUBMITTED)

    delivered = wait_until(lambda: unpublished(registration) == 0 and notified() >= REGISTRATIONS, 60, interval=0.5)
    recovery = time.monotonic() - back
    assert delivered, f"{unpublished(registration)} unpublished, {notified()} of {REGISTRATIONS} notified 60 s after the broker returned"
    # Let the consumer run on a little: a redelivery would show up now as a second message.
    time.sleep(2)
    assert notified() == REGISTRATIONS, "a notification was doubled"
    with notify.extensions["dvk_db"].transaction() as session:
        distinct_events = session.scalar(select(func.count(InboxMessage.event_id.distinct())).where(InboxMessage.event_type == SUBMITTED))
        mails = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel == "email",
                                                                                 Delivery.event_type == SUBMITTED))
    assert distinct_events == REGISTRATIONS
    assert mails == REGISTRATIONS  # one e-mail to Phòng VH-XH per submission, queued once
    assert consumer.outcome.dead_lettered == 0
    # Every submission's event is on the topic (some possibly twice: at-least-once), the inbox took each once.
    with registration.extensions["dvk_db"].transaction() as session:
        sent_ids = set(session.scalars(select(outbox_messages.c.id).where(outbox_messages.c.type == SUBMITTED)))
    assert count(notify, inbox_events, inbox_events.c.event_id.in_(sent_ids)) == REGISTRATIONS
    print(f"\n{REGISTRATIONS} registrations in {took:.1f} s with the broker down; delivered {recovery:.1f} s after its return")


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, to stop and start under load."""
    try:
        server = LocalPostgres()
        server.start()
    except HarnessUnavailable as exc:
        unavailable(str(exc))
    yield server
    server.cleanup()


@pytest.mark.slow
def test_postgres_restarted_under_load_answers_503_then_recovers_by_itself(make_service, own_postgres, ward_clock, tmp_path):
    from registration.seed import seed

    url = PostgresDatabases(own_postgres.base_url).create("registration")
    app = make_service("registration", DATABASE_URL=url, CLOCK=ward_clock, USES_BUS=False)
    seed(app)
    call = Caller(app)
    answers: list[tuple[str, int, str, float, str | None, str | None]] = []  # phase, status, media type, seconds, …
    phase = {"now": "before"}
    stop = threading.Event()

    def load(worker: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            started = time.monotonic()
            reading = n % 2
            response = (call("GET", "/models?per_page=5", "vhxh") if reading
                        else call("POST", "/models", "don_vi", 12 + worker, json=model_body(n)))
            body = response.get_json(silent=True) or {}
            answers.append((phase["now"], response.status_code, response.mimetype, time.monotonic() - started,
                            response.headers.get("Retry-After"), body.get("type")))

    threads = [threading.Thread(target=load, args=(w,), daemon=True) for w in range(3)]
    for thread in threads:
        thread.start()
    try:
        assert wait_until(lambda: len(answers) >= 30, 30)
        phase["now"] = "stopping"
        own_postgres.stop()
        phase["now"] = "down"
        assert wait_until(lambda: sum(1 for a in answers if a[0] == "down") >= 20, 60), "requests hang while the database is down"
        ready = call("GET", "/readyz", None)
        assert ready.status_code == 503 and ready.get_json()["checks"]["database"].startswith("error")
        phase["now"] = "restarting"
        own_postgres.start()
        assert wait_until(lambda: call("GET", "/readyz", None).status_code == 200, 30), "the service did not return to ready"
        phase["now"] = "after"
        assert wait_until(lambda: sum(1 for a in answers if a[0] == "after") >= 30, 30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    by_phase: dict[str, set[int]] = {}
    for name, status, mimetype, seconds, retry_after, problem in answers:
        by_phase.setdefault(name, set()).add(status)
        assert seconds < 10, f"a request took {seconds:.1f} s"
        if status >= 500:
            assert (status, mimetype, problem) == (503, "application/problem+json", "urn:dvk:problem:unavailable")
            assert retry_after
    assert by_phase["before"] <= {200, 201}
    assert by_phase["down"] == {503}, by_phase["down"]
    assert by_phase["after"] <= {200, 201}, "the service did not recover by itself"
    # Writes accepted after the restart are really there.
    created = call("POST", "/models", "don_vi", 12, json=model_body(0))
    assert created.status_code == 201
    assert call("GET", f"/models/{created.json['id']}", "vhxh").status_code == 200


# --------------------------------------------------------------------------- garbage on every topic

SERVICES_CONSUMING = ["reporting", "awards", "notify"]


def garbage(known_type: str) -> list[Message]:
    """What a broken or hostile producer might put on a topic."""
    good_headers = CloudEvent(type=known_type, source="/wards/minh-xuan/x", subject="1", ward="minh-xuan", data={}).headers()
    unknown = CloudEvent(type="vn.dvk.registration.something-new.v7", source="/wards/minh-xuan/registration", subject="1",
                         ward="minh-xuan", data={"anything": True})
    return [
        Message(b"1", b"\x00\xff\xfe garbage", good_headers),                          # not JSON
        Message(b"1", json.dumps({"unit_id": 1}).encode(), []),                         # no CloudEvents headers
        Message(b"1", b"[1, 2, 3]", [("ce_id", b"x"), ("ce_type", known_type.encode())]),  # headers half there
        Message(unknown.key.encode(), unknown.value(), unknown.headers()),               # a type nobody handles
    ]


def unit_created_event(unit: int, **data: Any) -> Message:
    event = CloudEvent(type="vn.dvk.registration.unit-created.v1", source="/wards/minh-xuan/registration", subject=str(unit),
                       ward="minh-xuan", data=data or {"unit_id": unit, "code": f"tdp-{unit}", "name": f"Tổ dân phố {unit}",
                                                       "kind": "to_dan_pho", "active": True})
    return Message(event.key.encode(), event.value(), event.headers())


@pytest.mark.parametrize("service", SERVICES_CONSUMING)
def test_garbage_on_every_topic_goes_to_the_dlq_and_consumers_keep_going(make_service, bus_config, service, recipients):
    app = make_service(service, "sqlite", CONSUMER_MAX_ATTEMPTS=1, CONSUMER_RETRY_BACKOFF=0.0, **bus_config)
    if service == "notify":
        recipients(app)
    runner = build_consumer(app)
    bus = bus_for(bus_config)
    try:
        expected_dead = 0
        good = unit_created_event(100)
        for topic in runner.topics:
            source = topic.rsplit(".", 1)[-1]
            bus.ensure_topics([topic, dlq_topic(topic)])
            batch = garbage(next(t for t in runner.handlers if t.split(".")[2] == source))
            expected_dead += 3  # the three broken envelopes; the unknown type is skipped, not dead
            if source == "registration":
                # a unit event every consumer needs, without the unit's id: unusable, so dead-lettered; then a
                # good one, handled, which shows the consumer kept going after the garbage
                batch += [unit_created_event(101, wrong="shape"), good]
                expected_dead += 1
            assert bus.publish(topic, batch) == len(batch)
        assert sorted(t.rsplit(".", 1)[-1] for t in runner.topics) == sorted(
            {"reporting": ["registration", "awards"], "awards": ["registration", "reporting"],
             "notify": ["registration", "reporting", "awards", "gateway"]}[service])
        outcome = runner.outcome
        assert wait_until(lambda: (runner.run_once(0.5), outcome.dead_lettered + outcome.ignored + outcome.handled)[1]
                          >= expected_dead + len(runner.topics) + 1, 60, interval=0)
        assert outcome.dead_lettered == expected_dead
        assert outcome.ignored == len(runner.topics)  # the unknown type, once per topic, skipped without harm
        assert outcome.handled == 1
        assert count(app, inbox_events) == 1  # only the good event left a trace
        for topic in runner.topics:
            wanted = 4 if topic.endswith(".registration") else 3
            dead = read_topic(bus, dlq_topic(topic), wanted, timeout=30)
            assert len(dead) == wanted, f"{topic}: {len(dead)} in the DLQ"
            assert all(r.header("dvk_error") for r in dead)
            assert b"\x00\xff\xfe garbage" in {r.value for r in dead}  # kept verbatim for inspection
    finally:
        runner.close()
        bus.close()

