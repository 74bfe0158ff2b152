"""Use cases: each one transaction that writes the change and its outbox rows together.

Each takes the session, the actor, ids, the data, the version the client edits and `now` (given by the caller); a
unit report's workflow is the table TRANSITIONS; event payloads are built in events.py; what a unit officer may
see is decided here (`get_report`, `scoped_unit`, the list queries)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_platform import clock
from dvk_platform.auth import Principal
from dvk_platform.clock import ward_date
from dvk_platform.errors import Conflict, Forbidden, Invalid, NotFound
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version
from dvk_platform.workflow import next_state

from . import events
from .models import (
    FIGURE_FIELDS,
    PERIODS,
    REPORT_SECTIONS,
    REPORT_STATUSES,
    OverdueNotice,
    RegisteredModel,
    ReportDeadline,
    ReportFile,
    ReportHistory,
    TargetFigures,
    Unit,
    UnitReport,
)

# Which state each action on a unit report may start from, and where it leads ("edit" keeps the state).
TRANSITIONS: dict[str, dict[str, str]] = {
    "edit": {"draft": "draft", "returned": "returned"},
    "submit": {"draft": "submitted", "returned": "resubmitted"},
    "return": {"submitted": "returned", "resubmitted": "returned"},
    "accept": {"submitted": "accepted", "resubmitted": "accepted"},
}
REFUSALS = {"edit": "Chỉ sửa được báo cáo dự thảo hoặc bị trả lại.", "submit": "Không thể gửi báo cáo ở trạng thái này.",
            "return": "Chỉ trả lại được báo cáo đã gửi.", "accept": "Chỉ tiếp nhận được báo cáo đã gửi."}
# The event each step publishes, by the state it leaves.
EVENTS = {("submit", "draft"): events.REPORT_SUBMITTED, ("submit", "returned"): events.REPORT_RESUBMITTED,
          ("return", "submitted"): events.REPORT_RETURNED, ("return", "resubmitted"): events.REPORT_RETURNED,
          ("accept", "submitted"): events.REPORT_ACCEPTED, ("accept", "resubmitted"): events.REPORT_ACCEPTED}

# --- clock and deadlines ----------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def default_due_date(year: int, period: str, config: Mapping[str, Any]) -> date:
    month, day = (int(p) for p in config["SIX_MONTH_DUE" if period == "six_month" else "ANNUAL_DUE"].split("-"))
    return date(year, month, day)


def due_date_for(session: Session, year: int, period: str, config: Mapping[str, Any]) -> date:
    row = session.scalar(select(ReportDeadline).where(ReportDeadline.year == year, ReportDeadline.period == period))
    return row.due_date if row else default_due_date(year, period, config)


def deadlines_of(session: Session, year: int, config: Mapping[str, Any]) -> list[dict[str, Any]]:
    result = []
    for period, label in PERIODS.items():
        configured = session.scalar(select(ReportDeadline).where(ReportDeadline.year == year, ReportDeadline.period == period))
        result.append({"year": year, "period": period, "period_name": label,
                       "due_date": configured.due_date if configured else default_due_date(year, period, config),
                       "configured": configured is not None})
    return result


def set_deadline(session: Session, actor: Principal, year: int, period: str, due_date: date, now: datetime,
                 config: Mapping[str, Any]) -> ReportDeadline:
    """Set one year's due date for a period; a change of the date in force is published (report-deadline-set) in the
    same transaction, so reminders and overdue notices elsewhere follow it. Setting the date already in force
    changes nothing."""
    if due_date.year != year:
        raise Invalid(errors={"due_date": ["Hạn báo cáo phải thuộc năm báo cáo."]})
    row = session.scalar(select(ReportDeadline).where(ReportDeadline.year == year, ReportDeadline.period == period))
    previous = row.due_date if row else default_due_date(year, period, config)
    if row is not None and row.due_date == due_date:
        return row
    if row is None:
        row = ReportDeadline(year=year, period=period, due_date=due_date, version=1)
        session.add(row)
    else:
        row.due_date, row.version = due_date, row.version + 1
    # Reports not yet submitted follow the new deadline; submitted ones keep the deadline they were judged by.
    for report in session.scalars(select(UnitReport).where(UnitReport.year == year, UnitReport.period == period,
                                                            UnitReport.submitted_at.is_(None))):
        report.due_date = due_date
    session.flush()
    if due_date != previous:
        add_event(session, aggregate_type="report-deadline", aggregate_id=f"{year}-{period}",
                  event_type=events.REPORT_DEADLINE_SET,
                  payload=events.deadline_payload(row, previous, actor.role, iso(now)))
    return row


# --- optimistic locking and scoping -----------------------------------------------------------------


def status_text(status: str) -> str:
    return f"Trạng thái hiện tại: {REPORT_STATUSES.get(status, status)} ({status})"


def _target(report: UnitReport, action: str) -> str:
    """Where `action` takes this report (409 invalid-transition if its state does not allow it)."""
    return next_state(TRANSITIONS, action, report.status, lambda _allowed: (REFUSALS[action], status_text(report.status)))


def get_report(session: Session, actor: Principal, report_id: int) -> UnitReport:
    report = session.get(UnitReport, report_id)
    # Another unit's report is answered exactly like a missing one.
    if report is None or (actor.role == "don_vi" and report.unit_id != actor.unit_id):
        raise NotFound("report-not-found", "Không tìm thấy báo cáo.")
    return report


def reports(session: Session, actor: Principal, filters: Mapping[str, Any]) -> list[UnitReport]:
    """Reports by year, period and unit, filtered; a unit officer's own unit's only."""
    statement = select(UnitReport).order_by(UnitReport.year, UnitReport.period, UnitReport.unit_id)
    if actor.role == "don_vi":
        statement = statement.where(UnitReport.unit_id == actor.unit_id)
    for key in ("year", "period", "unit_id", "status"):
        if key in filters:
            statement = statement.where(getattr(UnitReport, key) == filters[key])
    return list(session.scalars(statement))


def report_history(session: Session, actor: Principal, report_id: int) -> list[ReportHistory]:
    get_report(session, actor, report_id)
    return list(session.scalars(select(ReportHistory).where(ReportHistory.report_id == report_id).order_by(ReportHistory.id)))


def scoped_unit(principal: Principal, unit_id: int | None) -> int:
    if principal.role == "don_vi":
        if principal.unit_id is None:
            raise Forbidden("forbidden", "Tài khoản đơn vị chưa gắn với đơn vị nào.")
        if unit_id is not None and unit_id != principal.unit_id:
            raise NotFound("unit-not-found", "Không tìm thấy đơn vị.")
        return principal.unit_id
    if unit_id is None:
        raise Invalid(errors={"unit_id": ["Trường này là bắt buộc."]})
    return unit_id


def require_known_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise Invalid(errors={"unit_id": [f"Đơn vị {unit_id} không có hoặc đã ngừng tham gia."]})
    return unit


# --- unit reports -----------------------------------------------------------------------------------


def _history(session: Session, report: UnitReport, principal: Principal, action: str, from_status: str | None,
             at: datetime, reason: str | None = None) -> None:
    session.add(ReportHistory(report_id=report.id, action=action, from_status=from_status, to_status=report.status,
                              actor_id=principal.user_id, actor_name=principal.name, actor_role=principal.role, note=reason,
                              occurred_at=at))


def accepted_models(session: Session, unit_id: int, year: int) -> list[RegisteredModel]:
    return list(session.scalars(select(RegisteredModel).where(
        RegisteredModel.unit_id == unit_id, RegisteredModel.year == year, RegisteredModel.status == "accepted",
    ).order_by(RegisteredModel.model_id)))


def create_report(session: Session, actor: Principal, data: dict[str, Any], now: datetime,
                  config: Mapping[str, Any]) -> UnitReport:
    """A unit's draft report for a period, listing the unit's models accepted for the year; `config` gives the
    default deadline where Phòng VH-XH set none."""
    unit_id = scoped_unit(actor, data.get("unit_id"))
    require_known_unit(session, unit_id)
    year, period = data["year"], data["period"]
    existing = session.scalar(select(UnitReport).where(UnitReport.unit_id == unit_id, UnitReport.year == year,
                                                       UnitReport.period == period))
    if existing is not None:
        raise Conflict("duplicate-report", "Đơn vị đã có báo cáo cho kỳ này.",
                      detail=f"Báo cáo số {existing.id}; {status_text(existing.status)}.", report_id=existing.id)
    results = {r["model_id"]: r.get("result", "") for r in data.get("model_results") or []}
    report = UnitReport(
        unit_id=unit_id, year=year, period=period, status="draft",
        sections={key: (data.get("sections") or {}).get(key, "") for key in REPORT_SECTIONS},
        model_results=[{"model_id": m.model_id, "title": m.title, "field": m.field, "result": results.get(m.model_id, "")}
                       for m in accepted_models(session, unit_id, year)],
        due_date=due_date_for(session, year, period, config), late=False,
    )
    session.add(report)
    session.flush()
    _history(session, report, actor, "create", None, now)
    return report


def update_report(session: Session, actor: Principal, report_id: int, data: dict[str, Any],
                  expected_version: int | None) -> UnitReport:
    report = get_report(session, actor, report_id)
    check_version(report.version, expected_version)
    _target(report, "edit")
    if "sections" in data:
        report.sections = {**report.sections, **{k: v for k, v in data["sections"].items() if k in REPORT_SECTIONS}}
    if "model_results" in data:
        known = {r["model_id"]: r for r in report.model_results}
        unknown = [r["model_id"] for r in data["model_results"] if r["model_id"] not in known]
        if unknown:
            raise Invalid(errors={
                "model_results": [f"Mô hình {m} không phải mô hình đã được tiếp nhận của đơn vị trong năm." for m in unknown]})
        for item in data["model_results"]:
            known[item["model_id"]] = {**known[item["model_id"]], "result": item.get("result", "")}
        report.model_results = list(known.values())
    session.flush()
    return report


def refresh_models(session: Session, actor: Principal, report_id: int, expected_version: int | None) -> UnitReport:
    """Add models accepted since the draft was made; results already written stay."""
    report = get_report(session, actor, report_id)
    check_version(report.version, expected_version)
    _target(report, "edit")
    known = {r["model_id"] for r in report.model_results}
    added = [{"model_id": m.model_id, "title": m.title, "field": m.field, "result": ""}
             for m in accepted_models(session, report.unit_id, report.year) if m.model_id not in known]
    report.model_results = [*report.model_results, *added]
    session.flush()
    return report


def transition(session: Session, actor: Principal, report_id: int, action: str, expected_version: int | None,
               now: datetime, reason: str | None = None) -> UnitReport:
    """Move a report along the workflow (submit, return, accept), keep the step in its history, queue the event.
    Submitting a returned report is a resubmission."""
    report = get_report(session, actor, report_id)
    check_version(report.version, expected_version)
    target = _target(report, action)
    previous = report.status
    if action == "submit" and previous == "draft":
        missing = [label for key, label in REPORT_SECTIONS.items() if not (report.sections.get(key) or "").strip()]
        if missing:
            raise Invalid(slug="report-incomplete", title="Báo cáo chưa đủ nội dung.",
                          errors={"sections": [f"Chưa nhập: {label}." for label in missing]})
    report.status = target
    if action == "submit" and report.submitted_at is None:
        report.submitted_at = now
        # Late is judged once, on the first submission, against the ward's calendar day.
        report.late = ward_date(now) > report.due_date
    if action == "return":
        report.return_reason = reason
    if action == "accept":
        report.accepted_at = now
    session.flush()
    step = "resubmit" if action == "submit" and previous == "returned" else action
    _history(session, report, actor, step, previous, now, reason)
    add_event(session, aggregate_type="unit-report", aggregate_id=report.id, event_type=EVENTS[action, previous],
              payload=events.report_payload(report, iso(now), list(session.scalars(
                  select(ReportFile).where(ReportFile.report_id == report.id).order_by(ReportFile.id)))))
    return report


# --- target figures ---------------------------------------------------------------------------------


def figure_errors(figures: Mapping[str, int]) -> dict[str, str]:
    """Cross-field rules of the target figures, by field name, in Vietnamese."""
    errors: dict[str, str] = {}
    if figures["files_on_time"] > figures["files_resolved"]:
        errors["files_on_time"] = "Số hồ sơ đúng và trước hạn không được lớn hơn số hồ sơ đã giải quyết."
    if figures["satisfied_responses"] > figures["survey_responses"]:
        errors["satisfied_responses"] = "Số lượt hài lòng không được lớn hơn số lượt đánh giá."
    if figures["officials_violating"] > figures["officials_total"]:
        errors["officials_violating"] = "Số cán bộ vi phạm không được lớn hơn tổng số cán bộ, công chức."
    return errors


def put_figures(session: Session, unit_id: int, year: int, period: str, figures: Mapping[str, int], source: str,
                now: datetime, expected_version: int | None = None, check: bool = True) -> TargetFigures:
    """Create or replace one unit's figures for a period and announce them. `check` enforces If-Match on replace."""
    row = session.scalar(select(TargetFigures).where(TargetFigures.unit_id == unit_id, TargetFigures.year == year,
                                                     TargetFigures.period == period))
    if row is None:
        row = TargetFigures(unit_id=unit_id, year=year, period=period)
        session.add(row)
    elif check:
        check_version(row.version, expected_version)
    for name in FIGURE_FIELDS:
        setattr(row, name, int(figures[name]))
    row.source = source
    session.flush()
    add_event(session, aggregate_type="target-figures", aggregate_id=f"{unit_id}-{year}-{period}",
              event_type=events.TARGET_FIGURES_UPDATED, payload=events.figures_payload(row, iso(now)))
    return row


