"""Gateway: accounts, sessions and roles; the web UI for ward staff; the public transparency page."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform import app as platform


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The web app, built by the platform from what `spec.SPEC` declares."""
    from .spec import SPEC

    return platform.create_app(SPEC, config)
