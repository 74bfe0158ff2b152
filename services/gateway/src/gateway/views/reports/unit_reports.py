"""Báo cáo — unit reports: the list, a unit's six-month and annual reports written, sent, returned and accepted."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from ... import clients
from ...accounts import account_names
from ...security import current_user, has_role, login_required, roles_required
from .. import evidence
from ..units import unit_names
from .common import (
    REVIEWERS,
    SECTIONS,
    WRITERS,
    _problem_errors,
    _year,
    bp,
)

# --- unit reports -------------------------------------------------------------------------------------


@bp.get("")
@login_required
def index() -> Any:
    year = _year()
    period = request.args.get("period") or None
    status = request.args.get("status") or None
    unit_id = request.args.get("unit_id", type=int)
    reports = clients.items(clients.get("reporting", "/reports", params={"year": year, "period": period,
                                                                   "status": status, "unit_id": unit_id}))
    user = current_user()
    missing: list[str] = []
    if user is not None and user.role == "don_vi":
        have = {r["period"] for r in clients.items(clients.get("reporting", "/reports", params={"year": year}))}
        missing = [p for p in ("six_month", "annual") if p not in have]
    deadlines = {d["period"]: d.get("due_date") for d in clients.items(clients.get("reporting", "/deadlines", params={"year": year}))}
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


