"""On PostgreSQL the relay is woken by the outbox's NOTIFY when a transaction with events commits, so an event does
not wait for the poll interval; polling stays the fallback for a notification that was lost or never sent."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import func, select, text

from dvk_platform.config import topic_name
from dvk_platform.relay import Relay
from dvk_platform.tables import outbox_messages
from dvk_platform.worker import build_relay
from dvk_testing import wait_until
from dvk_testing.plugin import bus_for, read_topic
from registration.units import create_unit

POLL_INTERVAL = 30.0  # far longer than any wait below: what arrives sooner was woken, not polled


@pytest.fixture
def app(make_service, kafka_server):
    return make_service("registration", "postgresql", BUS="kafka", KAFKA_BOOTSTRAP=kafka_server.bootstrap,
                        RELAY_POLL_INTERVAL=POLL_INTERVAL)


def _admin(app) -> psycopg.Connection:
    """A connection to the server's maintenance database, beside the service's own."""
    url = app.config["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def _database_name(app) -> str:
    return app.config["DATABASE_URL"].rsplit("/", 1)[1]


@contextmanager
def _running(relay: Relay) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        relay.stop()
        thread.join(15)
        relay.bus.close()
    assert not thread.is_alive(), "the relay did not stop"


def _commit_unit(db, n: int) -> tuple[str, float]:
    """Commit a new unit and its event; returns the event id and the moment the commit returned."""
    with db.transaction() as session:
        create_unit(session, {"code": f"tdp-{n}", "name": f"Tổ dân phố {n}", "kind": "to_dan_pho"})
        event_id = session.scalar(select(outbox_messages.c.id).order_by(outbox_messages.c.seq.desc()).limit(1))
    return event_id, time.monotonic()


def _published(db, event_id: str) -> bool:
    with db.engine.connect() as conn:
        return conn.scalar(select(outbox_messages.c.published_at).where(outbox_messages.c.id == event_id)) is not None


def _published_within(db, event_id: str, seconds: float) -> float | None:
    """Seconds from now until the relay marked the event published (Kafka acknowledged it), or None if it did not
    within `seconds`."""
    start = time.monotonic()
    if wait_until(lambda: _published(db, event_id), seconds, interval=0.02):
        return time.monotonic() - start
    return None


def _on_topic(app, event_ids: list[str]) -> set[str]:
    reader = bus_for(dict(app.config))
    try:
        records = read_topic(reader, topic_name(app.config, "registration"), len(event_ids))
    finally:
        reader.close()
    return {dict(r.headers)["ce_id"].decode() for r in records}


def test_committed_event_reaches_kafka_without_waiting_for_the_poll_interval(app):
    db = app.extensions["dvk_db"]
    relay = build_relay(app)
    assert relay.poll_interval == POLL_INTERVAL
    with _running(relay):
        first, _ = _commit_unit(db, 1)
        # the first one may be found by the relay's first read; after it the relay waits out its 30 s
        assert _published_within(db, first, 20) is not None, "the relay never published"
        assert relay.wakeup.listening
        second, _ = _commit_unit(db, 2)
        took = _published_within(db, second, 2.0)
        assert took is not None, f"not on Kafka within 2 s of the commit (poll interval {POLL_INTERVAL} s)"
    assert _on_topic(app, [first, second]) >= {first, second}


def test_event_committed_while_the_notification_connection_is_gone_is_still_published(app):
    """The listening connection is killed and cannot come back at once, so the notification of the commit made
    meanwhile is lost for good; once it can reconnect the relay reads what it missed, long before its next poll."""
    db = app.extensions["dvk_db"]
    relay = build_relay(app)
    name = _database_name(app)
    with _running(relay), _admin(app) as admin:
        first, _ = _commit_unit(db, 1)
        assert _published_within(db, first, 20) is not None, "the relay never published"
        assert relay.wakeup.connections == 1

        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                (name, relay.wakeup.application_name)).fetchall()
            assert killed == [(True,)], f"expected one listening connection, found {killed}"
            assert wait_until(lambda: not relay.wakeup.listening, 10), "the relay did not notice its connection died"
            second, _ = _commit_unit(db, 2)  # on the pool's open connection; nobody is listening
            time.sleep(1.5)
            assert not _published(db, second), "published without a notification or a poll"
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

        took = _published_within(db, second, 10)
        assert took is not None, f"not published after the connection came back (poll interval {POLL_INTERVAL} s)"
        assert relay.wakeup.connections == 2
        listening = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                                  (name, relay.wakeup.application_name)).fetchone()
        assert listening == (1,)
        # and the new connection is woken as the first was
        third, _ = _commit_unit(db, 3)
        assert _published_within(db, third, 2.0) is not None
    assert _on_topic(app, [first, second, third]) >= {first, second, third}


def test_event_whose_notification_never_came_is_published_by_the_poll(make_service, kafka_server):
    app = make_service("registration", "postgresql", BUS="kafka", KAFKA_BOOTSTRAP=kafka_server.bootstrap,
                       RELAY_POLL_INTERVAL=1.0)
    db = app.extensions["dvk_db"]
    relay = build_relay(app)
    with _running(relay):
        first, _ = _commit_unit(db, 1)
        assert _published_within(db, first, 20) is not None
        with db.transaction() as session:
            # triggers do not fire for a replica's writes: this insert sends no NOTIFY
            session.execute(text("SET LOCAL session_replication_role = replica"))
            create_unit(session, {"code": "tdp-2", "name": "Tổ dân phố 2", "kind": "to_dan_pho"})
            second = session.scalar(select(outbox_messages.c.id).order_by(outbox_messages.c.seq.desc()).limit(1))
        assert _published_within(db, second, 15) is not None, "the fallback poll did not publish it"
    assert _on_topic(app, [first, second]) >= {first, second}


def test_only_one_relay_of_a_service_publishes_and_another_takes_over_when_it_stops(app):
    db = app.extensions["dvk_db"]
    relays = [build_relay(app), build_relay(app)]
    threads = [threading.Thread(target=r.run, daemon=True) for r in relays]
    for thread in threads:
        thread.start()
    try:
        first, _ = _commit_unit(db, 1)
        assert _published_within(db, first, 20) is not None
        leaders = [r for r in relays if r.lock.still_held()]
        assert len(leaders) == 1, "exactly one relay holds the leader lock"
        leader, follower = leaders[0], next(r for r in relays if r is not leaders[0])
        assert leader.wakeup.listening and not follower.wakeup.listening
        leader.stop()
        threads[relays.index(leader)].join(15)
        second, _ = _commit_unit(db, 2)
        assert _published_within(db, second, 20) is not None, "the other relay did not take over"
        assert follower.lock.still_held()
    finally:
        for relay, thread in zip(relays, threads, strict=True):
            relay.stop()
            thread.join(15)
            relay.bus.close()
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(outbox_messages).where(outbox_messages.c.attempts != 1)) == 0
    assert _on_topic(app, [first, second]) >= {first, second}
