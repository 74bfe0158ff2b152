"""consolidated report sign-off: submitted for signature, approved or returned with a reason by the leader

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consolidated_reports") as batch:
        batch.add_column(sa.Column("submitted_for_signature_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("approved_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("return_reason", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consolidated_reports") as batch:
        for column in ("return_reason", "approved_by", "approved_at", "submitted_for_signature_at"):
            batch.drop_column(column)
