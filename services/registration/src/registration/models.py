"""Registration's own tables (SQLAlchemy 2.x)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


UNIT_KINDS = {
    "co_quan": "Cơ quan, đơn vị thuộc UBND phường",
    "to_dan_pho": "Tổ dân phố",
    "cong_an": "Công an phường",
    "quan_su": "Ban Chỉ huy Quân sự phường",
    "mttq_doan_the": "Ủy ban MTTQ và các tổ chức chính trị - xã hội",
}


class Unit(Base):
    """A participating unit (đơn vị): an office, a residential group, the police, the military command, MTTQ."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
