"""What awards declares to the platform (`dvk-worker`, `dvk-dev`): the topics it consumes and its handlers."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from dvk_platform.spec import Handler, ServiceSpec


def _handlers(app: Flask) -> Mapping[str, Handler]:
    from .events import handlers

    return handlers(app)


SPEC = ServiceSpec(name="awards", subscribes=("registration", "reporting"), handlers=_handlers)
