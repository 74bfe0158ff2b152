"""unit reports, deadlines, target figures, overdue notices, consolidated reports; read model of units,
models and commendations

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

FIGURES = ("files_received", "files_resolved", "files_on_time", "online_files", "cashless_payments",
           "survey_responses", "satisfied_responses", "digital_literacy_participants", "officials_total",
           "officials_violating")


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("unit_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("event_time", sa.String(40), nullable=False),
    )
    op.create_table(
        "registered_models",
        sa.Column("model_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("unit_id", sa.Integer, nullable=False, index=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("status_at", sa.String(40), nullable=True),
        sa.Column("typical", sa.Boolean, nullable=False),
        sa.Column("rating", sa.String(20), nullable=True),
        sa.Column("inspected_on", sa.String(10), nullable=True),
    )
    op.create_table(
        "commendations",
        sa.Column("nomination_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("nominee_kind", sa.String(20), nullable=True),
        sa.Column("person_name", sa.String(200), nullable=True),
        sa.Column("award_name", sa.String(300), nullable=True),
        sa.Column("proposed", sa.Boolean, nullable=False),
        sa.Column("approved", sa.Boolean, nullable=True),
        sa.Column("decision_id", sa.Integer, nullable=True),
        sa.Column("decision_number", sa.String(60), nullable=True),
        sa.Column("decided_on", sa.String(10), nullable=True),
        sa.Column("forwarded", sa.Boolean, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "report_deadlines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("year", "period", name="uq_report_deadlines_year_period"),
    )
    op.create_table(
        "unit_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False, index=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sections", JSONType, nullable=False),
        sa.Column("model_results", JSONType, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unit_id", "year", "period", name="uq_unit_reports_unit_year_period"),
    )
    op.create_table(
        "report_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("unit_reports.id"), nullable=False, index=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "target_figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False, index=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        *[sa.Column(name, sa.Integer, nullable=False) for name in FIGURES],
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unit_id", "year", "period", name="uq_target_figures_unit_year_period"),
    )
    op.create_table(
        "overdue_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unit_id", "year", "period", name="uq_overdue_notices_unit_year_period"),
    )
    op.create_table(
        "consolidated_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("number", sa.Integer, nullable=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("document_date", sa.Date, nullable=True),
        sa.Column("content", JSONType, nullable=False),
        sa.Column("recipients", JSONType, nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("figures", JSONType, nullable=True),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("year", "period", name="uq_consolidated_reports_year_period"),
        sa.UniqueConstraint("year", "number", name="uq_consolidated_reports_year_number"),
    )


def downgrade() -> None:
    for table in ("consolidated_reports", "overdue_notices", "target_figures", "report_history", "unit_reports",
                  "report_deadlines", "commendations", "registered_models", "units"):
        op.drop_table(table)
