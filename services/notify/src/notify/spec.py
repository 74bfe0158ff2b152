"""What notify declares to the platform (`dvk-worker`, `dvk-dev`): the topics it consumes and its handlers, and the
dispatcher (e-mails, webhooks, deadline reminders) as a further long-running process."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from dvk_platform.spec import Handler, Process, ServiceSpec


def _handlers(app: Flask) -> Mapping[str, Handler]:
    from .events import handlers

    return handlers(app)


SPEC = ServiceSpec(
    name="notify",
    subscribes=("registration", "reporting", "awards", "gateway"),
    handlers=_handlers,
    processes=(Process("dispatcher", "notify.dispatcher"),),
)
