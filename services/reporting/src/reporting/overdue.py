"""The scheduled overdue check, callable from a scheduler: `python -m reporting.overdue` (e.g. daily by cron)."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from flask import Flask

from .services import check_overdue, now_from


def run_check(app: Flask, now: datetime | None = None) -> list[dict[str, Any]]:
    """Mark overdue reports as of `now` (default: the app's clock); idempotent. Returns what was newly marked."""
    moment = now or now_from(app.config)
    with app.extensions["dvk_db"].transaction() as session:
        notices = check_overdue(session, moment, app.config)
        return [{"unit_id": n.unit_id, "year": n.year, "period": n.period, "due_date": n.due_date.isoformat()} for n in notices]


def main() -> int:
    from . import create_app

    print(json.dumps(run_check(create_app()), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
