"""evidence files of unit reports (minh chứng): one row per file, its bytes in chunks, in this database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from alembic import op

from dvk_platform.evidence_tables import create_file_tables, drop_file_tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_file_tables(op, "report_files", "report_file_chunks", "report_id", "unit_reports")


def downgrade() -> None:
    drop_file_tables(op, "report_files", "report_file_chunks")
