"""Re-sending a service's events from its outbox: `dvk-worker republish <service> --since DATETIME`.

For a province that joins late or lost the topics' retention: every outbox row the relay has already
published since (and, with `--until`, before) a moment is sent again, in the order it was first published, as
the very same CloudEvent (same `ce_id`, key, headers and payload). Subscribers dedupe by the id, so an event they
already have changes nothing. Rows not yet published are left to the relay. Nothing in the database changes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from .bus import Bus
from .db import Database
from .relay import OUTBOX_COLUMNS, outbox_row_to_message
from .tables import outbox_messages


def republish(db: Database, bus: Bus, *, topic: str, source: str, ward: str, since: datetime,
              until: datetime | None = None, batch_size: int = 500) -> int:
    """Send the published rows created in [since, until) again; returns how many Kafka acknowledged."""
    query = select(*OUTBOX_COLUMNS).where(outbox_messages.c.published_at.is_not(None),
                                          outbox_messages.c.created_at >= since)
    if until is not None:
        query = query.where(outbox_messages.c.created_at < until)
    bus.ensure_topics([topic])
    sent = 0
    last_seq = -1
    while True:
        with db.engine.connect() as conn:
            rows = conn.execute(query.where(outbox_messages.c.seq > last_seq)
                                .order_by(outbox_messages.c.seq).limit(batch_size)).all()
        if not rows:
            return sent
        messages = [outbox_row_to_message(row, source, ward) for row in rows]
        acknowledged = bus.publish(topic, messages)
        sent += acknowledged
        if acknowledged < len(messages):
            raise RuntimeError(f"Kafka acknowledged only {sent} events; run the command again (duplicates are harmless)")
        last_seq = rows[-1].seq
