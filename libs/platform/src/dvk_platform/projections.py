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
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent

from .consumer import InvalidEvent

UNIT_DEACTIVATED = "vn.dvk.registration.unit-deactivated.v1"

# INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING, on the databases the services run on
_UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
# The one stored form of `stamp`: UTC with microseconds and "+00:00", always 32 characters, so two stored times in
# this form compare as text exactly as they compare as instants.
_STAMP_PATTERN = "____-__-__T__:__:__.______+00:00"


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


@lru_cache(maxsize=256)
def _upsert(dialect: str, table: Table, key: tuple[str, ...], columns: tuple[str, ...], time_column: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE … WHERE stored ≤ incoming RETURNING, built once per table and columns
    (every value a bound parameter), so each event only binds its values."""
    insert_row = _UPSERT_INSERTS[dialect](table).values({c: bindparam(c) for c in (*key, *columns, time_column)})
    stored, incoming = table.c[time_column], insert_row.excluded[time_column]
    in_stamp_form = and_(func.length(stored) == len(_STAMP_PATTERN), stored.like(_STAMP_PATTERN))
    return (insert_row.on_conflict_do_update(index_elements=[table.c[k] for k in key],
                                             set_={c: insert_row.excluded[c] for c in (*columns, time_column)},
                                             where=or_(stored == "", and_(in_stamp_form, stored <= incoming)))
            .returning(stored))


def upsert_newest(session: Session, table: Table | type, key: dict[str, Any], values: dict[str, Any], time_column: str,
                  event: CloudEvent) -> bool:
    """Apply a fact to the read-model row `key` of `table` in one statement, the newest fact winning: the row is
    inserted with `values` if it is not there, else updated with them if the stored time (`time_column`) is empty
    or not newer than the event's (the rule above). True when the fact was applied, False when an older fact was
    left alone.

    On PostgreSQL and SQLite this is one INSERT … ON CONFLICT (key) DO UPDATE … WHERE stored ≤ incoming RETURNING:
    no row is loaded to compare a timestamp. The WHERE compares text only when the stored time is in `stamp`'s
    form (then text order is time order); a row holding a time in another form (written by an older version, or
    unreadable) is not updated by it and is compared as an instant by a second look, as `newest_wins` does."""
    table = getattr(table, "__table__", table)
    moment = fact_time(event)
    row = {**key, **values, time_column: stamp(moment)}
    session.flush()  # what the handler added through the ORM goes first, as session.execute would do (autoflush)
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect in _UPSERT_INSERTS:
        upsert = _upsert(dialect, table, tuple(key), tuple(values), time_column)
        if connection.execute(upsert, row).first() is not None:
            return True
    where = and_(*(table.c[k] == v for k, v in key.items()))
    held = connection.execute(select(table.c[time_column]).where(where)).first()
    if held is None:  # only on a database without ON CONFLICT: the row is new
        connection.execute(insert(table).values(**row))
        return True
    if not is_newer(moment, held[0]):
        return False
    connection.execute(update(table).where(where).values(**{k: v for k, v in row.items() if k not in key}))
    return True


def unit_state(event: CloudEvent) -> dict[str, Any]:
    """What a unit-created / -updated / -deactivated event says of the unit, read the same way by every service:
    code, name, kind, and active — always False after unit-deactivated, whatever its payload's `active` says."""
    data = event.data
    return {"code": data.get("code") or "", "name": data.get("name") or "", "kind": data.get("kind") or "",
            "active": bool(data.get("active", True)) and event.type != UNIT_DEACTIVATED}


def project_unit(session: Session, table: type, time_attr: str, event: CloudEvent) -> bool:
    """Keep the unit a unit-created / -updated / -deactivated event speaks of in a service's read model `table`
    (keyed by `unit_id`, the fact's time in `time_attr`): inserted when first seen, the newest fact wins, in one
    statement (`upsert_newest`). True when the fact was applied."""
    return upsert_newest(session, table, {"unit_id": int(event.data["unit_id"])}, unit_state(event), time_attr, event)
