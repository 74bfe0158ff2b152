"""Candidates for commendation that Phòng VH-XH should look at, derived from the read model, each with why.

- a model whose latest inspection rated it "Tốt" or that is marked typical (mô hình, điển hình tiêu biểu), not
  withdrawn: one suggestion per model, its `bases` naming both reasons when both hold (`basis` is the strongest);
- a unit whose six-month and annual reports of the year were both accepted and neither was late.
Suggestions are computed, not stored: they follow the read model exactly, so the same events give the same list.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CLOSED_STATUSES, KnownInspection, KnownModel, KnownReport, KnownUnit, Nomination

PERIODS = ("six_month", "annual")


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _unit_names(session: Session) -> dict[int, str]:
    return {u.unit_id: u.name for u in session.scalars(select(KnownUnit)) if u.name}


def _collective_nominations(session: Session, year: int) -> dict[int, list[int]]:
    """Open collective nominations of the year, by unit, so a suggestion can say it is already being handled."""
    rows = session.execute(
        select(Nomination.unit_id, Nomination.id).where(
            Nomination.year == year, Nomination.nominee_kind == "collective", Nomination.status.not_in(CLOSED_STATUSES)
        ).order_by(Nomination.id)
    )
    found: dict[int, list[int]] = {}
    for unit_id, nomination_id in rows:
        found.setdefault(unit_id, []).append(nomination_id)
    return found


def suggestions_for(session: Session, year: int) -> list[dict[str, Any]]:
    names = _unit_names(session)
    nominated = _collective_nominations(session, year)

    def unit_name(unit_id: int) -> str:
        return names.get(unit_id, f"Đơn vị mã {unit_id}")

    found: list[dict[str, Any]] = []

    def suggest(basis: str, unit_id: int, why: str, model_id: int | None = None, bases: list[str] | None = None,
                **evidence: Any) -> None:
        found.append({
            "basis": basis, "bases": bases or [basis],
            "year": year, "nominee_kind": "collective", "unit_id": unit_id, "unit_name": unit_name(unit_id),
            "model_id": model_id, "why": why, "evidence": evidence, "nomination_ids": nominated.get(unit_id, []),
        })

    models = {m.model_id: m for m in session.scalars(select(KnownModel).where(KnownModel.year == year))}
    latest: dict[int, KnownInspection] = {}
    for inspection in session.scalars(
        select(KnownInspection).where(KnownInspection.year == year)
        .order_by(KnownInspection.inspected_on, KnownInspection.seen_at, KnownInspection.inspection_id)
    ):
        latest[inspection.model_id] = inspection
    for model_id in sorted(models):
        model = models[model_id]
        if model.status == "withdrawn":
            continue
        title = model.title or f"mã {model_id}"
        inspection = latest.get(model_id)
        rated_good = inspection is not None and inspection.rating == "tot"
        if not (rated_good or model.typical):
            continue
        # One suggestion per model, naming every reason it is a candidate: a typical model rated Tốt is one candidate.
        reasons, evidence, bases = [], {}, []
        if rated_good:
            bases.append("model_rated_good")
            reasons.append(f"được kiểm tra ngày {_dmy(inspection.inspected_on)}, xếp loại Tốt")
            evidence.update(inspection_id=inspection.inspection_id, inspected_on=inspection.inspected_on.isoformat())
        if model.typical:
            bases.append("model_typical")
            reasons.append(f"được công nhận là mô hình, điển hình tiêu biểu năm {year}")
        suggest(bases[-1], model.unit_id,
                f"Mô hình “{title}” của {unit_name(model.unit_id)} {'; '.join(reasons)}.", model_id, bases=bases,
                **evidence)

    reports: dict[int, dict[str, KnownReport]] = {}
    for report in session.scalars(select(KnownReport).where(KnownReport.year == year)):
        reports.setdefault(report.unit_id, {})[report.period] = report
    for unit_id in sorted(reports):
        by_period = reports[unit_id]
        if all(
            p in by_period and by_period[p].status == "accepted" and not by_period[p].late and not by_period[p].overdue
            for p in PERIODS
        ):
            suggest(
                "reports_on_time", unit_id,
                f"{unit_name(unit_id)} gửi đủ báo cáo sơ kết 6 tháng và báo cáo tổng kết năm {year}; cả hai báo cáo "
                "đều đúng hạn và đã được Phòng Văn hóa - Xã hội tiếp nhận.",
                report_ids=[by_period[p].report_id for p in PERIODS],
            )
    found.sort(key=lambda s: (s["unit_id"], s["basis"], s["model_id"] or 0))
    return found
