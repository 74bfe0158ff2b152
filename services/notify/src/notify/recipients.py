"""Who the ward's users are: notify's own read model (known_users) of the gateway's account events. Nothing is
fetched from the gateway and nothing is cached: an account created a second ago is a recipient as soon as its
user-created event is handled, and notify keeps telling the people it knows while the gateway is down."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent
from dvk_platform.projections import newest_wins

from .models import KnownUser

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
    read models, dvk_platform.projections: by occurred_at), so a late, older fact or a replay changes nothing."""
    data = event.data
    user_id = str(data["user_id"])
    row = session.get(KnownUser, user_id)
    if row is None:
        row = KnownUser(user_id=user_id, version=0, changed_at="")
        session.add(row)
    if not newest_wins(row, "changed_at", event):
        return
    unit = data.get("unit_id")
    row.name, row.email, row.role = str(data.get("name") or ""), data.get("email") or None, str(data.get("role") or "")
    row.unit_id = int(unit) if unit is not None else None
    row.active = event.type != G + "user-deactivated.v1" and bool(data.get("active", True))
    row.version = int(data.get("version") or 1)


def all_recipients(session: Session) -> list[Recipient]:
    """The ward's active users, as notify knows them."""
    rows = session.scalars(select(KnownUser).where(KnownUser.active.is_(True)).order_by(KnownUser.user_id))
    return [Recipient(user_id=r.user_id, name=r.name, email=r.email or "", role=r.role, unit_id=r.unit_id) for r in rows]


def resolve(session: Session, audience: Iterable[str], unit_id: int | None) -> list[Recipient]:
    """The users an audience names: "unit" = the officers of unit_id, any other entry = a role."""
    wanted = set(audience)
    chosen: dict[str, Recipient] = {}
    for person in all_recipients(session):
        by_unit = "unit" in wanted and person.role == "don_vi" and unit_id is not None and person.unit_id == unit_id
        by_role = person.role in wanted
        if by_unit or by_role:
            chosen.setdefault(person.user_id, person)
    return list(chosen.values())
