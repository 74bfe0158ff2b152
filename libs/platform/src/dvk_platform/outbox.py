"""Transactional outbox: an event is a row written in the same transaction as the state change."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from .tables import outbox_messages


def add_event(
    session: Session | Connection,
    *,
    aggregate_type: str,
    aggregate_id: str | int,
    event_type: str,
    payload: dict[str, Any],
) -> str:
    """Queue an event in the caller's transaction; the relay publishes it after commit. Returns its id.

    Given a Session, its pending objects are flushed first (the insert goes through the session); given the
    session's Connection (`session.connection()`), the row is inserted as it is, with no unit of work around it."""
    event_id = str(uuid.uuid4())
    session.execute(
        insert(outbox_messages).values(
            id=event_id,
            aggregatetype=aggregate_type,
            aggregateid=str(aggregate_id),
            type=event_type,
            payload=payload,
            created_at=datetime.now(UTC),
            attempts=0,
        )
    )
    return event_id
