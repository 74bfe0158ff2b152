"""What reporting declares to the platform (`dvk-worker`, `dvk-dev`): the topics it consumes and its handlers, and
the scheduled overdue check as a further long-running process."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from dvk_platform.spec import Handler, Process, ServiceSpec


def _handlers(app: Flask) -> Mapping[str, Handler]:
    from .events import handlers

    return handlers(app)


SPEC = ServiceSpec(
    name="reporting",
    subscribes=("registration", "awards"),
    handlers=_handlers,
    processes=(Process("overdue", "reporting.overdue", ("--every", "3600")),),
)
