"""Registration service: units, yearly registration periods, model registrations, inspections."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "registration", DEFAULTS, config, title="Dân Vận Khéo — Đăng ký mô hình")
    from .api import compliance, periods, registrations, units

    for module in (units, periods, registrations, compliance):
        api.register_blueprint(module.blp)

    return app
