"""The ward's progress for a year: what the dashboard and the higher levels see.

Built on read from the read model (units, models, commendations from other services' events) and this
service's own reports and target figures, so it is always consistent with them.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_platform.clock import ward_date

from .models import FIGURE_FIELDS, MODEL_FIELDS, MODEL_STATUSES, PERIODS, Commendation, RegisteredModel, TargetFigures, Unit, UnitReport
from .services import due_date_for

ON_TIME_TARGET = 98.0  # chỉ tiêu 4: hồ sơ TTHC giải quyết đúng và trước hạn ≥ 98%
CONDUCT_TARGET = 100.0  # chỉ tiêu 2: 100% cán bộ, công chức giữ quy tắc ứng xử
REGISTRATION_TARGET = 100.0  # chỉ tiêu 3: 100% đơn vị, tổ dân phố đăng ký ít nhất một mô hình mỗi năm
REGISTERED = ("submitted", "returned", "resubmitted", "accepted")
UNIT_KINDS = ("co_quan", "to_dan_pho", "cong_an", "quan_su", "mttq_doan_the")
# Chỉ tiêu 1 names one model; the ward registers it every year under this name (case and spacing aside).
FRIENDLY_GOVERNMENT = "chính quyền thân thiện"


def percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 2) if whole else None


def figures_summary(rows: list[TargetFigures]) -> dict[str, Any]:
    totals = {name: sum(getattr(r, name) for r in rows) for name in FIGURE_FIELDS}
    on_time = percent(totals["files_on_time"], totals["files_resolved"])
    conduct = percent(totals["officials_total"] - totals["officials_violating"], totals["officials_total"])
    return {
        "units_reporting": len(rows),
        "totals": totals,
        "on_time_rate": on_time,
        "on_time_target": ON_TIME_TARGET,
        "on_time_met": None if on_time is None else on_time >= ON_TIME_TARGET,
        "satisfaction_rate": percent(totals["satisfied_responses"], totals["survey_responses"]),
        "online_rate": percent(totals["online_files"], totals["files_received"]),
        "conduct_rate": conduct,
        "conduct_target": CONDUCT_TARGET,
        "conduct_met": None if conduct is None else conduct >= CONDUCT_TARGET,
    }


def figures_rows(session: Session, year: int, period: str) -> list[TargetFigures]:
    return list(session.scalars(select(TargetFigures).where(TargetFigures.year == year, TargetFigures.period == period)
                                .order_by(TargetFigures.unit_id)))


def _latest_figures(session: Session, year: int) -> tuple[str | None, dict[str, Any]]:
    """The year's most recent period with figures (annual, else six-month) and its summary."""
    for period in ("annual", "six_month"):
        summary = figures_summary(figures_rows(session, year, period))
        if summary["units_reporting"]:
            return period, summary
    return None, figures_summary([])


def _grew(now_value: float | int | None, before: float | int | None) -> bool | None:
    if now_value is None or before is None:
        return None
    return now_value > before


