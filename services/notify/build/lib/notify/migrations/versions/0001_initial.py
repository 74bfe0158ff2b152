"""outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
from alembic import op

from dvk_platform.tables import create_platform_tables, drop_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables(op)


def downgrade() -> None:
    drop_platform_tables(op)
