"""Evidence files (minh chứng) of a unit report: added and removed by its unit while the report is a draft or
returned; kept as they were once it is sent and accepted."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dvk_platform import evidence
from dvk_platform.auth import Principal
from dvk_platform.errors import Problem

from .models import ReportFile, ReportFileChunk, UnitReport
from .services import get_report, status_text

EDITABLE = ("draft", "returned")


def files(session: Session, report_id: int) -> list[ReportFile]:
    return evidence.files_of(session, ReportFile, "report_id", report_id)


def own_editable_report(session: Session, actor: Principal, report_id: int, *, lock: bool = False) -> UnitReport:
    """The unit's own report in a state whose files may change (404 for another unit's, 409 otherwise). With `lock`,
    the report's row is held until the transaction ends, so a submit cannot slip in between the check and the change."""
    report = get_report(session, report_id, actor)
    if lock:
        session.refresh(report, with_for_update=True)
    if report.status == "accepted":
        raise Problem(409, "files-frozen", "Báo cáo đã được tiếp nhận: tệp minh chứng được giữ nguyên như khi tiếp nhận.")
    if report.status not in EDITABLE:
        raise Problem(409, "files-locked", "Chỉ thêm hoặc gỡ tệp minh chứng khi báo cáo là dự thảo hoặc bị trả lại.",
                      detail=status_text(report.status))
    return report


def add_report_file(session: Session, actor: Principal, report_id: int, upload: evidence.CheckedUpload,
                    limits: evidence.Limits, now: datetime) -> tuple[ReportFile, bool]:
    report = own_editable_report(session, actor, report_id, lock=True)
    return evidence.add_file(session, ReportFile, ReportFileChunk, "report_id", report.id, upload, limits, actor, now)


def report_file(session: Session, principal: Principal, report_id: int, file_id: int) -> ReportFile:
    report = get_report(session, report_id, principal)
    return evidence.file_of(session, ReportFile, "report_id", report.id, file_id)


def remove_report_file(session: Session, actor: Principal, report_id: int, file_id: int) -> None:
    stored = report_file(session, actor, report_id, file_id)
    own_editable_report(session, actor, report_id, lock=True)
    evidence.remove_file(session, ReportFileChunk, stored)
