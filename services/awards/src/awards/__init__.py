"""Awards service: catalogues, nominations, council review, decisions and revocations."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "awards", DEFAULTS, config, title="Dân Vận Khéo — Thi đua, khen thưởng")
    from .api import catalogue, decisions, nominations, suggestions

    for module in (catalogue, nominations, decisions, suggestions):
        api.register_blueprint(module.blp)
    return app
