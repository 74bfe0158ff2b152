"""Who the ward's users are: notify's own read model (known_users) of the gateway's account events. Nothing is
fetched from the gateway and nothing is cached: an account created a second ago is a recipient as soon as its
user-created event is handled, and notify keeps telling the people it knows while the gateway is down."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent
from dvk_platform.projections import upsert_newest

from .models import KnownUnit, KnownUser

G = "vn.dvk.gateway."
USER_EVENTS = (G + "user-created.v1", G + "user-updated.v1", G + "user-deactivated.v1")


@dataclass(frozen=True)
class Recipient:
    user_id: str
    name: str
    email: str
    role: str
    unit_id: int | None


def apply_user_event(session: Session, event: CloudEvent) -> None:
    """Keep known_users current from one gateway account event. The newest fact wins (the platform's one rule for
    read models, dvk_platform.projections: by occurred_at), so a late, older fact or a replay changes nothing.
    One statement (an upsert whose WHERE compares the times), no row loaded."""
    data = event.data
    unit = data.get("unit_id")
    upsert_newest(session, KnownUser, {"user_id": str(data["user_id"])}, {
        "name": str(data.get("name") or ""), "email": data.get("email") or None, "role": str(data.get("role") or ""),
        "unit_id": int(unit) if unit is not None else None,
        "active": event.type != G + "user-deactivated.v1" and bool(data.get("active", True)),
        "version": int(data.get("version") or 1),
    }, "changed_at", event)


_COLUMNS = (KnownUser.user_id, KnownUser.name, KnownUser.email, KnownUser.role, KnownUser.unit_id)


def _recipient(row: Any) -> Recipient:
    return Recipient(user_id=row.user_id, name=row.name, email=row.email or "", role=row.role, unit_id=row.unit_id)


def all_recipients(session: Session) -> list[Recipient]:
    """The ward's active users, as notify knows them."""
    rows = session.execute(select(*_COLUMNS).where(KnownUser.active.is_(True)).order_by(KnownUser.user_id))
    return [_recipient(r) for r in rows]


@lru_cache(maxsize=64)
def _audience_query(audience: frozenset[str], of_unit: bool) -> Any:
    """The active users an audience names ("unit" = the officers (don_vi) of the unit bound as `unit_id`, any other
    entry = a role) with that unit's name beside each, built once per audience; None when it names no one."""
    roles = sorted(audience - {"unit"})
    named = [KnownUser.role.in_(roles)] if roles else []
    if "unit" in audience and of_unit:
        named.append(and_(KnownUser.role == "don_vi", KnownUser.unit_id == bindparam("unit_id")))
    if not named:
        return None
    unit_name = select(KnownUnit.name).where(KnownUnit.unit_id == bindparam("unit_id")).scalar_subquery()
    return (select(*_COLUMNS, unit_name.label("unit_name"))
            .where(KnownUser.active.is_(True), or_(*named)).order_by(KnownUser.user_id))


def resolve(session: Session, audience: Iterable[str], unit_id: int | None) -> list[Recipient]:
    """The active users an audience names: "unit" = the officers of unit_id, any other entry = a role."""
    return audience_of(session, audience, unit_id)[0]


def audience_of(session: Session, audience: Iterable[str], unit_id: int | None) -> tuple[list[Recipient], str | None]:
    """The active users an audience names, and the name of the unit `unit_id` as notify knows it (None: unknown),
    in one statement: only the users named are read, the unit's name beside each of them."""
    query = _audience_query(frozenset(audience), unit_id is not None)
    if query is None:
        return [], None
    rows = session.connection().execute(query, {"unit_id": unit_id}).all()
    return [_recipient(r) for r in rows], (rows[0].unit_name or None) if rows else None
