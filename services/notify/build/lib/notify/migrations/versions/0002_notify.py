"""notify: unit read model, inbox, deliveries, webhook subscribers, reminders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from dvk_platform.tables import JSONType

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_units",
        sa.Column("unit_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(40), nullable=False, server_default=""),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(20), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("changed_at", sa.String(40), nullable=False, server_default=""),
    )
    op.create_table(
        "registration_periods",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("period_id", sa.Integer, nullable=True),
        sa.Column("deadline", sa.Date, nullable=False),
    )
    op.create_table(
        "unit_submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_kind", sa.String(10), nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("deadline_kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("item_kind", "item_id", name="uq_unit_submissions_item"),
    )
    op.create_index("ix_unit_submissions_due", "unit_submissions", ["year", "deadline_kind", "unit_id"])
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(160), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "user_id", name="uq_inbox_messages_event_user"),
    )
    op.create_index("ix_inbox_messages_user", "inbox_messages", ["user_id", "read_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(300), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("subscriber_id", sa.Integer, nullable=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(160), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False, server_default=""),
        sa.Column("body_text", sa.Text, nullable=False, server_default=""),
        sa.Column("body_html", sa.Text, nullable=False, server_default=""),
        sa.Column("payload", JSONType, nullable=True),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_event_channel_recipient"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "webhook_subscribers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("event_types", JSONType, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("deadline_kind", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("offset_days", sa.Integer, nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unit_id", "deadline_kind", "year", "offset_days", name="uq_reminders_sent_once"),
    )


def downgrade() -> None:
    op.drop_table("reminders_sent")
    op.drop_table("webhook_subscribers")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_inbox_messages_user", table_name="inbox_messages")
    op.drop_table("inbox_messages")
    op.drop_index("ix_unit_submissions_due", table_name="unit_submissions")
    op.drop_table("unit_submissions")
    op.drop_table("registration_periods")
    op.drop_table("known_units")
