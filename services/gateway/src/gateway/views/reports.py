"""Báo cáo: unit reports per period, their review by Phòng VH-XH, the ward's consolidated report with its Word
and Excel files, and the target figures (chỉ tiêu) with their import (reporting service)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from dvk_platform.clock import ward_today, ward_year
from dvk_platform.labels import Labels

from .. import clients
from ..accounts import account_names
from ..pages import form_date, period_title
from ..security import current_user, has_role, login_required, roles_required
from . import evidence
from .units import unit_names

bp = Blueprint("reports", __name__, url_prefix="/bao-cao")

# The sections every unit report covers, in the order the plan prints them (reporting's REPORT_SECTIONS).
SECTIONS = [
    ("leadership", "Công tác lãnh đạo, chỉ đạo"),
    ("effectiveness", "Hiệu quả mang lại"),
    ("good_practices", "Cách làm hay, sáng tạo"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("recommendations", "Kiến nghị, đề xuất"),
    ("next_direction", "Phương hướng, nhiệm vụ thời gian tới"),
]
# Consolidated report: free text parts, then the lists drafted from the units' reports.
CONSOLIDATED_TEXTS = [
    ("intro", "Phần mở đầu"),
    ("leadership", "Công tác lãnh đạo, chỉ đạo"),
    ("results", "Kết quả thực hiện"),
    ("effectiveness", "Hiệu quả"),
    ("next_direction", "Phương hướng thời gian tới"),
]
CONSOLIDATED_LISTS = [
    ("good_practices", "Cách làm hay, sáng tạo"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("recommendations", "Kiến nghị, đề xuất"),
]
FIGURES = [
    ("files_received", "Hồ sơ TTHC tiếp nhận"),
    ("files_resolved", "Đã giải quyết"),
    ("files_on_time", "Đúng và trước hạn"),
    ("online_files", "Trực tuyến"),
    ("cashless_payments", "Thanh toán không tiền mặt"),
    ("survey_responses", "Lượt đánh giá"),
    ("satisfied_responses", "Hài lòng"),
    ("digital_literacy_participants", "“Bình dân học vụ số”"),
    ("officials_total", "Cán bộ, công chức"),
    ("officials_violating", "Vi phạm quy tắc ứng xử"),
]
# As the reporting service: a unit's own officer writes and sends its report; Phòng VH-XH reviews it, writes the
# ward's consolidated report and imports the figures. Admin runs the system, not the movement.
WRITERS = ("don_vi",)
REVIEWERS = ("vhxh",)
SIGNERS = ("lanh_dao",)  # the Chairman or a Vice-Chairman approves the consolidated report, or returns it
WARD_READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")
CONSOLIDATED_STATUSES = Labels("consolidated_status")


def _items(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        return list(data.get("items") or [])
    return list(data or [])


def _year() -> int:
    return request.values.get("year", type=int) or ward_year()


def _problem_errors(exc: clients.ServiceProblem, shown: tuple[str, ...] = ()) -> dict[str, str]:
    """Messages beside the fields the page shows; the others (e.g. each missing section) in the top alert."""
    errors = exc.field_errors()
    elsewhere = [message for name, message in errors.items() if name not in shown]
    errors.setdefault("_", " ".join([exc.message, *elsewhere]))
    return errors


# --- unit reports -------------------------------------------------------------------------------------


@bp.get("")
@login_required
def index() -> Any:
    year = _year()
    period = request.args.get("period") or None
    status = request.args.get("status") or None
    unit_id = request.args.get("unit_id", type=int)
    reports = _items(clients.get("reporting", "/reports", params={"year": year, "period": period,
                                                                   "status": status, "unit_id": unit_id}))
    user = current_user()
    missing: list[str] = []
    if user is not None and user.role == "don_vi":
        have = {r["period"] for r in _items(clients.get("reporting", "/reports", params={"year": year}))}
        missing = [p for p in ("six_month", "annual") if p not in have]
    deadlines = {d["period"]: d.get("due_date") for d in _items(clients.get("reporting", "/deadlines", params={"year": year}))}
    return render_template("reports/index.html", year=year, reports=reports, unit_names=unit_names(),
                           filters={"period": period, "status": status, "unit_id": unit_id},
                           missing=missing, deadlines=deadlines)


@bp.post("/moi")
@roles_required(*WRITERS)
def create() -> Any:
    year = _year()
    period = request.form.get("period", "")
    body: dict[str, Any] = {"year": year, "period": period}
    if not has_role("don_vi"):
        body["unit_id"] = request.form.get("unit_id", type=int)
    try:
        created = clients.post("reporting", "/reports", json=body)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("reports.index", year=year))
    flash("Đã lập dự thảo báo cáo; các mô hình đã được tiếp nhận của đơn vị đã có sẵn trong báo cáo.", "success")
    return redirect(url_for("reports.edit", report_id=created["id"]))


def _report_page(report: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200) -> Any:
    history = clients.get("reporting", f"/reports/{report['id']}/history") or []
    return render_template("reports/detail.html", report=report, history=history, sections=SECTIONS,
                           files=evidence.files_of("report", report["id"]),
                           people=account_names(h.get("actor_id") for h in history),
                           unit_names=unit_names(), errors=errors or {}), status


@bp.get("/<int:report_id>")
@login_required
def detail(report_id: int) -> Any:
    return _report_page(clients.get("reporting", f"/reports/{report_id}"))


def _report_form() -> dict[str, Any]:
    sections = {name: request.form.get(name, "").strip() for name, _ in SECTIONS}
    results = []
    for key in request.form:
        if key.startswith("result-"):
            model_id = key.removeprefix("result-")
            if model_id.isdigit():
                results.append({"model_id": int(model_id), "result": request.form[key].strip()})
    return {"sections": sections, "model_results": results}


@bp.route("/<int:report_id>/sua", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(report_id: int) -> Any:
    report = clients.get("reporting", f"/reports/{report_id}")
    if request.method == "GET":
        return render_template("reports/form.html", report=report, sections=SECTIONS, unit_names=unit_names(),
                               errors={})
    data = _report_form()
    shown = {**report, "sections": data["sections"],
             "model_results": [{**m, "result": next((r["result"] for r in data["model_results"]
                                                     if r["model_id"] == m.get("model_id")), m.get("result"))}
                               for m in report.get("model_results") or []]}
    if request.form.get("then") == "submit":  # sending needs every section: said beside each, nothing saved
        empty = {name: "Chưa nhập mục này; báo cáo cần đủ các mục trước khi gửi."
                 for name, _ in SECTIONS if not data["sections"].get(name)}
        if empty:
            return render_template("reports/form.html", report=shown, sections=SECTIONS, unit_names=unit_names(),
                                   errors={**empty, "_": "Chưa gửi, chưa lưu: báo cáo còn thiếu nội dung."}), 422
    try:
        clients.call("reporting", "PATCH", f"/reports/{report_id}", json=data,
                     if_match=request.form.get("version") or report.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        fields = tuple(name for name, _ in SECTIONS)
        return render_template("reports/form.html", report=shown, sections=SECTIONS, unit_names=unit_names(),
                               errors=_problem_errors(exc, fields)), exc.status
    if request.form.get("then") == "submit":
        return _transition(report_id, "submit")
    flash("Đã lưu báo cáo.", "success")
    return redirect(url_for("reports.detail", report_id=report_id))


REPORT_ACTIONS = {
    "submit": (WRITERS, "Đã gửi báo cáo tới Phòng Văn hóa - Xã hội."),
    "return": (REVIEWERS, "Đã trả lại báo cáo để đơn vị chỉnh sửa."),
    "accept": (REVIEWERS, "Đã tiếp nhận báo cáo."),
    "refresh-models": (WRITERS, "Đã bổ sung các mô hình mới được tiếp nhận."),
}


def _transition(report_id: int, action: str) -> Any:
    roles, done = REPORT_ACTIONS[action]
    if not has_role(*roles):
        abort(403)
    body: dict[str, Any] = {}
    if action == "return":
        body["reason"] = request.form.get("reason", "").strip()
    try:
        # After a save the version moved on: the service's current one is sent with the follow-up submit.
        version = request.form.get("version") if request.endpoint == "reports.transition" else None
        if version is None:
            version = clients.get("reporting", f"/reports/{report_id}").get("version")
        clients.call("reporting", "POST", f"/reports/{report_id}/{action}", json=body, if_match=version)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _report_page(clients.get("reporting", f"/reports/{report_id}"), _problem_errors(exc, ("reason",)),
                            exc.status)
    flash(done, "success")
    return redirect(url_for("reports.detail", report_id=report_id))


@bp.post("/<int:report_id>/<action>")
@login_required
def transition(report_id: int, action: str) -> Any:
    if action not in REPORT_ACTIONS:
        abort(404)
    return _transition(report_id, action)


# --- consolidated report ------------------------------------------------------------------------------


@bp.get("/tong-hop")
@roles_required(*WARD_READERS)
def consolidated_index() -> Any:
    return _consolidated_index({"year": _year(), "period": "six_month"}, {})


def _consolidated_index(typed: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    reports = clients.get("reporting", "/consolidated-reports") or []
    return render_template("reports/consolidated_index.html", reports=reports, typed=typed, errors=errors,
                           statuses=CONSOLIDATED_STATUSES), status


@bp.post("/tong-hop")
@roles_required(*REVIEWERS)
def consolidated_create() -> Any:
    typed = {"year": request.form.get("year", "").strip(), "period": request.form.get("period", "")}
    first, last = int(current_app.config["MOVEMENT_FIRST_YEAR"]), int(current_app.config["MOVEMENT_LAST_YEAR"])
    if not typed["year"].isdigit() or not first <= int(typed["year"]) <= last:  # never another year in its place
        return _consolidated_index(typed, {"year": f"Năm là một năm của phong trào, từ {first} đến {last}.",
                                           "_": "Chưa lập dự thảo: vui lòng sửa mục được đánh dấu."}, 422)
    try:
        created = clients.post("reporting", "/consolidated-reports",
                               json={"year": int(typed["year"]), "period": typed["period"]})
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _consolidated_index(typed, _problem_errors(exc, ("year", "period")), exc.status)
    flash("Đã lập dự thảo báo cáo tổng hợp từ các báo cáo đơn vị đã tiếp nhận.", "success")
    return redirect(url_for("reports.consolidated_detail", consolidated_id=created["id"]))


def _consolidated_page(report: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200,
                       typed: dict[str, str] | None = None) -> Any:
    content = report.get("content") or {}
    list_texts = {name: "\n".join(f"{item.get('unit_name')}: {item.get('text')}" for item in content.get(name) or [])
                  for name, _ in CONSOLIDATED_LISTS}
    # The signer is the Chairman named in the ward's settings (DVK_CHAIRMAN_NAME), never a signed-in user's display name.
    signer = report.get("signer_name") or current_app.config.get("CHAIRMAN_NAME") or ""
    return render_template("reports/consolidated.html", report=report, texts=CONSOLIDATED_TEXTS, list_texts=list_texts,
                           lists=CONSOLIDATED_LISTS, figures=FIGURES, unit_names=unit_names(), signer=signer,
                           statuses=CONSOLIDATED_STATUSES, errors=errors or {}, today=ward_today().isoformat(),
                           typed=typed or {}), status


@bp.get("/tong-hop/<int:consolidated_id>")
@roles_required(*WARD_READERS)
def consolidated_detail(consolidated_id: int) -> Any:
    return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"))


def _list_lines(text: str, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per line, "Đơn vị: nội dung"; a unit keeps its id when its name is unchanged."""
    ids = {item.get("unit_name"): item.get("unit_id") for item in before}
    items = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, sep, rest = line.partition(":")
        if sep and rest.strip():
            items.append({"unit_id": ids.get(name.strip()), "unit_name": name.strip(), "text": rest.strip()})
        else:
            items.append({"unit_id": None, "unit_name": "Chung", "text": line})
    return items


