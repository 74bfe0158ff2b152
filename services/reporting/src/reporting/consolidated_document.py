"""The ward's consolidated report as documents: the Word report (Nghị định 30/2020/NĐ-CP) and its annex workbook."""
from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from dvk_documents import (
    Block,
    Issuer,
    OfficialDocument,
    Paragraph,
    PrintedSheet,
    Signature,
    Table,
    bullet,
    clean_text,
    document_number,
    heading,
    issuer_from,
    render_docx,
    short_date,
    workbook_properties,
    write_sheet,
)

from .models import (
    FIGURE_FIELDS,
    MODEL_FIELDS,
    MODEL_STATUS_LABELS,
    REPORT_STATUSES,
    ConsolidatedReport,
)


def _issuer(config: Mapping[str, Any]) -> Issuer:
    return issuer_from(config)


def _agency_text(config: Mapping[str, Any]) -> str:
    """"Ủy ban nhân dân phường Minh Xuân" as running text."""
    return f"Ủy ban nhân dân phường {config['WARD_PLACE_NAME']}"


def _period_words(report: ConsolidatedReport) -> str:
    return f"sơ kết 6 tháng đầu năm {report.year}" if report.period == "six_month" else f"tổng kết năm {report.year}"


def _pct(value: float | None) -> str:
    return "chưa có số liệu" if value is None else f"{value:.2f}%".replace(".", ",")


def _count(value: int) -> str:
    """Counts as a ward report writes them: "05", "12"; none is "không có"."""
    return f"{value:02d}" if value else "không có"


def annex_reference(report: ConsolidatedReport, config: Mapping[str, Any]) -> str:
    """"(Kèm theo Báo cáo số 05/BC-UBND ngày 05/6/2026 của Ủy ban nhân dân phường Minh Xuân)"."""
    number = document_number("BC", report.number) if report.number else "     /BC-UBND"
    day = report.document_date if report.status == "finalised" else None
    return f"(Kèm theo Báo cáo số {number} ngày {short_date(day)} của {_agency_text(config)})"


def _model_sentences(figures: Mapping[str, Any]) -> list[Block]:
    progress = figures["progress"]
    units, models = progress["units"], figures.get("models") or []
    accepted = [m for m in models if m["status"] == "accepted"]
    typical = [m for m in models if m["typical"]]
    inspected = [m for m in models if m.get("inspected_on")]
    blocks: list[Block] = [Paragraph(
        f"Có {units['with_registered_model']:02d}/{units['active']:02d} cơ quan, đơn vị, tổ dân phố đăng ký "
        f"nội dung, mô hình “Dân vận khéo” (đạt {_pct(units['registered_percent'])}); tổng số "
        f"{progress['models']['total']:02d} mô hình, trong đó {_count(len(accepted))} mô hình được Phòng Văn hóa - Xã hội "
        f"tiếp nhận, {_count(len(inspected))} mô hình đã được kiểm tra, {_count(len(typical))} mô hình được chọn làm "
        "điển hình tiêu biểu để nhân rộng."
        + ("" if units["target_met"] else
           f" Còn {_count(len(units['without_model']))} đơn vị chưa đăng ký mô hình: "
           + ", ".join(u["name"] for u in units["without_model"]) + "." if units["without_model"] else ""))]
    rows = []
    by_field = progress["models"]["by_field"]
    for index, (key, name) in enumerate(MODEL_FIELDS.items(), start=1):
        field_models = [m for m in models if m["field"] == key]
        rows.append([str(index), name, str(by_field.get(key, {}).get("total", len(field_models))),
                     str(sum(1 for m in field_models if m["status"] == "accepted")),
                     str(sum(1 for m in field_models if m["typical"]))])
    rows.append(["", "Tổng cộng", str(progress["models"]["total"]), str(len(accepted)), str(len(typical))])
    blocks.append(Paragraph("Số mô hình theo lĩnh vực:", indent=True))
    blocks.append(Table(columns=["STT", "Lĩnh vực", "Số mô hình", "Đã tiếp nhận", "Điển hình"], rows=rows,
                        widths_mm=[14, 81, 24, 24, 22], bold_last_row=True))
    by_unit: dict[str, list[Mapping[str, Any]]] = {}
    for model in accepted:
        by_unit.setdefault(model["unit_name"], []).append(model)
    if by_unit:
        blocks.append(Paragraph("Các mô hình tiêu biểu của từng đơn vị:"))
        for unit_name, unit_models in by_unit.items():
            named = "; ".join(f"mô hình “{m['title']}”" + (" (điển hình tiêu biểu)" if m["typical"] else "")
                              for m in sorted(unit_models, key=lambda m: not m["typical"]))
            blocks.append(bullet(f"{unit_name}: {named}."))
    return blocks


