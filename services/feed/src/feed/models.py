"""Feed's tables (SQLAlchemy 2.x): the append-only copy of every event, and subscribers' API keys."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dvk_platform.tables import JSONType, SeqType, UTCDateTime


class Base(DeclarativeBase):
    pass


class FeedEvent(Base):
    """One event as the wards published it, stored structured; `seq` is the feed's cursor (never reused)."""

    __tablename__ = "feed_events"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(160))
    ward: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(64))
    time: Mapped[str] = mapped_column(String(40))
    event: Mapped[dict[str, Any]] = mapped_column(JSONType)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """A subscriber's key: only its SHA-256 is kept; `wards` is the scope it may read."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(200))
    wards: Mapped[list[str]] = mapped_column(JSONType)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str] = mapped_column(String(32))
    # the salt of the signing secret replaced by a rotation: it still signs beside the new one until then
    previous_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    previous_salt_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def active(self) -> bool:
        return self.revoked_at is None
