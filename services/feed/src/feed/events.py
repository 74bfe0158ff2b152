"""The feed consumes every dvk.* topic and keeps each event that meets the contract, append-only.

It publishes nothing. One handler for every event type in contracts/events/, checked against its schema first by
the platform's contract_checked: an event breaking its contract is dead-lettered to <topic>.dlq at once (no retry can
mend it), so the feed only serves valid events; properties a newer producer added pass, as for every consumer.
Types the contract does not know yet are passed over (the runner counts them as ignored)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent
from dvk_platform.consumer import contract_checked

from .services import store_event


def handlers(app: Flask) -> dict[str, Callable[[Session, CloudEvent], None]]:
    schemas = load_schemas()
    if not schemas:
        raise RuntimeError("no event contract found: set DVK_CONTRACTS_DIR to the contracts/ directory")
    return contract_checked(dict.fromkeys(schemas, store_event))
