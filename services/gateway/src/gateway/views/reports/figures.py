"""Báo cáo — the Plan's target figures (chỉ tiêu): typed per unit and period, or imported from the spreadsheet
template."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from ... import clients
from ...pages import period_title
from ...security import current_user, login_required, roles_required
from ..units import unit_names
from .common import (
    FIGURES,
    REVIEWERS,
    _year,
    bp,
)

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
