"""The ward's clock: "now" comes from config CLOCK when given, so deadlines can be tested."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    clock = current_app.config.get("CLOCK")
    moment = clock() if callable(clock) else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("CLOCK must return an aware datetime")
    return moment.astimezone(UTC)


def ward_date(moment: datetime) -> date:
    """The calendar day in the ward (Asia/Ho_Chi_Minh) at that moment."""
    return moment.astimezone(WARD_TZ).date()


def default_deadline(year: int) -> date:
    day, month = (int(part) for part in str(current_app.config["REGISTRATION_DEADLINE"]).split("/"))
    return date(year, month, day)
