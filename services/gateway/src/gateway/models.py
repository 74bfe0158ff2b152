"""Gateway's own tables: accounts and the login attempts that throttle password guessing."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


ROLE_LABELS = {
    "admin": "Quản trị hệ thống",
    "vhxh": "Phòng Văn hóa - Xã hội",
    "lanh_dao": "Lãnh đạo UBND phường",
    "don_vi": "Cán bộ đơn vị",
    "giam_sat": "Giám sát (MTTQ, Đảng ủy)",
}


class User(Base):
    """A ward staff account with exactly one role; a unit officer (don_vi) is bound to one unit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped when the password changes or the account is disabled: older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped by administrators' edits only (not by logins), so an edit form from before a change is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class LoginAttempt(Base):
    """One password attempt; recent failures per username and per address decide the throttle."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_login_attempts_username_time", "username", "attempted_at"),
        Index("ix_login_attempts_ip_time", "ip", "attempted_at"),
    )
