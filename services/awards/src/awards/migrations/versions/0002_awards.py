"""award catalogues, nominations and their history, decisions, proposal letters, read model of other services

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from dvk_platform.tables import JSONType

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_LAW = "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022"
_DECREE = "Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng"

# The starting catalogues. The rules were revised in 2025, so every entry is flagged (needs_confirmation) for an
# admin to check its legal basis against the decree in force; a flagged entry cannot be decided or forwarded.
SEED_ENTRIES = [
    {
        "catalogue": "form", "code": "giay-khen-chu-tich-ubnd-phuong", "name": "Giấy khen của Chủ tịch UBND phường",
        "for_individuals": True, "for_collectives": True, "granting_level": "phuong",
        "legal_basis": f"{_LAW}; {_DECREE}.",
    },
    {
        "catalogue": "form", "code": "bieu-duong-ubnd-phuong", "name": "Biểu dương",
        "for_individuals": True, "for_collectives": True, "granting_level": "phuong",
        "legal_basis": f"Kế hoạch triển khai Phong trào thi đua “Dân vận khéo” phường Minh Xuân giai đoạn 2026 - 2030; {_LAW}.",
    },
    {
        "catalogue": "form", "code": "bang-khen-chu-tich-ubnd-tinh", "name": "Bằng khen của Chủ tịch UBND tỉnh",
        "for_individuals": True, "for_collectives": True, "granting_level": "cap_tren",
        "legal_basis": f"{_LAW}; {_DECREE}.",
    },
    {
        "catalogue": "title", "code": "lao-dong-tien-tien", "name": "Lao động tiên tiến",
        "for_individuals": True, "for_collectives": False, "granting_level": "phuong",
        "legal_basis": f"{_LAW}; {_DECREE}.",
    },
    {
        "catalogue": "title", "code": "chien-si-thi-dua-co-so", "name": "Chiến sĩ thi đua cơ sở",
        "for_individuals": True, "for_collectives": False, "granting_level": "phuong",
        "legal_basis": f"{_LAW}; {_DECREE}.",
    },
    {
        "catalogue": "title", "code": "tap-the-lao-dong-tien-tien", "name": "Tập thể lao động tiên tiến",
        "for_individuals": False, "for_collectives": True, "granting_level": "phuong",
        "legal_basis": f"{_LAW}; {_DECREE}.",
    },
]


def upgrade() -> None:
    entries = op.create_table(
        "award_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("catalogue", sa.String(10), nullable=False),
        sa.Column("code", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("for_individuals", sa.Boolean, nullable=False),
        sa.Column("for_collectives", sa.Boolean, nullable=False),
        sa.Column("granting_level", sa.String(10), nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("needs_confirmation", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("signer_name", sa.String(120), nullable=False),
        sa.Column("signer_position", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("year", "number", name="uq_decisions_year_number"),
    )
    op.create_table(
        "proposal_letters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("letter_date", sa.Date, nullable=False),
        sa.Column("addressee", sa.String(200), nullable=False),
        sa.Column("signer_name", sa.String(120), nullable=False),
        sa.Column("signer_position", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("year", "number", name="uq_proposal_letters_year_number"),
    )
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("movement", sa.String(120), nullable=False),
        sa.Column("nominee_kind", sa.String(12), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("person_name", sa.String(120), nullable=True),
        sa.Column("person_key", sa.String(120), nullable=False, server_default=""),
        sa.Column("person_position", sa.String(160), nullable=True),
        sa.Column("award_id", sa.Integer, sa.ForeignKey("award_entries.id"), nullable=False),
        sa.Column("catalogue", sa.String(10), nullable=False),
        sa.Column("award_name", sa.String(200), nullable=False),
        sa.Column("achievements", sa.Text, nullable=False),
        sa.Column("evidence", JSONType, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposer_id", sa.String(120), nullable=False),
        sa.Column("proposer_name", sa.String(120), nullable=False),
        sa.Column("meeting_date", sa.Date, nullable=True),
        sa.Column("votes_for", sa.Integer, nullable=True),
        sa.Column("votes_against", sa.Integer, nullable=True),
        sa.Column("votes_abstain", sa.Integer, nullable=True),
        sa.Column("minutes", sa.Text, nullable=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=True),
        sa.Column("letter_id", sa.Integer, sa.ForeignKey("proposal_letters.id"), nullable=True),
        sa.Column("revoked_reason", sa.Text, nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    # The same person or unit cannot hold the same title or form twice for one year and movement.
    still_open = sa.text("status NOT IN ('not_approved', 'revoked', 'withdrawn')")
    op.create_index(
        "uq_nominations_open_award", "nominations", ["year", "movement", "award_id", "unit_id", "person_key"],
        unique=True, postgresql_where=still_open, sqlite_where=still_open,
    )
    op.create_table(
        "nomination_steps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nomination_id", sa.Integer, sa.ForeignKey("nominations.id"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(120), nullable=False),
        sa.Column("actor_name", sa.String(120), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_nomination_steps_nomination_id", "nomination_steps", ["nomination_id"])
    op.create_table(
        "known_units",
        sa.Column("unit_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(20), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("seen_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "known_models",
        sa.Column("model_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("field", sa.String(30), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("status_at", sa.String(40), nullable=False),
        sa.Column("typical", sa.Boolean, nullable=False),
        sa.Column("typical_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "known_inspections",
        sa.Column("inspection_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("rating", sa.String(12), nullable=False),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("seen_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_known_inspections_model_id", "known_inspections", ["model_id"])
    op.create_table(
        "known_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, nullable=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.String(12), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("status_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("unit_id", "year", "period", name="uq_known_reports_unit_year_period"),
    )
    op.create_index("ix_known_reports_report_id", "known_reports", ["report_id"])

    now = datetime.now(UTC)
    op.bulk_insert(
        entries,
        [{**e, "active": True, "needs_confirmation": True, "version": 1, "created_at": now, "updated_at": now} for e in SEED_ENTRIES],
    )


def downgrade() -> None:
    for name in ("known_reports", "known_inspections", "known_models", "known_units", "nomination_steps", "nominations",
                 "proposal_letters", "decisions", "award_entries"):
        op.drop_table(name)
