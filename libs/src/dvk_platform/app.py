"""The common part of every service's create_app: config, logging, errors, database, bus, ops, API."""
from __future__ import annotations

import http
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app
from flask_smorest import Api, Blueprint
from werkzeug.routing import IntegerConverter, Map

from . import db, errors, observability
from .bus import Bus, create_bus
from .config import check_production_secrets, load_config
from .errors import PROBLEM_JSON
from .readiness import Readiness
from .schemas import ProblemDetailsSchema, use_vietnamese_messages


class RecordIdConverter(IntegerConverter):
    """<int:…> in URLs: ids beyond a 32-bit column are simply not found (404), never a database error."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class ServiceApi(Api):
    """flask-smorest Api whose errors are problem+json like everything else, and are documented so."""

    ERROR_SCHEMA = ProblemDetailsSchema

    def handle_http_exception(self, error):  # noqa: ANN001, ANN201 - flask-smorest's signature
        return errors.from_http_exception(error)

    def _register_responses(self) -> None:
        """The responses flask-smorest refers to by name — DEFAULT_ERROR (every operation's `default`), and one per
        status (UNPROCESSABLE_ENTITY for @blp.arguments, PRECONDITION_FAILED…) — as what errors.py really answers:
        a ProblemDetails under application/problem+json, not flask-smorest's own Error under application/json."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, {
            "description": "Từ chối hoặc lỗi: application/problem+json (RFC 9457)",
            "content": {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}},
        }, lazy=True)


def refusals(blp: Blueprint, described: Mapping[int, str]) -> Callable[[Any], Any]:
    """Describe an operation's expected refusals, e.g. @refusals(blp, {401: "…", 403: "…"}): each a ProblemDetails
    under application/problem+json, like the `default` response every operation has anyway."""

    def decorate(view: Any) -> Any:
        for status, description in sorted(described.items()):
            view = blp.alt_response(status, schema=ProblemDetailsSchema, content_type=PROBLEM_JSON, description=description)(view)
        return view

    return decorate


def create_service_app(
    import_name: str,
    service: str,
    defaults: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> tuple[Flask, ServiceApi]:
    app = Flask(import_name)
    app.url_map.converters["int"] = RecordIdConverter
    settings = load_config({"SERVICE_NAME": service, **(defaults or {})}, config)
    # Every web process and worker comes through here: in production it refuses to start with unsafe secrets.
    check_production_secrets(settings, defaults)
    app.config.update(settings)
    app.config.update(
        API_TITLE=title or f"Dân Vận Khéo — {service}",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # Vietnamese stays readable in responses
    use_vietnamese_messages()
    observability.init_app(app)
    errors.init_app(app)
    db.init_app(app)
    app.extensions["dvk_readiness"] = Readiness(app)
    api = ServiceApi(app)
    return app, api


def get_bus() -> Bus:
    """The bus for this process, made on first use (web processes only need it for /readyz)."""
    bus = current_app.extensions.get("dvk_bus")
    if bus is None:
        bus = create_bus(current_app.config, client_id=current_app.config["SERVICE_NAME"])
        current_app.extensions["dvk_bus"] = bus
    return bus
