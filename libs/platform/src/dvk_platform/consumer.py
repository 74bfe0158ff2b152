"""Consumer runner: handler and inbox row in one transaction, offsets committed after, poison to the DLQ
(an InvalidEvent at once, anything else after `max_attempts`)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from prometheus_client import Counter
from sqlalchemy import bindparam, insert, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dvk_core.contracts import PayloadChecker, payload_checker
from dvk_core.envelope import CloudEvent, EnvelopeError

from .bus import Bus, BusError, Consumer, Message, Record, dlq_topic
from .db import Database
from .tables import inbox_events

log = logging.getLogger(__name__)

# INSERT … ON CONFLICT DO NOTHING RETURNING, on the databases the services run on
_UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

Handler = Callable[[Session, CloudEvent], None]


@lru_cache(maxsize=4)
def _claim_statement(dialect: str) -> Any:
    """INSERT INTO inbox_events … ON CONFLICT DO NOTHING RETURNING event_id, built once (each event binds its values)."""
    return (_UPSERT_INSERTS[dialect](inbox_events).values({c: bindparam(c) for c in ("event_id", "event_type", "source", "received_at")})
            .on_conflict_do_nothing(index_elements=[inbox_events.c.event_id]).returning(inbox_events.c.event_id))

HANDLED = Counter("dvk_consumer_handled_total", "Events handled", ["group", "type"])
DUPLICATES = Counter("dvk_consumer_duplicates_total", "Redelivered events skipped by the inbox", ["group"])
IGNORED = Counter("dvk_consumer_ignored_total", "Events of a type this service does not handle", ["group"])
DEAD_LETTERED = Counter("dvk_consumer_dead_lettered_total", "Events sent to a DLQ", ["group"])


class TransientError(RuntimeError):
    """Raised by a handler when something around it is down (another service, SMTP): retry, never DLQ."""


class InvalidEvent(ValueError):
    """Raised when the event itself is wrong (its data breaks the contract): retrying cannot help, so the runner
    dead-letters it at once, without the retry attempts."""


def contract_checked(handlers: Mapping[str, Handler], checker: PayloadChecker | None = None) -> dict[str, Handler]:
    """`handlers`, each first checking the event's data against its type's schema in contracts/events/.

    An event missing a required property, or with one of the wrong type, raises InvalidEvent before the handler
    runs, so it goes to the DLQ (the problems in `dvk_error`) and has no effect. Properties a newer producer
    added, widened enums and loosened bounds pass (see contracts.consumer_schema); a type without a schema is
    not checked."""
    check = checker or payload_checker()
    unchecked = sorted(t for t in handlers if not check.covers(t))
    if unchecked:
        log.warning("no contract to check these handled event types against: %s", ", ".join(unchecked))

    def checked(handler: Handler) -> Handler:
        def handle(session: Session, event: CloudEvent) -> None:
            problems = check.problems(event.type, event.data)
            if problems:
                raise InvalidEvent(f"{event.type} breaks its contract: {'; '.join(problems)}")
            handler(session, event)

        return handle

    return {event_type: checked(handler) for event_type, handler in handlers.items()}


def is_transient(exc: BaseException) -> bool:
    """Errors of the surroundings (database unreachable), not of the event: retry, never dead-letter."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc, (TransientError, sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, BusError)
    )


@dataclass
class Outcome:
    handled: int = 0
    duplicates: int = 0
    ignored: int = 0
    dead_lettered: int = 0