@bp.post("/tong-hop/<int:consolidated_id>/sua")
@roles_required(*REVIEWERS)
def consolidated_edit(consolidated_id: int) -> Any:
    report = clients.get("reporting", f"/consolidated-reports/{consolidated_id}")
    before = report.get("content") or {}
    content: dict[str, Any] = {name: request.form.get(name, "").strip() for name, _ in CONSOLIDATED_TEXTS}
    for name, _ in CONSOLIDATED_LISTS:
        content[name] = _list_lines(request.form.get(name, ""), before.get(name) or [])
    body: dict[str, Any] = {
        "title": request.form.get("title", "").strip(),
        "document_date": request.form.get("document_date", "").strip() or None,
        "signer_name": request.form.get("signer_name", "").strip(),
        "recipients": [line.strip() for line in request.form.get("recipients", "").splitlines() if line.strip()],
        "content": content,
    }
    try:  # typed dd/mm/yyyy; a day that does not exist is refused beside the field, nothing saved, what was typed kept
        body["document_date"] = form_date(body["document_date"])
    except ValueError as exc:
        return _consolidated_page({**report, **body}, {"document_date": str(exc), "_": "Chưa lưu: ngày văn bản chưa đúng."},
                                  422)
    try:
        clients.call("reporting", "PATCH", f"/consolidated-reports/{consolidated_id}", json=body,
                     if_match=request.form.get("version") or report.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        shown = ("title", "document_date", "signer_name", "recipients",
                 *(name for name, _ in CONSOLIDATED_TEXTS), *(name for name, _ in CONSOLIDATED_LISTS))
        return _consolidated_page({**report, **body}, _problem_errors(exc, shown), exc.status)
    flash("Đã lưu dự thảo báo cáo tổng hợp.", "success")
    return redirect(url_for("reports.consolidated_detail", consolidated_id=consolidated_id))


def _consolidated_step(consolidated_id: int, action: str, body: dict[str, Any], done: str, shown: tuple[str, ...] = ()) -> Any:
    try:
        clients.call("reporting", "POST", f"/consolidated-reports/{consolidated_id}/{action}", json=body,
                     if_match=request.form.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"),
                                  _problem_errors(exc, shown), exc.status, request.form.to_dict())
    flash(done, "success")
    return redirect(url_for("reports.consolidated_detail", consolidated_id=consolidated_id))


@bp.post("/tong-hop/<int:consolidated_id>/trinh-ky")
@roles_required(*REVIEWERS)
def consolidated_submit(consolidated_id: int) -> Any:
    return _consolidated_step(consolidated_id, "submit-for-signature", {},
                              "Đã trình ký báo cáo tổng hợp; lãnh đạo UBND phường đã được thông báo.")


@bp.post("/tong-hop/<int:consolidated_id>/duyet")
@roles_required(*SIGNERS)
def consolidated_approve(consolidated_id: int) -> Any:
    return _consolidated_step(consolidated_id, "approve", {},
                              "Đã duyệt báo cáo tổng hợp; Phòng Văn hóa - Xã hội sẽ ban hành (cấp số).")


@bp.post("/tong-hop/<int:consolidated_id>/tra-lai")
@roles_required(*SIGNERS)
def consolidated_return(consolidated_id: int) -> Any:
    reason = request.form.get("reason", "").strip()
    if not reason:  # refused beside the field before the service is asked: the report stays awaiting signature
        return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"),
                                  {"reason": "Ghi lý do trả lại để Phòng Văn hóa - Xã hội biết cần sửa gì.",
                                   "_": "Chưa trả lại: cần ghi lý do."}, 422)
    return _consolidated_step(consolidated_id, "return", {"reason": reason},
                              "Đã trả lại báo cáo tổng hợp cho Phòng Văn hóa - Xã hội.", ("reason",))


