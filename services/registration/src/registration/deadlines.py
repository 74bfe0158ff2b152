"""Registration deadlines: the default day of a period and the latest day it may be moved to (the clock is dvk_platform.clock)."""
from __future__ import annotations

from datetime import date

from flask import current_app

# A period's deadline may be moved to any day of its own year, or into the next year up to this day (month, day):
# the year's models are registered in the year, a late Tết may push the deadline a few weeks, never further.
LATEST_NEXT_YEAR = (1, 31)


def default_deadline(year: int) -> date:
    day, month = (int(part) for part in str(current_app.config["REGISTRATION_DEADLINE"]).split("/"))
    return date(year, month, day)


def latest_deadline(year: int) -> date:
    """The latest deadline a period of `year` may be given: 31/01 of the following year."""
    month, day = LATEST_NEXT_YEAR
    return date(year + 1, month, day)
