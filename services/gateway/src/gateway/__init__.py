"""Gateway: accounts, sessions and roles; the web UI for ward staff; the public transparency page."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dvk_platform import audit
from dvk_platform.app import create_service_app

from .config import DEFAULTS


def _signed_in_actor() -> tuple[str, str] | None:
    from .security import current_user

    user = current_user()
    return (str(user.id), user.role) if user is not None else None


def _trust_proxies(app: Flask) -> None:
    """Behind the TLS proxy every request comes from the proxy's address: believe the client address the last
    TRUSTED_PROXIES proxies put in X-Forwarded-For, so the per-address login throttle counts each client apart."""
    trusted = app.config["TRUSTED_PROXIES"]
    if isinstance(trusted, bool) or not isinstance(trusted, int) or trusted < 0:
        raise ValueError(f"DVK_TRUSTED_PROXIES phải là số nguyên không âm / must be a whole number >= 0, not {trusted!r}")
    if trusted:
        # Only the address: the scheme is gunicorn's (forwarded_allow_ips), host and prefix are the proxy's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=0, x_host=0, x_port=0, x_prefix=0)  # type: ignore[method-assign]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "gateway", DEFAULTS, config, title="Dân Vận Khéo — Cổng thông tin")
    _trust_proxies(app)
    from . import pages, security
    from .views import admin, auth, awards, dashboard, dossier, evidence, inbox, internal, models, public, reports, units

    security.init_app(app)
    # Accounts are audited (who created, changed, disabled an account; `dvk-worker create-admin` too) in the
    # append-only audit_log table; logins only touch last_login_at, which is left out. Read it with SQL.
    from .models import User

    audit.install(app.extensions["dvk_db"], [User], hidden={"last_login_at", "updated_at"}, actor=_signed_in_actor)
    # ... and published (outbox, same transaction): notify and higher levels learn the ward's users from events.
    from . import user_events

    user_events.install(app.extensions["dvk_db"])
    pages.init_app(app)
    for module in (auth, dashboard, models, evidence, reports, awards, dossier, inbox, units, admin, public):
        app.register_blueprint(module.bp)
    api.register_blueprint(internal.blp)  # /internal/*: JSON for the other services, in /openapi.json
    app.register_blueprint(__import__("gateway.views.contract", fromlist=["bp"]).bp)  # /su-kien, public
    return app
