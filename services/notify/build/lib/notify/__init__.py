"""Notify service: recipients, in-app inbox, e-mail and webhook deliveries, deadline reminders."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform import audit
from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "notify", DEFAULTS, config, title="Dân Vận Khéo — Thông báo, nhắc hạn, thư điện tử, webhook")
    from .api import deliveries, inbox, reminders, webhooks
    from .models import WebhookSubscriber

    for module in (inbox, deliveries, webhooks, reminders):
        api.register_blueprint(module.blp)
    # every change to these records goes to the append-only audit log (GET /audit)
    audit.init_app(app, api, audited=[WebhookSubscriber])
    return app
