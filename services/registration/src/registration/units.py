"""Use cases of the ward's units: created, edited, deactivated and imported from a spreadsheet, each change published."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_platform.errors import Conflict, NotFound
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version

from . import events
from .models import Unit


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit-not-found", "Không tìm thấy đơn vị.")
    return unit


def _ensure_code_free(session: Session, code: str, unit_id: int | None = None) -> None:
    query = select(Unit.id).where(Unit.code == code)
    if unit_id is not None:
        query = query.where(Unit.id != unit_id)
    if session.scalar(query) is not None:
        raise Conflict("duplicate-unit", "Mã đơn vị đã tồn tại.", detail=f"Mã '{code}' đã được dùng.")


def create_unit(session: Session, data: dict[str, Any]) -> Unit:
    """Add a unit; `data` may carry an explicit id (the seed's fixed ids)."""
    _ensure_code_free(session, data["code"])
    unit = Unit(**data)
    session.add(unit)
    session.flush()
    add_event(session, aggregate_type="unit", aggregate_id=unit.id, event_type=events.UNIT_CREATED,
              payload=events.unit_payload(unit))
    return unit


def update_unit(session: Session, unit_id: int, data: dict[str, Any], expected_version: int) -> Unit:
    unit = get_unit(session, unit_id)
    check_version(unit.version, expected_version)
    if "code" in data:
        _ensure_code_free(session, data["code"], unit.id)
    for key, value in data.items():
        setattr(unit, key, value)
    session.flush()
    add_event(session, aggregate_type="unit", aggregate_id=unit.id, event_type=events.UNIT_UPDATED,
              payload=events.unit_payload(unit))
    return unit


def set_unit_active(session: Session, unit_id: int, active: bool, expected_version: int) -> Unit:
    unit = get_unit(session, unit_id)
    check_version(unit.version, expected_version)
    if unit.active == active:
        state = "đang hoạt động" if active else "đã ngừng hoạt động"
        raise Conflict("unit-state", "Đơn vị đã ở trạng thái này.", detail=f"Trạng thái hiện tại: {state}.")
    unit.active = active
    session.flush()
    add_event(session, aggregate_type="unit", aggregate_id=unit.id,
              event_type=events.UNIT_UPDATED if active else events.UNIT_DEACTIVATED, payload=events.unit_payload(unit))
    return unit


@dataclass
class RowError:
    row: int
    errors: dict[str, list[str]]


def import_units(session: Session, rows: list[tuple[int, dict[str, Any]]], validate: Any) -> tuple[list[Unit], list[RowError]]:
    """All or nothing: every row is checked first; units are created only when no row has an error.

    `rows` are (spreadsheet row number, raw values); `validate(raw) -> (data, errors)` applies the API schema.
    """
    problems: list[RowError] = []
    valid: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    existing = set(session.scalars(select(Unit.code)))
    for number, raw in rows:
        data, errors = validate(raw)
        code = data.get("code") if not errors.get("code") else None
        if code:
            if code in existing:
                errors.setdefault("code", []).append(f"Mã '{code}' đã có trong danh mục đơn vị.")
            elif code in seen:
                errors.setdefault("code", []).append(f"Mã '{code}' trùng với dòng {seen[code]}.")
            else:
                seen[code] = number
        if errors:
            problems.append(RowError(number, errors))
        else:
            valid.append(data)
    if problems:
        return [], problems
    return [create_unit(session, data) for data in valid], []
