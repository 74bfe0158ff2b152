"""The audit log: every change to the records a service names, who made it, when, and each field's value
before and after — written by the session in the same transaction as the change, never editable through the
API (no write endpoint) nor in the database (triggers refuse UPDATE and DELETE)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, has_request_context
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import fields, validate
from sqlalchemy import Connection, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from .auth import require_roles
from .db import Database, get_db
from .schemas import MAX_PAGE, BaseSchema, Integer, QuerySchema
from .tables import audit_log

# Values never written to the log, whatever the service. A service adds its own with init_app(..., hidden=...).
SECRET_FIELDS = frozenset({"password_hash", "secret", "api_key_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


# Who acts outside a request, e.g. ("dvk-worker create-admin", "system") for a command run by ops.
_acting: ContextVar[tuple[str, str] | None] = ContextVar("dvk_audit_actor", default=None)

# (actor id, role) of a request, for a service whose users are not service-token principals (the gateway's
# signed-in user); None when it does not know.
ActorHook = Callable[[], "tuple[str, str] | None"]


@contextmanager
def acting_as(actor_id: str, role: str = "system") -> Iterator[None]:
    """Changes made inside this block are logged as made by `actor_id` (a command line tool, a migration)."""
    token = _acting.set((actor_id, role))
    try:
        yield
    finally:
        _acting.reset(token)


def _actor(hook: ActorHook | None = None) -> tuple[str, str]:
    acting = _acting.get()
    if acting is not None:
        return acting
    principal = g.get("principal") if has_request_context() else None
    if principal is not None:
        return principal.user_id, principal.role
    found = hook() if hook is not None and has_request_context() else None
    if found is not None:
        return found
    return "system", "system"  # consumers, schedulers, seeds


def _changes(obj: Any, action: str, hidden: frozenset[str] = SECRET_FIELDS) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in hidden:
            continue
        history = state.attrs[key].history
        if action == "insert":
            after = getattr(obj, key)
            if after is not None:
                changes[key] = [None, _plain(after)]
        elif action == "delete":
            before = history.unchanged[0] if history.unchanged else (history.deleted[0] if history.deleted else None)
            changes[key] = [_plain(before), None]
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before != after:
                changes[key] = [_plain(before), _plain(after)]
    return changes


def install(db: Database, audited: Iterable[type], hidden: Iterable[str] = (), actor: ActorHook | None = None) -> None:
    """Record inserts, updates and deletes of these mapped classes on every session of this database. Columns
    named in SECRET_FIELDS or `hidden` are never written (neither before nor after; a change to them alone
    leaves no row). `actor` names who acts in a request when no service token does (the gateway's user)."""
    classes = tuple(audited)
    left_out = SECRET_FIELDS | frozenset(hidden)
    pending: dict[int, list[tuple[Any, str]]] = {}

    @event.listens_for(db.sessions, "before_flush")
    def _collect(session: Session, _context: Any, _instances: Any) -> None:
        found = [(o, "update") for o in session.dirty if isinstance(o, classes) and session.is_modified(o)]
        found += [(o, "delete") for o in session.deleted if isinstance(o, classes)]
        rows = []
        for obj, action in found:
            changes = _changes(obj, action, left_out)
            if changes:
                rows.append(_row(obj, action, changes, actor))
        if rows:
            session.execute(insert(audit_log), rows)
        pending[id(session)] = [(o, "insert") for o in session.new if isinstance(o, classes)]

    @event.listens_for(db.sessions, "after_flush")
    def _inserted(session: Session, _context: Any) -> None:
        # new rows have their ids only after the flush
        rows = [_row(obj, action, _changes(obj, action, left_out), actor) for obj, action in pending.pop(id(session), [])]
        if rows:
            session.execute(insert(audit_log), rows)


def changed(before: Mapping[str, Any], after: Mapping[str, Any], hidden: frozenset[str] = SECRET_FIELDS) -> dict[str, list[Any]]:
    """The audit log's `changes` of an update: [before, after] of each column in `after` whose value differs."""
    return {key: [_plain(before.get(key)), _plain(value)] for key, value in after.items()
            if key not in hidden and before.get(key) != value}


def record(connection: Connection | Session, entity: str, entity_id: str | int, changes: dict[str, list[Any]],
           action: str = "update") -> None:
    """The audit row of a change a service writes with a statement of its own (an UPDATE with its version check)
    rather than through a mapped object the session hooks see: the same row, in the caller's transaction, by the
    same actor. Nothing is written when nothing changed."""
    if not changes:
        return
    actor_id, actor_role = _actor()
    connection.execute(insert(audit_log), [{
        "at": datetime.now(UTC), "actor_id": actor_id, "actor_role": actor_role, "action": action,
        "entity": entity, "entity_id": str(entity_id), "changes": changes}])


def _row(obj: Any, action: str, changes: dict[str, list[Any]], hook: ActorHook | None = None) -> dict[str, Any]:
    actor_id, actor_role = _actor(hook)
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    return {
        "at": datetime.now(UTC), "actor_id": actor_id, "actor_role": actor_role, "action": action,
        "entity": obj.__tablename__, "entity_id": "/".join(str(part) for part in identity), "changes": changes,
    }


class AuditQuerySchema(QuerySchema):
    entity = fields.String(validate=validate.Length(max=100))
    entity_id = fields.String(validate=validate.Length(max=100))
    page = Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AuditEntrySchema(BaseSchema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.String()
    actor_role = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    changes = fields.Dict()


class AuditPageSchema(BaseSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


blp = Blueprint("audit", __name__, url_prefix="/audit", description="Nhật ký thay đổi (chỉ đọc)")


@blp.route("")
class AuditLog(MethodView):
    @require_roles("admin", "vhxh", "lanh_dao", "giam_sat")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Nhật ký thay đổi: ai, lúc nào, sửa gì (trước/sau). Không sửa, không xóa được."""
        query = select(audit_log)
        for key in ("entity", "entity_id"):
            if args.get(key):
                query = query.where(audit_log.c[key] == args[key])
        with get_db().transaction() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.execute(query.order_by(audit_log.c.id.desc())
                                   .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])).mappings()
            return {"items": [dict(r) for r in rows], "total": total, "page": args["page"], "per_page": args["per_page"]}


def init_app(app: Flask, api: Api, audited: Iterable[type], hidden: Iterable[str] = ()) -> None:
    """Audit these classes and serve GET /audit; `hidden` names further columns kept out of the log (secrets,
    hashes of secrets), on top of SECRET_FIELDS."""
    install(app.extensions["dvk_db"], audited, hidden)
    api.register_blueprint(blp)
