"""One life for every long-running process (relay, consumer, overdue check, dispatcher): it stops gracefully on
SIGTERM or SIGINT (the round in progress finishes) and touches its heartbeat file while it runs, which the container
health check reads the age of."""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class LongRunning:
    """`with LongRunning(heartbeat_file) as life: while life.running: life.tick(); …; life.wait(seconds)`.

    `on_stop` is called (from the signal handler) when a stop signal arrives, for a runner with its own loop
    (`runner.stop`). The previous signal handlers come back on leaving the block."""

    def __init__(self, heartbeat_file: str, *, every: float = 5.0, on_stop: Callable[[], None] | None = None) -> None:
        self.heartbeat_file = heartbeat_file
        self.every = every
        self.on_stop = on_stop
        self._stopping = threading.Event()
        self._last_beat: float | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> LongRunning:
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        if self.on_stop is not None:
            self.on_stop()

    @property
    def running(self) -> bool:
        return not self._stopping.is_set()

    def tick(self) -> None:
        """Touch the heartbeat file, at most every `every` seconds (no file configured: nothing)."""
        now = time.monotonic()
        if self.heartbeat_file and (self._last_beat is None or now - self._last_beat >= self.every):
            Path(self.heartbeat_file).touch()
            self._last_beat = now

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once on a stop; True when stopping."""
        return self._stopping.wait(seconds)
