"""Events registration publishes on dvk.registration (payload schemas in contracts/)."""
from __future__ import annotations

from typing import Any

from .models import Unit

UNIT_CREATED = "vn.dvk.registration.unit-created.v1"

# Registration consumes no other service's events.
SUBSCRIBES: list[str] = []
HANDLERS: dict[str, Any] = {}


def unit_payload(unit: Unit) -> dict[str, Any]:
    return {"unit_id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind, "active": unit.active}
