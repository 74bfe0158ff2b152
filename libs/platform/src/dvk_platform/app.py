"""The common part of every service's create_app: config, logging, errors, database, bus, ops, API."""
from __future__ import annotations

import http
import re
from collections.abc import Callable, Mapping
from typing import Any

import flask_smorest
from flask import Flask, Response, current_app, json
from flask_smorest import Api
from marshmallow import fields
from werkzeug.routing import IntegerConverter, Map

from . import audit, db, errors, observability
from .bodies import BodyPolicyParser
from .config import check_production_secrets, load_config
from .errors import PROBLEM_JSON
from .readiness import Readiness
from .schemas import ProblemDetailsSchema, use_vietnamese_messages
from .spec import ServiceSpec
from .versioning import IF_MATCH_PATTERN, etag


class RecordIdConverter(IntegerConverter):
    """<int:…> in URLs: ids beyond a 32-bit column are simply not found (404), never a database error."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class Blueprint(flask_smorest.Blueprint):
    """Every service's API blueprint: @blp.arguments bodies are read under the one request-body policy
    (dvk_platform.bodies: JSON only, no duplicate keys, bounded depth, Unicode scalar values only)."""

    ARGUMENTS_PARSER = BodyPolicyParser()


class ServiceApi(Api):
    """flask-smorest Api whose errors are problem+json like everything else, and are documented so: each operation
    lists the refusals it can really give (see `describe_reality`), never a catch-all `default`."""

    ERROR_SCHEMA = ProblemDetailsSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # what a service knows only from its configuration (e.g. the feed's known ward codes), added to the
        # document each time it is served: refine(document) changes it in place
        self.refinements: list[Callable[[dict[str, Any]], None]] = []
        super().__init__(*args, **kwargs)

    def _openapi_json(self):  # noqa: ANN202 - flask-smorest's view
        document = describe_reality(self.spec.to_dict())
        for refine in self.refinements:
            refine(document)
        return current_app.response_class(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json")

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


_METHODS = {"get", "post", "put", "patch", "delete"}
_WRITES = {"post", "put", "patch", "delete"}
# What every operation of a kind can answer besides its success, from the platform's own rules.
_SECURED = {401: "không có, sai hoặc hết hạn mã xác thực", 403: "vai trò, đơn vị hoặc phường không được phép"}
_BODY = {400: "nội dung không đọc được: JSON sai cú pháp, khóa trùng, lồng quá sâu, ký tự không hợp lệ",
         413: "nội dung quá lớn", 415: "nội dung không phải định dạng được nhận (application/json)",
         422: "dữ liệu không hợp lệ: trường nào sai và vì sao (errors)"}
_VERSIONED = {412: "phiên bản gửi kèm (If-Match) không phải phiên bản hiện tại",
              428: "thiếu phiên bản (If-Match hoặc \"version\")"}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False,
            "description": "the version being edited, as the ETag of the record read (\"3\"); or send \"version\" in the body",
            "schema": {"type": "string", "pattern": f"^{IF_MATCH_PATTERN}$", "maxLength": 13}}
ETAG = {"description": "the record's version, for If-Match on the next edit", "required": True,
        "schema": {"type": "string", "pattern": r'^"[0-9]+"$'}}
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                               "description": "the gateway's short-lived service token: user, role, unit and ward"}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}}


def _resolved(document: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    while schema and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema or {}


def _has_version(document: dict[str, Any], content: dict[str, Any]) -> bool:
    schema = _resolved(document, content.get("application/json", {}).get("schema"))
    return "version" in schema.get("properties", {})


def describe_reality(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document as the platform really answers: the bearer scheme as the default security; every
    operation's refusals (401/403 where a credential is needed, 404 where a path names a record, 400/413/415/422
    where it reads a body, 409 for a write the record's state may refuse, 503 when the database is unreachable);
    If-Match (or the body's version; 428 without either) with 412/428 where the body carries a version; ETag on every answer that is a record
    with a version (the platform sets it, see `_etag_from_version`)."""
    document.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    document.setdefault("security", [{"bearer": []}])
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            refusals: dict[int, str] = {503: "cơ sở dữ liệu tạm thời không truy cập được"}
            if operation.get("security", document["security"]):
                refusals |= _SECURED
            if "{" in path:
                refusals[404] = "không có bản ghi này (hoặc không được xem)"
            body = operation.get("requestBody", {}).get("content", {})
            if body:
                refusals |= _BODY
            if method in _WRITES:
                refusals[409] = "trạng thái hiện tại của bản ghi không cho phép thao tác này"
            if _has_version(document, body):
                refusals |= _VERSIONED
                if not any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                    # not required as such: the body's "version" may say it instead (428 when neither does)
                    operation.setdefault("parameters", []).append(dict(IF_MATCH))
            for status, description in refusals.items():
                responses.setdefault(str(status), _problem(description))
            for status, response in responses.items():
                if status.startswith("2") and _has_version(document, response.get("content", {})):
                    response.setdefault("headers", {}).setdefault("ETag", dict(ETAG))
                for media_type, content in response.get("content", {}).items():
                    if not content and "json" not in media_type:  # a file: bytes of that media type
                        content["schema"] = {"type": "string", "format": "binary"}
    _link_edits(document)
    return document


