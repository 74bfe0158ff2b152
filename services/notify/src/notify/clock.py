"""The service's clock: config CLOCK (a callable returning an aware datetime) lets tests control "now"."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app


def now(app: Flask | None = None) -> datetime:
    clock = (app or current_app).config.get("CLOCK")
    return (clock() if callable(clock) else datetime.now(UTC)).astimezone(UTC)
