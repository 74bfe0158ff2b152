"""Use cases of the yearly registration periods: opened by Phòng VH-XH, their deadline moved with a reason kept in
the period's history, each change published."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_platform.auth import Principal
from dvk_platform.clock import ward_date
from dvk_platform.errors import Conflict, Invalid, NotFound
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version

from . import events
from .deadlines import latest_deadline
from .models import PeriodChange, RegistrationPeriod


def get_period(session: Session, year: int) -> RegistrationPeriod | None:
    return session.scalar(select(RegistrationPeriod).where(RegistrationPeriod.year == year))


def open_period(session: Session, actor: Principal, data: dict[str, Any], now: datetime) -> RegistrationPeriod:
    if get_period(session, data["year"]) is not None:
        raise Conflict("period-exists", "Kỳ đăng ký của năm này đã được mở.", detail=f"Năm {data['year']} đã có kỳ đăng ký.")
    period = RegistrationPeriod(year=data["year"], deadline=data["deadline"], note=data.get("note"),
                                opened_by=actor.user_id, opened_at=now)
    session.add(period)
    session.flush()
    add_event(session, aggregate_type="period", aggregate_id=period.id, event_type=events.PERIOD_OPENED,
              payload=events.period_payload(period))
    return period


def period_or_404(session: Session, year: int) -> RegistrationPeriod:
    period = get_period(session, year)
    if period is None:
        raise NotFound("period-not-found", "Chưa mở kỳ đăng ký cho năm này.")
    return period


def period_history(session: Session, period_id: int) -> list[PeriodChange]:
    return list(session.scalars(select(PeriodChange).where(PeriodChange.period_id == period_id).order_by(PeriodChange.id)))


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def deadline_errors(period: RegistrationPeriod, deadline: date, opened_on: date) -> list[str]:
    """Why `deadline` cannot replace the period's deadline ([] if it can): not before the day the period was
    opened, within the period's year or up to 31/01 of the next year, and not the deadline already in force."""
    last = latest_deadline(period.year)
    if deadline < opened_on:
        return [f"Hạn đăng ký không được trước ngày mở kỳ đăng ký ({_vn(opened_on)})."]
    if not date(period.year, 1, 1) <= deadline <= last:
        return [f"Hạn đăng ký phải thuộc năm {period.year}, chậm nhất ngày {_vn(last)}."]
    if deadline == period.deadline:
        return [f"Hạn đăng ký mới trùng với hạn hiện tại ({_vn(period.deadline)})."]
    return []


def change_deadline(session: Session, actor: Principal, year: int, deadline: date, reason: str, expected_version: int | None,
                    now: datetime) -> RegistrationPeriod:
    """Move a period's deadline (e.g. extended for a late Tết): the period, its history row and the
    period-updated event in one transaction. Models already sent keep their late flag: lateness is judged at the
    first submission against the deadline then in force; models sent from now on are judged against the new one."""
    period = period_or_404(session, year)
    check_version(period.version, expected_version, "kỳ đăng ký")
    problems = deadline_errors(period, deadline, ward_date(period.opened_at))
    if problems:
        raise Invalid(errors={"deadline": problems})
    change = PeriodChange(period_id=period.id, from_deadline=period.deadline, to_deadline=deadline, reason=reason,
                          actor_id=actor.user_id, actor_name=actor.name, actor_role=actor.role, occurred_at=now)
    period.deadline = deadline
    period.updated_at = now
    session.add(change)
    session.flush()
    add_event(session, aggregate_type="period", aggregate_id=period.id, event_type=events.PERIOD_UPDATED,
              payload=events.period_updated_payload(period, change, now))
    return period
