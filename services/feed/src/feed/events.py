"""The feed consumes every dvk.* topic and keeps each event that meets the contract, append-only.

It publishes nothing. One handler for every event type in contracts/events/: an event breaking its schema is
retried and then dead-lettered to <topic>.dlq by the consumer runner, so the feed only serves valid events.
Types the contract does not know yet are passed over (the runner counts them as ignored)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent

from .services import store_event


def handlers(app: Flask) -> dict[str, Callable[[Session, CloudEvent], None]]:
    schemas = load_schemas()
    if not schemas:
        raise RuntimeError("no event contract found: set DVK_CONTRACTS_DIR to the contracts/ directory")
    return {event_type: store_event for event_type in schemas}
