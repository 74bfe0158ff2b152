"""Registration service: units, yearly registration periods, model registrations, inspections."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from sqlalchemy.orm.exc import StaleDataError

from dvk_platform.app import create_service_app
from dvk_platform.errors import STATUS_TITLES, problem_response

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "registration", DEFAULTS, config, title="Dân Vận Khéo — Đăng ký mô hình")
    from .api import compliance, periods, registrations, units

    for module in (units, periods, registrations, compliance):
        api.register_blueprint(module.blp)

    @app.errorhandler(StaleDataError)
    def _concurrent_edit(_exc: StaleDataError) -> Response:
        # two edits of the same version raced; the later one loses instead of overwriting
        slug, title = STATUS_TITLES[412]
        return problem_response(412, slug, title, detail="Bản ghi vừa được người khác cập nhật.")

    return app
