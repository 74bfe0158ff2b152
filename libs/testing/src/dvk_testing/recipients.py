"""The ward's users as notify learns them: the gateway's user-created events, for tests and benchmarks that run
notify without a gateway beside it: the events themselves, or published on the bus."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Bus, Message
from dvk_platform.config import topic_name

USER_CREATED = "vn.dvk.gateway.user-created.v1"


def user_created(row: dict[str, Any], ward: str = "minh-xuan", occurred_at: str = "2026-01-05T01:00:00.000000+00:00"
                 ) -> CloudEvent:
    """The event the gateway publishes for an account (rows like {"user_id", "name", "email", "role", "unit_id",
    "active"})."""
    data = {"email": None, "unit_id": None, "active": True, **row, "user_id": str(row["user_id"]), "version": 1,
            "occurred_at": occurred_at}
    return CloudEvent(type=USER_CREATED, source=f"/wards/{ward}/gateway", subject=data["user_id"], ward=ward, data=data)


def publish_users(bus: Bus, config: dict[str, Any], rows: Sequence[dict[str, Any]]) -> None:
    """Publish a user-created event per row on the gateway's topic, for a notify consumer running elsewhere."""
    topic = topic_name(config, "gateway")
    bus.ensure_topics([topic])
    events = [user_created(row, config.get("WARD_CODE", "minh-xuan")) for row in rows]
    bus.publish(topic, [Message(e.key.encode(), e.value(), e.headers()) for e in events])
