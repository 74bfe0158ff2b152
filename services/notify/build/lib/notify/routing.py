"""Who hears what: every event that notifies someone, its audience and its Vietnamese message.

Audience entries: "unit" means the officers (role don_vi) of the event's unit (payload unit_id); any other
entry is a role whose every active user is told (vhxh, lanh_dao, giam_sat, admin, don_vi).
Templates are str.format templates over the event payload plus the labels `render_context` adds.
Events not listed here notify nobody but still reach webhook subscribers.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Route:
    audience: tuple[str, ...]
    subject: str
    body: str
    link: str = "/"


R = "vn.dvk.registration."
P = "vn.dvk.reporting."
A = "vn.dvk.awards."

ROUTES: dict[str, Route] = {
    # Registration of models (đăng ký mô hình)
    R + "period-opened.v1": Route(
        ("don_vi", "vhxh"),
        "Mở đợt đăng ký mô hình \"Dân vận khéo\" năm {year}",
        "Đợt đăng ký mô hình \"Dân vận khéo\" năm {year} đã mở. Đề nghị các đơn vị đăng ký ít nhất một nội dung "
        "hoặc mô hình trước ngày {deadline_vn}.",
        "/dang-ky",
    ),
    R + "period-updated.v1": Route(
        ("don_vi", "vhxh"),
        "Điều chỉnh hạn đăng ký mô hình \"Dân vận khéo\" năm {year}: đến hết ngày {deadline_vn}",
        "Phòng Văn hóa - Xã hội đã điều chỉnh hạn đăng ký mô hình \"Dân vận khéo\" năm {year} từ ngày "
        "{previous_deadline_vn} thành ngày {deadline_vn}.\nLý do: {reason}\nĐơn vị chưa đăng ký đề nghị gửi trước hạn mới.",
        "/dang-ky",
    ),
    R + "model-submitted.v1": Route(
        ("vhxh",),
        "{unit_name} gửi đăng ký mô hình \"{title}\"",
        "{unit_name} đã gửi đăng ký mô hình \"{title}\" (lĩnh vực {field_label}) năm {year}{late_note}. "
        "Đề nghị Phòng Văn hóa - Xã hội xem xét.",
        "/dang-ky/mo-hinh/{model_id}",
    ),
    R + "model-resubmitted.v1": Route(
        ("vhxh",),
        "{unit_name} gửi lại mô hình \"{title}\" sau chỉnh sửa",
        "{unit_name} đã chỉnh sửa và gửi lại mô hình \"{title}\" năm {year}{late_note}. Đề nghị xem xét lại.",
        "/dang-ky/mo-hinh/{model_id}",
    ),
    R + "model-returned.v1": Route(
        ("unit",),
        "Mô hình \"{title}\" được trả lại để chỉnh sửa",
        "Phòng Văn hóa - Xã hội đã trả lại mô hình \"{title}\" năm {year} của {unit_name} để chỉnh sửa.\n"
        "Lý do: {reason}\nĐề nghị đơn vị chỉnh sửa và gửi lại.",
        "/dang-ky/mo-hinh/{model_id}",
    ),
    R + "model-accepted.v1": Route(
        ("unit",),
        "Mô hình \"{title}\" đã được tiếp nhận",
        "Mô hình \"{title}\" (lĩnh vực {field_label}) năm {year} của {unit_name} đã được Phòng Văn hóa - Xã hội tiếp nhận.",
        "/dang-ky/mo-hinh/{model_id}",
    ),
    R + "model-withdrawn.v1": Route(
        ("vhxh",),
        "{unit_name} rút đăng ký mô hình \"{title}\"",
        "{unit_name} đã rút đăng ký mô hình \"{title}\" năm {year}.",
        "/dang-ky/mo-hinh/{model_id}",
    ),
    R + "model-inspected.v1": Route(
        ("unit",),
        "Kết quả kiểm tra mô hình năm {year}: {rating_label}",
        "Phòng Văn hóa - Xã hội đã kiểm tra mô hình của {unit_name} ngày {inspected_on_vn}. Xếp loại: {rating_label}.",
        "/dang-ky/mo-hinh/{model_id}",
    ),
    R + "model-marked-typical.v1": Route(
        ("unit", "lanh_dao"),
        "Mô hình \"{title}\" được chọn là điển hình tiêu biểu",
        "Mô hình \"{title}\" (lĩnh vực {field_label}) của {unit_name} được chọn là mô hình, điển hình tiêu biểu "
        "năm {year} để nhân rộng.",
        "/dang-ky/mo-hinh/{model_id}",
    ),
    # Reports (báo cáo sơ kết, tổng kết)
    P + "report-submitted.v1": Route(
        ("vhxh",),
        "{unit_name} gửi {period_label_year}",
        "{unit_name} đã gửi {period_label_year}{late_note}. Đề nghị Phòng Văn hóa - Xã hội xem xét.",
        "/bao-cao/{report_id}",
    ),
    P + "report-resubmitted.v1": Route(
        ("vhxh",),
        "{unit_name} gửi lại {period_label_year}",
        "{unit_name} đã chỉnh sửa và gửi lại {period_label_year}{late_note}.",
        "/bao-cao/{report_id}",
    ),
    P + "report-returned.v1": Route(
        ("unit",),
        "{period_label_year_cap} được trả lại để chỉnh sửa",
        "Phòng Văn hóa - Xã hội đã trả lại {period_label_year} của {unit_name}.\nLý do: {reason}\n"
        "Đề nghị đơn vị chỉnh sửa và gửi lại.",
        "/bao-cao/{report_id}",
    ),
    P + "report-accepted.v1": Route(
        ("unit",),
        "{period_label_year_cap} đã được tiếp nhận",
        "{period_label_year_cap} của {unit_name} đã được Phòng Văn hóa - Xã hội tiếp nhận.",
        "/bao-cao/{report_id}",
    ),
    P + "report-overdue.v1": Route(
        ("unit", "vhxh"),
        "{unit_name} chưa gửi {period_label_year} (quá hạn {due_date_vn})",
        "Đã quá hạn {due_date_vn} nhưng {unit_name} chưa gửi {period_label_year}. Đề nghị đơn vị gửi ngay.",
        "/bao-cao",
    ),
    # The ward's consolidated report: Phòng VH-XH submits it for signature, a leader approves or returns it, then
    # Phòng VH-XH issues it with its number.
    P + "consolidated-report-submitted-for-signature.v1": Route(
        ("lanh_dao",),
        "Trình ký: {period_label} năm {year} của phường",
        "Phòng Văn hóa - Xã hội trình ký dự thảo {period_label} năm {year} toàn phường (\"{title}\"). "
        "Đề nghị lãnh đạo UBND phường xem xét, duyệt hoặc trả lại kèm lý do.",
        "/bao-cao/tong-hop/{consolidated_id}",
    ),
    P + "consolidated-report-approved.v1": Route(
        ("vhxh",),
        "Lãnh đạo đã duyệt {period_label} năm {year} của phường",
        "Lãnh đạo UBND phường đã duyệt {period_label} năm {year} toàn phường (\"{title}\"). "
        "Đề nghị Phòng Văn hóa - Xã hội ban hành (cấp số) báo cáo.",
        "/bao-cao/tong-hop/{consolidated_id}",
    ),
    P + "consolidated-report-returned.v1": Route(
        ("vhxh",),
        "Lãnh đạo trả lại {period_label} năm {year} của phường",
        "Lãnh đạo UBND phường đã trả lại dự thảo {period_label} năm {year} toàn phường (\"{title}\").\n"
        "Lý do: {reason}\nĐề nghị Phòng Văn hóa - Xã hội chỉnh sửa và trình ký lại.",
        "/bao-cao/tong-hop/{consolidated_id}",
    ),
    P + "consolidated-report-finalised.v1": Route(
        ("lanh_dao", "vhxh"),
        "{period_label_year_cap} của phường đã ban hành",
        "{period_label_year_cap} toàn phường đã được ban hành, số {number:02d}/BC-UBND.",
        "/bao-cao/tong-hop/{consolidated_id}",
    ),
    # Commendation (khen thưởng)
    A + "nomination-proposed.v1": Route(
        ("unit", "lanh_dao"),
        "Đề nghị khen thưởng: {nominee} — {award_name}",
        "{nominee} được đề nghị {award_name} năm {year} (phong trào {movement}). Hồ sơ chuyển Hội đồng Thi đua - Khen thưởng xét.",
        "/khen-thuong/de-nghi/{nomination_id}",
    ),
    A + "nomination-reviewed.v1": Route(
        ("unit", "vhxh"),
        "Hội đồng Thi đua - Khen thưởng đã xét đề nghị năm {year}: {approved_label}",
        "Ngày {meeting_date_vn}, Hội đồng Thi đua - Khen thưởng phường đã xét đề nghị khen thưởng của {unit_name}: "
        "{approved_label} ({votes_for} phiếu đồng ý, {votes_against} phiếu không đồng ý).",
        "/khen-thuong/de-nghi/{nomination_id}",
    ),
    A + "award-decided.v1": Route(
        ("unit", "lanh_dao", "vhxh"),
        "Quyết định khen thưởng số {decision_number}: {nominee} — {award_name}",
        "Ngày {decided_on_vn}, Chủ tịch UBND phường ban hành Quyết định số {decision_number} tặng {award_name} "
        "cho {nominee} năm {year}.",
        "/khen-thuong/quyet-dinh/{decision_id}",
    ),
    A + "award-forwarded.v1": Route(
        ("unit",),
        "Đề nghị cấp trên khen thưởng: {award_name}",
        "UBND phường đã có Tờ trình số {letter_number} đề nghị cấp trên tặng {award_name} cho {unit_name} năm {year}.",
        "/khen-thuong/de-nghi/{nomination_id}",
    ),
    A + "nomination-withdrawn.v1": Route(
        ("unit", "lanh_dao"),
        "Rút đề nghị khen thưởng: {nominee} — {award_name}",
        "Phòng Văn hóa - Xã hội đã rút đề nghị tặng {award_name} năm {year} cho {nominee}; đề nghị không còn được "
        "xét.\nLý do: {reason}",
        "/khen-thuong/de-nghi/{nomination_id}",
    ),
    A + "award-revoked.v1": Route(
        ("unit", "lanh_dao", "vhxh"),
        "Thu hồi quyết định khen thưởng năm {year}",
        "Quyết định khen thưởng của {unit_name} năm {year} đã bị thu hồi.\nLý do: {reason}",
        "/khen-thuong/quyet-dinh/{decision_id}",
    ),
}

# Deadline reminders, by deadline kind: before the deadline, and the overdue notice after it.
DEADLINE_LABELS = {
    "registration": "đăng ký mô hình \"Dân vận khéo\"",
    "six_month_report": "báo cáo sơ kết 6 tháng",
    "annual_report": "báo cáo tổng kết năm",
}
REMINDER_BEFORE = Route(
    ("unit",),
    "Nhắc hạn: còn {days_left} ngày để gửi {deadline_label_year}",
    "Kính gửi {unit_name},\nHạn gửi {deadline_label_year} là ngày {due_date_vn} (còn {days_left} ngày). "
    "Hệ thống chưa nhận được của đơn vị. Đề nghị đơn vị hoàn thành và gửi đúng hạn.",
    "/",
)
REMINDER_OVERDUE = Route(
    ("unit",),
    "Quá hạn: {unit_name} chưa gửi {deadline_label_year}",
    "Kính gửi {unit_name},\nĐã quá hạn {due_date_vn} nhưng hệ thống chưa nhận được {deadline_label_year} "
    "của đơn vị. Đề nghị đơn vị gửi ngay; bản gửi sau hạn vẫn được tiếp nhận và ghi nhận là trễ hạn.",
    "/",
)

FIELD_LABELS = {
    "kinh_te_do_thi": "Kinh tế - đô thị",
    "van_hoa_xa_hoi": "Văn hóa - xã hội",
    "quoc_phong_an_ninh": "Quốc phòng - an ninh",
    "xay_dung_dang": "Xây dựng Đảng và hệ thống chính trị",
    "chinh_quyen": "Dân vận khéo trong hoạt động của chính quyền",
}
PERIOD_LABELS = {"six_month": "báo cáo sơ kết 6 tháng", "annual": "báo cáo tổng kết năm"}
RATING_LABELS = {"tot": "Tốt", "kha": "Khá", "trung_binh": "Trung bình", "yeu": "Yếu"}


def with_year(label: str, year: Any) -> str:
    """"báo cáo sơ kết 6 tháng năm 2026", but "báo cáo tổng kết năm 2026" (never "năm năm", read as five years)."""
    return f"{label} {year}" if label.endswith(" năm") else f"{label} năm {year}"


def vn_date(value: Any) -> str:
    """ISO date (or datetime) → dd/mm/yyyy, as ward staff read dates."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render_context(payload: dict[str, Any], unit_name: str | None) -> dict[str, Any]:
    ctx: dict[str, Any] = _Blank({k: ("" if v is None else v) for k, v in payload.items()})
    unit_id = payload.get("unit_id")
    ctx["unit_name"] = unit_name or (f"Đơn vị số {unit_id}" if unit_id is not None else "Đơn vị")
    ctx["field_label"] = FIELD_LABELS.get(payload.get("field") or "", payload.get("field") or "")
    period = PERIOD_LABELS.get(payload.get("period") or "", "báo cáo")
    ctx["period_label"] = period
    ctx["period_label_cap"] = period[:1].upper() + period[1:]
    ctx["period_label_year"] = with_year(period, ctx.get("year", ""))
    ctx["period_label_year_cap"] = with_year(ctx["period_label_cap"], ctx.get("year", ""))
    ctx["rating_label"] = RATING_LABELS.get(payload.get("rating") or "", payload.get("rating") or "")
    ctx["late_note"] = " (trễ hạn)" if payload.get("late") else ""
    ctx["approved_label"] = "thống nhất đề nghị" if payload.get("approved") else "không thống nhất đề nghị"
    ctx["nominee"] = payload.get("person_name") or ctx["unit_name"]
    for key in ("deadline", "previous_deadline", "due_date", "inspected_on", "decided_on", "meeting_date"):
        ctx[f"{key}_vn"] = vn_date(payload.get(key))
    if not ctx.get("reason"):
        ctx["reason"] = "(không ghi lý do)"
    return ctx


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    link: str


