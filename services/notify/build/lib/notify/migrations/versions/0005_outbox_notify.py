"""wake the relay when outbox rows commit (PostgreSQL NOTIFY from a trigger on the outbox)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from alembic import op

from dvk_platform.tables import create_outbox_notify, drop_outbox_notify

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_notify(op)


def downgrade() -> None:
    drop_outbox_notify(op)