def record_figures(session: Session, actor: Principal, unit_id: int, year: int, period: str, figures: Mapping[str, int],
                   expected_version: int | None, now: datetime) -> TargetFigures:
    """Figures typed for a unit: a unit officer's for their own unit only, the unit known and active."""
    unit_id = scoped_unit(actor, unit_id)
    require_known_unit(session, unit_id)
    return put_figures(session, unit_id, year, period, figures, "manual", now, expected_version)


def figures(session: Session, actor: Principal, year: int, period: str) -> list[TargetFigures]:
    """One period's figures by unit; a unit officer's own unit's only."""
    statement = select(TargetFigures).where(TargetFigures.year == year, TargetFigures.period == period)
    if actor.role == "don_vi":
        statement = statement.where(TargetFigures.unit_id == actor.unit_id)
    return list(session.scalars(statement.order_by(TargetFigures.unit_id)))


# --- overdue ----------------------------------------------------------------------------------------


def check_overdue(session: Session, now: datetime, config: Mapping[str, Any]) -> list[OverdueNotice]:
    """Mark every active unit whose report for a passed deadline was never submitted; each once only.

    Looks at this year and the previous one (a check run in January still catches last November), never
    before the movement's first year.
    """
    today = ward_date(now, config)
    notices: list[OverdueNotice] = []
    units = session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.unit_id)).all()
    for year in range(max(today.year - 1, int(config["FIRST_YEAR"])), today.year + 1):
        for period in PERIODS:
            due = due_date_for(session, year, period, config)
            if today <= due:
                continue
            submitted = set(session.scalars(select(UnitReport.unit_id).where(
                UnitReport.year == year, UnitReport.period == period, UnitReport.submitted_at.is_not(None))))
            noticed = set(session.scalars(select(OverdueNotice.unit_id).where(
                OverdueNotice.year == year, OverdueNotice.period == period)))
            for unit in units:
                if unit.unit_id in submitted or unit.unit_id in noticed:
                    continue
                notice = OverdueNotice(unit_id=unit.unit_id, year=year, period=period, due_date=due, noticed_at=now)
                session.add(notice)
                session.flush()
                add_event(session, aggregate_type="unit-report", aggregate_id=f"{unit.unit_id}-{year}-{period}",
                          event_type=events.REPORT_OVERDUE, payload=events.overdue_payload(notice, iso(now)))
                notices.append(notice)
    return notices


def run_check(app: Flask, moment: datetime | None = None) -> list[dict[str, Any]]:
    """Mark overdue reports as of `moment` (default: the app's clock); idempotent. Returns what was newly marked."""
    moment = moment or clock.now(app.config)
    with app.extensions["dvk_db"].transaction() as session:
        notices = check_overdue(session, moment, app.config)
        return [{"unit_id": n.unit_id, "year": n.year, "period": n.period, "due_date": n.due_date.isoformat()} for n in notices]
