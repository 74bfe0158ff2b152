"""Mô hình: the unit's model registrations: list, create, edit, submit; review by Phòng VH-XH; history."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from dvk_platform.clock import ward_today, ward_year

from .. import clients
from ..pages import form_date
from ..security import has_role, login_required
from . import evidence
from .units import unit_names

bp = Blueprint("models", __name__, url_prefix="/mo-hinh")

# Text fields of the registration form, in the order the plan lists them.
FORM_FIELDS = [
    ("title", "Tên mô hình", "text"),
    ("goals", "Mục tiêu", "textarea"),
    ("content", "Nội dung, giải pháp", "textarea"),
    ("target_group", "Đối tượng tác động", "text"),
    ("person_in_charge", "Người phụ trách", "text"),
    ("expected_results", "Kết quả dự kiến (chỉ tiêu đo được)", "textarea"),
]
DATE_FIELDS = [("start_date", "Ngày bắt đầu"), ("end_date", "Ngày kết thúc")]
# What the registration service requires of a model (its ModelFieldsSchema); marked * on the form.
REQUIRED = {"title", "field", "goals", "content", "target_group", "person_in_charge", "expected_results",
            "start_date", "end_date"}


def _form() -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(what the service gets, what the form shows again, the gateway's own refusals beside fields)."""
    data: dict[str, Any] = {name: request.form.get(name, "").strip() for name, _, _ in FORM_FIELDS}
    data["field"] = request.form.get("field", "")
    shown = dict(data)
    errors: dict[str, str] = {}
    for name, _ in DATE_FIELDS:
        typed = request.form.get(name, "").strip()
        shown[name] = typed
        try:
            data[name] = form_date(typed)
        except ValueError as exc:
            errors[name] = str(exc)
    year = request.form.get("year", "").strip()
    data["year"] = shown["year"] = int(year) if year.isdigit() else None
    if year and not year.isdigit():
        errors["year"] = "Năm đăng ký là một số, ví dụ 2026."
        shown["year"] = year
    return data, shown, errors


