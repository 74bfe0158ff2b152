"""Deadline reminders: before 15/02 (registration), 10/06 (six-month report) and 15/11 (annual report), to the
units that have not sent what is due, at configurable offsets, and an overdue notice after the deadline.

The registration deadline is the opened period's own, as last changed (period-opened, then period-updated), and a
report deadline the one reporting last set for the year (report-deadline-set): reminders and the overdue notice
follow a moved deadline, and a period of last year whose deadline was moved into this year is still reminded of.
Exactly once per unit, deadline, due date and offset: the reminders_sent unique key decides between repeated runs,
restarts and parallel processes; the reminder, its messages and its reminder-sent event commit together."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_core.envelope import CloudEvent
from dvk_platform.config import event_source
from dvk_platform.outbox import add_event

from . import events_out, recipients, services
from .models import (
    DEADLINE_KINDS,
    KnownUnit,
    ManualReminder,
    OverdueSummary,
    RegistrationPeriod,
    ReminderSent,
    ReportDeadline,
    UnitSubmission,
)
from .routing import (
    DEADLINE_LABELS,
    REMINDER_BEFORE,
    REMINDER_OVERDUE,
    REMINDER_OVERDUE_GROUP,
    render_context,
    with_year,
)

log = logging.getLogger(__name__)

OVERDUE_OFFSET = -1  # offset_days of the overdue notice (sent once, from the day after the deadline)
SUBMITTED_STATUSES = ("submitted", "resubmitted", "returned", "accepted")
_CONFIG_KEYS = {
    "registration": "DEADLINE_REGISTRATION",
    "six_month_report": "DEADLINE_SIX_MONTH_REPORT",
    "annual_report": "DEADLINE_ANNUAL_REPORT",
}


@dataclass(frozen=True)
class SentReminder:
    unit_id: int
    deadline_kind: str
    year: int
    due_date: date
    offset_days: int


def reminder_offsets(app: Flask) -> list[int]:
    raw = app.config["REMINDER_OFFSETS"]
    values = raw if isinstance(raw, list | tuple) else [part for part in str(raw).split(",") if part.strip()]
    return sorted({int(v) for v in values if int(v) > 0}, reverse=True)


def due_dates(session: Session, app: Flask, year: int) -> dict[str, date]:
    """This year's deadlines; an opened registration period's own deadline, and a report deadline reporting set
    for the year (report-deadline-set), win over the default."""
    dates = {}
    for kind in DEADLINE_KINDS:
        month, day = (int(p) for p in str(app.config[_CONFIG_KEYS[kind]]).split("-"))
        dates[kind] = date(year, month, day)
    period = session.get(RegistrationPeriod, year)
    if period is not None:
        dates["registration"] = period.deadline
    for row in session.scalars(select(ReportDeadline).where(ReportDeadline.year == year)):
        dates[row.deadline_kind] = row.due_date
    return dates


def open_deadlines(session: Session, app: Flask, today: date) -> list[tuple[str, int, date]]:
    """(kind, year, due date) of every deadline a reminder may be due for today: this year's three, and last
    year's registration period (its deadline may have been moved into this year, or passed only days ago)."""
    found = [(kind, today.year, due) for kind, due in due_dates(session, app, today.year).items()]
    last_year = session.get(RegistrationPeriod, today.year - 1)
    if last_year is not None:
        found.append(("registration", last_year.year, last_year.deadline))
    return found


def current_offset(today: date, due: date, offsets: list[int], overdue_window: int) -> int | None:
    """The one reminder due today for this deadline: the nearest offset reached (a missed earlier day is
    caught up, never several at once), or the overdue notice within the window after the deadline."""
    if today < due:
        reached = [o for o in offsets if due - timedelta(days=o) <= today]
        return min(reached) if reached else None
    if due < today <= due + timedelta(days=overdue_window):
        return OVERDUE_OFFSET
    return None


