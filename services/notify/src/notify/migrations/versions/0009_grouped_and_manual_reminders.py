"""one grouped overdue notice per deadline for Phòng VH-XH; reminders sent by hand

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from dvk_platform.tables import JSONType

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overdue_summaries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("deadline_kind", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("unit_ids", JSONType, nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("deadline_kind", "year", "due_date", name="uq_overdue_summaries_once"),
    )
    op.create_table(
        "manual_reminders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("deadline_kind", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("days_left", sa.Integer, nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_by_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_manual_reminders_unit_id", "manual_reminders", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_manual_reminders_unit_id", table_name="manual_reminders")
    op.drop_table("manual_reminders")
    op.drop_table("overdue_summaries")
