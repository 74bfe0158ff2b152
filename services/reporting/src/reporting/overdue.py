"""The scheduled overdue check: `python -m reporting.overdue` once (e.g. from cron), or
`python -m reporting.overdue --every 3600` as a long-running process (make run and compose do this)."""
from __future__ import annotations

import json
import logging
import sys
import time

from .services import run_check

__all__ = ["main", "run_check"]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from dvk_platform.observability import configure_logging
    from dvk_platform.running import LongRunning

    from . import create_app

    parser = argparse.ArgumentParser(prog="python -m reporting.overdue", description="Đánh dấu báo cáo quá hạn.")
    parser.add_argument("--every", type=float, default=0, help="chạy lặp lại sau mỗi số giây này (0: chạy một lần)")
    args = parser.parse_args(argv)
    app = create_app()
    if not args.every:
        print(json.dumps(run_check(app), ensure_ascii=False))
        return 0
    configure_logging(app.config["LOG_LEVEL"], "reporting-overdue")
    log = logging.getLogger("reporting.overdue")
    next_run = 0.0
    with LongRunning(app.config["HEARTBEAT_FILE"]) as life:
        while life.running:
            life.tick()
            if time.monotonic() >= next_run:
                try:
                    marked = run_check(app)
                    if marked:
                        log.info("marked %d reports overdue", len(marked))
                except Exception:  # the next round retries; a database outage must not end the scheduler
                    log.exception("overdue check failed")
                next_run = time.monotonic() + args.every
            life.wait(min(5.0, args.every))
    return 0


if __name__ == "__main__":
    sys.exit(main())
