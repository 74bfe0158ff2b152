"""report deadlines as reporting sets them (report-deadline-set): reminders and overdue notices follow a moved date

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_deadlines",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("deadline_kind", sa.String(20), primary_key=True),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_deadlines")