def _target_sentences(figures: Mapping[str, Any], period: str) -> list[Block]:
    summary = figures["summary"]
    totals = summary["totals"]
    reports = figures["progress"]["reports"][period]
    units = figures["progress"]["units"]

    def verdict(met: bool | None) -> str:
        return "chưa có số liệu" if met is None else ("Đạt" if met else "Chưa đạt")

    blocks: list[Block] = [Paragraph(
        f"Tiếp nhận {totals['files_received']} hồ sơ thủ tục hành chính, đã giải quyết {totals['files_resolved']} hồ sơ, "
        f"trong đó {totals['files_on_time']} hồ sơ đúng và trước hạn, đạt {_pct(summary['on_time_rate'])} "
        f"(chỉ tiêu từ 98% trở lên: {verdict(summary['on_time_met']).lower()}); {totals['online_files']} hồ sơ trực tuyến, "
        f"{totals['cashless_payments']} giao dịch thanh toán không dùng tiền mặt; tỷ lệ người dân hài lòng "
        f"{_pct(summary['satisfaction_rate'])}; {totals['digital_literacy_participants']} lượt người tham gia "
        f"“Bình dân học vụ số”. {totals['officials_total'] - totals['officials_violating']}/{totals['officials_total']} "
        f"cán bộ, công chức thực hiện nghiêm quy tắc ứng xử, đạo đức công vụ ({_pct(summary['conduct_rate'])}).")]
    rows = [
        ["1", "Duy trì mô hình “Chính quyền thân thiện, vì Nhân dân phục vụ”", "Hằng năm", "Đang thực hiện", "Đạt"],
        ["2", "Cán bộ, công chức giữ quy tắc ứng xử, đạo đức công vụ", "100%", _pct(summary["conduct_rate"]),
         verdict(summary["conduct_met"])],
        ["3", "Đơn vị đăng ký ít nhất 01 mô hình", f"{units['active']} đơn vị",
         f"{units['with_registered_model']} đơn vị", "Đạt" if units["with_registered_model"] >= units["active"] > 0 else "Chưa đạt"],
        ["4", "Hồ sơ TTHC giải quyết đúng và trước hạn", "≥ 98%", _pct(summary["on_time_rate"]), verdict(summary["on_time_met"])],
        ["5", "Dịch vụ công trực tuyến, thanh toán không dùng tiền mặt, “Bình dân học vụ số”", "Tăng",
         f"{totals['online_files']} / {totals['cashless_payments']} / {totals['digital_literacy_participants']}", "Theo dõi"],
    ]
    blocks.append(Table(columns=["STT", "Chỉ tiêu", "Yêu cầu", "Kết quả", "Đánh giá"], rows=rows,
                        widths_mm=[14, 70, 25, 32, 24]))
    blocks.append(Paragraph(
        f"Về công tác báo cáo: {reports['submitted']:02d}/{reports['expected']:02d} đơn vị gửi báo cáo, trong đó "
        f"{_count(reports['on_time'])} đơn vị gửi đúng hạn, {_count(reports['late'])} đơn vị nộp muộn"
        + (f", {_count(reports['overdue'])} đơn vị quá hạn chưa gửi" if reports["overdue"] else "") + "."))
    return blocks


