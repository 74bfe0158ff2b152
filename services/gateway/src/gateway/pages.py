"""What every page shares: Vietnamese labels, date filters, navigation, the unread badge, HTML error pages."""
from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from dvk_platform.errors import from_http_exception
from dvk_platform.labels import Labels

from . import clients
from .clients import ServiceProblem, ServiceUnavailable
from .models import ROLE_LABELS
from .security import current_user

log = logging.getLogger(__name__)

# codes the event contract labels are read from it
FIELDS = Labels("field")
STATUSES = Labels("model_status")
ACTIONS = {
    "create": "Tạo bản nháp",
    "submit": "Gửi Phòng Văn hóa - Xã hội",
    "return": "Trả lại để chỉnh sửa",
    "accept": "Tiếp nhận",
    "withdraw": "Rút",
    "typical": "Chọn làm điển hình",
}
UNIT_KINDS = Labels("kind")
RATINGS = Labels("rating")
PERIODS = Labels("period")
REPORT_STATUSES = Labels("report_status")
REPORT_ACTIONS = {
    "create": "Lập dự thảo",
    "submit": "Gửi Phòng Văn hóa - Xã hội",
    "resubmit": "Gửi lại sau chỉnh sửa",
    "return": "Trả lại để chỉnh sửa",
    "accept": "Tiếp nhận",
}
NOMINATION_STATUSES = Labels("nomination_status")
NOMINATION_ACTIONS = {
    "create": "Lập đề nghị",
    "update": "Sửa đề nghị",
    "propose": "Đề nghị Hội đồng xét",
    "review": "Hội đồng Thi đua - Khen thưởng xét",
    "decide": "Quyết định khen thưởng",
    "forward": "Trình cấp trên",
    "revoke": "Thu hồi",
    "withdraw": "Rút đề nghị",
    # the awards service records each step in the past tense
    "created": "Lập đề nghị",
    "edited": "Sửa đề nghị",
    "proposed": "Đề nghị Hội đồng xét",
    "reviewed": "Hội đồng Thi đua - Khen thưởng xét",
    "decided": "Quyết định khen thưởng",
    "forwarded": "Trình cấp trên",
    "revoked": "Thu hồi",
    "withdrawn": "Rút đề nghị",
}
NOMINEE_KINDS = Labels("nominee_kind")
# The plan's five targets (chỉ tiêu), as the dashboard and the public page name them.
PLAN_TARGETS = {
    1: "Duy trì mô hình “Chính quyền thân thiện, vì Nhân dân phục vụ”",
    2: "Cán bộ, công chức giữ quy tắc ứng xử, đạo đức công vụ",
    3: "Đơn vị, tổ dân phố có mô hình được tiếp nhận",
    4: "Hồ sơ thủ tục hành chính giải quyết đúng và trước hạn",
    5: "Dịch vụ công trực tuyến, thanh toán không dùng tiền mặt, “Bình dân học vụ số” tăng",
}
TARGET_FIGURES = {"online_rate": "Tỷ lệ hồ sơ dịch vụ công trực tuyến (%)",
                  "cashless_payments": "Giao dịch thanh toán không dùng tiền mặt",
                  "digital_literacy_participants": "Người tham gia “Bình dân học vụ số”"}

# (endpoint, label, roles allowed or None for every signed-in user)
NAVIGATION: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("dashboard.index", "Tổng quan", None),
    ("models.index", "Mô hình", None),
    ("reports.index", "Báo cáo", None),
    ("awards.index", "Khen thưởng", None),
    ("inbox.index", "Thông báo", None),
    ("units.index", "Đơn vị", ("admin", "vhxh", "lanh_dao", "giam_sat")),
    ("admin.users", "Người dùng", ("admin",)),
]

HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền xem trang này.",
    404: "Không tìm thấy trang hoặc hồ sơ yêu cầu.",
    405: "Thao tác không được hỗ trợ ở địa chỉ này.",
    413: "Dữ liệu gửi lên vượt quá dung lượng cho phép.",
    429: "Quá nhiều yêu cầu; vui lòng thử lại sau.",
}

# Paths answered as problem+json (machines), not as HTML pages (people).
MACHINE_PREFIXES = ("/internal/", "/healthz", "/readyz", "/metrics", "/openapi.json")


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))


def _parse(value: Any) -> date | datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def format_date(value: Any) -> str:
    """dd/mm/yyyy in the ward's time zone (an ISO date stays that calendar day)."""
    moment = _parse(value)
    if moment is None:
        return "" if value in (None, "") else str(value)
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(local_zone())
        return moment.strftime("%d/%m/%Y")
    return moment.strftime("%d/%m/%Y")


DATE_TYPED_HINT = "Ngày không hợp lệ: nhập ngày/tháng/năm, ví dụ 05/03/2026."


