"""Registration deadlines (the clock itself is dvk_platform.clock)."""
from __future__ import annotations

from datetime import date

from flask import current_app


def default_deadline(year: int) -> date:
    day, month = (int(part) for part in str(current_app.config["REGISTRATION_DEADLINE"]).split("/"))
    return date(year, month, day)
