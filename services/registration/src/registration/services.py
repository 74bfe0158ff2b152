"""Use cases: each one transaction that writes the change and its outbox row together."""
from __future__ import annotations

from typing import Any

from dvk_platform.errors import Problem
from dvk_platform.outbox import add_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .models import Unit


def create_unit(session: Session, data: dict[str, Any]) -> Unit:
    if session.scalar(select(Unit.id).where(Unit.code == data["code"])) is not None:
        raise Problem(409, "duplicate-unit", "Mã đơn vị đã tồn tại.", detail=f"Mã '{data['code']}' đã được dùng.")
    unit = Unit(**data)
    session.add(unit)
    session.flush()
    add_event(session, aggregate_type="unit", aggregate_id=unit.id, event_type=events.UNIT_CREATED,
              payload=events.unit_payload(unit))
    return unit
