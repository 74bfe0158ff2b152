"""Tổng quan: this year's progress for the ward."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from dvk_platform.clock import now

from .. import clients
from ..security import current_user, login_required

bp = Blueprint("dashboard", __name__)

# Deadlines of the plan (day, month), in Asia/Ho_Chi_Minh.
DEADLINES = [((2, 15), "Đăng ký mô hình"), ((6, 10), "Báo cáo sơ kết 6 tháng"), ((11, 15), "Báo cáo tổng kết năm")]


@bp.get("/")
def home() -> Any:
    if current_user() is None:
        return redirect(url_for("public.index"))
    return redirect(url_for("dashboard.index"))


def upcoming_deadlines(today: date) -> list[dict[str, Any]]:
    out = []
    for (month, day), text in DEADLINES:
        due = date(today.year, month, day)
        if due < today:
            due = date(today.year + 1, month, day)
        out.append({"label": text, "due": due, "days_left": (due - today).days})
    return sorted(out, key=lambda d: d["due"])


@bp.get("/tong-quan")
@login_required
def index() -> Any:
    from ..pages import local_zone

    today = now().astimezone(local_zone()).date()
    year = request.args.get("year", type=int) or today.year
    progress: dict[str, Any] | None = None
    message = None
    try:
        progress = clients.get("reporting", "/progress", params={"year": year})
    except clients.ServiceUnavailable as exc:
        message = exc.message
    except clients.ServiceProblem as exc:
        message = exc.message
    return render_template("dashboard/index.html", year=year, progress=progress or {}, message=message,
                           deadlines=upcoming_deadlines(today))