@bp.post("/tong-hop/<int:consolidated_id>/ban-hanh")
@roles_required(*REVIEWERS)
def consolidated_finalise(consolidated_id: int) -> Any:
    if request.form.get("confirm") != "yes":
        # Issuing gives the report its number and freezes its figures for good: the clerk confirms it first.
        return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"),
                                  {"confirm": "Đánh dấu ô xác nhận trước khi ban hành: số văn bản được cấp và số liệu "
                                              "được chốt, không sửa lại được.",
                                   "_": "Chưa ban hành: cần xác nhận."}, 422, {"number": request.form.get("number", "")})
    number = request.form.get("number", "").strip()
    body: dict[str, Any] = {"number": int(number)} if number.isdigit() else {}
    return _consolidated_step(consolidated_id, "finalise", body, "Đã ban hành báo cáo tổng hợp; số liệu đã được chốt.",
                              ("number",))


@bp.get("/tong-hop/<int:consolidated_id>/van-ban.docx")
@roles_required(*WARD_READERS)
def consolidated_docx(consolidated_id: int) -> Any:
    return clients.download("reporting", f"/consolidated-reports/{consolidated_id}/document")


@bp.get("/tong-hop/<int:consolidated_id>/phu-luc.xlsx")
@roles_required(*WARD_READERS)
def consolidated_xlsx(consolidated_id: int) -> Any:
    return clients.download("reporting", f"/consolidated-reports/{consolidated_id}/annex")


