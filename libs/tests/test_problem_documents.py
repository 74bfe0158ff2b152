"""Every error is documented as it is answered: the OpenAPI document of a platform app gives each error response
(every operation's `default`, the 422 of @blp.arguments, the refusals an operation describes) as a ProblemDetails
under application/problem+json, and each kind of problem errors.py writes matches that schema — while another
shape (flask-smorest's own Error, a problem without its members) does not."""
from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from dvk_platform.app import create_service_app, refusals
from dvk_platform.errors import PROBLEM_JSON, Problem
from dvk_platform.versioning import check_version, requested_version


class ItemSchema(Schema):
    name = fields.String(required=True)


class BodySchema(Schema):
    year = fields.Integer(required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)


class QuerySchema(Schema):
    limit = fields.Integer()


blp = Blueprint("probe", __name__, url_prefix="/probe")


@blp.route("/items")
class Items(MethodView):
    @blp.arguments(QuerySchema, location="query")
    @blp.response(200, ItemSchema(many=True))
    @refusals(blp, {401: "no service token", 403: "not allowed"})
    def get(self, _query: dict[str, Any]) -> Any:
        return []

    @blp.arguments(BodySchema)
    @blp.response(201, ItemSchema)
    def post(self, body: dict[str, Any]) -> Any:
        return body["items"][0]


@blp.route("/raise/<kind>")
class Raises(MethodView):
    @blp.response(200, ItemSchema)
    def get(self, kind: str) -> Any:
        if kind == "transition":
            raise Problem(409, "invalid-transition", "Không thể gửi ở trạng thái hiện tại.", detail="Trạng thái hiện tại: Đã gửi.",
                          current_status="submitted")
        if kind == "version":
            check_version(3, requested_version(), "Báo cáo")
        if kind == "field-errors":
            raise Problem(422, "validation-error", "Dữ liệu không hợp lệ.", errors={"due_date": ["Hạn phải thuộc năm báo cáo."]})
        if kind == "row-errors":
            raise Problem(422, "import-rejected", "Tệp có lỗi.", detail="2 lỗi.", errors=[
                {"row": 2, "column": "so_can_bo", "message": "Phải là số."}, {"row": 3, "column": None, "message": "Thiếu đơn vị."}])
        if kind == "extra-members":
            raise Problem(422, "import-rejected", "Không nhập đơn vị nào.", mode="all_or_nothing", imported=0,
                          rows=[{"row": 2, "errors": {"code": ["Trường này là bắt buộc."]}}])
        if kind == "abort":
            abort(403)
        if kind == "unknown-status":
            abort(418)
        raise RuntimeError("không lường trước")


@pytest.fixture
def app():
    app, api = create_service_app(__name__, "probe", config={"DATABASE_URL": "sqlite://", "TESTING": True})
    api.register_blueprint(blp)
    return app


@pytest.fixture
def document(app) -> dict[str, Any]:
    return app.test_client().get("/openapi.json").get_json()


def _problem_validator(document: dict[str, Any]) -> jsonschema.Draft202012Validator:
    schema = document["components"]["schemas"]["ProblemDetails"]  # self-contained: no $ref inside
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _error_responses(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    if "$ref" in response:
                        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                    found.append((f"{method.upper()} {path} {status}", response))
    return found


def test_every_documented_error_is_a_problem_details_under_problem_json(document):
    responses = _error_responses(document)
    labels = {label for label, _ in responses}
    # the 422 of @blp.arguments, the refusals described with refusals(), those every operation of a kind can give
    # (503 for all, 404 where the path names a record, 400/413/415 where a body is read); never a catch-all default
    assert {"GET /probe/items 503", "GET /probe/items 422", "GET /probe/items 401", "GET /probe/items 403",
            "POST /probe/items 422", "POST /probe/items 415", "GET /probe/raise/{kind} 404"} <= labels
    assert not {label for label in labels if label.endswith(" default")}
    for label, response in responses:
        assert list(response["content"]) == [PROBLEM_JSON], label
        assert response["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/ProblemDetails"}, label
    assert "Error" not in document["components"]["schemas"]  # flask-smorest's own shape is never answered, so never shown


def _requests() -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        "404 of routing": ("GET", "/khong-co", {}),
        "405 with the allowed methods": ("DELETE", "/probe/items", {}),
        "400 of malformed JSON": ("POST", "/probe/items", {"data": b'{"year":', "content_type": "application/json"}),
        "413 of a body too large": ("POST", "/probe/items", {"data": b"{" + b" " * 1_100_000 + b"}", "content_type": "application/json"}),
        "422 of a missing body": ("POST", "/probe/items", {"data": b"year=1", "content_type": "text/plain"}),
        "422 of webargs, nested": ("POST", "/probe/items", {"json": {"year": "x", "items": [{"name": 1}, {}]}}),
        "422 of a query": ("GET", "/probe/items?limit=abc", {}),
        "409 with current_status": ("GET", "/probe/raise/transition", {}),
        "428 with current_version": ("GET", "/probe/raise/version", {}),
        "412 with current_version": ("GET", "/probe/raise/version", {"headers": {"If-Match": '"2"'}}),
        "412 of an If-Match that is no version": ("GET", "/probe/raise/version", {"headers": {"If-Match": "abc"}}),
        "422 field errors": ("GET", "/probe/raise/field-errors", {}),
        "422 row errors": ("GET", "/probe/raise/row-errors", {}),
        "422 with more members": ("GET", "/probe/raise/extra-members", {}),
        "403 of abort": ("GET", "/probe/raise/abort", {}),
        "418 without a Vietnamese title": ("GET", "/probe/raise/unknown-status", {}),
        "500 unexpected": ("GET", "/probe/raise/crash", {}),
    }


@pytest.mark.parametrize("case", sorted(_requests()))
def test_each_kind_of_problem_matches_the_documented_schema(app, document, case):
    method, path, kwargs = _requests()[case]
    response = app.test_client().open(path, method=method, **kwargs)
    expected = int(case.split()[0])
    assert response.status_code == expected, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    errors = sorted(_problem_validator(document).iter_errors(body), key=str)
    assert not errors, [e.message for e in errors]
    assert body["status"] == expected and body["instance"] == path.split("?")[0]


@pytest.mark.parametrize("body", [
    {"code": 404, "status": "Not Found", "message": "Not found"},  # flask-smorest's Error
    {"type": "about:blank", "title": "Not Found", "status": 404, "instance": "/x"},  # not one of ours
    {"type": "urn:dvk:problem:not-found", "title": "Không tìm thấy.", "status": 200, "instance": "/x"},  # not an error
    {"type": "urn:dvk:problem:not-found", "title": "Không tìm thấy.", "status": 404},  # no instance
    {"type": "urn:dvk:problem:validation-error", "title": "Dữ liệu không hợp lệ.", "status": 422, "instance": "/x",
     "errors": {"year": "Phải là số nguyên."}},  # messages are a list (or nested), never a bare string
    {"type": "urn:dvk:problem:import-rejected", "title": "Tệp có lỗi.", "status": 422, "instance": "/x",
     "errors": [{"column": "so_can_bo"}]},  # a row error names its row and message
])
def test_the_schema_is_not_a_blank_cheque(document, body):
    assert list(_problem_validator(document).iter_errors(body))
