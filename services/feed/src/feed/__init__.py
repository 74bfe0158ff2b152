"""Feed service: every ward's events, append-only, served page by page after a cursor to provincial systems
that work request/response, behind API keys scoped to wards, each response signed."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_core.wards import load_registry
from dvk_platform import audit
from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "feed", DEFAULTS, config, title="Dân Vận Khéo — Nguồn sự kiện cho cấp trên")
    from .api import feed, keys
    from .models import ApiKey

    api.spec.components.security_scheme("apiKey", {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": "a subscriber's API key (also accepted as Authorization: ApiKey <key>)"})

    for module in (feed, keys):
        api.register_blueprint(module.blp)
    # keys issued, revoked and given a new signing secret go to the append-only audit log (GET /audit). Never
    # logged: key_hash (the key's SHA-256, enough to test a guessed key offline) and the salts (inputs of the
    # key's signing secrets).
    audit.init_app(app, api, audited=[ApiKey], hidden={"key_hash", "salt", "previous_salt"})
    # a registry file that cannot be read or is invalid stops the service here, with the file, entry and reason
    load_registry(app.config["WARDS_FILE"] or None)
    api.refinements.append(lambda document: name_known_wards(document, app.config["WARDS_FILE"] or None))
    return app


def name_known_wards(document: dict[str, Any], wards_file: str | None) -> None:
    """A key's scope as the service accepts it: "*" or a ward code of the province's registry (the file this
    deployment reads), so a client knows the codes before asking; anything else is a 422 listing them."""
    codes = ["*", *load_registry(wards_file).codes()]
    items = document["components"]["schemas"]["KeyCreate"]["properties"]["wards"]["items"]
    items["enum"] = codes
    items["description"] = "\"*\" (every ward) or a ward code of the province's registry"
