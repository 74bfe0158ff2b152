"""evidence files of models (minh chứng): one row per file, its bytes in chunks, in this database

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op

from dvk_platform.evidence_tables import create_file_tables, drop_file_tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_file_tables(op, "model_files", "model_file_chunks", "model_id", "model_registrations")


def downgrade() -> None:
    drop_file_tables(op, "model_files", "model_file_chunks")
