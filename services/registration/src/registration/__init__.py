"""Registration service: units, yearly registration periods, model registrations, inspections."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dvk_platform.app import create_service_app
from flask import Flask

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "registration", DEFAULTS, config, title="Dân Vận Khéo — Đăng ký mô hình")
    from .api import units

    api.register_blueprint(units.blp)
    return app