def _link_edits(document: dict[str, Any]) -> None:
    """OpenAPI links from each answer that is a versioned record to what may be done with that record next: its
    id into the path, its ETag into If-Match (how a client, or a stateful test, goes on from an answer)."""
    paths = document.get("paths", {})
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            answers = [r for status, r in operation.get("responses", {}).items()
                       if status.startswith("2") and "ETag" in r.get("headers", {})]
            if not answers:
                continue
            first = re.search(r"\{(\w+)\}", path)
            if first:  # an operation on a record: the same record, from the path of the request
                base, name, value = path[:first.end()], first.group(1), f"$request.path.{first.group(1)}"
            else:  # a creation: the new record, from the body of the answer
                below = [found for p in paths if (found := re.match(re.escape(path) + r"/\{(\w+)\}", p))]
                if not below:
                    continue
                base, name, value = below[0].group(0), below[0].group(1), "$response.body#/id"
            links: dict[str, Any] = {}
            for target, target_item in paths.items():
                if target != base and not target.startswith(base + "/") or target.count("{") != 1:
                    continue
                for target_method, target_operation in target_item.items():
                    if target_method not in _METHODS or (target, target_method) == (path, method):
                        continue
                    parameters = {f"path.{name}": value}
                    if any(p.get("name") == "If-Match" for p in target_operation.get("parameters", [])):
                        parameters["header.If-Match"] = "$response.header.ETag"
                    pointer = target.replace("~", "~0").replace("/", "~1")
                    links[f"{target_method.upper()} {target}"] = {"operationRef": f"#/paths/{pointer}/{target_method}",
                                                                  "parameters": parameters}
            for response in answers:
                if links:
                    response.setdefault("links", {}).update(links)


def _etag_from_version(response: Response) -> Response:
    """Every answer that is one record with a version carries it as ETag (If-Match of the next edit)."""
    if (200 <= response.status_code < 300 and "ETag" not in response.headers and response.mimetype == "application/json"
            and not response.direct_passthrough and response.content_length is not None and response.content_length < 2_000_000):
        body = response.get_json(silent=True)
        version = body.get("version") if isinstance(body, dict) else None
        if isinstance(version, int) and not isinstance(version, bool):
            response.headers.update(etag(version))
    return response


def upload(blp: Blueprint, description: str) -> Callable[[Any], Any]:
    """Document an import's body: one file in the multipart field `file`."""
    return blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": description}}}}}})


def binary(blp: Blueprint, media_type: str, description: str) -> Callable[[Any], Any]:
    """Document a file answer (a Word document, an Excel workbook) with its media type."""
    return blp.doc(responses={"200": {"description": description,
                                      "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}})


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
    app.after_request(_etag_from_version)
    api = ServiceApi(app)
    api.register_field(fields.URL, "string", "uri")  # JSON Schema's format for an absolute URL is `uri`
    return app, api



def create_app(spec: ServiceSpec, config: Mapping[str, Any] | None = None) -> Flask:
    """A service's web app, built from what its ServiceSpec declares and nothing else: the platform's part, the
    audited records (and GET /audit), the service's own setup, its API blueprints, then its pages."""
    app, api = create_service_app(spec.name, spec.name, spec.defaults, config, title=spec.title or None)
    if spec.audit is not None:
        audit.install(app.extensions["dvk_db"], spec.audit.records(), spec.audit.hidden, actor=spec.audit.actor)
    if spec.setup is not None:
        spec.setup(app, api)
    for blueprint in spec.blueprints():
        api.register_blueprint(blueprint)
    if spec.audit is not None and spec.audit.endpoint:
        api.register_blueprint(audit.blp)
    for blueprint in spec.pages():
        app.register_blueprint(blueprint)
    return app