def render(route: Route, ctx: dict[str, Any], public_url: str, ward_name: str) -> Message:
    subject = route.subject.format_map(ctx)
    body = route.body.format_map(ctx)
    link = public_url.rstrip("/") + route.link.format_map(ctx)
    text = (
        f"{body}\n\nXem chi tiết: {link}\n\n--\nUBND phường {ward_name} — Hệ thống theo dõi phong trào \"Dân vận khéo\".\n"
        "Thư gửi tự động, vui lòng không trả lời thư này."
    )
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n"))
    html_body = (
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(subject)}</title></head>"
        "<body style=\"font-family:'Times New Roman',serif;font-size:15px;color:#1a1a1a\">"
        f"<p style=\"font-weight:bold\">ỦY BAN NHÂN DÂN PHƯỜNG {html.escape(ward_name.upper())}</p>"
        f"<h2 style=\"font-size:17px\">{html.escape(subject)}</h2>{paragraphs}"
        f"<p><a href=\"{html.escape(link, quote=True)}\">Xem chi tiết trên hệ thống</a></p>"
        "<hr><p style=\"font-size:12px;color:#666\">Thư gửi tự động từ hệ thống theo dõi phong trào "
        "\"Dân vận khéo\". Vui lòng không trả lời thư này.</p></body></html>"
    )
    return Message(subject=subject, text=text, html=html_body, link=route.link.format_map(ctx))
