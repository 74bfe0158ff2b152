"""Awards service: catalogues, nominations, council review, decisions and revocations."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform import audit
from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "awards", DEFAULTS, config, title="Dân Vận Khéo — Thi đua, khen thưởng")
    from .api import catalogue, decisions, nomination_files, nominations, suggestions
    from .models import AwardEntry, Decision, Nomination, NominationFile, ProposalLetter

    for module in (catalogue, nominations, nomination_files, decisions, suggestions):
        api.register_blueprint(module.blp)
    # every change to these records goes to the append-only audit log (GET /audit)
    audit.init_app(app, api, audited=[AwardEntry, Decision, ProposalLetter, Nomination, NominationFile])
    return app
