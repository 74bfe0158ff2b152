"""The gateway tells the other services who its users are: every account created, changed or disabled becomes an
event (vn.dvk.gateway.user-created|user-updated|user-deactivated.v1 on dvk.gateway), written to the outbox in the
same transaction as the change, whichever code made it (the admin pages, `dvk-worker create-admin`, the demo seed).
No password hash, no secret: who the person is (name, e-mail), their role and unit, and whether the account is
active. notify keeps its own recipients from them and never asks the gateway."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from dvk_platform.db import Database
from dvk_platform.outbox import add_event

from .models import User

CREATED = "vn.dvk.gateway.user-created.v1"
UPDATED = "vn.dvk.gateway.user-updated.v1"
DEACTIVATED = "vn.dvk.gateway.user-deactivated.v1"
# What the events say of an account; a change to anything else (password, session epoch, last login) is not news.
PUBLISHED = ("full_name", "email", "role", "unit_id", "active")


def user_fact(user: User, now: datetime | None = None) -> dict[str, Any]:
    """The event data of an account as it is now."""
    return {
        "user_id": str(user.id),
        "name": user.full_name,
        "email": user.email,
        "role": user.role,
        "unit_id": user.unit_id,
        "active": bool(user.active),
        "version": int(user.version or 1),
        "occurred_at": (now or datetime.now(UTC)).isoformat(timespec="microseconds"),
    }


def _changed(user: User) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in PUBLISHED)


def _was_active(user: User) -> bool:
    history = inspect(user).attrs.active.history
    return bool(history.deleted[0]) if history.deleted else bool(user.active)


def install(db: Database) -> None:
    """Queue an event for every account change on every session of the gateway's database."""
    pending: dict[int, list[User]] = {}

    @event.listens_for(db.sessions, "before_flush")
    def _changes(session: Session, _context: Any, _instances: Any) -> None:
        for user in [o for o in session.dirty if isinstance(o, User) and _changed(o)]:
            kind = DEACTIVATED if _was_active(user) and not user.active else UPDATED
            add_event(session, aggregate_type="user", aggregate_id=user.id, event_type=kind, payload=user_fact(user))
        pending[id(session)] = [o for o in session.new if isinstance(o, User)]

    @event.listens_for(db.sessions, "after_flush")
    def _created(session: Session, _context: Any) -> None:
        for user in pending.pop(id(session), []):  # ids exist only after the flush
            add_event(session, aggregate_type="user", aggregate_id=user.id, event_type=CREATED, payload=user_fact(user))
