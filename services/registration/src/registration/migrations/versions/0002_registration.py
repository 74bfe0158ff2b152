"""registration periods, model registrations, their history, inspections

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "registration_periods",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False, unique=True),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("opened_by", sa.String(120), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "model_registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("goals", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("target_group", sa.Text, nullable=False),
        sa.Column("person_in_charge", sa.String(200), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("expected_results", sa.Text, nullable=False),
        sa.Column("indicators", JSONType, nullable=False),
        sa.Column("attachments", JSONType, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("typical", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("typical_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("typical_note", sa.Text, nullable=True),
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_model_registrations_unit_id", "model_registrations", ["unit_id"])
    op.create_index("ix_model_registrations_year", "model_registrations", ["year"])
    op.create_index("ix_model_registrations_status", "model_registrations", ["status"])
    op.create_table(
        "registration_transitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("model_registrations.id"), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(120), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_registration_transitions_model_id", "registration_transitions", ["model_id"])
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("model_registrations.id"), nullable=False),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("inspector", sa.String(200), nullable=False),
        sa.Column("rating", sa.String(20), nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("follow_up", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inspections_model_id", "inspections", ["model_id"])


def downgrade() -> None:
    op.drop_index("ix_inspections_model_id", table_name="inspections")
    op.drop_table("inspections")
    op.drop_index("ix_registration_transitions_model_id", table_name="registration_transitions")
    op.drop_table("registration_transitions")
    op.drop_index("ix_model_registrations_status", table_name="model_registrations")
    op.drop_index("ix_model_registrations_year", table_name="model_registrations")
    op.drop_index("ix_model_registrations_unit_id", table_name="model_registrations")
    op.drop_table("model_registrations")
    op.drop_table("registration_periods")
