"""Awards's own tables (SQLAlchemy 2.x): the two catalogues, nominations with their history, decisions and
proposal letters, and the read model of units, models and reports learned from other services' events."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dvk_platform.evidence import FileChunkColumns, StoredFileColumns
from dvk_platform.history import WorkflowHistory
from dvk_platform.labels import Labels
from dvk_platform.tables import JSONType, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


CATALOGUES = Labels("catalogue")  # codes and labels: the event contract
GRANTING_LEVELS = {
    "phuong": "Chủ tịch UBND phường quyết định",
    "cap_tren": "Cấp trên quyết định (phường đề nghị)",
}
NOMINEE_KINDS = Labels("nominee_kind")

# Workflow of a nomination (đề nghị khen thưởng).
NOMINATION_STATUSES = Labels("nomination_status")
# Statuses that no longer hold the award, so a new nomination for the same award is not a duplicate.
CLOSED_STATUSES = ("not_approved", "revoked", "withdrawn")

SIGNER_POSITIONS = {"chu_tich": "CHỦ TỊCH", "pho_chu_tich": "PHÓ CHỦ TỊCH"}


def status_label(status: str) -> str:
    return f"{NOMINATION_STATUSES.get(status, status)} ({status})"


class AwardEntry(Base):
    """One entry of a catalogue: an emulation title (danh hiệu thi đua) or an award form (hình thức khen thưởng)."""

    __tablename__ = "award_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    catalogue: Mapped[str] = mapped_column(String(10))  # title | form
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    for_individuals: Mapped[bool] = mapped_column(Boolean, default=True)
    for_collectives: Mapped[bool] = mapped_column(Boolean, default=True)
    granting_level: Mapped[str] = mapped_column(String(10))  # phuong | cap_tren
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class Decision(Base):
    """A commendation decision (Quyết định khen thưởng) of the Chairman, numbered per calendar year."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("year", "number", name="uq_decisions_year_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    decided_on: Mapped[date] = mapped_column(Date)
    signer_name: Mapped[str] = mapped_column(String(120))
    signer_position: Mapped[str] = mapped_column(String(20), default="chu_tich")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    nominations: Mapped[list[Nomination]] = relationship(back_populates="decision", order_by="Nomination.id")


class ProposalLetter(Base):
    """A proposal letter (Tờ trình) asking a higher level to grant an award, numbered per calendar year."""

    __tablename__ = "proposal_letters"
    __table_args__ = (UniqueConstraint("year", "number", name="uq_proposal_letters_year_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    letter_date: Mapped[date] = mapped_column(Date)
    addressee: Mapped[str] = mapped_column(String(200))
    signer_name: Mapped[str] = mapped_column(String(120))
    signer_position: Mapped[str] = mapped_column(String(20), default="chu_tich")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    nominations: Mapped[list[Nomination]] = relationship(back_populates="letter", order_by="Nomination.id")


class Nomination(Base):
    """A nomination (đề nghị khen thưởng) of a collective (a unit) or an individual for one title or form."""

    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    movement: Mapped[str] = mapped_column(String(120))
    nominee_kind: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column(Integer)
    person_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    person_key: Mapped[str] = mapped_column(String(120), default="")  # case-folded name, "" for collectives
    person_position: Mapped[str | None] = mapped_column(String(160), nullable=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award_entries.id"))
    catalogue: Mapped[str] = mapped_column(String(10))
    award_name: Mapped[str] = mapped_column(String(200))  # as named when proposed; the catalogue may change later
    achievements: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    proposer_id: Mapped[str] = mapped_column(String(120))
    proposer_name: Mapped[str] = mapped_column(String(120))
    # Council review (Hội đồng Thi đua - Khen thưởng)
    meeting_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    votes_for: Mapped[int | None] = mapped_column(Integer, nullable=True)
    votes_against: Mapped[int | None] = mapped_column(Integer, nullable=True)
    votes_abstain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_letters.id"), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    award: Mapped[AwardEntry] = relationship()
    decision: Mapped[Decision | None] = relationship(back_populates="nominations")
    letter: Mapped[ProposalLetter | None] = relationship(back_populates="nominations")
    history: Mapped[list[NominationStep]] = relationship(back_populates="nomination", order_by="NominationStep.id")

    __mapper_args__ = {"version_id_col": version}


class NominationStep(WorkflowHistory, Base):
    """One step of a nomination's history: who did what, when, from which status to which."""

    __tablename__ = "nomination_steps"

    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)

    nomination: Mapped[Nomination] = relationship(back_populates="history")


# Read model learned from registration and reporting events (never their tables).


class KnownUnit(Base):
    __tablename__ = "known_units"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    seen_at: Mapped[str] = mapped_column(String(40))  # ISO time of the newest event applied


class KnownModel(Base):
    __tablename__ = "known_models"

    model_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    field: Mapped[str | None] = mapped_column(String(30), nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status_at: Mapped[str] = mapped_column(String(40), default="")
    typical: Mapped[bool] = mapped_column(Boolean, default=False)
    typical_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class KnownInspection(Base):
    __tablename__ = "known_inspections"

    inspection_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    model_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(12))
    inspected_on: Mapped[date] = mapped_column(Date)
    seen_at: Mapped[str] = mapped_column(String(40))


class KnownReport(Base):
    __tablename__ = "known_reports"
    __table_args__ = (UniqueConstraint("unit_id", "year", "period", name="uq_known_reports_unit_year_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(12))
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    status_at: Mapped[str] = mapped_column(String(40), default="")


class NominationFile(StoredFileColumns, Base):
    """A supporting document of a nomination (minh chứng): a unit's report of achievements, a letter of thanks, photos.
    The same bytes are kept once per nomination (unique SHA-256)."""

    __tablename__ = "nomination_files"
    __table_args__ = (UniqueConstraint("nomination_id", "sha256", name="uq_nomination_files_nomination_sha256"),)

    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)


class NominationFileChunk(FileChunkColumns, Base):
    """The bytes of a nomination's file (and of an image's previews), in numbered chunks."""

    __tablename__ = "nomination_file_chunks"

    file_id: Mapped[int] = mapped_column(ForeignKey("nomination_files.id", ondelete="CASCADE"), primary_key=True)
