"""commendations: a nomination awards reports as withdrawn no longer counts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows: awards published no withdrawal before this, so none is known to be withdrawn.
    op.add_column("commendations", sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("commendations") as batch:
        batch.drop_column("withdrawn")