def run_reminders(app: Flask, now: datetime | None = None) -> list[SentReminder]:
    """Send the reminders due at `now` (Asia/Ho_Chi_Minh calendar day). Safe to run any number of times."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.astimezone(ZoneInfo(app.config["TIMEZONE"])).date()
    db = app.extensions["dvk_db"]
    offsets = reminder_offsets(app)
    years = (today.year - 1, today.year)
    with db.transaction() as session:
        deadlines = open_deadlines(session, app, today)
        units = {u.unit_id: u.name for u in session.scalars(select(KnownUnit).where(KnownUnit.active.is_(True)))}
        submitted = set(session.execute(
            select(UnitSubmission.deadline_kind, UnitSubmission.year, UnitSubmission.unit_id)
            .where(UnitSubmission.year.in_(years), UnitSubmission.status.in_(SUBMITTED_STATUSES))
        ).all())
        already = set(session.execute(
            select(ReminderSent.deadline_kind, ReminderSent.year, ReminderSent.unit_id, ReminderSent.offset_days, ReminderSent.due_date)
            .where(ReminderSent.year.in_(years))
        ).all())
    plan = []
    for kind, year, due in deadlines:
        offset = current_offset(today, due, offsets, int(app.config["REMINDER_OVERDUE_WINDOW_DAYS"]))
        if offset is None:
            continue
        plan += [(kind, year, due, offset, unit_id) for unit_id in sorted(units)
                 if (kind, year, unit_id) not in submitted and (kind, year, unit_id, offset, due) not in already]
    if not plan:
        return []
    with db.transaction() as session:
        people = recipients.all_recipients(session)  # notify's own read model: the gateway may be down
    sent = []
    for kind, year, due, offset, unit_id in plan:
        officers = [p for p in people if p.role == "don_vi" and p.unit_id == unit_id]
        try:
            with db.transaction() as session:
                _send_one(session, app, now, today, kind, year, due, offset, unit_id, units[unit_id], officers)
        except sa_exc.IntegrityError:
            log.info("reminder %s/%s/%s (due %s) for unit %s already sent by another run", kind, year, offset, due, unit_id)
            continue
        sent.append(SentReminder(unit_id, kind, year, due, offset))
    for kind, year, due in sorted({(r.deadline_kind, r.year, r.due_date) for r in sent if r.offset_days == OVERDUE_OFFSET}):
        _send_overdue_summary(app, now, kind, year, due, people)
    return sent


def _send_overdue_summary(app: Flask, now: datetime, kind: str, year: int, due: date,
                          people: list[recipients.Recipient]) -> None:
    """One notice to Phòng VH-XH listing every unit that missed this deadline (all whose overdue notice was sent),
    once per deadline and due date."""
    db = app.extensions["dvk_db"]
    staff = [p for p in people if p.role == "vhxh"]
    try:
        with db.transaction() as session:
            unit_ids = sorted(session.scalars(select(ReminderSent.unit_id).where(
                ReminderSent.deadline_kind == kind, ReminderSent.year == year, ReminderSent.due_date == due,
                ReminderSent.offset_days == OVERDUE_OFFSET)))
            session.add(OverdueSummary(deadline_kind=kind, year=year, due_date=due, unit_ids=unit_ids,
                                       recipients=len(staff), sent_at=now))
            session.flush()  # the unique key: another run already told Phòng VH-XH
            names = [services.unit_name(session, uid) or f"Đơn vị số {uid}" for uid in unit_ids]
            ctx = render_context({"year": year, "due_date": due.isoformat()}, None)
            ctx.update(deadline_label=DEADLINE_LABELS[kind], deadline_label_year=with_year(DEADLINE_LABELS[kind], year),
                       count=len(unit_ids), unit_list=", ".join(names))
            services.enqueue_message(session, app, event_id=f"overdue-summary:{kind}:{year}:{due.isoformat()}",
                                     event_type=events_out.REMINDER_SENT, route=REMINDER_OVERDUE_GROUP, ctx=ctx,
                                     recipients=staff, unit_id=None, now=now)
    except sa_exc.IntegrityError:
        log.info("overdue summary %s/%s (due %s) already sent by another run", kind, year, due)


def days_left_phrase(days_left: int) -> str:
    return "hôm nay là hạn cuối" if days_left == 0 else f"còn {days_left} ngày"


def send_manual_reminders(app: Flask, session: Session, now: datetime, kind: str, year: int, unit_ids: list[int],
                          requested_by: str, requested_by_name: str, due: date | None = None) -> dict[str, list[int] | int]:
    """Phòng VH-XH reminds, by hand, units that have not sent what is due: each unit's officers get the same notice
    the schedule sends (before the deadline, or overdue after it), a reminder-sent event marked `manual`, and a row
    of manual_reminders. A unit that has sent it meanwhile is skipped. `due`: the deadline as the service that owns
    it holds it (a year's own report deadline); else notify's own. Returns {reminded, skipped, recipients}."""
    today = now.astimezone(ZoneInfo(app.config["TIMEZONE"])).date()
    due = due or due_dates(session, app, year)[kind]
    done = set(session.scalars(select(UnitSubmission.unit_id).where(
        UnitSubmission.deadline_kind == kind, UnitSubmission.year == year, UnitSubmission.status.in_(SUBMITTED_STATUSES))))
    people = recipients.all_recipients(session)
    reminded, skipped, told = [], [], 0
    days_left = (due - today).days
    for unit_id in unit_ids:
        if unit_id in done:
            skipped.append(unit_id)
            continue
        officers = [p for p in people if p.role == "don_vi" and p.unit_id == unit_id]
        session.add(ManualReminder(unit_id=unit_id, deadline_kind=kind, year=year, due_date=due, days_left=days_left,
                                   recipients=len(officers), requested_by=requested_by,
                                   requested_by_name=requested_by_name, sent_at=now))
        offset = days_left if days_left >= 0 else OVERDUE_OFFSET
        payload = {**events_out.reminder_sent_payload(unit_id, kind, year, due, offset, now), "manual": True}
        event_id = add_event(session, aggregate_type="unit", aggregate_id=unit_id, event_type=events_out.REMINDER_SENT,
                             payload=payload)
        ctx = render_context({"unit_id": unit_id, "year": year, "due_date": due.isoformat()},
                             services.unit_name(session, unit_id))
        ctx.update(deadline_label=DEADLINE_LABELS[kind], deadline_label_year=with_year(DEADLINE_LABELS[kind], year),
                   days_left=days_left, days_left_phrase=days_left_phrase(days_left))
        route = REMINDER_OVERDUE if days_left < 0 else REMINDER_BEFORE
        services.enqueue_message(session, app, event_id=event_id, event_type=events_out.REMINDER_SENT, route=route,
                                 ctx=ctx, recipients=officers, unit_id=unit_id, now=now)
        cfg = app.config
        event = CloudEvent(id=event_id, type=events_out.REMINDER_SENT, source=event_source(cfg, "notify"),
                           subject=str(unit_id), ward=cfg["WARD_CODE"], data=payload,
                           time=now.isoformat(timespec="milliseconds"))
        services.enqueue_webhooks(session, event, now)
        reminded.append(unit_id)
        told += len(officers)
    return {"reminded": reminded, "skipped": skipped, "recipients": told}


def _send_one(session: Session, app: Flask, now: datetime, today: date, kind: str, year: int, due: date, offset: int,
              unit_id: int, unit_name: str, officers: list[recipients.Recipient]) -> None:
    session.add(ReminderSent(unit_id=unit_id, deadline_kind=kind, year=year, due_date=due, offset_days=offset,
                             recipients=len(officers), sent_at=now))
    session.flush()  # the unique key: a second run stops here and rolls back whole
    payload = events_out.reminder_sent_payload(unit_id, kind, year, due, offset, now)
    event_id = add_event(session, aggregate_type="unit", aggregate_id=unit_id, event_type=events_out.REMINDER_SENT, payload=payload)
    ctx = render_context({"unit_id": unit_id, "year": year, "due_date": due.isoformat()}, unit_name or None)
    ctx["deadline_label"] = DEADLINE_LABELS[kind]
    ctx["deadline_label_year"] = with_year(DEADLINE_LABELS[kind], year)
    ctx["days_left"] = (due - today).days
    ctx["days_left_phrase"] = days_left_phrase(ctx["days_left"])
    route = REMINDER_OVERDUE if offset == OVERDUE_OFFSET else REMINDER_BEFORE
    services.enqueue_message(session, app, event_id=event_id, event_type=events_out.REMINDER_SENT, route=route, ctx=ctx,
                             recipients=officers, unit_id=unit_id, now=now)
    cfg = app.config
    event = CloudEvent(id=event_id, type=events_out.REMINDER_SENT, source=event_source(cfg, "notify"), subject=str(unit_id),
                       ward=cfg["WARD_CODE"], data=payload, time=now.isoformat(timespec="milliseconds"))
    services.enqueue_webhooks(session, event, now)
