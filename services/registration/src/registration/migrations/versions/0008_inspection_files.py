"""evidence files of inspections (minutes, photos of the check): one row per file, its bytes in chunks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from alembic import op

from dvk_platform.evidence_tables import create_file_tables, drop_file_tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_file_tables(op, "inspection_files", "inspection_file_chunks", "inspection_id", "inspections")


def downgrade() -> None:
    drop_file_tables(op, "inspection_files", "inspection_file_chunks")
