"""Registration's own tables (SQLAlchemy 2.x)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dvk_platform.evidence import FileChunkColumns, StoredFileColumns
from dvk_platform.history import WorkflowHistory
from dvk_platform.labels import Labels
from dvk_platform.tables import UTCDateTime

# JSONB on PostgreSQL, JSON text on SQLite.
JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


UNIT_KINDS = Labels("kind")  # codes and labels: the event contract

FIELDS = Labels("field")

STATUSES = Labels("model_status")

RATINGS = Labels("rating")


class Unit(Base):
    """A participating unit (đơn vị): an office, a residential group, the police, the military command, MTTQ."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class RegistrationPeriod(Base):
    """The yearly registration window (kỳ đăng ký), opened by Phòng VH-XH; one per year."""

    __tablename__ = "registration_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    deadline: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_by: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # 1 at opening, +1 at each deadline change (If-Match; consumers order period events by it)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __mapper_args__ = {"version_id_col": version}


class PeriodChange(Base):
    """One change of a period's deadline: from which date to which, why, who, when (the period's history)."""

    __tablename__ = "registration_period_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("registration_periods.id"), index=True)
    from_deadline: Mapped[date] = mapped_column(Date)
    to_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(String(120))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ModelRegistration(Base):
    """A unit's "Dân vận khéo" model or content (mô hình, nội dung) registered for one year."""

    __tablename__ = "model_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    field: Mapped[str] = mapped_column(String(30))
    goals: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)  # nội dung, giải pháp
    target_group: Mapped[str] = mapped_column(Text)
    person_in_charge: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    expected_results: Mapped[str] = mapped_column(Text)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    typical: Mapped[bool] = mapped_column(Boolean, default=False)
    typical_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    typical_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    search_text: Mapped[str] = mapped_column(Text, default="")  # accent-folded, lower-case: "dan van kheo"
    created_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}


class RegistrationTransition(WorkflowHistory, Base):
    """One step of a model's workflow history: who, when, from which state to which, with what note."""

    __tablename__ = "registration_transitions"

    model_id: Mapped[int] = mapped_column(ForeignKey("model_registrations.id"), index=True)


class Inspection(Base):
    """An on-the-ground check (kiểm tra) of a model by Phòng VH-XH, with a rating and findings."""

    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("model_registrations.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    inspector: Mapped[str] = mapped_column(String(200))
    rating: Mapped[str] = mapped_column(String(20))
    findings: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ModelFile(StoredFileColumns, Base):
    """An evidence file (minh chứng) of a model: a photo of the work, minutes of a meeting, a scanned letter.
    The same bytes are kept once per model (unique SHA-256)."""

    __tablename__ = "model_files"
    __table_args__ = (UniqueConstraint("model_id", "sha256", name="uq_model_files_model_sha256"),)

    model_id: Mapped[int] = mapped_column(ForeignKey("model_registrations.id"), index=True)


class ModelFileChunk(FileChunkColumns, Base):
    """The bytes of a model's file (and of an image's previews), in numbered chunks."""

    __tablename__ = "model_file_chunks"

    file_id: Mapped[int] = mapped_column(ForeignKey("model_files.id", ondelete="CASCADE"), primary_key=True)


class InspectionFile(StoredFileColumns, Base):
    """An evidence file of an inspection: the minutes Phòng VH-XH signed on the ground, photos of what it saw.
    The same bytes are kept once per inspection (unique SHA-256)."""

    __tablename__ = "inspection_files"
    __table_args__ = (UniqueConstraint("inspection_id", "sha256", name="uq_inspection_files_inspection_sha256"),)

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)


class InspectionFileChunk(FileChunkColumns, Base):
    """The bytes of an inspection's file (and of an image's previews), in numbered chunks."""

    __tablename__ = "inspection_file_chunks"

    file_id: Mapped[int] = mapped_column(ForeignKey("inspection_files.id", ondelete="CASCADE"), primary_key=True)
