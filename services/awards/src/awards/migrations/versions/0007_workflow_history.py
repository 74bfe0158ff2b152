"""nomination_steps takes the platform's workflow-history columns (dvk_platform.history.WorkflowHistory): at ->
occurred_at, statuses and the actor's name as long as the other services'

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
    with op.batch_alter_table("nomination_steps") as batch:
        batch.alter_column("at", new_column_name="occurred_at", existing_type=sa.DateTime(timezone=True),
                           existing_nullable=False)
        batch.alter_column("from_status", type_=sa.String(20), existing_type=sa.String(16), existing_nullable=True)
        batch.alter_column("to_status", type_=sa.String(20), existing_type=sa.String(16), existing_nullable=False)
        batch.alter_column("actor_name", type_=sa.String(200), existing_type=sa.String(120), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("nomination_steps") as batch:
        batch.alter_column("actor_name", type_=sa.String(120), existing_type=sa.String(200), existing_nullable=False)
        batch.alter_column("to_status", type_=sa.String(16), existing_type=sa.String(20), existing_nullable=False)
        batch.alter_column("from_status", type_=sa.String(16), existing_type=sa.String(20), existing_nullable=True)
        batch.alter_column("occurred_at", new_column_name="at", existing_type=sa.DateTime(timezone=True),
                           existing_nullable=False)