# --- target figures -----------------------------------------------------------------------------------


def _period() -> str:
    return request.values.get("period") if request.values.get("period") in ("six_month", "annual") else "six_month"


def _figures_page(year: int, period: str, errors: list[dict[str, Any]] | None = None, message: str | None = None,
                  status: int = 200, form: dict[str, Any] | None = None, form_errors: dict[str, str] | None = None) -> Any:
    """The figures of a period: the table with totals, rates and pass/fail against the targets; the import; the form
    to enter or correct one unit's figures (`form`: what is shown in it — typed, or the unit's figures as held)."""
    rows = clients.get("reporting", "/target-figures", params={"year": year, "period": period}) or []
    summary: dict[str, Any] = {}
    try:
        summary = (clients.get("reporting", "/progress", params={"year": year}).get("targets") or {}).get(period) or {}
    except clients.ServiceProblem:
        summary = {}
    user = current_user()
    if form is None:
        unit_id = request.args.get("unit_id", type=int)
        if user is not None and user.role == "don_vi":
            unit_id = user.unit_id
        held = next((r for r in rows if r.get("unit_id") == unit_id), None) if unit_id else None
        form = {"unit_id": unit_id, **({name: held.get(name) for name, _ in FIGURES} if held else {}),
                "version": held.get("version") if held else ""}
    return render_template("reports/figures.html", year=year, period=period, rows=rows, figures=FIGURES,
                           summary=summary, unit_names=unit_names(), import_errors=errors or [], message=message,
                           form=form, form_errors=form_errors or {}), status


