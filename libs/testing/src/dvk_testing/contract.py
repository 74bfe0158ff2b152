"""Contract checks for tests: every event a service wrote to its outbox validates against contracts/."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from dvk_core.contracts import validate_event
from dvk_platform.tables import outbox_messages


def outbox_events(app: Flask) -> list[dict]:
    with app.extensions["dvk_db"].transaction() as session:
        return [dict(r) for r in session.execute(select(outbox_messages).order_by(outbox_messages.c.seq)).mappings()]


def assert_outbox_matches_contract(app: Flask) -> list[dict]:
    """Validate every outbox row of the app against its schema; returns the rows for further checks."""
    rows = outbox_events(app)
    for row in rows:
        validate_event(row["type"], row["payload"])
    return rows
