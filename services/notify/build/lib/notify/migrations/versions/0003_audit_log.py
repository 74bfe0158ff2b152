"""append-only audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from alembic import op

from dvk_platform.tables import create_audit_table, drop_audit_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    drop_audit_table(op)
