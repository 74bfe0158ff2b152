"""Khen thưởng — the catalogues of titles and forms of award: the administrator confirms an entry's legal basis and
corrects an entry when the rules change."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from dvk_platform.labels import Labels

from ... import clients
from ...security import login_required, roles_required
from .common import CATALOGUE_PATHS, _catalogue, bp

# --- catalogues ---------------------------------------------------------------------------------------


@bp.get("/danh-muc")
@login_required
def catalogue() -> Any:
    return render_template("awards/catalogue.html", entries=_catalogue())


@bp.post("/danh-muc/<catalogue>/<int:entry_id>/xac-nhan")
@roles_required("admin")
def confirm_entry(catalogue: str, entry_id: int) -> Any:
    """The admin has checked the entry's legal basis against the rules in force: it may now be decided."""
    if catalogue not in CATALOGUE_PATHS:
        abort(404)
    try:
        clients.call("awards", "PATCH", f"/catalogue/{CATALOGUE_PATHS[catalogue]}/{entry_id}",
                     json={"needs_confirmation": False}, if_match=request.form.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("awards.catalogue"))
    flash("Đã xác nhận căn cứ pháp lý; mục này dùng được trong quyết định và tờ trình.", "success")
    return redirect(url_for("awards.catalogue"))


GRANTING_LEVELS = {"phuong": "Chủ tịch UBND phường quyết định", "cap_tren": "Cấp trên quyết định (phường đề nghị)"}
CATALOGUE_LABELS = Labels("catalogue")


def _entry_form() -> dict[str, Any]:
    return {
        "name": request.form.get("name", "").strip(),
        "granting_level": request.form.get("granting_level", ""),
        "legal_basis": request.form.get("legal_basis", "").strip(),
        "for_individuals": request.form.get("for_individuals") == "on",
        "for_collectives": request.form.get("for_collectives") == "on",
        "active": request.form.get("active") == "on",
    }


@bp.route("/danh-muc/<catalogue>/<int:entry_id>/sua", methods=["GET", "POST"])
@roles_required("admin")
def edit_entry(catalogue: str, entry_id: int) -> Any:
    """The admin corrects an entry when the rules change: name, who decides it, legal basis, who may receive it."""
    if catalogue not in CATALOGUE_PATHS:
        abort(404)
    path = f"/catalogue/{CATALOGUE_PATHS[catalogue]}/{entry_id}"
    entry = clients.get("awards", path)
    page = {"entry": entry, "catalogue": catalogue, "catalogue_label": CATALOGUE_LABELS[catalogue],
            "levels": GRANTING_LEVELS}
    if request.method == "GET":
        return render_template("awards/entry_form.html", data=entry, errors={}, **page)
    data = _entry_form()
    errors = {name: "Không được để trống." for name in ("name", "legal_basis") if not data[name]}
    if not errors:
        try:
            clients.call("awards", "PATCH", path, json=data, if_match=request.form.get("version") or entry.get("version"))
        except clients.ServiceProblem as exc:
            if exc.status == 404:
                raise
            errors = exc.field_errors()
            errors.setdefault("_", exc.message)
    if errors:
        errors.setdefault("_", "Chưa lưu: vui lòng sửa các mục được đánh dấu.")
        return render_template("awards/entry_form.html", data=data, errors=errors, **page), 422
    flash(f"Đã lưu mục “{data['name']}” của danh mục {CATALOGUE_LABELS[catalogue].lower()}.", "success")
    return redirect(url_for("awards.catalogue"))
