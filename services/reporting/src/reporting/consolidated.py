"""The ward's consolidated report (báo cáo tổng hợp): drafted from accepted unit reports, edited by
Phòng Văn hóa - Xã hội, submitted for signature, approved or returned by a leader, numbered per year and issued.
Use cases as in services.py (actor, id, data, expected version, `now` given); its workflow is TRANSITIONS; the
Word document and the annex workbook are made in consolidated_document.py."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dvk_platform.auth import Principal
from dvk_platform.clock import ward_date
from dvk_platform.errors import Conflict, NotFound
from dvk_platform.labels import Labels
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version
from dvk_platform.workflow import next_state

from . import events
from .models import (
    PERIODS,
    ConsolidatedReport,
    RegisteredModel,
    TargetFigures,
    Unit,
    UnitReport,
)
from .progress import compute_progress, figures_summary
from .services import iso

DEFAULT_RECIPIENTS = [
    "Đảng ủy phường (để báo cáo);",
    "Thường trực HĐND phường;",
    "Chủ tịch, các Phó Chủ tịch UBND phường;",
    "Ủy ban MTTQ Việt Nam phường;",
    "Các cơ quan, đơn vị, tổ dân phố;",
]


def period_subject(year: int, period: str) -> str:
    kind = "Sơ kết 6 tháng đầu năm" if period == "six_month" else "Tổng kết năm"
    return f"{kind} {year} thực hiện Phong trào thi đua “Dân vận khéo”"


def _unit_names(session: Session) -> dict[int, str]:
    return {u.unit_id: u.name for u in session.scalars(select(Unit))}


def _accepted_reports(session: Session, year: int, period: str) -> list[UnitReport]:
    return list(session.scalars(select(UnitReport).where(UnitReport.year == year, UnitReport.period == period,
                                                         UnitReport.status == "accepted").order_by(UnitReport.unit_id)))


def _rate_text(value: float | None, target: float) -> str:
    if value is None:
        return "chưa có số liệu"
    return f"{value:.2f}% ({'đạt' if value >= target else 'chưa đạt'} chỉ tiêu {target:.0f}%)".replace(".", ",")


def results_text(progress: Mapping[str, Any], period: str) -> str:
    units, reports, targets = progress["units"], progress["reports"][period], progress["targets"][period]
    return (
        f"Có {units['with_registered_model']}/{units['active']} cơ quan, đơn vị, tổ dân phố đăng ký mô hình, "
        f"trong đó {units['with_accepted_model']} đơn vị có mô hình được tiếp nhận; "
        f"{progress['models']['total']} mô hình đăng ký, {len(progress['typical_models'])} mô hình được chọn làm điển hình. "
        f"{reports['submitted']}/{reports['expected']} đơn vị gửi báo cáo ({reports['on_time']} đúng hạn). "
        f"Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng và trước hạn: {_rate_text(targets['on_time_rate'], 98)}; "
        f"tỷ lệ cán bộ, công chức giữ quy tắc ứng xử: {_rate_text(targets['conduct_rate'], 100)}."
    )


def draft_content(session: Session, year: int, period: str, progress: Mapping[str, Any]) -> dict[str, Any]:
    names = _unit_names(session)
    accepted = _accepted_reports(session, year, period)

    def items(key: str) -> list[dict[str, Any]]:
        return [{"unit_id": r.unit_id, "unit_name": names.get(r.unit_id, f"Đơn vị {r.unit_id}"), "text": r.sections[key]}
                for r in accepted if (r.sections.get(key) or "").strip()]

    def joined(key: str) -> str:
        return "\n".join(f"{i['unit_name']}: {i['text']}" for i in items(key))

    return {
        "intro": (f"Thực hiện Kế hoạch Phong trào thi đua “Dân vận khéo” giai đoạn 2026 - 2030, trên cơ sở "
                  f"{len(accepted)} báo cáo của các cơ quan, đơn vị, tổ dân phố, Ủy ban nhân dân phường báo cáo "
                  f"{PERIODS[period].lower()} {year} như sau:"),
        "leadership": joined("leadership"),
        "results": results_text(progress, period),
        "effectiveness": joined("effectiveness"),
        "good_practices": items("good_practices"),
        "difficulties": items("difficulties"),
        "recommendations": items("recommendations"),
        "next_direction": joined("next_direction"),
    }


CONSOLIDATED_STATUSES = Labels("consolidated_status")
# Which state each action on the consolidated report may start from, and where it leads ("edit" keeps the state).
TRANSITIONS: dict[str, dict[str, str]] = {
    "edit": {"draft": "draft"},
    "submit": {"draft": "awaiting_signature"},
    "approve": {"awaiting_signature": "approved"},
    "return": {"awaiting_signature": "draft"},
    "finalise": {"approved": "finalised"},
}
SIGNOFF_EVENTS = {"submit": events.CONSOLIDATED_REPORT_SUBMITTED_FOR_SIGNATURE, "approve": events.CONSOLIDATED_REPORT_APPROVED,
                  "return": events.CONSOLIDATED_REPORT_RETURNED}
NOT_EDITABLE = {"finalised": "Báo cáo tổng hợp đã ban hành, không sửa được.",
                "awaiting_signature": "Báo cáo tổng hợp đang trình ký, không sửa được.",
                "approved": "Báo cáo tổng hợp đã được lãnh đạo duyệt, không sửa được."}


def _refusal(action: str, current: str) -> str:
    if action in ("edit", "submit"):
        return NOT_EDITABLE.get(current, "Báo cáo tổng hợp không còn là dự thảo.")
    if action == "finalise":
        return "Báo cáo tổng hợp đã ban hành." if current == "finalised" else \
            "Báo cáo tổng hợp chưa được lãnh đạo duyệt, chưa ban hành được."
    return "Báo cáo tổng hợp chưa được trình ký."


def _target(report: ConsolidatedReport, action: str) -> str:
    """Where `action` takes the report (409 invalid-transition if its state does not allow it)."""
    current = report.status
    return next_state(TRANSITIONS, action, current, lambda _allowed: (
        _refusal(action, current), f"Trạng thái hiện tại: {CONSOLIDATED_STATUSES.get(current, current)} ({current})"))


def create_consolidated(session: Session, actor: Principal, year: int, period: str, now: datetime,
                        config: Mapping[str, Any]) -> ConsolidatedReport:
    """Phòng VH-XH's draft, from the accepted unit reports and the progress as of `now`; `config` names the signer."""
    existing = session.scalar(select(ConsolidatedReport).where(ConsolidatedReport.year == year, ConsolidatedReport.period == period))
    if existing is not None:
        raise Conflict("duplicate-consolidated-report", "Kỳ này đã có báo cáo tổng hợp.",
                      detail=f"Báo cáo tổng hợp số {existing.id}.", consolidated_id=existing.id)
    progress = compute_progress(session, year, config, now)
    report = ConsolidatedReport(year=year, period=period, status="draft", title=period_subject(year, period),
                                content=draft_content(session, year, period, progress), recipients=list(DEFAULT_RECIPIENTS),
                                signer_name=config.get("CHAIRMAN_NAME") or "")
    session.add(report)
    session.flush()
    return report


