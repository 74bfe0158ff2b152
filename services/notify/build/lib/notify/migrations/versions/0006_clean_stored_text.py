"""free text cleaned of control characters stored before the text policy (they broke the ward's documents)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op

from dvk_platform.stored_text import clean_stored_text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    clean_stored_text(op.get_bind())


def downgrade() -> None:
    pass  # the removed characters were never meant to be there; nothing to put back