@bp.get("/chi-tieu")
@login_required
def figures() -> Any:
    return _figures_page(_year(), _period())


FIGURE_NUMBER = "Nhập số nguyên không âm (ví dụ 120)."


@bp.post("/chi-tieu/so-lieu")
@roles_required("vhxh", "don_vi")
def figures_save() -> Any:
    """Enter or correct one unit's figures by hand; a unit officer only their own unit's."""
    year, period = _year(), _period()
    user = current_user()
    unit_id = user.unit_id if user is not None and user.role == "don_vi" else request.form.get("unit_id", type=int)
    typed = {name: request.form.get(name, "").strip() for name, _ in FIGURES}
    form = {"unit_id": unit_id, **typed, "version": request.form.get("version", "")}
    errors: dict[str, str] = {}
    if not unit_id:
        errors["unit_id"] = "Chọn đơn vị."
    values: dict[str, int] = {}
    for name, value in typed.items():
        if not value:
            errors[name] = "Chưa nhập số liệu."
        elif not value.isdigit():
            errors[name] = FIGURE_NUMBER
        else:
            values[name] = int(value)
    if errors:
        return _figures_page(year, period, status=422, form=form,
                             form_errors={**errors, "_": "Số liệu chưa được lưu: xem các ô ghi lỗi bên dưới."})
    try:
        clients.call("reporting", "PUT", f"/target-figures/{unit_id}/{year}/{period}", json=values,
                     if_match=form["version"] or None)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _figures_page(year, period, status=exc.status, form=form,
                             form_errors={**exc.field_errors(), "_": "Số liệu chưa được lưu: " + exc.message})
    flash(f"Đã lưu số liệu chỉ tiêu của {unit_names().get(unit_id, unit_id)} "
          f"({period_title(period, year)}).", "success")
    return redirect(url_for("reports.figures", year=year, period=period))


@bp.get("/chi-tieu/mau.xlsx")
@roles_required(*REVIEWERS)
def figures_template() -> Any:
    """The import template with the Vietnamese headings, one row per unit, prefilled with the figures held."""
    return clients.download("reporting", "/target-figures/template.xlsx", params={"year": _year(), "period": _period()})


@bp.post("/chi-tieu/nhap")
@roles_required(*REVIEWERS)
def figures_import() -> Any:
    year, period = _year(), _period()
    upload = request.files.get("file")
    files = None
    if upload is not None and upload.filename:
        files = {"file": (upload.filename, upload.stream, upload.mimetype or "application/octet-stream")}
    try:
        result = clients.call("reporting", "POST", "/target-figures/import", params={"year": year, "period": period},
                              files=files or {"_": ("", b"")}).data
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        rows = exc.errors if isinstance(exc.errors, list) else []
        if isinstance(exc.errors, dict):
            rows = [{"row": None, "column": None if name == "file" else name,
                     "message": "; ".join(map(str, msgs if isinstance(msgs, list) else [msgs]))}
                    for name, msgs in exc.errors.items()]
        return _figures_page(year, period, rows, exc.message, exc.status)
    flash(f"Đã nhập số liệu chỉ tiêu của {result.get('imported', 0)} đơn vị.", "success")
    return redirect(url_for("reports.figures", year=year, period=period))
