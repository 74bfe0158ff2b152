"""Events awards publishes on dvk.awards and the handlers of the events it consumes.

Handlers keep a small read model of units, models, inspections and reports. They are idempotent: each fact is
an upsert keyed by the other service's id, and a status only moves forward in event time, so a redelivered,
re-emitted or late-arriving event leaves the read model as it was. Unknown payload fields are ignored.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent
from dvk_platform.consumer import contract_checked
from dvk_platform.evidence import file_entries
from dvk_platform.projections import fact_time, newest_wins, parse_instant, project_unit, stamp

from .models import (
    Decision,
    KnownInspection,
    KnownModel,
    KnownReport,
    KnownUnit,
    Nomination,
    NominationFile,
    ProposalLetter,
)

NOMINATION_PROPOSED = "vn.dvk.awards.nomination-proposed.v1"
NOMINATION_REVIEWED = "vn.dvk.awards.nomination-reviewed.v1"
NOMINATION_WITHDRAWN = "vn.dvk.awards.nomination-withdrawn.v1"
AWARD_DECIDED = "vn.dvk.awards.award-decided.v1"
AWARD_FORWARDED = "vn.dvk.awards.award-forwarded.v1"
AWARD_REVOKED = "vn.dvk.awards.award-revoked.v1"


# --- payloads of the events published (schemas in contracts/events/) -------------------------------------


def proposed_payload(nomination: Nomination, occurred_at: datetime, files: list[NominationFile]) -> dict[str, Any]:
    """The nomination sent to the council, with its supporting documents (id, name, type, size, hash; never bytes)."""
    return {
        "nomination_id": nomination.id, "year": nomination.year, "movement": nomination.movement,
        "nominee_kind": nomination.nominee_kind, "unit_id": nomination.unit_id, "person_name": nomination.person_name,
        "award_id": nomination.award_id, "award_name": nomination.award_name, "catalogue": nomination.catalogue,
        "occurred_at": occurred_at.isoformat(), "files": file_entries(files),
    }


def reviewed_payload(nomination: Nomination, occurred_at: datetime) -> dict[str, Any]:
    return {
        "nomination_id": nomination.id, "unit_id": nomination.unit_id, "year": nomination.year,
        "approved": nomination.status == "approved", "votes_for": nomination.votes_for,
        "votes_against": nomination.votes_against, "meeting_date": nomination.meeting_date.isoformat(),
        "occurred_at": occurred_at.isoformat(),
    }


def withdrawn_payload(nomination: Nomination, previous_status: str, reason: str | None,
                      occurred_at: datetime) -> dict[str, Any]:
    return {
        "nomination_id": nomination.id, "unit_id": nomination.unit_id, "year": nomination.year,
        "nominee_kind": nomination.nominee_kind, "person_name": nomination.person_name,
        "award_name": nomination.award_name, "previous_status": previous_status, "reason": reason or None,
        "occurred_at": occurred_at.isoformat(),
    }


def decided_payload(nomination: Nomination, decision: Decision, shown_number: str, occurred_at: datetime) -> dict[str, Any]:
    return {
        "nomination_id": nomination.id, "decision_id": decision.id, "decision_number": shown_number,
        "decided_on": decision.decided_on.isoformat(), "unit_id": nomination.unit_id, "year": nomination.year,
        "award_name": nomination.award_name, "nominee_kind": nomination.nominee_kind,
        "person_name": nomination.person_name, "occurred_at": occurred_at.isoformat(),
    }


def forwarded_payload(nomination: Nomination, letter: ProposalLetter, shown_number: str,
                      occurred_at: datetime) -> dict[str, Any]:
    return {
        "nomination_id": nomination.id, "unit_id": nomination.unit_id, "year": nomination.year,
        "award_name": nomination.award_name, "letter_number": shown_number, "occurred_at": occurred_at.isoformat(),
    }


def revoked_payload(nomination: Nomination, occurred_at: datetime) -> dict[str, Any]:
    return {
        "decision_id": nomination.decision_id, "nomination_id": nomination.id, "unit_id": nomination.unit_id,
        "year": nomination.year, "reason": nomination.revoked_reason, "occurred_at": occurred_at.isoformat(),
    }


# --- registration ---------------------------------------------------------------------------------------


def on_unit(session: Session, event: CloudEvent) -> None:
    """unit-created / unit-updated / unit-deactivated: the newest state of the unit wins."""
    project_unit(session, KnownUnit, "seen_at", event)


def _model(session: Session, data: dict[str, Any]) -> KnownModel:
    model = session.get(KnownModel, int(data["model_id"]))
    if model is None:
        model = KnownModel(model_id=int(data["model_id"]), unit_id=int(data["unit_id"]), year=int(data["year"]),
                           status_at="", typical=False)
        session.add(model)
    model.title = data.get("title") or model.title
    model.field = data.get("field") or model.field
    return model


def on_model_status(session: Session, event: CloudEvent) -> None:
    """model-submitted / -resubmitted / -returned / -accepted / -withdrawn."""
    model = _model(session, event.data)
    if newest_wins(model, "status_at", event):
        model.status = event.data.get("status") or model.status
        model.unit_id, model.year = int(event.data["unit_id"]), int(event.data["year"])


def on_model_inspected(session: Session, event: CloudEvent) -> None:
    data = event.data
    _model(session, data)
    inspection = session.get(KnownInspection, int(data["inspection_id"]))
    if inspection is None:
        inspection = KnownInspection(inspection_id=int(data["inspection_id"]), seen_at="")
        session.add(inspection)
    if not newest_wins(inspection, "seen_at", event):
        return
    inspection.model_id, inspection.unit_id, inspection.year = int(data["model_id"]), int(data["unit_id"]), int(data["year"])
    inspection.rating = data["rating"]
    inspection.inspected_on = date.fromisoformat(data["inspected_on"])


def on_model_marked_typical(session: Session, event: CloudEvent) -> None:
    model = _model(session, event.data)
    at, first = fact_time(event), parse_instant(model.typical_at)
    if not model.typical or (first is not None and at < first):
        model.typical = True
        model.typical_at = stamp(at)  # the first recognition is the one the suggestion cites


# --- reporting ------------------------------------------------------------------------------------------


def _report(session: Session, data: dict[str, Any]) -> KnownReport:
    unit_id, year, period = int(data["unit_id"]), int(data["year"]), data["period"]
    report = session.scalar(
        select(KnownReport).where(KnownReport.unit_id == unit_id, KnownReport.year == year, KnownReport.period == period)
    )
    if report is None:
        report = KnownReport(unit_id=unit_id, year=year, period=period, late=False, overdue=False, status_at="")
        session.add(report)
    return report


def on_report_status(session: Session, event: CloudEvent) -> None:
    """report-submitted / -resubmitted / -returned / -accepted."""
    data = event.data
    report = _report(session, data)
    if data.get("report_id") is not None:
        report.report_id = int(data["report_id"])
    if data.get("late"):
        report.late = True  # once late, the report was not on time, whatever happens after
    if newest_wins(report, "status_at", event):
        report.status = data.get("status") or report.status


def on_report_overdue(session: Session, event: CloudEvent) -> None:
    _report(session, event.data).overdue = True


REGISTRATION_HANDLERS = {
    "vn.dvk.registration.unit-created.v1": on_unit,
    "vn.dvk.registration.unit-updated.v1": on_unit,
    "vn.dvk.registration.unit-deactivated.v1": on_unit,
    "vn.dvk.registration.model-submitted.v1": on_model_status,
    "vn.dvk.registration.model-resubmitted.v1": on_model_status,
    "vn.dvk.registration.model-returned.v1": on_model_status,
    "vn.dvk.registration.model-accepted.v1": on_model_status,
    "vn.dvk.registration.model-withdrawn.v1": on_model_status,
    "vn.dvk.registration.model-inspected.v1": on_model_inspected,
    "vn.dvk.registration.model-marked-typical.v1": on_model_marked_typical,
}
REPORTING_HANDLERS = {
    "vn.dvk.reporting.report-submitted.v1": on_report_status,
    "vn.dvk.reporting.report-resubmitted.v1": on_report_status,
    "vn.dvk.reporting.report-returned.v1": on_report_status,
    "vn.dvk.reporting.report-accepted.v1": on_report_status,
    "vn.dvk.reporting.report-overdue.v1": on_report_overdue,
}
HANDLERS: dict[str, Any] = {**REGISTRATION_HANDLERS, **REPORTING_HANDLERS}


def handlers(app: Flask) -> dict[str, Callable[[Session, CloudEvent], None]]:
    """The consumer's handlers, each first checking the event's data against its contract: a broken payload goes
    to the DLQ at once instead of changing the read model."""
    return contract_checked(HANDLERS)