def get_consolidated(session: Session, consolidated_id: int) -> ConsolidatedReport:
    report = session.get(ConsolidatedReport, consolidated_id)
    if report is None:
        raise NotFound("consolidated-report-not-found", "Không tìm thấy báo cáo tổng hợp.")
    return report


def consolidated_reports(session: Session) -> list[ConsolidatedReport]:
    return list(session.scalars(select(ConsolidatedReport).order_by(ConsolidatedReport.year, ConsolidatedReport.period)))


def sign_off(session: Session, actor: Principal, consolidated_id: int, action: str, expected_version: int | None,
             now: datetime, reason: str | None = None) -> ConsolidatedReport:
    """Phòng VH-XH submits the draft for signature (it can no longer be edited while the leaders read it); a leader
    approves it (Phòng VH-XH may then issue it with a number) or returns it to a draft, saying what to change."""
    report = get_consolidated(session, consolidated_id)
    check_version(report.version, expected_version)
    report.status = _target(report, action)
    if action == "submit":
        report.submitted_for_signature_at, report.return_reason = now, None
    elif action == "approve":
        report.approved_at, report.approved_by = now, actor.name
    else:
        report.return_reason, report.submitted_for_signature_at = reason, None
    session.flush()
    extra = {"reason": reason} if action == "return" else {}
    add_event(session, aggregate_type="consolidated-report", aggregate_id=report.id, event_type=SIGNOFF_EVENTS[action],
              payload=events.signoff_payload(report, actor.role, iso(now), **extra))
    return report


