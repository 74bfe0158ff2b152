"""Thông báo: the signed-in user's inbox from the notify service."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from .. import clients
from ..security import login_required

bp = Blueprint("inbox", __name__, url_prefix="/thong-bao")


@bp.get("")
@login_required
def index() -> Any:
    data = clients.get("notify", "/inbox")
    items = data.get("items", []) if isinstance(data, dict) else (data or [])
    return render_template("inbox/index.html", items=items)


@bp.post("/<int:item_id>/da-doc")
@login_required
def mark_read(item_id: int) -> Any:
    clients.post("notify", f"/inbox/{item_id}/read")
    return redirect(url_for("inbox.index"))


@bp.post("/da-doc-tat-ca")
@login_required
def mark_all_read() -> Any:
    clients.post("notify", "/inbox/read-all")
    return redirect(url_for("inbox.index"))