class ConsumerRunner:
    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, Handler],
        max_attempts: int = 3,
        retry_backoff: float = 0.2,
        ward: str | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.group = group
        self.topics = list(topics)
        self.handlers = dict(handlers)
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        # On a province's shared cluster each ward's consumer handles its own ward's events only.
        self.ward = ward
        self.stopping = threading.Event()
        self.on_tick: Callable[[], None] = lambda: None
        self.outcome = Outcome()
        self._bus_consumer: Consumer | None = None

    def _already_handled(self, session: Session, event_id: str) -> bool:
        return session.execute(select(inbox_events.c.event_id).where(inbox_events.c.event_id == event_id)).first() is not None

    def _claim(self, session: Session, event: CloudEvent) -> bool:
        """Record the event's id in the inbox, first thing in the transaction: False when it is there already (handled
        before, or by a concurrent delivery, whose commit this insert waits for). One statement instead of a look-up
        before the handler and an insert after it; a handler that fails rolls the claim back with everything else."""
        connection = session.connection()
        dialect = connection.dialect.name
        values = {"event_id": event.id, "event_type": event.type, "source": event.source, "received_at": datetime.now(UTC)}
        if dialect not in _UPSERT_INSERTS:
            if self._already_handled(session, event.id):
                return False
            session.execute(insert(inbox_events).values(**values))
            return True
        return connection.execute(_claim_statement(dialect), values).first() is not None

    def _handle_once(self, event: CloudEvent, handler: Handler) -> bool:
        """One transaction: claim the event in the inbox (skip if it was there), run the handler. True if handled."""
        try:
            with self.db.transaction() as session:
                if not self._claim(session, event):
                    return False
                handler(session, event)
            return True
        except sa_exc.IntegrityError:
            # A concurrent delivery of the same event won the inbox insert; ours rolled back whole.
            with self.db.transaction() as session:
                if self._already_handled(session, event.id):
                    return False
            raise

    def _dead_letter(self, record: Record, error: str) -> None:
        headers = [h for h in record.headers if not h[0].startswith("dvk_")]
        headers += [
            ("dvk_error", error[:4000].encode()),
            ("dvk_original_topic", record.topic.encode()),
            ("dvk_original_partition", str(record.partition).encode()),
            ("dvk_original_offset", str(record.offset).encode()),
            ("dvk_consumer_group", self.group.encode()),
        ]
        target = dlq_topic(record.topic)
        while not self.stopping.is_set():
            try:
                # the DLQ belongs to whoever writes to it: created here (the brokers do not auto-create topics)
                self.bus.ensure_topics([target])
                self.bus.publish(target, [Message(record.key, record.value, headers)])
                break
            except BusError as exc:
                log.warning("cannot reach the DLQ %s yet: %s", target, exc)
                self.stopping.wait(1.0)
        DEAD_LETTERED.labels(self.group).inc()
        self.outcome.dead_lettered += 1
        log.error("event at %s/%d@%d dead-lettered: %s", record.topic, record.partition, record.offset, error)

    def process(self, record: Record) -> None:
        """Handle one record to completion: handled, skipped, ignored or dead-lettered."""
        try:
            event = CloudEvent.from_binary(record.value, record.headers)
        except EnvelopeError as exc:
            self._dead_letter(record, f"EnvelopeError: {exc}")
            return
        handler = self.handlers.get(event.type)
        if handler is None or (self.ward is not None and event.ward != self.ward):
            IGNORED.labels(self.group).inc()
            self.outcome.ignored += 1
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                if self._handle_once(event, handler):
                    HANDLED.labels(self.group, event.type).inc()
                    self.outcome.handled += 1
                else:
                    DUPLICATES.labels(self.group).inc()
                    self.outcome.duplicates += 1
                return
            except Exception as exc:  # noqa: BLE001 - every failure is either retried or dead-lettered
                if is_transient(exc):
                    if self.stopping.is_set():
                        raise
                    log.warning("transient failure on %s, retrying: %r", event.id, exc)
                    self.stopping.wait(min(self.retry_backoff * 2 ** min(attempt, 6), 10.0))
                    continue
                if isinstance(exc, InvalidEvent) or attempt >= self.max_attempts:
                    self._dead_letter(record, f"{type(exc).__name__}: {exc}")
                    return
                self.stopping.wait(self.retry_backoff * attempt)

    def run_once(self, timeout: float = 1.0) -> int:
        """Poll once, process everything received, then commit. Returns the number of records."""
        consumer = self._consumer()
        records = consumer.poll(timeout)
        for record in records:
            self.process(record)
        consumer.commit(records)
        return len(records)

    def _consumer(self) -> Consumer:
        if self._bus_consumer is None:
            self._bus_consumer = self.bus.consumer(self.group, self.topics)
        return self._bus_consumer

    def run(self) -> None:
        backoff = 0.5
        while not self.stopping.is_set():
            self.on_tick()
            try:
                self.run_once(timeout=0.5)
                backoff = 0.5
            except Exception as exc:  # noqa: BLE001 - reconnect and resume from the committed offsets
                log.warning("consumer %s failed, reconnecting in %.1fs: %r", self.group, backoff, exc)
                self.close()
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        self.close()

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        if self._bus_consumer is not None:
            try:
                self._bus_consumer.close()
            except Exception:  # noqa: BLE001 - closing a broken consumer must not stop the loop
                log.debug("closing the consumer raised", exc_info=True)
            self._bus_consumer = None

