"""Gateway: accounts, sessions and roles; the web UI for ward staff; the public transparency page."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform import audit
from dvk_platform.app import create_service_app

from .config import DEFAULTS


def _signed_in_actor() -> tuple[str, str] | None:
    from .security import current_user

    user = current_user()
    return (str(user.id), user.role) if user is not None else None


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "gateway", DEFAULTS, config, title="Dân Vận Khéo — Cổng thông tin")
    from . import pages, security
    from .views import admin, auth, awards, dashboard, inbox, internal, models, public, reports, units

    security.init_app(app)
    # Accounts are audited (who created, changed, disabled an account; `dvk-worker create-admin` too) in the
    # append-only audit_log table; logins only touch last_login_at, which is left out. Read it with SQL.
    from .models import User

    audit.install(app.extensions["dvk_db"], [User], hidden={"last_login_at", "updated_at"}, actor=_signed_in_actor)
    pages.init_app(app)
    for module in (auth, dashboard, models, reports, awards, inbox, units, admin, public):
        app.register_blueprint(module.bp)
    api.register_blueprint(internal.blp)  # /internal/*: JSON for the other services, in /openapi.json
    app.register_blueprint(__import__("gateway.views.contract", fromlist=["bp"]).bp)  # /su-kien, public
    return app
