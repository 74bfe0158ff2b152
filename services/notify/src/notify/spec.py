"""What notify declares to the platform (`create_app`, `dvk-worker`, `dvk-dev`): its API, its audited records, the
topics it consumes and its handlers, and the dispatcher (e-mails, webhooks, deadline reminders) as a further
long-running process."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask

from dvk_platform.spec import Audit, Handler, Process, ServiceSpec

from .config import DEFAULTS


def _blueprints() -> Sequence[Any]:
    from .api import deliveries, inbox, reminders, webhooks

    return [m.blp for m in (inbox, deliveries, webhooks, reminders)]


def _audited() -> Sequence[type]:
    from .models import WebhookSubscriber

    return [WebhookSubscriber]


def _handlers(app: Flask) -> Mapping[str, Handler]:
    from .events import handlers

    return handlers(app)


SPEC = ServiceSpec(
    name="notify",
    title="Dân Vận Khéo — Thông báo, nhắc hạn, thư điện tử, webhook",
    defaults=DEFAULTS,
    blueprints=_blueprints,
    audit=Audit(_audited),  # every change to these records goes to the append-only audit log (GET /audit)
    subscribes=("registration", "reporting", "awards", "gateway"),
    handlers=_handlers,
    processes=(Process("dispatcher", "notify.dispatcher"),),
)
