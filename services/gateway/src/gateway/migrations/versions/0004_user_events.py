"""outbox for account events, and the ward's existing accounts published once (user-created / user-deactivated)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from dvk_platform.tables import (
    JSONType,
    create_outbox_notify,
    create_platform_tables,
    drop_outbox_notify,
    drop_platform_tables,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables(op)
    create_outbox_notify(op)
    # The accounts made before the gateway published anything: one event each, once (this migration runs once),
    # so notify learns every existing recipient on the first start. Disabled accounts as user-deactivated.
    users = sa.table("users", sa.column("id"), sa.column("full_name"), sa.column("email"), sa.column("role"),
                     sa.column("unit_id"), sa.column("active"), sa.column("version"))
    outbox = sa.table("outbox_messages", sa.column("id"), sa.column("aggregatetype"), sa.column("aggregateid"),
                      sa.column("type"), sa.column("payload", JSONType), sa.column("created_at"), sa.column("attempts"))
    now = datetime.now(UTC)
    rows = []
    for user in op.get_bind().execute(sa.select(users).order_by(users.c.id)).mappings():
        fact = {"user_id": str(user["id"]), "name": user["full_name"], "email": user["email"], "role": user["role"],
                "unit_id": user["unit_id"], "active": bool(user["active"]), "version": int(user["version"] or 1),
                "occurred_at": now.isoformat(timespec="microseconds")}
        kind = "user-created" if fact["active"] else "user-deactivated"
        rows.append({"id": str(uuid.uuid4()), "aggregatetype": "user", "aggregateid": fact["user_id"],
                     "type": f"vn.dvk.gateway.{kind}.v1", "payload": fact, "created_at": now,
                     "attempts": 0})
    if rows:
        op.bulk_insert(outbox, rows)


def downgrade() -> None:
    drop_outbox_notify(op)
    drop_platform_tables(op)
