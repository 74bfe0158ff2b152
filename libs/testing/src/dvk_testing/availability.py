"""A real server or tool a test needs is missing: skipped locally, a failure under CI=true (or DVK_REQUIRE_SERVICES=1)."""
from __future__ import annotations

import os

import pytest


def services_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("DVK_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> None:
    if services_required():
        pytest.fail(f"required test service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)
