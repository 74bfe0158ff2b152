"""Events reporting publishes on dvk.reporting and the handlers of the events it consumes.

Handlers keep the read model of units, models and commendations. Delivery is at least once and ordered only
per aggregate, so every handler is an upsert keyed by the aggregate id that never lets an older fact replace a
newer one (units and model statuses: the newest fact wins, dvk_platform.projections; commendation events each set
their own columns, and a withdrawal, final in awards, is a flag no other event clears). Unknown payload fields are ignored.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent
from dvk_platform.consumer import contract_checked
from dvk_platform.evidence import file_entries
from dvk_platform.projections import newest_wins, project_unit

from .models import (
    Commendation,
    ConsolidatedReport,
    OverdueNotice,
    RegisteredModel,
    ReportDeadline,
    ReportFile,
    TargetFigures,
    Unit,
    UnitReport,
)

REPORT_SUBMITTED = "vn.dvk.reporting.report-submitted.v1"
REPORT_RESUBMITTED = "vn.dvk.reporting.report-resubmitted.v1"
REPORT_RETURNED = "vn.dvk.reporting.report-returned.v1"
REPORT_ACCEPTED = "vn.dvk.reporting.report-accepted.v1"
REPORT_OVERDUE = "vn.dvk.reporting.report-overdue.v1"
TARGET_FIGURES_UPDATED = "vn.dvk.reporting.target-figures-updated.v1"
CONSOLIDATED_REPORT_FINALISED = "vn.dvk.reporting.consolidated-report-finalised.v1"
CONSOLIDATED_REPORT_SUBMITTED_FOR_SIGNATURE = "vn.dvk.reporting.consolidated-report-submitted-for-signature.v1"
CONSOLIDATED_REPORT_APPROVED = "vn.dvk.reporting.consolidated-report-approved.v1"
CONSOLIDATED_REPORT_RETURNED = "vn.dvk.reporting.consolidated-report-returned.v1"
PROGRESS_SNAPSHOT = "vn.dvk.reporting.progress-snapshot.v1"
REPORT_DEADLINE_SET = "vn.dvk.reporting.report-deadline-set.v1"


def report_payload(report: UnitReport, occurred_at: str, files: list[ReportFile]) -> dict[str, Any]:
    """A unit report's step, with its evidence files at that moment (id, name, type, size, hash; never the bytes)."""
    return {
        "report_id": report.id,
        "unit_id": report.unit_id,
        "year": report.year,
        "period": report.period,
        "status": report.status,
        "late": report.late,
        "due_date": report.due_date.isoformat(),
        "occurred_at": occurred_at,
        "reason": report.return_reason if report.status == "returned" else None,
        "files": file_entries(files),
    }


def deadline_payload(row: ReportDeadline, previous_due_date: date, actor_role: str, occurred_at: str) -> dict[str, Any]:
    return {"year": row.year, "period": row.period, "due_date": row.due_date.isoformat(),
            "previous_due_date": previous_due_date.isoformat(), "version": row.version, "occurred_at": occurred_at,
            "actor_role": actor_role}


def overdue_payload(notice: OverdueNotice, occurred_at: str) -> dict[str, Any]:
    return {"unit_id": notice.unit_id, "year": notice.year, "period": notice.period,
            "due_date": notice.due_date.isoformat(), "occurred_at": occurred_at}


def signoff_payload(report: ConsolidatedReport, actor_role: str, occurred_at: str, **extra: Any) -> dict[str, Any]:
    return {"consolidated_id": report.id, "year": report.year, "period": report.period, "title": report.title,
            "actor_role": actor_role, "occurred_at": occurred_at, **extra}


def finalised_payload(report: ConsolidatedReport, occurred_at: str) -> dict[str, Any]:
    return {"consolidated_id": report.id, "year": report.year, "period": report.period, "number": report.number,
            "occurred_at": occurred_at}


def snapshot_payload(year: int, period: str, progress: Mapping[str, Any], occurred_at: str) -> dict[str, Any]:
    targets = progress["targets"][period]
    return {
        "year": year,
        "period": period,
        "units": {k: progress["units"][k] for k in ("active", "with_registered_model", "with_accepted_model", "target_met")},
        "reports": progress["reports"][period],
        "targets": {k: targets[k] for k in ("totals", "on_time_rate", "on_time_met", "satisfaction_rate", "conduct_rate", "conduct_met")},
        "models": {"total": progress["models"]["total"], "by_status": progress["models"]["by_status"],
                   "by_field": {f: v["total"] for f, v in progress["models"]["by_field"].items()}},
        "typical_models": len(progress["typical_models"]),
        "commendations": {k: progress["commendations"][k] for k in ("proposed", "decided", "collective", "individual", "revoked")},
        "occurred_at": occurred_at,
    }


def figures_payload(row: TargetFigures, occurred_at: str) -> dict[str, Any]:
    return {"unit_id": row.unit_id, "year": row.year, "period": row.period, "figures": row.figures(),
            "occurred_at": occurred_at}


# --- consumed: registration -------------------------------------------------------------------------

def on_unit_changed(session: Session, event: CloudEvent) -> None:
    project_unit(session, Unit, "event_time", event)


