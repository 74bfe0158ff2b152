"""The feed's HTTP API: GET /feed for subscribers' API keys, /keys for the gateway's service tokens."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_smorest import Blueprint

from dvk_platform.errors import PROBLEM_JSON

from ..schemas import ProblemDetailsSchema


def refusals(blp: Blueprint, described: Mapping[int, str]) -> Callable[[Any], Any]:
    """Document an operation's refusals as problem+json, e.g. refusals(blp, {401: "…", 403: "…"})."""

    def decorate(view: Any) -> Any:
        for status, description in sorted(described.items()):
            view = blp.alt_response(status, schema=ProblemDetailsSchema, content_type=PROBLEM_JSON,
                                    description=description)(view)
        return view

    return decorate
