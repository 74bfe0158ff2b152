"""report_history takes the platform's workflow-history columns (dvk_platform.history.WorkflowHistory): reason ->
note, at -> occurred_at, actor_id as long as the other services', and the actor's name (empty for earlier steps,
which did not keep it)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_history") as batch:
        batch.alter_column("reason", new_column_name="note", existing_type=sa.Text, existing_nullable=True)
        batch.alter_column("at", new_column_name="occurred_at", existing_type=sa.DateTime(timezone=True),
                           existing_nullable=False)
        batch.alter_column("actor_id", type_=sa.String(120), existing_type=sa.String(100), existing_nullable=False)
        batch.add_column(sa.Column("actor_name", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("report_history") as batch:
        batch.drop_column("actor_name")
        batch.alter_column("actor_id", type_=sa.String(100), existing_type=sa.String(120), existing_nullable=False)
        batch.alter_column("occurred_at", new_column_name="at", existing_type=sa.DateTime(timezone=True),
                           existing_nullable=False)
        batch.alter_column("note", new_column_name="reason", existing_type=sa.Text, existing_nullable=True)