def form_date(text: str | None) -> str | None:
    """A date typed dd/mm/yyyy (or d/m/yyyy) in a form as the ISO date the services take; None when left empty.
    Raises ValueError with the Vietnamese message for the field."""
    text = (text or "").strip()
    if not text:
        return None
    try:  # an ISO date (scripts, older pages) is unambiguous too
        return date.fromisoformat(text).isoformat() if len(text) == 10 and text[4] == "-" else _typed_date(text)
    except ValueError:
        raise ValueError(DATE_TYPED_HINT) from None


def _typed_date(text: str) -> str:
    parts = text.replace("-", "/").replace(".", "/").split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
        except ValueError:
            pass
    raise ValueError(DATE_TYPED_HINT)


def format_datetime(value: Any) -> str:
    """HH:MM dd/mm/yyyy in the ward's time zone."""
    moment = _parse(value)
    if not isinstance(moment, datetime):
        return format_date(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(local_zone())
    return moment.strftime("%H:%M %d/%m/%Y")


def label(value: Any, table: str) -> str:
    tables = {"field": FIELDS, "status": STATUSES, "kind": UNIT_KINDS, "rating": RATINGS, "period": PERIODS,
              "role": ROLE_LABELS, "action": ACTIONS, "report_status": REPORT_STATUSES,
              "report_action": REPORT_ACTIONS, "nomination_status": NOMINATION_STATUSES,
              "nomination_action": NOMINATION_ACTIONS, "nominee_kind": NOMINEE_KINDS}
    return tables[table].get(value, value if value is not None else "")


def period_title(period: str, year: Any) -> str:
    """"sơ kết 6 tháng năm 2026", "tổng kết năm 2026": the period and its year, never "năm năm" (read as five years)."""
    name = PERIODS.get(period, period or "").lower()
    return f"{name} {year}" if name.endswith(" năm") else f"{name} năm {year}"


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def number(value: Any, digits: int = 0) -> str:
    """Vietnamese number format: 1.234,5."""
    if value in (None, ""):
        return "—"
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def navigation() -> list[dict[str, Any]]:
    user = current_user()
    if user is None:
        return []
    current = request.endpoint or ""
    items = []
    for endpoint, text, roles in NAVIGATION:
        if roles is None or user.role in roles:
            section = endpoint.split(".")[0]
            items.append({"endpoint": endpoint, "label": text, "active": current.split(".")[0] == section})
    return items


def unread_count() -> int | None:
    """Unread inbox items for the header badge; None when the notify service does not answer."""
    if "unread" not in g:
        g.unread = None
        if current_user() is not None:
            try:
                data = clients.get("notify", "/inbox/unread-count")
                g.unread = int(data.get("unread", 0)) if isinstance(data, dict) else None
            except (ServiceUnavailable, ServiceProblem, ValueError, TypeError):
                g.unread = None
    return g.unread


def field_error(errors: dict[str, str] | None, name: str) -> Markup:
    """The Vietnamese message under a form field, tied to it by id for screen readers."""
    message = (errors or {}).get(name)
    if not message:
        return Markup("")
    return Markup('<p class="field-error" id="err-{0}" role="alert">{1}</p>').format(name, message)


def wants_machine_answer() -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, label=label, number=number,
                                 capitalize_first=capitalize_first)
    app.jinja_env.globals.update(navigation=navigation, period_title=period_title, unread_count=unread_count, field_error=field_error,
                                 FIELDS=FIELDS, STATUSES=STATUSES, UNIT_KINDS=UNIT_KINDS, RATINGS=RATINGS,
                                 PERIODS=PERIODS, ROLE_LABELS=ROLE_LABELS, NOMINEE_KINDS=NOMINEE_KINDS,
                                 PLAN_TARGETS=PLAN_TARGETS, TARGET_FIGURES=TARGET_FIGURES)

    @app.context_processor
    def _ward() -> dict[str, Any]:
        first, last = int(app.config["MOVEMENT_FIRST_YEAR"]), int(app.config["MOVEMENT_LAST_YEAR"])
        return {"ward_name": app.config["WARD_NAME"], "movement_years": range(first, last + 1)}

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if wants_machine_answer():
            return from_http_exception(exc)
        status = exc.code or 500
        return render_template("errors/http.html", status=status,
                               message=HTTP_MESSAGES.get(status, "Yêu cầu không thực hiện được.")), status

    @app.errorhandler(ServiceUnavailable)
    def _down(exc: ServiceUnavailable) -> Any:
        return render_template("errors/service.html", message=exc.message), 503

    @app.errorhandler(ServiceProblem)
    def _refused(exc: ServiceProblem) -> Any:
        status = exc.status if exc.status in (400, 401, 403, 404, 409, 412, 422) else 400
        return render_template("errors/http.html", status=status, message=exc.message), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        if wants_machine_answer():
            from dvk_platform.errors import problem_response

            return problem_response(500, "internal-error", "Lỗi hệ thống; vui lòng thử lại sau.")
        return render_template("errors/http.html", status=500,
                               message="Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau hoặc báo quản trị."), 500
