"""Tổng quan: this year's progress for the ward."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from dvk_platform.clock import ward_today

from .. import clients
from ..security import current_user, login_required

bp = Blueprint("dashboard", __name__)
log = logging.getLogger(__name__)

# The plan's deadlines (day, month), in Asia/Ho_Chi_Minh: shown until the services say otherwise (a period not
# opened yet, a year without configured report deadlines, or a service that cannot be reached).
PLAN_DEADLINES = {"registration": (2, 15), "six_month": (6, 10), "annual": (11, 15)}
LABELS = {"registration": "Đăng ký mô hình", "six_month": "Báo cáo sơ kết 6 tháng", "annual": "Báo cáo tổng kết năm"}


@bp.get("/")
def home() -> Any:
    if current_user() is None:
        return redirect(url_for("public.index"))
    return redirect(url_for("dashboard.index"))


def deadlines_in_force(year: int) -> dict[str, date]:
    """The deadlines of a year as the services hold them: registration's period (Phòng VH-XH may have moved it)
    and reporting's two reports; the plan's date for any the services cannot give."""
    due = {kind: date(year, month, day) for kind, (month, day) in PLAN_DEADLINES.items()}
    try:
        for period in clients.get("registration", "/periods"):
            if period.get("year") == year and period.get("deadline"):
                due["registration"] = date.fromisoformat(period["deadline"])
    except (clients.ServiceUnavailable, clients.ServiceProblem) as exc:
        log.warning("registration's periods unavailable, the dashboard shows the plan's deadline: %s", exc)
    try:
        for deadline in clients.get("reporting", "/deadlines", params={"year": year}):
            if deadline.get("period") in due and deadline.get("due_date"):
                due[deadline["period"]] = date.fromisoformat(deadline["due_date"])
    except (clients.ServiceUnavailable, clients.ServiceProblem) as exc:
        # the plan's dates; the progress section tells the user when reporting cannot be reached
        log.warning("reporting's deadlines unavailable, the dashboard shows the plan's: %s", exc)
    return due


def upcoming_deadlines(today: date) -> list[dict[str, Any]]:
    """Each kind's next deadline: this year's if it has not passed, else next year's."""
    this_year, next_year = deadlines_in_force(today.year), None
    out = []
    for kind, label in LABELS.items():
        due = this_year[kind]
        if due < today:
            next_year = next_year or deadlines_in_force(today.year + 1)
            due = next_year[kind]
        out.append({"label": label, "due": due, "days_left": (due - today).days})
    return sorted(out, key=lambda d: d["due"])


@bp.get("/tong-quan")
@login_required
def index() -> Any:
    today = ward_today()
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
