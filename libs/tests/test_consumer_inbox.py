"""The consumer's inbox: an event's id is claimed in the handler's own transaction, so a redelivery changes nothing
and a handler that fails leaves no claim behind (the event is tried again and then handled, once)."""
from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Record
from dvk_platform.consumer import ConsumerRunner
from dvk_platform.tables import inbox_events

UNIT_UPDATED = "vn.dvk.registration.unit-updated.v1"


def test_a_redelivered_event_changes_nothing_and_a_failed_attempt_leaves_no_claim(make_service, database_kind):
    app = make_service("registration", database_kind)
    db = app.extensions["dvk_db"]
    effects = Table("observed_effects", MetaData(), Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("event_id", String(64), nullable=False))
    effects.create(db.engine)
    attempts: list[str] = []

    def handle(session, event: CloudEvent) -> None:
        attempts.append(event.id)
        session.execute(insert(effects).values(event_id=event.id))
        if len(attempts) == 1:
            raise ValueError("lần đầu lỗi")  # after its write: the whole transaction, claim included, rolls back

    event = CloudEvent(type=UNIT_UPDATED, source="/wards/minh-xuan/registration", subject="7", ward="minh-xuan",
                       data={"unit_id": 7})
    record = Record("t", 0, 0, event.key.encode(), event.value(), event.headers())
    runner = ConsumerRunner(db, None, group="inbox-test", topics=["t"], handlers={UNIT_UPDATED: handle},  # type: ignore[arg-type]
                            max_attempts=3, retry_backoff=0.01)
    runner.process(record)
    runner.process(record)  # delivered again
    assert (runner.outcome.handled, runner.outcome.duplicates, runner.outcome.dead_lettered) == (1, 1, 0)
    assert attempts == [event.id, event.id]  # the failed attempt, then the one that counted; not the redelivery
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(effects)) == 1
        claimed = session.execute(select(inbox_events.c.event_id, inbox_events.c.event_type)).all()
    assert [tuple(row) for row in claimed] == [(event.id, UNIT_UPDATED)]