def document_of(report: ConsolidatedReport, config: Mapping[str, Any], figures: Mapping[str, Any]) -> OfficialDocument:
    """The report as a ward writes it: the plan's sections, the figures in sentences and tables, each unit's
    models named, difficulties and proposals gathered, "Trên đây là …" and "./."."""
    content = report.content

    def paragraphs(text: str) -> list[Paragraph]:
        return [Paragraph(line.strip()) for line in clean_text(text).split("\n") if line.strip()]

    def bullets(key: str) -> list[Paragraph]:
        return [bullet(f"{i['unit_name']}: {i['text']}" if i.get("unit_name") not in (None, "", "Chung") else i["text"])
                for i in content.get(key) or []] or [bullet("Không có.")]

    body: list[Block] = [*paragraphs(content.get("intro", ""))]
    body += [heading("I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO"), *paragraphs(content.get("leadership", ""))]
    body += [heading("II. KẾT QUẢ THỰC HIỆN"), heading("1. Kết quả đăng ký, thực hiện các mô hình “Dân vận khéo”")]
    body += _model_sentences(figures)
    body += [heading("2. Kết quả thực hiện các chỉ tiêu"), *_target_sentences(figures, report.period)]
    extra = [p for p in paragraphs(content.get("results", "")) if not p.text.startswith("Có ")]
    body += extra
    body += [heading("3. Hiệu quả mang lại"), *paragraphs(content.get("effectiveness", ""))]
    body += [heading("4. Những cách làm hay, sáng tạo"), *bullets("good_practices")]
    body += [heading("III. KHÓ KHĂN, VƯỚNG MẮC"), *bullets("difficulties")]
    body += [heading("IV. KIẾN NGHỊ, ĐỀ XUẤT"), *bullets("recommendations")]
    body += [heading("V. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"), *paragraphs(content.get("next_direction", ""))]
    body.append(Paragraph(
        f"Trên đây là báo cáo {_period_words(report)} thực hiện Phong trào thi đua “Dân vận khéo” của "
        f"{_agency_text(config)} (số liệu chi tiết tại Phụ lục kèm theo)./."))
    draft = report.status != "finalised"
    return OfficialDocument(
        type_code="BC", number=report.number, issued_on=report.document_date, title="BÁO CÁO", subtitle=report.title,
        body=body, signature=Signature(name=report.signer_name or config.get("CHAIRMAN_NAME") or ""),
        recipients=list(report.recipients), issuer=_issuer(config), draft=draft,
    )


def consolidated_docx(report: ConsolidatedReport, config: Mapping[str, Any], figures: Mapping[str, Any]) -> bytes:
    return render_docx(document_of(report, config, figures))


def _code(figures: Mapping[str, Any], unit_id: int) -> str:
    return (figures.get("unit_codes") or {}).get(str(unit_id)) or str(unit_id)


