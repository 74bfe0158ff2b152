"""Events notify consumes: each keeps the local read model current, tells the people the routing table names,
and queues a signed webhook for every subscriber. Types not listed here are ignored (and counted) by the
platform's consumer; an event of a known type whose data breaks its schema in contracts/events/ is refused
and dead-lettered (contract_checked). Events notify publishes are in events_out.py."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent
from dvk_platform import clock
from dvk_platform.consumer import Handler, contract_checked
from dvk_platform.projections import project_unit, upsert_newest

from . import recipients, services
from .models import KnownUnit, RegistrationPeriod, ReportDeadline, UnitSubmission
from .routing import ROUTES, render_context

R = "vn.dvk.registration."
P = "vn.dvk.reporting."
A = "vn.dvk.awards."
UNIT_EVENTS = (R + "unit-created.v1", R + "unit-updated.v1", R + "unit-deactivated.v1")
PERIOD_OPENED = R + "period-opened.v1"
PERIOD_UPDATED = R + "period-updated.v1"
PERIOD_EVENTS = (PERIOD_OPENED, PERIOD_UPDATED)
MODEL_EVENTS = {R + f"model-{name}.v1": name for name in ("submitted", "resubmitted", "returned", "accepted", "withdrawn")}
REPORT_EVENTS = {P + f"report-{name}.v1": name for name in ("submitted", "resubmitted", "returned", "accepted")}
REPORT_DEADLINE_SET = P + "report-deadline-set.v1"
OTHER_EVENTS = (
    R + "model-inspected.v1", R + "model-marked-typical.v1",
    P + "report-overdue.v1", P + "target-figures-updated.v1", P + "consolidated-report-finalised.v1", P + "progress-snapshot.v1",
    P + "consolidated-report-submitted-for-signature.v1", P + "consolidated-report-approved.v1",
    P + "consolidated-report-returned.v1",
    A + "nomination-proposed.v1", A + "nomination-reviewed.v1", A + "award-decided.v1", A + "award-forwarded.v1",
    A + "award-revoked.v1", A + "nomination-withdrawn.v1",
)
USER_EVENTS = recipients.USER_EVENTS
KNOWN_TYPES: tuple[str, ...] = (*USER_EVENTS, *UNIT_EVENTS, *PERIOD_EVENTS, *MODEL_EVENTS, *REPORT_EVENTS, REPORT_DEADLINE_SET,
                                *OTHER_EVENTS)

# What a unit has sent in counts as "submitted" for reminders unless it went back to draft or was withdrawn.
REPORT_DEADLINES = {"six_month": "six_month_report", "annual": "annual_report"}


def _apply_unit(session: Session, event: CloudEvent) -> None:
    if not isinstance(event.data.get("unit_id"), int):
        raise ValueError("unit event without an integer unit_id")
    project_unit(session, KnownUnit, "changed_at", event)


def _apply_period(session: Session, event: CloudEvent) -> bool:
    """Keep the deadline of the period's newest version: period-opened is version 1, each period-updated carries
    its own (the producer's row version, so no clock is compared). False when the event is older than what is
    stored, e.g. a period-opened replayed after the update: it must not bring the old deadline back."""
    data = event.data
    year, deadline = int(data["year"]), date.fromisoformat(data["deadline"])
    version = int(data.get("version") or 1)
    period = session.get(RegistrationPeriod, year)
    if period is None:
        session.add(RegistrationPeriod(year=year, deadline=deadline, period_id=data.get("period_id"), version=version))
        return True
    if version < period.version:
        return False
    period.deadline, period.period_id, period.version = deadline, data.get("period_id"), version
    return True


def _apply_report_deadline(session: Session, event: CloudEvent) -> bool:
    """Keep the due date of the newest version reporting set for a year and period (versions are reporting's row
    versions, so no clock is compared). False when the event is older than what is stored: a replayed earlier
    change must not bring the old date back."""
    data = event.data
    kind = REPORT_DEADLINES.get(data["period"])
    if kind is None:  # a period this version of notify does not know: nothing to remind of
        return False
    year, due_date, version = int(data["year"]), date.fromisoformat(data["due_date"]), int(data["version"])
    row = session.get(ReportDeadline, (year, kind))
    if row is None:
        session.add(ReportDeadline(year=year, deadline_kind=kind, due_date=due_date, version=version))
        return True
    if version < row.version:
        return False
    row.due_date, row.version = due_date, version
    return True


def _apply_submission(session: Session, item_kind: str, item_id: int, deadline_kind: str, event: CloudEvent, status: str) -> None:
    """The unit's submission as the newest fact says, in one statement (no row loaded to compare its time)."""
    data = event.data
    upsert_newest(session, UnitSubmission, {"item_kind": item_kind, "item_id": item_id},
                  {"status": status, "unit_id": int(data["unit_id"]), "year": int(data["year"]), "deadline_kind": deadline_kind},
                  "occurred_at", event)


def _notify(app: Flask, session: Session, event: CloudEvent, told: dict[str, Any] | None) -> None:
    """Tell the people the route names what `told` says (None: tell no one), and queue the event's webhooks."""
    now = clock.now(app.config)
    route = ROUTES.get(event.type)
    if route is not None and told is not None:
        unit_id = told.get("unit_id") if isinstance(told.get("unit_id"), int) else None
        people, unit_name = recipients.audience_of(session, route.audience, unit_id)
        ctx = render_context(told, unit_name)
        services.enqueue_message(session, app, event_id=event.id, event_type=event.type, route=route, ctx=ctx,
                                 recipients=people, unit_id=unit_id, now=now)
    services.enqueue_webhooks(session, event, now)


def handlers(app: Flask) -> dict[str, Handler]:
    """{event type: fn(session, event)} for the consumer; each runs in the consumer's transaction."""

    def handle(session: Session, event: CloudEvent) -> None:
        data = event.data
        told: dict[str, Any] | None = data
        if event.type in USER_EVENTS:
            # who the ward's users are: kept, told to no one, sent to no webhook (names and e-mails stay here)
            recipients.apply_user_event(session, event)
            return
        if event.type in UNIT_EVENTS:
            _apply_unit(session, event)
        elif event.type in PERIOD_EVENTS:
            if not _apply_period(session, event):
                # older than the deadline in force: telling it would announce the old date (the newer change was
                # or will be told); webhook subscribers still get the event as it was published
                told = None
        elif event.type == REPORT_DEADLINE_SET:
            if not _apply_report_deadline(session, event):
                told = None  # older than the date in force: no one is told the old date again
        elif event.type in MODEL_EVENTS:
            status = data.get("status") or MODEL_EVENTS[event.type]
            _apply_submission(session, "model", int(data["model_id"]), "registration", event, status)
        elif event.type in REPORT_EVENTS:
            deadline_kind = REPORT_DEADLINES.get(data.get("period") or "")
            if deadline_kind is not None:
                status = data.get("status") or REPORT_EVENTS[event.type]
                _apply_submission(session, "report", int(data["report_id"]), deadline_kind, event, status)
        _notify(app, session, event, told)

    bound: Callable[[Session, CloudEvent], None] = handle
    # An event whose data breaks its contract (a required field missing or mistyped) is refused before anyone is
    # told: InvalidEvent, so the consumer dead-letters it at once, with no notification, delivery or inbox row.
    return contract_checked(dict.fromkeys(KNOWN_TYPES, bound))
