"""known_users: the gateway's accounts as its events tell them (notify no longer asks the gateway)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_users",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("role", sa.String(20), nullable=False, server_default=""),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("changed_at", sa.String(40), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("known_users")
