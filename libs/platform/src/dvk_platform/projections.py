"""Read models kept from other services' events: "the newest fact wins", with one timestamp rule for every service.

Delivery is at least once and ordered only per aggregate (and a replay from the dead-letter topic can bring an old
event back), so a projection applies a fact only if it is not older than the one it holds.

The time of a fact is the payload's `occurred_at` (when the change committed in the producer) if it is a valid
ISO 8601 time, else the CloudEvent `time`; "Z" and any offset are understood, a time without an offset is UTC.
An event with neither is refused (InvalidEvent: dead-lettered at once, nothing changed): it cannot be ordered, and
letting it always win, or always lose, would silently keep a wrong state. Equal times: the incoming fact wins, so a
redelivered fact leaves what it wrote. A stored time that is empty or unreadable (nothing applied yet) never blocks.
Times are stored as text in one form (`stamp`), but always compared as instants, so rows written in older forms
still compare right.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent

from .consumer import InvalidEvent

UNIT_DEACTIVATED = "vn.dvk.registration.unit-deactivated.v1"


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime; None for anything else (empty, not text, not a time)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)


def fact_time(event: CloudEvent) -> datetime:
    """When the fact happened (see the module's rule); InvalidEvent if the event says it nowhere readable."""
    data = event.data if isinstance(event.data, dict) else {}
    for value in (data.get("occurred_at"), event.time):
        moment = parse_instant(value)
        if moment is not None:
            return moment
    raise InvalidEvent(f"{event.type} {event.id}: no readable time (occurred_at or CloudEvent time), cannot be ordered")


def stamp(moment: datetime) -> str:
    """The one stored form of a fact's time: UTC, microseconds, "+00:00"."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def is_newer(incoming: datetime, stored: Any) -> bool:
    """True when the incoming fact is not older than the stored one."""
    held = parse_instant(stored)
    return held is None or incoming >= held


def newest_wins(row: Any, time_attr: str, event: CloudEvent) -> bool:
    """If the event's fact is not older than the one `row` holds (its time in `time_attr`), record the new time on
    the row and return True: the caller then applies the fact. False: an older fact, leave the row as it is."""
    moment = fact_time(event)
    if not is_newer(moment, getattr(row, time_attr, None)):
        return False
    setattr(row, time_attr, stamp(moment))
    return True


def unit_state(event: CloudEvent) -> dict[str, Any]:
    """What a unit-created / -updated / -deactivated event says of the unit, read the same way by every service:
    code, name, kind, and active — always False after unit-deactivated, whatever its payload's `active` says."""
    data = event.data
    return {"code": data.get("code") or "", "name": data.get("name") or "", "kind": data.get("kind") or "",
            "active": bool(data.get("active", True)) and event.type != UNIT_DEACTIVATED}


def project_unit(session: Session, table: type, time_attr: str, event: CloudEvent) -> Any:
    """Keep the unit a unit-created / -updated / -deactivated event speaks of in a service's read model `table`
    (keyed by `unit_id`, the fact's time in `time_attr`): inserted when first seen, the newest fact wins."""
    unit_id = int(event.data["unit_id"])
    unit = session.get(table, unit_id)
    if unit is None:
        unit = table(unit_id=unit_id, **{time_attr: ""})
        session.add(unit)
    if newest_wins(unit, time_attr, event):
        for name, value in unit_state(event).items():
            setattr(unit, name, value)
    return unit
