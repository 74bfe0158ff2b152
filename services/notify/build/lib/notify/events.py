"""Events notify consumes: each keeps the local read model current, tells the people the routing table names,
and queues a signed webhook for every subscriber. Types not listed here are ignored (and counted) by the
platform's consumer; an event of a known type whose data breaks its schema in contracts/events/ is refused
and dead-lettered (contract_checked). Events notify publishes are in events_out.py."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_platform import clock
from dvk_platform.consumer import Handler, contract_checked
from dvk_platform.envelope import CloudEvent

from . import recipients, services
from .models import KnownUnit, RegistrationPeriod, UnitSubmission
from .routing import ROUTES, render_context

# Topics (by publishing service) this service's consumer reads.
SUBSCRIBES: list[str] = ["registration", "reporting", "awards"]

R = "vn.dvk.registration."
P = "vn.dvk.reporting."
A = "vn.dvk.awards."
UNIT_EVENTS = (R + "unit-created.v1", R + "unit-updated.v1", R + "unit-deactivated.v1")
PERIOD_OPENED = R + "period-opened.v1"
PERIOD_UPDATED = R + "period-updated.v1"
PERIOD_EVENTS = (PERIOD_OPENED, PERIOD_UPDATED)
MODEL_EVENTS = {R + f"model-{name}.v1": name for name in ("submitted", "resubmitted", "returned", "accepted", "withdrawn")}
REPORT_EVENTS = {P + f"report-{name}.v1": name for name in ("submitted", "resubmitted", "returned", "accepted")}
OTHER_EVENTS = (
    R + "model-inspected.v1", R + "model-marked-typical.v1",
    P + "report-overdue.v1", P + "target-figures-updated.v1", P + "consolidated-report-finalised.v1", P + "progress-snapshot.v1",
    P + "consolidated-report-submitted-for-signature.v1", P + "consolidated-report-approved.v1",
    P + "consolidated-report-returned.v1",
    A + "nomination-proposed.v1", A + "nomination-reviewed.v1", A + "award-decided.v1", A + "award-forwarded.v1",
    A + "award-revoked.v1", A + "nomination-withdrawn.v1",
)
KNOWN_TYPES: tuple[str, ...] = (*UNIT_EVENTS, *PERIOD_EVENTS, *MODEL_EVENTS, *REPORT_EVENTS, *OTHER_EVENTS)

# What a unit has sent in counts as "submitted" for reminders unless it went back to draft or was withdrawn.
REPORT_DEADLINES = {"six_month": "six_month_report", "annual": "annual_report"}


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _is_newer(new: str, old: str) -> bool:
    """Out-of-order delivery: apply a change only if it is not older than what is stored."""
    new_at, old_at = _instant(new), _instant(old)
    if new_at is None or old_at is None:
        return True
    return new_at >= old_at


def _apply_unit(session: Session, event: CloudEvent) -> None:
    data = event.data
    unit_id = data.get("unit_id")
    if not isinstance(unit_id, int):
        raise ValueError("unit event without an integer unit_id")
    unit = session.get(KnownUnit, unit_id)
    if unit is None:
        unit = KnownUnit(unit_id=unit_id, changed_at="")
        session.add(unit)
    elif not _is_newer(event.time, unit.changed_at):
        return
    unit.code = data.get("code") or unit.code or ""
    unit.name = data.get("name") or unit.name or ""
    unit.kind = data.get("kind") or unit.kind or ""
    unit.active = False if event.type.endswith("unit-deactivated.v1") else bool(data.get("active", True))
    unit.changed_at = event.time


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


def _apply_submission(session: Session, item_kind: str, item_id: int, deadline_kind: str, event: CloudEvent, status: str) -> None:
    data = event.data
    occurred = data.get("occurred_at") or event.time
    row = session.scalar(select(UnitSubmission).where(UnitSubmission.item_kind == item_kind, UnitSubmission.item_id == item_id))
    if row is None:
        session.add(UnitSubmission(item_kind=item_kind, item_id=item_id, unit_id=int(data["unit_id"]), year=int(data["year"]),
                                   deadline_kind=deadline_kind, status=status, occurred_at=occurred))
    elif _is_newer(occurred, row.occurred_at):
        row.status, row.occurred_at = status, occurred
        row.unit_id, row.year, row.deadline_kind = int(data["unit_id"]), int(data["year"]), deadline_kind


def _notify(app: Flask, session: Session, event: CloudEvent, told: dict[str, Any] | None) -> None:
    """Tell the people the route names what `told` says (None: tell no one), and queue the event's webhooks."""
    now = clock.now(app.config)
    route = ROUTES.get(event.type)
    if route is not None and told is not None:
        unit_id = told.get("unit_id") if isinstance(told.get("unit_id"), int) else None
        people = recipients.resolve(app, route.audience, unit_id)
        ctx = render_context(told, services.unit_name(session, unit_id))
        services.enqueue_message(session, app, event_id=event.id, event_type=event.type, route=route, ctx=ctx,
                                 recipients=people, unit_id=unit_id, now=now)
    services.enqueue_webhooks(session, event, now)


def handlers(app: Flask) -> dict[str, Handler]:
    """{event type: fn(session, event)} for the consumer; each runs in the consumer's transaction."""

    def handle(session: Session, event: CloudEvent) -> None:
        data = event.data
        told: dict[str, Any] | None = data
        if event.type in UNIT_EVENTS:
            _apply_unit(session, event)
        elif event.type in PERIOD_EVENTS:
            if not _apply_period(session, event):
                # older than the deadline in force: telling it would announce the old date (the newer change was
                # or will be told); webhook subscribers still get the event as it was published
                told = None
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
