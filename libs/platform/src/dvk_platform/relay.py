"""The outbox relay: one leader per service publishes unpublished outbox rows in order, then marks them."""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from prometheus_client import Counter
from sqlalchemy import BigInteger, Connection, Text, any_, cast, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from dvk_core.envelope import binary_headers

from .bus import Bus, BusError, Message, Sending
from .db import Database
from .tables import OUTBOX_CHANNEL, outbox_messages

log = logging.getLogger(__name__)

PUBLISHED = Counter("dvk_relay_published_total", "Outbox rows published to the bus", ["service"])
FAILURES = Counter("dvk_relay_failures_total", "Relay publish attempts that failed", ["service"])


# What the relay reads of a row: the payload as the JSON text it is stored as, sent as it is.
OUTBOX_COLUMNS = (
    outbox_messages.c.seq, outbox_messages.c.id, outbox_messages.c.type, outbox_messages.c.aggregateid,
    cast(outbox_messages.c.payload, Text).label("payload"), outbox_messages.c.created_at,
)


def outbox_row_to_message(row: Any, source: str, ward: str) -> Message:
    """One outbox row as a CloudEvent in Kafka binary mode: key = aggregate id, value = the payload's JSON."""
    return Message(
        key=row.aggregateid.encode(),
        value=row.payload.encode(),
        headers=binary_headers(id=row.id, source=source, type=row.type, subject=row.aggregateid, ward=ward,
                               time=row.created_at.isoformat(timespec="milliseconds")),  # UTCDateTime: aware, in UTC
    )


