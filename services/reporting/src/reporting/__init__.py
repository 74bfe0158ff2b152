"""Reporting service: unit reports, target figures, the ward's progress and consolidated reports."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform import audit
from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "reporting", DEFAULTS, config, title="Dân Vận Khéo — Báo cáo sơ kết, tổng kết, chỉ tiêu và tiến độ")
    from .api import consolidated, figures, progress, report_files, reports
    from .models import ConsolidatedReport, ReportDeadline, ReportFile, TargetFigures, UnitReport

    for module in (reports, report_files, figures, progress, consolidated):
        api.register_blueprint(module.blp)
    # every change to these records goes to the append-only audit log (GET /audit)
    audit.init_app(app, api, audited=[ReportDeadline, UnitReport, TargetFigures, ConsolidatedReport, ReportFile])

    return app