def _form_page(model: dict[str, Any] | None, data: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    returns = [h for h in (model or {}).get("history") or [] if h.get("action") == "return"]
    last_return = returns[-1] if returns and (model or {}).get("status") == "returned" else None
    return render_template("models/form.html", model=model, data=data, errors=errors, form_fields=FORM_FIELDS,
                           date_fields=DATE_FIELDS, required=REQUIRED, last_return=last_return), status


def _gateway_refused(model: dict[str, Any] | None, shown: dict[str, Any], errors: dict[str, str]) -> Any:
    errors.setdefault("_", "Chưa lưu: vui lòng sửa các mục được đánh dấu.")
    return _form_page(model, shown, errors, 422)


@bp.get("")
@login_required
def index() -> Any:
    filters = {
        "year": request.args.get("year", type=int) or ward_year(),
        "status": request.args.get("status") or None,
        "field": request.args.get("field") or None,
        "unit_id": request.args.get("unit_id", type=int),
        "q": (request.args.get("q") or "").strip() or None,
        "page": request.args.get("page", type=int) or 1,
        "per_page": 20,
    }
    page = clients.get("registration", "/models", params=filters)
    models = clients.items(page)
    total = page.get("total", len(models)) if isinstance(page, dict) else len(models)
    # htmx takes the list, its total and the heading from the whole page: they always agree.
    return render_template("models/index.html", models=models, filters=filters, total=total, unit_names=unit_names())


@bp.route("/moi", methods=["GET", "POST"])
@login_required
def create() -> Any:
    if not has_role("don_vi"):
        abort(403)
    if request.method == "GET":
        return _form_page(None, {"year": ward_year()}, {})
    data, shown, errors = _form()
    if errors:
        return _gateway_refused(None, shown, errors)
    try:
        created = clients.post("registration", "/models", json={k: v for k, v in data.items() if v not in (None, "")})
    except clients.ServiceProblem as exc:
        return _form_refused(None, shown, exc)
    flash("Đã lưu bản nháp mô hình.", "success")
    return redirect(url_for("models.detail", model_id=created["id"]))


def _form_refused(model: dict[str, Any] | None, data: dict[str, Any], exc: clients.ServiceProblem) -> Any:
    errors = exc.field_errors()
    errors.setdefault("_", exc.message)
    return _form_page(model, data, errors, exc.status)


@bp.get("/<int:model_id>")
@login_required
def detail(model_id: int) -> Any:
    model = clients.get("registration", f"/models/{model_id}")
    return _detail(model, {})


def _detail(model: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    """The model's page; after a refused form its fields hold what the person typed (request.form)."""
    returns = [h for h in model.get("history") or [] if h.get("action") == "return"]
    last_return = returns[-1] if returns and model.get("status") == "returned" else None
    return render_template("models/detail.html", model=model, history=model.get("history") or [],
                           inspections=model.get("inspections") or [], last_return=last_return,
                           unit_names=unit_names(), errors=errors, today=ward_today().isoformat(),
                           typed=request.form if errors else {}), status


@bp.route("/<int:model_id>/sua", methods=["GET", "POST"])
@login_required
def edit(model_id: int) -> Any:
    if not has_role("don_vi"):  # only the unit's officer edits its models: refused before the form, like create
        abort(403)
    model = clients.get("registration", f"/models/{model_id}")
    if request.method == "GET":
        return _form_page(model, model, {})
    data, shown, errors = _form()
    data.pop("year", None)
    if errors:
        return _gateway_refused(model, shown, errors)
    try:
        clients.call("registration", "PATCH", f"/models/{model_id}", json=data,
                     if_match=request.form.get("version") or model.get("version"))
    except clients.ServiceProblem as exc:
        return _form_refused(model, shown, exc)
    flash("Đã lưu thay đổi.", "success")
    return redirect(url_for("models.detail", model_id=model_id))


ACTIONS = {
    "submit": ("submit", "Đã gửi mô hình tới Phòng Văn hóa - Xã hội."),
    "accept": ("accept", "Đã tiếp nhận mô hình."),
    "return": ("return", "Đã trả lại mô hình để đơn vị chỉnh sửa."),
    "withdraw": ("withdraw", "Đã rút mô hình."),
    "typical": ("typical", "Đã chọn mô hình làm điển hình để nhân rộng."),
}


@bp.post("/<int:model_id>/<action>")
@login_required
def transition(model_id: int, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    path, done = ACTIONS[action]
    body: dict[str, Any] = {}
    if action == "return":
        body["reason"] = request.form.get("reason", "").strip()
    elif request.form.get("note", "").strip():
        body["note"] = request.form["note"].strip()
    try:
        clients.call("registration", "POST", f"/models/{model_id}/{path}", json=body,
                     if_match=request.form.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _refused_on_detail(model_id, exc)
    flash(done, "success")
    return redirect(url_for("models.detail", model_id=model_id))


def _refused_on_detail(model_id: int, exc: clients.ServiceProblem) -> Any:
    model = clients.get("registration", f"/models/{model_id}")
    errors = exc.field_errors()
    errors.setdefault("_", exc.message)
    return _detail(model, errors, exc.status)


@bp.post("/<int:model_id>/kiem-tra")
@login_required
def inspect(model_id: int) -> Any:
    body = {name: request.form.get(name, "").strip() or None
            for name in ("inspected_on", "inspector", "rating", "findings", "follow_up")}
    try:
        body["inspected_on"] = form_date(body["inspected_on"])
    except ValueError as exc:
        model = clients.get("registration", f"/models/{model_id}")
        return _detail(model, {"inspected_on": str(exc), "_": "Chưa ghi: vui lòng sửa các mục được đánh dấu."}, 422)
    try:
        clients.post("registration", f"/models/{model_id}/inspections", json={k: v for k, v in body.items() if v})
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _refused_on_detail(model_id, exc)
    flash("Đã ghi kết quả kiểm tra.", "success")
    return redirect(url_for("models.detail", model_id=model_id))


@bp.get("/<int:model_id>/kiem-tra/<int:inspection_id>")
@login_required
def inspection(model_id: int, inspection_id: int) -> Any:
    """One inspection of a model: what Phòng VH-XH found, with the minutes and photos it attached."""
    model = clients.get("registration", f"/models/{model_id}")
    found = next((i for i in model.get("inspections") or [] if i.get("id") == inspection_id), None)
    if found is None:
        abort(404)
    record = {**found, "model_id": model_id, "model_typical": bool(model.get("typical"))}
    return render_template("models/inspection.html", model=model, inspection=record, unit_names=unit_names(),
                           files=evidence.files_of("inspection", inspection_id, model_id=model_id))


# Notifications (notify's routing table, e-mails already sent) link to /dang-ky/…: those addresses keep working.
def _registration_home() -> Any:
    return redirect(url_for("models.index"), 301)


def _registration_model(model_id: int) -> Any:
    return redirect(url_for("models.detail", model_id=model_id), 301)


@bp.record_once
def _old_addresses(state: Any) -> None:
    state.app.add_url_rule("/dang-ky", "registration_home", _registration_home)
    state.app.add_url_rule("/dang-ky/mo-hinh/<int:model_id>", "registration_model", _registration_model)
