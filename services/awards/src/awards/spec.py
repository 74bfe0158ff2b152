"""What awards declares to the platform (`create_app`, `dvk-worker`, `dvk-dev`): its API, its audited records, the
topics it consumes and its handlers."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask

from dvk_platform.spec import Audit, Handler, ServiceSpec

from .config import DEFAULTS


def _blueprints() -> Sequence[Any]:
    from .api import catalogue, decisions, nomination_files, nominations, suggestions

    return [m.blp for m in (catalogue, nominations, nomination_files, decisions, suggestions)]


def _audited() -> Sequence[type]:
    from .models import AwardEntry, Decision, Nomination, NominationFile, ProposalLetter

    return [AwardEntry, Decision, ProposalLetter, Nomination, NominationFile]


def _handlers(app: Flask) -> Mapping[str, Handler]:
    from .events import handlers

    return handlers(app)


SPEC = ServiceSpec(
    name="awards",
    title="Dân Vận Khéo — Thi đua, khen thưởng",
    defaults=DEFAULTS,
    blueprints=_blueprints,
    audit=Audit(_audited),  # every change to these records goes to the append-only audit log (GET /audit)
    subscribes=("registration", "reporting"),
    handlers=_handlers,
)
