"""Tổng quan: a year's progress for the ward — the plan's five targets as bars against their thresholds, registrations
and reports by unit kind, that year's deadlines, and for Phòng VH-XH the units that have not sent what is due, with a
button to remind them (notify)."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from dvk_platform.clock import ward_today

from .. import clients
from ..pages import DATE_TYPED_HINT, form_date
from ..security import current_user, login_required, roles_required

bp = Blueprint("dashboard", __name__)
log = logging.getLogger(__name__)

LABELS = {"registration": "Đăng ký mô hình", "six_month": "Báo cáo sơ kết 6 tháng", "annual": "Báo cáo tổng kết năm"}
# What is due, as notify names it, and how the reminder's confirmation speaks of it.
DEADLINE_KINDS = {"registration": "registration", "six_month": "six_month_report", "annual": "annual_report"}
DUE_WORDS = {"registration": "đăng ký mô hình", "six_month": "báo cáo sơ kết 6 tháng", "annual": "báo cáo tổng kết năm"}

@bp.get("/")
def home() -> Any:
    if current_user() is None:
        return redirect(url_for("public.index"))
    return redirect(url_for("dashboard.index"))


def movement_years() -> tuple[int, int]:
    """The movement's first and last year (DVK_MOVEMENT_FIRST_YEAR, DVK_MOVEMENT_LAST_YEAR: 2026–2030)."""
    return int(current_app.config["MOVEMENT_FIRST_YEAR"]), int(current_app.config["MOVEMENT_LAST_YEAR"])


UNREACHABLE = "không lấy được hạn"


def deadlines_in_force(year: int) -> dict[str, date | str]:
    """The deadlines of a year as the services hold them: registration's period (Phòng VH-XH may have moved it)
    and reporting's two reports. Where a service cannot give one, the words saying why instead of a date: never a
    date of the gateway's own, which would remind the units against a deadline that is not in force."""
    due: dict[str, date | str] = {kind: UNREACHABLE for kind in LABELS}
    try:
        periods = clients.get("registration", "/periods")
        due["registration"] = f"chưa mở kỳ đăng ký năm {year}"
        for period in periods:
            if period.get("year") == year and period.get("deadline"):
                due["registration"] = date.fromisoformat(period["deadline"])
    except (clients.ServiceUnavailable, clients.ServiceProblem) as exc:
        log.warning("registration's periods unavailable, the dashboard shows no registration deadline: %s", exc)
    try:
        for deadline in clients.get("reporting", "/deadlines", params={"year": year}):
            if deadline.get("period") in due and deadline.get("due_date"):
                due[deadline["period"]] = date.fromisoformat(deadline["due_date"])
    except (clients.ServiceUnavailable, clients.ServiceProblem) as exc:
        log.warning("reporting's deadlines unavailable, the dashboard shows no report deadline: %s", exc)
    return due


def year_deadlines(year: int, today: date) -> list[dict[str, Any]]:
    """The year's own three deadlines, in date order, each with the days left (negative once passed); one the
    services could not give comes last, with `due` None and `missing` saying why."""
    out = []
    for kind, found in deadlines_in_force(year).items():
        if isinstance(found, date):
            out.append({"kind": kind, "label": LABELS[kind], "due": found, "days_left": (found - today).days})
        else:
            out.append({"kind": kind, "label": LABELS[kind], "due": None, "missing": found})
    return sorted(out, key=lambda d: (d["due"] is None, d["due"] or today))


def chosen_year(today: date) -> int:
    first, last = movement_years()
    year = request.args.get("year", type=int) or today.year
    return year if first <= year <= last else min(max(today.year, first), last)


def year_choices(today: date) -> list[int]:
    first, last = movement_years()
    return list(range(first, max(last, today.year) + 1))


def _in_movement(year: int | None) -> bool:
    first, last = movement_years()
    return year is not None and first <= year <= last


def _page(year: int | None = None, errors: dict[str, str] | None = None, ticked: dict[str, set[int]] | None = None,
          status: int = 200) -> Any:
    today = ward_today()
    year = year if _in_movement(year) else chosen_year(today)
    progress: dict[str, Any] | None = None
    message = None
    try:
        progress = clients.get("reporting", "/progress", params={"year": year})
    except clients.ServiceUnavailable as exc:
        message = exc.message
    except clients.ServiceProblem as exc:
        message = exc.message
    deadlines = year_deadlines(year, today)
    return render_template("dashboard/index.html", year=year, years=year_choices(today), progress=progress or {},
                           message=message, deadlines=deadlines, due={d["kind"]: d for d in deadlines},
                           remind_errors=errors or {},
                           ticked=ticked), status


@bp.get("/tong-quan")
@login_required
def index() -> Any:
    return _page()


