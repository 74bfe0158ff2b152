"""supporting documents of nominations (minh chứng): one row per file, its bytes in chunks, in this database

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op

from dvk_platform.evidence_tables import create_file_tables, drop_file_tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_file_tables(op, "nomination_files", "nomination_file_chunks", "nomination_id", "nominations")


def downgrade() -> None:
    drop_file_tables(op, "nomination_files", "nomination_file_chunks")
