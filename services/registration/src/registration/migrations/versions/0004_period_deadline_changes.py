"""registration periods: a version for If-Match, and the history of deadline changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing periods were never changed: version 1, no update time, no history.
    with op.batch_alter_table("registration_periods") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "registration_period_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("period_id", sa.Integer, sa.ForeignKey("registration_periods.id"), nullable=False),
        sa.Column("from_deadline", sa.Date, nullable=False),
        sa.Column("to_deadline", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_id", sa.String(120), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_registration_period_changes_period_id", "registration_period_changes", ["period_id"])


def downgrade() -> None:
    op.drop_index("ix_registration_period_changes_period_id", table_name="registration_period_changes")
    op.drop_table("registration_period_changes")
    with op.batch_alter_table("registration_periods") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("version")