def plan_targets(session: Session, year: int, models: list[RegisteredModel], units: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's five targets for the year, each read from the figures that exist: value, threshold, met (None while
    there are no figures to judge by). Targets 2, 4 and 5 use the year's latest period with figures; 5 ("grow")
    compares with the same period of the previous year."""
    period, latest = _latest_figures(session, year)
    before = figures_summary(figures_rows(session, year - 1, period)) if period else figures_summary([])
    friendly = [m for m in models if m.status == "accepted" and FRIENDLY_GOVERNMENT in " ".join((m.title or "").casefold().split())]
    totals, previous = latest["totals"], before["totals"]
    digital = {
        "online_rate": (latest["online_rate"], before["online_rate"]),
        "cashless_payments": (totals["cashless_payments"] if period else None,
                              previous["cashless_payments"] if before["units_reporting"] else None),
        "digital_literacy_participants": (totals["digital_literacy_participants"] if period else None,
                                          previous["digital_literacy_participants"] if before["units_reporting"] else None),
    }
    growth = {name: _grew(*values) for name, values in digital.items()}
    return [
        {"number": 1, "value": len(friendly), "unit": "mô hình", "threshold": 1.0, "met": bool(friendly), "period": None,
         "models": [{"model_id": m.model_id, "title": m.title} for m in friendly]},
        {"number": 2, "value": latest["conduct_rate"], "unit": "%", "threshold": CONDUCT_TARGET,
         "met": latest["conduct_met"], "period": period},
        {"number": 3, "value": units["accepted_percent"], "unit": "%", "threshold": REGISTRATION_TARGET,
         "met": units["target_met"], "period": None,
         "count": units["with_accepted_model"], "of": units["active"]},
        {"number": 4, "value": latest["on_time_rate"], "unit": "%", "threshold": ON_TIME_TARGET,
         "met": latest["on_time_met"], "period": period, "satisfaction_rate": latest["satisfaction_rate"],
         "satisfaction_before": before["satisfaction_rate"]},
        {"number": 5, "value": latest["online_rate"], "unit": "%", "threshold": None,
         "met": None if None in growth.values() else all(growth.values()), "period": period,
         "figures": {name: {"value": now_value, "before": was, "grew": growth[name]}
                     for name, (now_value, was) in digital.items()}},
    ]


def compute_progress(session: Session, year: int, config: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    today = ward_date(now, config)
    units = {u.unit_id: u for u in session.scalars(select(Unit).order_by(Unit.unit_id))}
    active = {uid for uid, u in units.items() if u.active}
    models = list(session.scalars(select(RegisteredModel).where(RegisteredModel.year == year).order_by(RegisteredModel.model_id)))
    counted = [m for m in models if m.status is not None]

    registered_units = {m.unit_id for m in counted if m.status in REGISTERED} & active
    accepted_units = {m.unit_id for m in counted if m.status == "accepted"} & active

    reports: dict[str, Any] = {}
    for period in PERIODS:
        due = due_date_for(session, year, period, config)
        rows = [r for r in session.scalars(select(UnitReport).where(UnitReport.year == year, UnitReport.period == period))
                if r.unit_id in active]
        submitted = [r for r in rows if r.submitted_at is not None]
        on_time = [r for r in submitted if not r.late]
        sent = {r.unit_id for r in submitted}
        timely = {r.unit_id for r in on_time}
        reports[period] = {
            "due_date": due.isoformat(),
            "expected": len(active),
            "submitted": len(submitted),
            "on_time": len(on_time),
            "late": len(submitted) - len(on_time),
            "accepted": sum(1 for r in rows if r.status == "accepted"),
            "overdue": len(active) - len(submitted) if today > due else 0,
            "on_time_percent": percent(len(on_time), len(active)),
            "by_kind": {kind: {"expected": len(members), "submitted": len(members & sent), "on_time": len(members & timely)}
                        for kind in UNIT_KINDS if (members := {uid for uid in active if units[uid].kind == kind})},
            "missing": [{"unit_id": uid, "name": units[uid].name, "kind": units[uid].kind} for uid in sorted(active - sent)],
        }

    by_status = {status: sum(1 for m in counted if m.status == status) for status in MODEL_STATUSES}
    by_field = {
        field: {"name": name, "total": sum(1 for m in counted if m.field == field),
                "by_status": {s: sum(1 for m in counted if m.field == field and m.status == s) for s in MODEL_STATUSES}}
        for field, name in MODEL_FIELDS.items()
    }
    typical = [{"model_id": m.model_id, "unit_id": m.unit_id, "unit_name": units[m.unit_id].name if m.unit_id in units else None,
                "title": m.title, "field": m.field} for m in models if m.typical]

    nominations = list(session.scalars(select(Commendation).where(Commendation.year == year).order_by(Commendation.nomination_id)))
    decided = [c for c in nominations if c.decision_id is not None and not c.revoked]
    units_summary = {
        "active": len(active),
        "with_registered_model": len(registered_units),
        "with_accepted_model": len(accepted_units),
        "registered_percent": percent(len(registered_units), len(active)),
        "accepted_percent": percent(len(accepted_units), len(active)),
        "target_met": bool(active) and accepted_units == active,
        "without_model": [{"unit_id": uid, "name": units[uid].name, "kind": units[uid].kind}
                          for uid in sorted(active - registered_units)],
        "by_kind": {kind: {"active": len(members), "registered": len(members & registered_units),
                           "accepted": len(members & accepted_units)}
                    for kind in UNIT_KINDS if (members := {uid for uid in active if units[uid].kind == kind})},
    }
    return {
        "year": year,
        "as_of": now.isoformat(timespec="seconds"),
        "units": units_summary,
        "plan_targets": plan_targets(session, year, models, units_summary),
        "reports": reports,
        "targets": {period: figures_summary(figures_rows(session, year, period)) for period in PERIODS},
        "models": {"total": len(counted), "by_status": by_status, "by_field": by_field},
        "typical_models": typical,
        "commendations": {
            "proposed": sum(1 for c in nominations if c.proposed and not c.withdrawn),
            "decided": len(decided),
            "collective": sum(1 for c in decided if c.nominee_kind == "collective"),
            "individual": sum(1 for c in decided if c.nominee_kind == "individual"),
            "forwarded": sum(1 for c in nominations if c.forwarded and not c.revoked),
            "revoked": sum(1 for c in nominations if c.revoked),
            "withdrawn": sum(1 for c in nominations if c.proposed and c.withdrawn),
            "decisions": [{"nomination_id": c.nomination_id, "unit_id": c.unit_id,
                           "unit_name": units[c.unit_id].name if c.unit_id in units else None,
                           "nominee_kind": c.nominee_kind, "person_name": c.person_name, "award_name": c.award_name,
                           "decision_number": c.decision_number, "decided_on": c.decided_on} for c in decided],
        },
    }
