"""Feed service: every ward's events, append-only, served page by page after a cursor to provincial systems
that work request/response, behind API keys scoped to wards, each response signed."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform import app as platform


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The web app, built by the platform from what `spec.SPEC` declares."""
    from .spec import SPEC

    return platform.create_app(SPEC, config)
