"""registration periods: the version their deadline comes from; reminders once per due date

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
    # Periods known so far came from period-opened: version 1.
    op.add_column("registration_periods", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    # A moved deadline gets its own reminders: the due date joins the once-only key.
    with op.batch_alter_table("reminders_sent") as batch:
        batch.drop_constraint("uq_reminders_sent_once", type_="unique")
        batch.create_unique_constraint("uq_reminders_sent_once", ["unit_id", "deadline_kind", "year", "offset_days", "due_date"])


def downgrade() -> None:
    # Reminders of a moved deadline would break the narrower key: keep the earliest of each.
    op.execute(
        "DELETE FROM reminders_sent WHERE id NOT IN (SELECT MIN(id) FROM reminders_sent "
        "GROUP BY unit_id, deadline_kind, year, offset_days)"
    )
    with op.batch_alter_table("reminders_sent") as batch:
        batch.drop_constraint("uq_reminders_sent_once", type_="unique")
        batch.create_unique_constraint("uq_reminders_sent_once", ["unit_id", "deadline_kind", "year", "offset_days"])
    with op.batch_alter_table("registration_periods") as batch:
        batch.drop_column("version")
