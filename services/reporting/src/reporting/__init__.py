"""Reporting service: unit reports, target figures, the ward's progress and consolidated reports."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dvk_platform.app import create_service_app
from flask import Flask

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "reporting", DEFAULTS, config, title="Dân Vận Khéo — Báo cáo sơ kết, tổng kết, chỉ tiêu và tiến độ")
    return app
