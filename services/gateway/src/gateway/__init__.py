"""Gateway: accounts, sessions and roles; the web UI for ward staff; the public transparency page."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "gateway", DEFAULTS, config, title="Dân Vận Khéo — Cổng thông tin")
    from . import pages, security
    from .views import admin, auth, awards, dashboard, inbox, internal, models, public, reports, units

    security.init_app(app)
    pages.init_app(app)
    for module in (auth, dashboard, models, reports, awards, inbox, units, admin, public, internal):
        app.register_blueprint(module.bp)
    app.register_blueprint(__import__("gateway.views.contract", fromlist=["bp"]).bp)  # /su-kien, public
    return app