@bp.post("/tong-quan/nhac-han")
@roles_required("vhxh")
def remind() -> Any:
    """Phòng VH-XH reminds the units ticked in the list of those that have not sent what is due (notify tells each
    unit's officers; a unit that has sent it meanwhile is skipped). A refusal is shown beside that list, with the
    units as they were ticked."""
    year = request.form.get("year", type=int)
    what = request.form.get("what", "")
    unit_ids = [int(u) for u in request.form.getlist("unit_id") if u.isdigit()]
    if what not in DEADLINE_KINDS or not _in_movement(year):
        return _page(year, {"_": "Không rõ nhắc hạn việc gì, năm nào; hãy bấm nút nhắc ở danh sách đơn vị chưa gửi."},
                     status=422)
    ticked = {what: set(unit_ids)}
    if not unit_ids:
        return _page(year, {what: "Chưa chọn đơn vị nào để nhắc: đánh dấu ít nhất một đơn vị trong danh sách."},
                     ticked, 422)
    body: dict[str, Any] = {"deadline_kind": DEADLINE_KINDS[what], "year": year, "unit_ids": unit_ids}
    due = request.form.get("due_date", "")
    if due:
        body["due_date"] = due
    try:
        done = clients.post("notify", "/reminders", json=body)
    except clients.ServiceProblem as exc:
        problems = " ".join(exc.field_errors().values())
        return _page(year, {what: " ".join(p for p in (exc.message, problems) if p)}, ticked, exc.status)
    except clients.ServiceUnavailable as exc:
        return _page(year, {what: exc.message}, ticked, 503)
    reminded, skipped = done.get("reminded") or [], done.get("skipped") or []
    text = (f"Đã nhắc {len(reminded)} đơn vị chưa gửi {DUE_WORDS[what]} năm {year} "
            f"({done.get('recipients', 0)} cán bộ nhận thông báo).")
    if skipped:
        text += f" {len(skipped)} đơn vị đã gửi trong lúc này nên không nhắc."
    flash(text, "success")
    return redirect(url_for("dashboard.index", year=year, _anchor=f"chua-gui-{what}"))


# --- the year's registration period (kỳ đăng ký) and its deadline --------------------------------------------------


def _typed_day(text: str) -> date | None:
    """A day typed dd/mm/yyyy (pages.form_date, as every form); None if not one."""
    try:
        iso = form_date(text)
    except ValueError:
        return None
    return date.fromisoformat(iso) if iso else None


def _period_page(year: int, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
                 status: int = 200) -> Any:
    today = ward_today()
    period = None
    try:
        period = clients.get("registration", f"/periods/{year}")
    except clients.ServiceProblem as exc:
        if exc.status != 404:
            raise
    return render_template("dashboard/period.html", year=year, years=year_choices(today), period=period,
                           errors=errors or {}, typed=typed or {}), status


@bp.get("/tong-quan/ky-dang-ky")
@login_required
def period() -> Any:
    return _period_page(chosen_year(ward_today()))


@bp.post("/tong-quan/ky-dang-ky")
@roles_required("vhxh")
def period_open() -> Any:
    """Phòng VH-XH opens a year's registration period, with the plan's deadline (15/02) or one of its own."""
    year = request.form.get("year", type=int)
    typed = {name: request.form.get(name, "").strip() for name in ("deadline", "note")}
    if not _in_movement(year):
        first, last = movement_years()
        return _period_page(first, {"year": f"Chọn một năm từ {first} đến {last}."}, typed, 422)
    body: dict[str, Any] = {"year": year}
    if typed["deadline"]:
        day = _typed_day(typed["deadline"])
        if day is None:
            return _period_page(year, {"deadline": DATE_TYPED_HINT,
                                       "_": "Chưa mở kỳ đăng ký: hạn đăng ký chưa đúng dạng ngày."}, typed, 422)
        body["deadline"] = day.isoformat()
    if typed["note"]:
        body["note"] = typed["note"]
    try:
        opened = clients.post("registration", "/periods", json=body)
    except clients.ServiceProblem as exc:
        return _period_page(year, {**exc.field_errors(), "_": "Chưa mở kỳ đăng ký: " + exc.message}, typed, exc.status)
    from ..pages import format_date

    flash(f"Đã mở kỳ đăng ký mô hình năm {year}, hạn đăng ký ngày {format_date(opened.get('deadline'))}; "
          "các đơn vị được thông báo.", "success")
    return redirect(url_for("dashboard.period", year=year))


@bp.post("/tong-quan/ky-dang-ky/<int:year>")
@roles_required("vhxh")
def period_move(year: int) -> Any:
    """Phòng VH-XH moves a year's registration deadline, with the reason the units are told."""
    typed = {name: request.form.get(name, "").strip() for name in ("deadline", "reason")}
    errors: dict[str, str] = {}
    day = _typed_day(typed["deadline"]) if typed["deadline"] else None
    if day is None:
        errors["deadline"] = DATE_TYPED_HINT if typed["deadline"] else "Nhập hạn mới. " + DATE_TYPED_HINT
    if not typed["reason"]:
        errors["reason"] = "Ghi lý do điều chỉnh hạn: các đơn vị được thông báo lý do này."
    if errors:
        return _period_page(year, {**errors, "_": "Chưa điều chỉnh hạn: xem các ô ghi lỗi bên dưới."}, typed, 422)
    try:
        clients.call("registration", "PATCH", f"/periods/{year}",
                     json={"deadline": day.isoformat(), "reason": typed["reason"]},
                     if_match=request.form.get("version") or None)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _period_page(year, {**exc.field_errors(), "_": "Chưa điều chỉnh hạn: " + exc.message}, typed, exc.status)
    flash(f"Đã điều chỉnh hạn đăng ký mô hình năm {year} thành ngày {day.strftime('%d/%m/%Y')}; "
          "các đơn vị được thông báo kèm lý do.", "success")
    return redirect(url_for("dashboard.period", year=year))