def update_consolidated(session: Session, actor: Principal, consolidated_id: int, data: dict[str, Any],
                        expected_version: int | None) -> ConsolidatedReport:
    report = get_consolidated(session, consolidated_id)
    check_version(report.version, expected_version)
    _target(report, "edit")
    for key in ("title", "document_date", "recipients", "signer_name"):
        if key in data:
            setattr(report, key, data[key])
    if "content" in data:
        report.content = {**report.content, **data["content"]}
    session.flush()
    return report


def current_figures(session: Session, report: ConsolidatedReport, config: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The figures the document and annex show: frozen once finalised, current while a draft."""
    if report.figures is not None:
        return report.figures
    names = _unit_names(session)
    codes = {u.unit_id: u.code for u in session.scalars(select(Unit))}
    rows = list(session.scalars(select(TargetFigures).where(TargetFigures.year == report.year, TargetFigures.period == report.period)
                                .order_by(TargetFigures.unit_id)))
    reports = list(session.scalars(select(UnitReport).where(UnitReport.year == report.year, UnitReport.period == report.period)
                                   .order_by(UnitReport.unit_id)))
    progress = compute_progress(session, report.year, config, now)
    models = list(session.scalars(select(RegisteredModel).where(RegisteredModel.year == report.year,
                                                               RegisteredModel.status.is_not(None))
                                  .order_by(RegisteredModel.unit_id, RegisteredModel.model_id)))
    return {
        "unit_codes": {str(k): v for k, v in codes.items()},
        "models": [{"model_id": m.model_id, "unit_id": m.unit_id, "unit_name": names.get(m.unit_id, f"Đơn vị {m.unit_id}"),
                    "title": m.title, "field": m.field, "status": m.status, "typical": m.typical, "rating": m.rating,
                    "inspected_on": m.inspected_on} for m in models if m.status != "draft"],
        "units": [{"unit_id": r.unit_id, "unit_name": names.get(r.unit_id, f"Đơn vị {r.unit_id}"), **r.figures()} for r in rows],
        "summary": figures_summary(rows),
        "reports": [{"unit_id": r.unit_id, "unit_name": names.get(r.unit_id, f"Đơn vị {r.unit_id}"), "status": r.status,
                     "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                     "submitted_on": ward_date(r.submitted_at, config).isoformat() if r.submitted_at else None,
                     "late": r.late} for r in reports],
        "progress": progress,
    }


def publish_snapshot(session: Session, actor: Principal, year: int, period: str, now: datetime,
                     config: Mapping[str, Any]) -> dict[str, Any]:
    payload = events.snapshot_payload(year, period, compute_progress(session, year, config, now), iso(now))
    add_event(session, aggregate_type="progress", aggregate_id=f"{year}-{period}", event_type=events.PROGRESS_SNAPSHOT, payload=payload)
    return payload


def finalise_consolidated(session: Session, actor: Principal, consolidated_id: int, number: int | None,
                          expected_version: int | None, now: datetime, config: Mapping[str, Any]) -> ConsolidatedReport:
    """Issue the approved report: numbered per year, its figures frozen, announced with the progress it states."""
    report = get_consolidated(session, consolidated_id)
    check_version(report.version, expected_version)
    target = _target(report, "finalise")
    taken = set(session.scalars(select(ConsolidatedReport.number).where(ConsolidatedReport.year == report.year,
                                                                        ConsolidatedReport.number.is_not(None))))
    if number is None:
        # Documents are numbered per calendar year (Nghị định 30/2020, Điều 15).
        number = (session.scalar(select(func.max(ConsolidatedReport.number)).where(ConsolidatedReport.year == report.year)) or 0) + 1
    elif number in taken:
        raise Conflict("duplicate-number", "Số văn bản đã được dùng trong năm.", detail=f"Số {number:02d}/BC-UBND năm {report.year}.")
    report.figures = current_figures(session, report, config, now)
    report.number = number
    report.document_date = report.document_date or ward_date(now, config)
    report.status = target
    report.finalised_at = now
    session.flush()
    add_event(session, aggregate_type="consolidated-report", aggregate_id=report.id, event_type=events.CONSOLIDATED_REPORT_FINALISED,
              payload=events.finalised_payload(report, iso(now)))
    progress = report.figures["progress"]
    add_event(session, aggregate_type="progress", aggregate_id=f"{report.year}-{report.period}", event_type=events.PROGRESS_SNAPSHOT,
              payload=events.snapshot_payload(report.year, report.period, progress, iso(now)))
    return report
