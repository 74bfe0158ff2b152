"""Reporting service: unit reports, target figures, the ward's progress and consolidated reports."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from sqlalchemy.orm.exc import StaleDataError

from dvk_platform.app import create_service_app
from dvk_platform.errors import problem_response

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "reporting", DEFAULTS, config, title="Dân Vận Khéo — Báo cáo sơ kết, tổng kết, chỉ tiêu và tiến độ")
    from .api import consolidated, figures, progress, reports

    for module in (reports, figures, progress, consolidated):
        api.register_blueprint(module.blp)

    @app.errorhandler(StaleDataError)
    def _concurrent_edit(_exc: StaleDataError) -> Response:
        # Two edits of the same version raced; the second lost and nothing of it was written.
        return problem_response(412, "precondition-failed", "Dữ liệu đã bị người khác thay đổi; vui lòng tải lại trước khi sửa.")

    return app
