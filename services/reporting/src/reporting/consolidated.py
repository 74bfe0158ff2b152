"""The ward's consolidated report (báo cáo tổng hợp): drafted from accepted unit reports, edited by
Phòng Văn hóa - Xã hội, numbered per year, finalised; exported as a Word document and an annex workbook."""
from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dvk_platform import clock
from dvk_platform.auth import Principal
from dvk_platform.clock import ward_date
from dvk_platform.documents import Block, Issuer, OfficialDocument, Paragraph, Signature, bullet, heading, render_docx
from dvk_platform.errors import Problem
from dvk_platform.outbox import add_event
from dvk_platform.text import document_row
from dvk_platform.versioning import check_version

from . import events
from .models import FIGURE_FIELDS, PERIODS, REPORT_STATUSES, ConsolidatedReport, TargetFigures, Unit, UnitReport
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


def create_consolidated(session: Session, year: int, period: str, config: Mapping[str, Any]) -> ConsolidatedReport:
    existing = session.scalar(select(ConsolidatedReport).where(ConsolidatedReport.year == year, ConsolidatedReport.period == period))
    if existing is not None:
        raise Problem(409, "duplicate-consolidated-report", "Kỳ này đã có báo cáo tổng hợp.",
                      detail=f"Báo cáo tổng hợp số {existing.id}.", consolidated_id=existing.id)
    progress = compute_progress(session, year, config, clock.now(config))
    report = ConsolidatedReport(year=year, period=period, status="draft", title=period_subject(year, period),
                                content=draft_content(session, year, period, progress), recipients=list(DEFAULT_RECIPIENTS),
                                signer_name=config.get("CHAIRMAN_NAME") or "")
    session.add(report)
    session.flush()
    return report


def get_consolidated(session: Session, consolidated_id: int) -> ConsolidatedReport:
    report = session.get(ConsolidatedReport, consolidated_id)
    if report is None:
        raise Problem(404, "consolidated-report-not-found", "Không tìm thấy báo cáo tổng hợp.")
    return report


def _require_draft(report: ConsolidatedReport) -> None:
    if report.status != "draft":
        raise Problem(409, "invalid-transition", "Báo cáo tổng hợp đã ban hành, không sửa được.",
                      detail="Trạng thái hiện tại: đã ban hành (finalised)")