def _model(session: Session, data: dict[str, Any]) -> RegisteredModel:
    model = session.get(RegisteredModel, int(data["model_id"]))
    if model is None:
        model = RegisteredModel(model_id=int(data["model_id"]), unit_id=int(data["unit_id"]), year=int(data["year"]),
                                title="", field="", late=False, typical=False)
        session.add(model)
    return model


def on_model_status(session: Session, event: CloudEvent) -> None:
    data = event.data
    model = _model(session, data)
    if not newest_wins(model, "status_at", event):
        return
    model.unit_id = int(data["unit_id"])
    model.year = int(data["year"])
    model.title = data.get("title") or model.title
    model.field = data.get("field") or model.field
    model.status = data.get("status") or event.type.split(".")[3].removeprefix("model-")
    model.late = bool(data.get("late", model.late))


def on_model_marked_typical(session: Session, event: CloudEvent) -> None:
    data = event.data
    model = _model(session, data)
    model.typical = True
    if not model.title:
        model.title = data.get("title") or ""
    if not model.field:
        model.field = data.get("field") or ""


def on_model_inspected(session: Session, event: CloudEvent) -> None:
    data = event.data
    model = _model(session, data)
    inspected_on = data.get("inspected_on")
    if inspected_on and (model.inspected_on is None or inspected_on >= model.inspected_on):
        model.rating = data.get("rating")
        model.inspected_on = inspected_on


# --- consumed: awards -------------------------------------------------------------------------------

def _commendation(session: Session, data: dict[str, Any]) -> Commendation:
    row = session.get(Commendation, int(data["nomination_id"]))
    if row is None:
        row = Commendation(nomination_id=int(data["nomination_id"]), year=int(data["year"]), proposed=False,
                           forwarded=False, revoked=False, withdrawn=False)
        session.add(row)
    if data.get("unit_id") is not None:
        row.unit_id = int(data["unit_id"])
    return row


def on_nomination_proposed(session: Session, event: CloudEvent) -> None:
    data = event.data
    row = _commendation(session, data)
    row.proposed = True
    row.nominee_kind = data.get("nominee_kind") or row.nominee_kind
    row.person_name = data.get("person_name") or row.person_name
    row.award_name = row.award_name or data.get("award_name")


def on_nomination_reviewed(session: Session, event: CloudEvent) -> None:
    row = _commendation(session, event.data)
    row.approved = bool(event.data.get("approved"))


def on_award_decided(session: Session, event: CloudEvent) -> None:
    data = event.data
    row = _commendation(session, data)
    row.decision_id = data.get("decision_id")
    row.decision_number = data.get("decision_number")
    row.decided_on = data.get("decided_on")
    row.award_name = data.get("award_name") or row.award_name  # the decided award wins over the proposed one
    row.nominee_kind = data.get("nominee_kind") or row.nominee_kind
    row.person_name = data.get("person_name") or row.person_name


def on_award_forwarded(session: Session, event: CloudEvent) -> None:
    row = _commendation(session, event.data)
    row.forwarded = True


def on_award_revoked(session: Session, event: CloudEvent) -> None:
    row = _commendation(session, event.data)
    row.revoked = True


def on_nomination_withdrawn(session: Session, event: CloudEvent) -> None:
    """Withdrawn before any decision: no longer counted. Final in awards, so nothing clears the flag, and a
    nomination-proposed or -reviewed delivered after it (older, or redelivered) cannot bring the nomination back."""
    data = event.data
    row = _commendation(session, data)
    row.withdrawn = True
    row.proposed = True  # only proposed or approved nominations are announced withdrawn, even if that event has not arrived yet
    row.nominee_kind = row.nominee_kind or data.get("nominee_kind")
    row.person_name = row.person_name or data.get("person_name")
    row.award_name = row.award_name or data.get("award_name")


HANDLERS: dict[str, Callable[[Session, CloudEvent], None]] = {
    "vn.dvk.registration.unit-created.v1": on_unit_changed,
    "vn.dvk.registration.unit-updated.v1": on_unit_changed,
    "vn.dvk.registration.unit-deactivated.v1": on_unit_changed,
    "vn.dvk.registration.model-submitted.v1": on_model_status,
    "vn.dvk.registration.model-resubmitted.v1": on_model_status,
    "vn.dvk.registration.model-returned.v1": on_model_status,
    "vn.dvk.registration.model-accepted.v1": on_model_status,
    "vn.dvk.registration.model-withdrawn.v1": on_model_status,
    "vn.dvk.registration.model-marked-typical.v1": on_model_marked_typical,
    "vn.dvk.registration.model-inspected.v1": on_model_inspected,
    "vn.dvk.awards.nomination-proposed.v1": on_nomination_proposed,
    "vn.dvk.awards.nomination-reviewed.v1": on_nomination_reviewed,
    "vn.dvk.awards.award-decided.v1": on_award_decided,
    "vn.dvk.awards.award-forwarded.v1": on_award_forwarded,
    "vn.dvk.awards.award-revoked.v1": on_award_revoked,
    "vn.dvk.awards.nomination-withdrawn.v1": on_nomination_withdrawn,
}


def handlers(app: Flask) -> dict[str, Callable[[Session, CloudEvent], None]]:
    """The consumer's handlers, each first checking the event's data against its contract: a broken payload goes
    to the DLQ at once instead of changing the read model."""
    return contract_checked(HANDLERS)
