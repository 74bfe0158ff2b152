"""What /readyz reports, without ever making a probe wait on the network.

Each dependency (the database, the bus) is checked in a thread of its own, one attempt at a time per process, and
no lock is held while an attempt talks to the network, so probes never queue behind a broker or a database that
does not answer, and the web process's threads stay free for the API. The database decides readiness: a probe
starts an attempt and waits for it until a short deadline. The bus only degrades it: a probe answers at once with
the last answer known (asked again in the background when it is a few seconds old).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

# A probe answers within this many seconds whatever its dependencies do (orchestrators time out at 1 s or more).
PROBE_BUDGET_SECONDS = 0.5
# How long one bus check may take, and for how long its answer stands: the broker is asked at most every few
# seconds however often the process is probed.
BUS_CHECK_TIMEOUT_SECONDS = 2.0
BUS_ANSWER_FRESH_SECONDS = 5.0


class DependencyCheck:
    """One dependency's check, run off the request thread; its last answer kept for `fresh` seconds. With
    `waits=False` a probe that finds an older answer gets it at once while a new attempt runs in the background."""

    def __init__(self, name: str, check: Callable[[], None], fresh: float, waits: bool = True,
                 overdue: float = float("inf")) -> None:
        self.name = name
        self.check = check
        self.fresh = fresh
        self.waits = waits
        self.overdue = overdue  # an attempt running longer than this makes the last answer meaningless
        self._lock = threading.Lock()  # guards the fields below; never held while `check` runs
        self._answer: str | None = None
        self._answered_at = float("-inf")
        self._attempt: threading.Event | None = None
        self._attempt_started = 0.0

    def begin(self) -> tuple[threading.Event | None, float]:
        """Start an attempt unless the last answer is fresh or one is under way. Returns the attempt to wait for
        (None when the last answer stands) and the time the caller asked."""
        asked = time.monotonic()
        with self._lock:
            if self._answer is not None and asked - self._answered_at < self.fresh:
                return None, asked
            if self._attempt is None:
                self._attempt = threading.Event()
                self._attempt_started = asked
                threading.Thread(target=self._run, args=(self._attempt,), name=f"dvk-readiness-{self.name}",
                                 daemon=True).start()
            return self._attempt, asked

    def _run(self, attempt: threading.Event) -> None:
        try:
            self.check()
            answer = "ok"
        except Exception as exc:  # noqa: BLE001 - reported in the probe's body, not raised
            answer = f"error: {type(exc).__name__}"
            log.warning("readiness: %s check failed: %r", self.name, exc)
        with self._lock:
            self._answer, self._answered_at = answer, time.monotonic()
            self._attempt = None
        attempt.set()

    def answer(self, attempt: threading.Event | None, asked: float, deadline: float) -> str:
        """The answer for a probe that asked at `asked`: the attempt's if it ends before `deadline` (or, for a
        check that does not wait, the last one known), else that the check has not answered for so long."""
        if attempt is not None and (self.waits or self._answer is None):
            attempt.wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            running_for = time.monotonic() - self._attempt_started if self._attempt is not None else 0.0
            known = self._answer is not None and (attempt is None or self._answered_at >= asked
                                                  or (not self.waits and running_for < self.overdue))
            if known:
                return self._answer  # type: ignore[return-value]
        return f"error: no answer for {running_for:.1f} s"


class Readiness:
    """The checks of one web process: the database always, the bus where the service uses one."""

    def __init__(self, app: Flask) -> None:
        database = app.extensions["dvk_db"]
        self.checks: dict[str, DependencyCheck] = {
            # The database is asked on every probe (at most one attempt at a time), so a failure shows at once.
            "database": DependencyCheck("database", database.ping, fresh=0.0),
        }
        if app.config.get("USES_BUS", True):
            def ping_bus() -> None:
                from .bus import get_bus

                with app.app_context():
                    bus = get_bus()
                bus.ping(timeout=BUS_CHECK_TIMEOUT_SECONDS)

            self.checks["bus"] = DependencyCheck("bus", ping_bus, fresh=BUS_ANSWER_FRESH_SECONDS, waits=False,
                                                 overdue=3 * BUS_CHECK_TIMEOUT_SECONDS)

    def report(self, service: str, budget: float = PROBE_BUDGET_SECONDS) -> tuple[dict[str, Any], int]:
        """(body, status). The database decides readiness; the bus only degrades it: writes keep going into the
        outbox while the broker is away, so a web process stays in its load balancer (200, "degraded")."""
        started = {name: check.begin() for name, check in self.checks.items()}
        deadline = time.monotonic() + budget
        checks = {name: self.checks[name].answer(attempt, asked, deadline) for name, (attempt, asked) in started.items()}
        return _body(service, checks)


def _body(service: str, checks: Mapping[str, str]) -> tuple[dict[str, Any], int]:
    if checks["database"] != "ok":
        status, code = "not-ready", 503
    elif all(value == "ok" for value in checks.values()):
        status, code = "ready", 200
    else:
        status, code = "degraded", 200
    return {"status": status, "service": service, "checks": dict(checks)}, code
