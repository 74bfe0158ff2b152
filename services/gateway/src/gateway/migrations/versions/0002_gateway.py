"""users and login attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="1"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin','vhxh','lanh_dao','don_vi','giam_sat')", name="ck_users_role"),
        sa.CheckConstraint("(role = 'don_vi') = (unit_id IS NOT NULL)", name="ck_users_unit_for_don_vi"),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_attempts_username_time", "login_attempts", ["username", "attempted_at"])
    op.create_index("ix_login_attempts_ip_time", "login_attempts", ["ip", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_ip_time", "login_attempts")
    op.drop_index("ix_login_attempts_username_time", "login_attempts")
    op.drop_table("login_attempts")
    op.drop_table("users")