def update_consolidated(session: Session, consolidated_id: int, data: dict[str, Any], expected_version: int | None) -> ConsolidatedReport:
    report = get_consolidated(session, consolidated_id)
    check_version(report.version, expected_version)
    _require_draft(report)
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
    rows = list(session.scalars(select(TargetFigures).where(TargetFigures.year == report.year, TargetFigures.period == report.period)
                                .order_by(TargetFigures.unit_id)))
    reports = list(session.scalars(select(UnitReport).where(UnitReport.year == report.year, UnitReport.period == report.period)
                                   .order_by(UnitReport.unit_id)))
    progress = compute_progress(session, report.year, config, now)
    return {
        "units": [{"unit_id": r.unit_id, "unit_name": names.get(r.unit_id, f"Đơn vị {r.unit_id}"), **r.figures()} for r in rows],
        "summary": figures_summary(rows),
        "reports": [{"unit_id": r.unit_id, "unit_name": names.get(r.unit_id, f"Đơn vị {r.unit_id}"), "status": r.status,
                     "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None, "late": r.late} for r in reports],
        "progress": progress,
    }


def snapshot_payload(year: int, period: str, progress: Mapping[str, Any], occurred_at: str) -> dict[str, Any]:
    targets = progress["targets"][period]
    return {
        "year": year,
        "period": period,
        "units": {k: progress["units"][k] for k in ("active", "with_registered_model", "with_accepted_model", "target_met")},
        "reports": progress["reports"][period],
        "targets": {k: targets[k] for k in ("totals", "on_time_rate", "on_time_met", "satisfaction_rate", "conduct_rate", "conduct_met")},
        "models": {"total": progress["models"]["total"], "by_status": progress["models"]["by_status"],
                   "by_field": {f: v["total"] for f, v in progress["models"]["by_field"].items()}},
        "typical_models": len(progress["typical_models"]),
        "commendations": {k: progress["commendations"][k] for k in ("proposed", "decided", "collective", "individual", "revoked")},
        "occurred_at": occurred_at,
    }


def publish_snapshot(session: Session, year: int, period: str, config: Mapping[str, Any]) -> dict[str, Any]:
    now = clock.now(config)
    payload = snapshot_payload(year, period, compute_progress(session, year, config, now), iso(now))
    add_event(session, aggregate_type="progress", aggregate_id=f"{year}-{period}", event_type=events.PROGRESS_SNAPSHOT, payload=payload)
    return payload


def finalise_consolidated(session: Session, consolidated_id: int, number: int | None, principal: Principal,
                          config: Mapping[str, Any], expected_version: int | None) -> ConsolidatedReport:
    report = get_consolidated(session, consolidated_id)
    check_version(report.version, expected_version)
    _require_draft(report)
    now = clock.now(config)
    taken = set(session.scalars(select(ConsolidatedReport.number).where(ConsolidatedReport.year == report.year,
                                                                        ConsolidatedReport.number.is_not(None))))
    if number is None:
        # Documents are numbered per calendar year (Nghị định 30/2020, Điều 15).
        number = (session.scalar(select(func.max(ConsolidatedReport.number)).where(ConsolidatedReport.year == report.year)) or 0) + 1
    elif number in taken:
        raise Problem(409, "duplicate-number", "Số văn bản đã được dùng trong năm.", detail=f"Số {number:02d}/BC-UBND năm {report.year}.")
    report.figures = current_figures(session, report, config, now)
    report.number = number
    report.document_date = report.document_date or ward_date(now, config)
    report.status = "finalised"
    report.finalised_at = now
    session.flush()
    add_event(session, aggregate_type="consolidated-report", aggregate_id=report.id, event_type=events.CONSOLIDATED_REPORT_FINALISED,
              payload={"consolidated_id": report.id, "year": report.year, "period": report.period, "number": report.number,
                       "occurred_at": iso(now)})
    progress = report.figures["progress"]
    add_event(session, aggregate_type="progress", aggregate_id=f"{report.year}-{report.period}", event_type=events.PROGRESS_SNAPSHOT,
              payload=snapshot_payload(report.year, report.period, progress, iso(now)))
    return report


# --- exports ----------------------------------------------------------------------------------------


def document_of(report: ConsolidatedReport, config: Mapping[str, Any]) -> OfficialDocument:
    content = report.content

    def paragraphs(text: str) -> list[Paragraph]:
        return [Paragraph(line.strip()) for line in (text or "").split("\n") if line.strip()]

    def bullets(key: str) -> list[Paragraph]:
        return [bullet(f"{i['unit_name']}: {i['text']}") for i in content.get(key) or []] or [bullet("Không có.")]

    body: list[Block] = [*paragraphs(content.get("intro", ""))]
    body += [heading("I. KẾT QUẢ THỰC HIỆN"), heading("1. Công tác lãnh đạo, chỉ đạo"), *paragraphs(content.get("leadership", ""))]
    body += [heading("2. Kết quả thực hiện các mô hình và chỉ tiêu"), *paragraphs(content.get("results", ""))]
    body += [heading("3. Hiệu quả mang lại"), *paragraphs(content.get("effectiveness", ""))]
    body += [heading("4. Những cách làm hay, sáng tạo"), *bullets("good_practices")]
    body += [heading("II. KHÓ KHĂN, VƯỚNG MẮC"), *bullets("difficulties")]
    body += [heading("III. KIẾN NGHỊ, ĐỀ XUẤT"), *bullets("recommendations")]
    body += [heading("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"), *paragraphs(content.get("next_direction", ""))]
    body.append(Paragraph("(Số liệu chi tiết tại Phụ lục kèm theo.)"))
    issuer = Issuer(parent=config["WARD_AGENCY"], name=config["WARD_AGENCY_PLACE"], place=config["WARD_PLACE_NAME"])
    return OfficialDocument(
        type_code="BC", number=report.number, issued_on=report.document_date, title="BÁO CÁO", subtitle=report.title,
        body=body, signature=Signature(name=report.signer_name), recipients=list(report.recipients), issuer=issuer,
        header="stacked",
    )


def consolidated_docx(report: ConsolidatedReport, config: Mapping[str, Any]) -> bytes:
    return render_docx(document_of(report, config))


def annex_xlsx(report: ConsolidatedReport, figures: Mapping[str, Any]) -> bytes:
    """Phụ lục: one sheet of target figures per unit with totals and rates, one of unit reports, one summary."""
    book = Workbook()
    bold = Font(name="Times New Roman", bold=True)
    sheet = book.active
    sheet.title = "Chỉ tiêu"
    sheet.append(document_row([f"PHỤ LỤC SỐ LIỆU — {report.title.upper()}"]))
    sheet["A1"].font = bold
    header = ["STT", "Mã đơn vị", "Đơn vị", *FIGURE_FIELDS.values()]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, row in enumerate(figures["units"], start=1):
        sheet.append(document_row([i, row["unit_id"], row["unit_name"], *(row[name] for name in FIGURE_FIELDS)]))
    summary = figures["summary"]
    sheet.append(["", "", "Tổng cộng", *(summary["totals"][name] for name in FIGURE_FIELDS)])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.append([])
    sheet.append(["", "", "Tỷ lệ hồ sơ đúng và trước hạn (%)", summary["on_time_rate"]])
    sheet.append(["", "", "Tỷ lệ hài lòng (%)", summary["satisfaction_rate"]])
    sheet.append(["", "", "Tỷ lệ cán bộ, công chức giữ quy tắc ứng xử (%)", summary["conduct_rate"]])
    sheet.column_dimensions["C"].width = 38

    reports = book.create_sheet("Báo cáo đơn vị")
    reports.append(["STT", "Mã đơn vị", "Đơn vị", "Trạng thái", "Ngày gửi", "Đúng hạn"])
    for cell in reports[1]:
        cell.font = bold
    for i, row in enumerate(figures["reports"], start=1):
        submitted = row["submitted_at"][:10] if row["submitted_at"] else ""
        on_time = "" if not row["submitted_at"] else ("Trễ hạn" if row["late"] else "Đúng hạn")
        reports.append(document_row([i, row["unit_id"], row["unit_name"], REPORT_STATUSES.get(row["status"], row["status"]), submitted,
                                     on_time]))
    reports.column_dimensions["C"].width = 38

    progress = figures["progress"]
    overview = book.create_sheet("Tổng hợp")
    period = progress["reports"][report.period]
    for label, value in [
        ("Đơn vị đang tham gia", progress["units"]["active"]),
        ("Đơn vị đã đăng ký mô hình", progress["units"]["with_registered_model"]),
        ("Đơn vị có mô hình được tiếp nhận", progress["units"]["with_accepted_model"]),
        ("Số mô hình", progress["models"]["total"]),
        ("Mô hình điển hình", len(progress["typical_models"])),
        ("Báo cáo đã gửi", period["submitted"]),
        ("Báo cáo đúng hạn", period["on_time"]),
        ("Báo cáo quá hạn chưa gửi", period["overdue"]),
        ("Khen thưởng đã quyết định", progress["commendations"]["decided"]),
    ]:
        overview.append([label, value])
    overview.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
