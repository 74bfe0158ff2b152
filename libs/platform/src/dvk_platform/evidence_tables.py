"""Alembic helpers for a service's evidence-file tables (dvk_platform.evidence): one row per file, owned by a record
of the service, and the file's bytes in numbered chunks."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .evidence import NAME_MAX


def create_file_tables(op: Any, files_table: str, chunks_table: str, owner_column: str, owner_table: str) -> None:
    """A service's file table (owned by `owner_table`) and its chunk table, as dvk_platform.evidence's column mixins."""
    op.create_table(
        files_table,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(owner_column, sa.Integer, sa.ForeignKey(f"{owner_table}.id"), nullable=False),
        sa.Column("name", sa.String(NAME_MAX), nullable=False),
        sa.Column("caption", sa.Text, nullable=False, server_default=""),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.Column("uploaded_by_name", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(owner_column, "sha256", name=f"uq_{files_table}_{owner_column.removesuffix('_id')}_sha256"),
    )
    op.create_index(f"ix_{files_table}_{owner_column}", files_table, [owner_column])
    op.create_table(
        chunks_table,
        sa.Column("file_id", sa.Integer, sa.ForeignKey(f"{files_table}.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("part", sa.String(12), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def drop_file_tables(op: Any, files_table: str, chunks_table: str) -> None:
    op.drop_table(chunks_table)
    op.drop_table(files_table)
