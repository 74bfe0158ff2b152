"""Which deadline reminder is due on a day (notify.reminders.current_offset), as a plain function."""
from __future__ import annotations

from datetime import date

from notify.reminders import OVERDUE_OFFSET, current_offset

DUE = date(2026, 6, 30)
OFFSETS = [14, 7, 1]


def on(day: str) -> int | None:
    return current_offset(date.fromisoformat(day), DUE, OFFSETS, 30)


def test_before_the_first_offset_nothing_is_due():
    assert on("2026-06-15") is None


def test_each_offset_from_its_day_and_a_missed_day_caught_up_with_the_nearest_only():
    assert on("2026-06-16") == 14
    assert on("2026-06-22") == 14
    assert on("2026-06-23") == 7
    assert on("2026-06-29") == 1
    assert on("2026-06-28") == 7  # the 7-day reminder missed earlier is still the one, never several at once


def test_the_deadline_day_itself_then_the_overdue_notice_within_the_window():
    assert on("2026-06-30") is None
    assert on("2026-07-01") == OVERDUE_OFFSET
    assert on("2026-07-30") == OVERDUE_OFFSET
    assert on("2026-07-31") is None