def annex_xlsx(report: ConsolidatedReport, figures: Mapping[str, Any], config: Mapping[str, Any]) -> bytes:
    """Phụ lục: target figures per unit with totals, the unit reports, the models; each sheet printed landscape A4,
    one page wide, its header row repeated, headed "PHỤ LỤC …" and "(Kèm theo Báo cáo số … ngày …)"."""
    book = Workbook()
    reference = annex_reference(report, config)
    subject = f"{_period_words(report)} thực hiện Phong trào thi đua “Dân vận khéo”".upper()
    summary = figures["summary"]
    write_sheet(book, PrintedSheet(
        name="Chỉ tiêu", heading="PHỤ LỤC I", subheading=f"SỐ LIỆU CHỈ TIÊU CỦA CÁC ĐƠN VỊ — {subject}",
        reference=reference, columns=["STT", "Mã đơn vị", "Đơn vị", *FIGURE_FIELDS.values()],
        rows=[[i, _code(figures, row["unit_id"]), row["unit_name"], *(row[name] for name in FIGURE_FIELDS)]
              for i, row in enumerate(figures["units"], start=1)],
        totals=["", "", "Tổng cộng", *(summary["totals"][name] for name in FIGURE_FIELDS)],
        widths=[6, 14, 30, *([11] * len(FIGURE_FIELDS))], numeric_from=3,
        notes=[f"Tỷ lệ hồ sơ đúng và trước hạn: {_pct(summary['on_time_rate'])} (chỉ tiêu từ 98% trở lên).",
               f"Tỷ lệ hài lòng: {_pct(summary['satisfaction_rate'])}.",
               f"Tỷ lệ cán bộ, công chức giữ quy tắc ứng xử: {_pct(summary['conduct_rate'])} (chỉ tiêu 100%)."],
    ), first=True)

    reports = figures["reports"]
    write_sheet(book, PrintedSheet(
        name="Báo cáo đơn vị", heading="PHỤ LỤC II", subheading=f"TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐƠN VỊ — {subject}",
        reference=reference, columns=["STT", "Mã đơn vị", "Đơn vị", "Trạng thái", "Ngày gửi", "Thời hạn"],
        rows=[[i, _code(figures, row["unit_id"]), row["unit_name"], REPORT_STATUSES.get(row["status"], row["status"]),
               _dmy(row.get("submitted_on") or (row["submitted_at"] or "")[:10]),
               "" if not row["submitted_at"] else ("Nộp muộn" if row["late"] else "Đúng hạn")]
              for i, row in enumerate(reports, start=1)],
        totals=["", "", "Tổng cộng", f"{sum(1 for r in reports if r['status'] == 'accepted')} đã tiếp nhận",
                f"{sum(1 for r in reports if r['submitted_at'])} đã gửi", f"{sum(1 for r in reports if r['late'])} nộp muộn"],
        widths=[6, 14, 40, 28, 14, 14],
    ))

    models = figures.get("models") or []
    write_sheet(book, PrintedSheet(
        name="Mô hình", heading="PHỤ LỤC III", subheading=f"CÁC MÔ HÌNH “DÂN VẬN KHÉO” NĂM {report.year}",
        reference=reference, columns=["STT", "Mã đơn vị", "Đơn vị", "Tên mô hình", "Lĩnh vực", "Tình trạng", "Điển hình",
                                      "Ngày kiểm tra"],
        rows=[[i, _code(figures, m["unit_id"]), m["unit_name"], m["title"], MODEL_FIELDS.get(m["field"], m["field"]),
               MODEL_STATUS_LABELS.get(m["status"], m["status"]), "Điển hình" if m["typical"] else "",
               _dmy(m.get("inspected_on") or "")] for i, m in enumerate(models, start=1)],
        totals=["", "", "Tổng cộng", f"{len(models)} mô hình", "", "", f"{sum(1 for m in models if m['typical'])}", ""],
        widths=[6, 14, 28, 44, 24, 20, 11, 13],
    ))

    progress = figures["progress"]
    period = progress["reports"][report.period]
    overview = [
        ("Đơn vị đang tham gia", progress["units"]["active"]),
        ("Đơn vị đã đăng ký mô hình", progress["units"]["with_registered_model"]),
        ("Đơn vị có mô hình được tiếp nhận", progress["units"]["with_accepted_model"]),
        ("Số mô hình", progress["models"]["total"]),
        ("Mô hình điển hình", len(progress["typical_models"])),
        ("Báo cáo đã gửi", period["submitted"]),
        ("Báo cáo đúng hạn", period["on_time"]),
        ("Báo cáo nộp muộn", period["late"]),
        ("Báo cáo quá hạn chưa gửi", period["overdue"]),
        ("Khen thưởng đã quyết định", progress["commendations"]["decided"]),
    ]
    write_sheet(book, PrintedSheet(
        name="Tổng hợp", heading="PHỤ LỤC IV", subheading=f"TỔNG HỢP KẾT QUẢ — {subject}", reference=reference,
        columns=["STT", "Nội dung", "Số lượng"], rows=[[i, label, value] for i, (label, value) in enumerate(overview, start=1)],
        widths=[6, 60, 14], numeric_from=2,
    ))
    workbook_properties(book, author=_issuer(config).full_name, title=f"Phụ lục — {report.title}",
                        created=report.document_date)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _dmy(iso_day: str) -> str:
    """"2026-06-05" → "05/06/2026"."""
    if not iso_day:
        return ""
    year, month, day = iso_day[:10].split("-")
    return f"{day}/{month}/{year}"
