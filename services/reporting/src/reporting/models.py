"""Reporting's own tables (SQLAlchemy 2.x): unit reports, target figures, consolidated reports, and the
read model of other services' facts (units, models, commendations) fed by their events."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dvk_documents import document_number
from dvk_platform.evidence import FileChunkColumns, StoredFileColumns
from dvk_platform.history import WorkflowHistory
from dvk_platform.labels import Labels
from dvk_platform.tables import JSONType, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


PERIODS = Labels("period")  # codes and labels: the event contract

REPORT_STATUSES = Labels("report_status")
MODEL_STATUS_LABELS = Labels("model_status")  # of the models reporting knows from registration's events

# The sections every unit report covers (Kế hoạch, mục IV.5), in the order they are printed.
REPORT_SECTIONS = {
    "leadership": "Công tác lãnh đạo, chỉ đạo",
    "effectiveness": "Hiệu quả mang lại",
    "good_practices": "Cách làm hay, sáng tạo",
    "difficulties": "Khó khăn, vướng mắc",
    "recommendations": "Kiến nghị, đề xuất",
    "next_direction": "Phương hướng, nhiệm vụ thời gian tới",
}

MODEL_FIELDS = Labels("field")

MODEL_STATUSES = ("draft", "submitted", "returned", "resubmitted", "accepted", "withdrawn")


class Unit(Base):
    """A unit as registration last described it (read model from unit-* events)."""

    __tablename__ = "units"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # CloudEvent time of the event that wrote this row: an older event never overwrites a newer one.
    event_time: Mapped[str] = mapped_column(String(40))


class RegisteredModel(Base):
    """A unit's "Dân vận khéo" model as registration last described it (read model)."""

    __tablename__ = "registered_models"

    model_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    field: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    status_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    typical: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[str | None] = mapped_column(String(20), nullable=True)
    inspected_on: Mapped[str | None] = mapped_column(String(10), nullable=True)


class Commendation(Base):
    """A nomination as awards last described it; each event sets its own columns, so order does not matter."""

    __tablename__ = "commendations"

    nomination_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    nominee_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    person_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    award_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    proposed: Mapped[bool] = mapped_column(Boolean, default=False)
    approved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    decided_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Withdrawal is final in awards, so once set it stays set: an older event arriving later cannot undo it.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReportDeadline(Base):
    """A due date set for one year and period, replacing the plan's default (10/06, 15/11)."""

    __tablename__ = "report_deadlines"
    __table_args__ = (UniqueConstraint("year", "period", name="uq_report_deadlines_year_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date] = mapped_column(Date)
    # 1 for the first change, one more for each later one: report-deadline-set carries it so consumers keep the newest
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class UnitReport(Base):
    """A unit's six-month (sơ kết) or annual (tổng kết) report."""

    __tablename__ = "unit_reports"
    __table_args__ = (UniqueConstraint("unit_id", "year", "period", name="uq_unit_reports_unit_year_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    sections: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    model_results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    due_date: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def number_cited(self) -> str | None:
        """"05/BC-UBND" once issued, as other documents cite it."""
        return document_number("BC", self.number) if self.number and self.status == "finalised" else None


class ReportHistory(WorkflowHistory, Base):
    """Who did what to a report, when (the audit trail shown under the report)."""

    __tablename__ = "report_history"

    report_id: Mapped[int] = mapped_column(ForeignKey("unit_reports.id"), index=True)


# Target figure columns (chỉ tiêu) with their Vietnamese labels, in import/export order.
FIGURE_FIELDS = {
    "files_received": "Hồ sơ TTHC tiếp nhận",
    "files_resolved": "Hồ sơ TTHC đã giải quyết",
    "files_on_time": "Hồ sơ giải quyết đúng và trước hạn",
    "online_files": "Hồ sơ dịch vụ công trực tuyến",
    "cashless_payments": "Giao dịch thanh toán không dùng tiền mặt",
    "survey_responses": "Lượt đánh giá mức độ hài lòng",
    "satisfied_responses": "Lượt đánh giá hài lòng",
    "digital_literacy_participants": "Người tham gia \"Bình dân học vụ số\"",
    "officials_total": "Cán bộ, công chức",
    "officials_violating": "Cán bộ, công chức vi phạm quy tắc ứng xử",
}


class TargetFigures(Base):
    """One unit's target figures (chỉ tiêu) for one year and period."""

    __tablename__ = "target_figures"
    __table_args__ = (UniqueConstraint("unit_id", "year", "period", name="uq_target_figures_unit_year_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(20))
    files_received: Mapped[int] = mapped_column(Integer, default=0)
    files_resolved: Mapped[int] = mapped_column(Integer, default=0)
    files_on_time: Mapped[int] = mapped_column(Integer, default=0)
    online_files: Mapped[int] = mapped_column(Integer, default=0)
    cashless_payments: Mapped[int] = mapped_column(Integer, default=0)
    survey_responses: Mapped[int] = mapped_column(Integer, default=0)
    satisfied_responses: Mapped[int] = mapped_column(Integer, default=0)
    digital_literacy_participants: Mapped[int] = mapped_column(Integer, default=0)
    officials_total: Mapped[int] = mapped_column(Integer, default=0)
    officials_violating: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | import
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURE_FIELDS}


class OverdueNotice(Base):
    """A unit's report found overdue once; the row makes the scheduled check idempotent."""

    __tablename__ = "overdue_notices"
    __table_args__ = (UniqueConstraint("unit_id", "year", "period", name="uq_overdue_notices_unit_year_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date] = mapped_column(Date)
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsolidatedReport(Base):
    """The ward's consolidated report (báo cáo tổng hợp) for one year and period."""

    __tablename__ = "consolidated_reports"
    __table_args__ = (
        UniqueConstraint("year", "period", name="uq_consolidated_reports_year_period"),
        UniqueConstraint("year", "number", name="uq_consolidated_reports_year_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(20))
    # draft → awaiting_signature (Trình ký) → approved (lãnh đạo duyệt) → finalised (ban hành, numbered);
    # a leader may return a report awaiting signature to draft, with a reason.
    status: Mapped[str] = mapped_column(String(20), default="draft")
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(String(500))
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # {"intro": str, "leadership": str, "results": str, "effectiveness": str, "next_direction": str,
    #  "good_practices": [{unit_id, unit_name, text}], "difficulties": [...], "recommendations": [...]}
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    # Figures frozen at finalisation; a draft always shows the current figures.
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_for_signature_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def number_cited(self) -> str | None:
        """"05/BC-UBND" once issued, as other documents cite it."""
        return document_number("BC", self.number) if self.number and self.status == "finalised" else None


class ReportFile(StoredFileColumns, Base):
    """An evidence file (minh chứng) of a unit report: photos of the activities, minutes, figures in a workbook.
    The same bytes are kept once per report (unique SHA-256)."""

    __tablename__ = "report_files"
    __table_args__ = (UniqueConstraint("report_id", "sha256", name="uq_report_files_report_sha256"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("unit_reports.id"), index=True)


class ReportFileChunk(FileChunkColumns, Base):
    """The bytes of a report's file (and of an image's previews), in numbered chunks."""

    __tablename__ = "report_file_chunks"

    file_id: Mapped[int] = mapped_column(ForeignKey("report_files.id", ondelete="CASCADE"), primary_key=True)
