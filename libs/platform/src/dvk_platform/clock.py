"""The ward's clock: "now" is the system clock unless config CLOCK (a callable returning an aware
datetime) is given, so tests and replays control deadlines; days are counted in the ward's time zone."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app


def now(config: Mapping[str, Any] | None = None) -> datetime:
    """The current instant, aware, in UTC."""
    cfg = current_app.config if config is None else config
    clock = cfg.get("CLOCK")
    moment = clock() if callable(clock) else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("CLOCK must return an aware datetime")
    return moment.astimezone(UTC)


def ward_date(moment: datetime, config: Mapping[str, Any] | None = None) -> date:
    """The calendar day in the ward (DVK_TIMEZONE, Asia/Ho_Chi_Minh) at that moment: deadlines are days there."""
    cfg = current_app.config if config is None else config
    return moment.astimezone(ZoneInfo(cfg.get("TIMEZONE", "Asia/Ho_Chi_Minh"))).date()


def ward_today(config: Mapping[str, Any] | None = None) -> date:
    """Today in the ward: the day a form is dated and a deadline is counted by (never the UTC day, which lags
    the ward's by seven hours between 00:00 and 07:00)."""
    return ward_date(now(config), config)


def ward_year(config: Mapping[str, Any] | None = None) -> int:
    """This year in the ward: the default year of forms, lists and reports (from 00:00 on 1 January ward time)."""
    return ward_today(config).year