class LeaderLock:
    """Single leader per service: a PostgreSQL advisory lock, or an flock beside the SQLite file."""

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name
        self._conn: Connection | None = None
        self._fd: int | None = None
        # the lock lives as long as its connection; probing that on every poll would double the queries
        self.recheck_every = 5.0
        self._checked_until = 0.0

    def try_acquire(self) -> bool:
        if self.db.is_sqlite:
            path = self.db.engine.url.database or "relay"
            fd = os.open(f"{path}.{self.name}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._fd = fd
            return True
        conn = self.db.engine.connect()
        key = zlib.crc32(f"dvk-relay:{self.name}".encode())
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        conn.commit()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def still_held(self) -> bool:
        if self._fd is not None:
            return True
        if self._conn is None:
            return False
        if time.monotonic() < self._checked_until:
            return True
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            self._checked_until = time.monotonic() + self.recheck_every
            return True
        except Exception:  # noqa: BLE001 - a lost connection means a lost lock
            self.release()
            return False

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                log.debug("closing the leader connection raised", exc_info=True)
            self._conn = None


class OutboxWakeup:
    """Wakes the relay as soon as a transaction that wrote outbox rows commits: on PostgreSQL a connection of its own
    LISTENs on the channel the outbox trigger notifies (migrations: tables.create_outbox_notify). The poll interval
    stays the upper bound: on SQLite, while the connection is down, and for a notification that never came.

    A notification lost while the connection was down is covered by polling as soon as it is back."""

    def __init__(self, db: Database, service: str, stopping: threading.Event, slice_seconds: float = 0.25) -> None:
        self.db = db
        self.service = service
        self.stopping = stopping
        # how long one wait may block before looking at `stopping` again (stop() runs from a signal handler)
        self.slice_seconds = slice_seconds
        self.application_name = f"dvk-relay-wakeup:{service}"[:63]
        self._conn: psycopg.Connection[Any] | None = None
        self.connections = 0  # how many times it (re)connected

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def listen(self) -> bool:
        """Connect and LISTEN if not already; True if it (re)connected now, so the caller polls for what it missed."""
        if self.db.is_sqlite or self.listening:
            return False
        _, params = self.db.engine.dialect.create_connect_args(self.db.engine.url)
        try:
            conn = psycopg.connect(**{**params, "autocommit": True, "application_name": self.application_name,
                                      "connect_timeout": 5})
            conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
        except psycopg.Error as exc:
            log.warning("relay %s cannot listen for outbox notifications, polling: %s", self.service, exc)
            return False
        self._conn = conn
        self.connections += 1
        return True

    def wait(self, timeout: float) -> None:
        """Return when outbox rows were committed, after `timeout`, or soon after stopping is set."""
        deadline = time.monotonic() + timeout
        while not self.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            conn = self._conn
            if conn is None or conn.closed:
                if self.listen():
                    return  # back after a gap: whatever was notified meanwhile is lost, so poll now
                self.stopping.wait(min(left, 1.0))
                continue
            try:
                if not list(conn.notifies(timeout=min(left, self.slice_seconds), stop_after=1)):
                    continue
                # the commits notified so far are all visible to the next poll: one poll for all of them
                for _ in conn.notifies(timeout=0):
                    pass
                return
            except psycopg.Error as exc:
                log.warning("relay %s lost its notification connection, reconnecting: %s", self.service, exc)
                self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                log.debug("closing the notification connection raised", exc_info=True)
            self._conn = None


class Relay:
    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        service: str,
        topic: str,
        source: str,
        ward: str,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        max_backoff: float = 10.0,
    ) -> None:
        self.db = db
        self.bus = bus
        self.service = service
        self.topic = topic
        self.source = source
        self.ward = ward
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.stopping = threading.Event()
        self.on_tick: Callable[[], None] = lambda: None
        self.lock = LeaderLock(db, service)
        self.wakeup = OutboxWakeup(db, service, self.stopping)

    def publish_pending(self, keep_going: Callable[[], bool] = lambda: True) -> int:
        """Publish the unpublished rows in seq order, a batch at a time, and mark each acknowledged row.

        While Kafka acknowledges one batch the next is read and sent, so the producer does not wait for the
        database; a batch is marked only once all the rows before it are. Returns how many were published."""
        published = 0
        batch = self._send_after(None)
        while batch is not None:
            rows, sending = batch
            following = self._send_after(rows[-1].seq) if len(rows) == self.batch_size and keep_going() else None
            try:
                published += self._settle(rows, sending)
            except BusError:
                if following is not None:
                    # its rows stay unpublished and go again after the failed one: at least once, in order
                    following[1].wait()
                raise
            batch = following
        return published

    def _send_after(self, seq: int | None) -> tuple[list[Any], Sending] | None:
        """Read the next batch of unpublished rows after seq and hand it to the bus."""
        query = select(*OUTBOX_COLUMNS).where(outbox_messages.c.published_at.is_(None))
        if seq is not None:
            query = query.where(outbox_messages.c.seq > seq)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query.order_by(outbox_messages.c.seq).limit(self.batch_size)).all()
        if not rows:
            return None
        messages = [outbox_row_to_message(row, self.source, self.ward) for row in rows]
        return list(rows), self.bus.send(self.topic, messages)

    def _among(self, seqs: list[int]) -> Any:
        """seq is one of these: one array parameter on PostgreSQL rather than a parameter per row."""
        if self.db.is_sqlite:
            return outbox_messages.c.seq.in_(seqs)
        return outbox_messages.c.seq == any_(literal(seqs, ARRAY(BigInteger)))

    def _settle(self, rows: list[Any], sending: Sending) -> int:
        """Wait for a batch's acknowledgements and mark the acknowledged rows; the first refused row gets the error."""
        try:
            acknowledged = sending.wait()
            error = None if acknowledged == len(rows) else "the bus acknowledged only part of the batch"
        except BusError as exc:
            acknowledged, error = 0, str(exc)
        now = datetime.now(UTC)
        with self.db.transaction() as session:
            if acknowledged:
                done = [row.seq for row in rows[:acknowledged]]
                session.execute(
                    update(outbox_messages)
                    .where(self._among(done))
                    .values(published_at=now, attempts=outbox_messages.c.attempts + 1, last_error=None)
                )
            if error:
                failed = rows[acknowledged].seq
                session.execute(
                    update(outbox_messages)
                    .where(outbox_messages.c.seq == failed)
                    .values(attempts=outbox_messages.c.attempts + 1, last_error=error[:2000])
                )
        PUBLISHED.labels(self.service).inc(acknowledged)
        if error:
            FAILURES.labels(self.service).inc()
            raise BusError(error)
        return acknowledged

    def run(self) -> None:
        """Run until stop(): wait for leadership, then publish what is pending whenever outbox rows commit (PostgreSQL
        notification) or the poll interval passes, with exponential backoff on failure."""
        first_backoff = min(self.poll_interval, 1.0)
        backoff = first_backoff
        topics_ready = False
        while not self.stopping.is_set():
            self.on_tick()
            if not self.lock.still_held():
                try:
                    acquired = self.lock.try_acquire()
                except Exception as exc:  # noqa: BLE001 - database down: keep trying
                    log.warning("relay %s cannot reach its database: %r", self.service, exc)
                    acquired = False
                if not acquired:
                    self.stopping.wait(1.0)
                    continue
                log.info("relay %s is the leader", self.service)
            if not topics_ready:
                # the relay owns its topic (the brokers do not auto-create topics): created before publishing,
                # retried until the cluster answers
                try:
                    self.bus.ensure_topics([self.topic])
                    topics_ready = True
                except BusError as exc:
                    log.warning("relay %s cannot create its topic yet: %s", self.service, exc)
            try:
                self.wakeup.listen()  # before reading, so nothing committed after the read goes unnoticed
                self.publish_pending(keep_going=lambda: not self.stopping.is_set() and self.lock.still_held())
                backoff = first_backoff
                self.wakeup.wait(self.poll_interval)
            except BusError as exc:
                log.warning("relay %s publish failed, retrying in %.1fs: %s", self.service, backoff, exc)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            except Exception as exc:  # noqa: BLE001 - database hiccup: back off and retry
                log.warning("relay %s failed, retrying in %.1fs: %r", self.service, backoff, exc)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
        self.wakeup.close()
        self.lock.release()

    def stop(self) -> None:
        self.stopping.set()
