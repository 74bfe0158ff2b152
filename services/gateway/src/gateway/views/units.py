"""Units (đơn vị) as the registration service lists them."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from .. import clients
from ..security import roles_required

bp = Blueprint("units", __name__, url_prefix="/don-vi")


def load_units() -> list[dict[str, Any]]:
    return clients.get("registration", "/units") or []


def unit_names() -> dict[int, str]:
    """{unit_id: name}; empty when registration does not answer (pages then show the id)."""
    try:
        return {u["id"]: u["name"] for u in load_units()}
    except (clients.ServiceUnavailable, clients.ServiceProblem):
        return {}


@bp.get("")
@roles_required("admin", "vhxh", "lanh_dao", "giam_sat")
def index() -> Any:
    units = load_units()
    return render_template("units/index.html", units=units)


@bp.route("/nhap", methods=["GET", "POST"])
@roles_required("admin")
def import_units() -> Any:
    """Add units from a CSV or XLSX file (columns Mã đơn vị, Tên đơn vị, Loại đơn vị): all rows or none."""
    if request.method == "GET":
        return render_template("units/import.html", errors={}, rows=[])
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("units/import.html", errors={"file": "Hãy chọn tệp XLSX hoặc CSV danh sách đơn vị."},
                               rows=[]), 422
    try:
        result = clients.call("registration", "POST", "/units/import",
                              files={"file": (upload.filename, upload.stream, upload.mimetype or "application/octet-stream")}).data
    except clients.ServiceProblem as exc:
        if exc.status not in (400, 409, 413, 422):
            raise
        errors = {"file": "; ".join(exc.field_errors().values()) or exc.message}
        return render_template("units/import.html", errors=errors, rows=exc.rows, file_name=upload.filename), exc.status
    flash(f"Đã nhập {result.get('imported', 0)} đơn vị từ tệp {upload.filename}.", "success")
    return redirect(url_for("units.index"))
