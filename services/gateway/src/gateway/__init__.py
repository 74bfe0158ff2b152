"""Gateway: accounts, sessions and roles; the web UI for ward staff; the public transparency page."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dvk_platform.app import create_service_app
from flask import Flask

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "gateway", DEFAULTS, config, title="Dân Vận Khéo — Cổng thông tin")
    return app
