"""The request-body policy, the text policy and strict numbers, one test per kind of bad input that used to get a
500 or be wrongly accepted: each is refused with a problem+json that says why, and nothing changes."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dvk_testing.plugin import Caller

from .test_bad_input import _row_counts

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # inside the 2026 registration window

# one JSON write operation per service, as the role that may call it
CREATE = {
    "registration": ("/models", "don_vi", 12),
    "reporting": ("/reports", "don_vi", 12),
    "awards": ("/nominations", "vhxh", None),
    "notify": ("/webhook-subscribers", "admin", None),
    "feed": ("/keys", "admin", None),
}

MODEL = {"title": "Camera an ninh tổ dân phố", "field": "quoc_phong_an_ninh", "goals": "Giảm trộm cắp.",
         "content": "Lắp camera tại các ngõ.", "target_group": "Hộ dân", "person_in_charge": "Lê Văn Tâm",
         "start_date": "2026-03-01", "end_date": "2026-12-31", "expected_results": "Giảm 40% vụ trộm."}
SUBSCRIBER = {"name": "Sở Nội vụ tỉnh", "url": "http://127.0.0.1:9/hook", "event_types": ["vn.dvk.registration.*"]}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"].startswith("urn:dvk:problem:") and body["title"]
    return body


@pytest.fixture
def registration(make_service):
    """Registration with the ward's units, the 2026 period open and one draft model of Tổ dân phố 1."""
    from registration.seed import seed

    app = make_service("registration", "postgresql", CLOCK=lambda: NOW)
    seed(app)
    call = Caller(app)
    created = call("POST", "/models", "don_vi", 12, json=MODEL)
    assert created.status_code == 201, created.json
    return app, call, created.json


@pytest.fixture
def notify(make_service):
    app = make_service("notify", "postgresql")
    call = Caller(app)
    created = call("POST", "/webhook-subscribers", "admin", json=SUBSCRIBER)
    assert created.status_code == 201, created.json
    return app, call, created.json


# 1 ------------------------------------------------------------------------------------------ deep nesting

@pytest.mark.parametrize("service", sorted(CREATE))
@pytest.mark.parametrize("depth", [11, 900, 5000])
def test_deeply_nested_json_is_refused_and_writes_nothing(make_service, service, depth):
    app = make_service(service)
    path, role, unit = CREATE[service]
    before = _row_counts(app)
    body = '{"title": ' + "[" * depth + "]" * depth + "}"
    refused = Caller(app)("POST", path, role, unit, data=body, content_type="application/json")
    assert "lồng nhau" in assert_problem(refused, 400)["detail"]
    assert _row_counts(app) == before


def test_the_normaliser_does_not_recurse_without_limit():
    from dvk_platform.schemas import nfc

    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert nfc({"title": deep})["title"] is not None  # no RecursionError, whatever reaches it


# 2 ------------------------------------------------------------------------------------------- If-Match

@pytest.mark.parametrize("header", ["²", '"¹"', "W/\"٣\"", "1_0", " ", "99999999999999999999"])
def test_if_match_takes_ascii_digits_only(notify, header):
    app, call, subscriber = notify
    refused = call("PATCH", f"/webhook-subscribers/{subscriber['id']}", "admin", json={"name": "Sở khác"},
                   headers={"If-Match": header})
    assert refused.status_code in (412, 428), refused.get_data(as_text=True)
    assert_problem(refused, refused.status_code)
    assert call("GET", f"/webhook-subscribers/{subscriber['id']}", "admin").json["name"] == "Sở Nội vụ tỉnh"


# 3 ------------------------------------------------------------------------------------- lone surrogates

@pytest.mark.parametrize("body", [
    '{"name": "S\\ud800", "url": "http://127.0.0.1:9/hook"}',
    '{"name": "S\\udfff\\ud800", "url": "http://127.0.0.1:9/hook"}',
    '{"name": "Sở", "url": "http://127.0.0.1:9/hook", "event_types": ["vn.dvk.\\ud83d"]}',
    '{"name": "Sở", "url": "http://127.0.0.1:9/hook", "\\ud800": 1}',
])
def test_a_lone_surrogate_is_refused_before_it_reaches_the_database(notify, body):
    app, call, _ = notify
    before = _row_counts(app)
    refused = call("POST", "/webhook-subscribers", "admin", data=body, content_type="application/json")
    assert "surrogate" in assert_problem(refused, 400)["detail"]
    assert _row_counts(app) == before
    # a real emoji (a surrogate pair in JSON) is text, and is kept
    kept = call("POST", "/webhook-subscribers", "admin", data='{"name": "Sở \\ud83d\\ude00", "url": "http://127.0.0.1:9/h"}',
                content_type="application/json")
    assert kept.status_code == 201 and kept.json["name"] == "Sở 😀"


# 4 ------------------------------------------------------------------------------------- control characters

@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x1b", "\x7f", "\x85", "\ufffe"])
def test_control_characters_in_free_text_are_refused_naming_the_field(registration, notify, char):
    app, call, model = registration
    before = _row_counts(app)
    refused = call("POST", "/models", "don_vi", 12, json={**MODEL, "title": f"Mô{char}hình", "goals": f"Mục{char}tiêu"})
    body = assert_problem(refused, 422)
    assert set(body["errors"]) == {"title", "goals"}
    assert f"U+{ord(char):04X}" in body["errors"]["title"][0]
    edit = call("PATCH", f"/models/{model['id']}", "don_vi", 12, json={"person_in_charge": f"Lê{char}Tâm"},
                if_match=model["version"])
    assert set(assert_problem(edit, 422)["errors"]) == {"person_in_charge"}
    withdraw = call("POST", f"/models/{model['id']}/withdraw", "don_vi", 12, json={"note": f"rút{char}mô hình"}, if_match=model["version"])
    assert set(assert_problem(withdraw, 422)["errors"]) == {"note"}
    assert _row_counts(app) == before
    assert call("GET", f"/models/{model['id']}", "don_vi", 12).json["version"] == model["version"]
    notify_app, notify_call, _ = notify
    hook = notify_call("POST", "/webhook-subscribers", "admin", json={**SUBSCRIBER, "name": f"Sở{char}Nội vụ"})
    assert set(assert_problem(hook, 422)["errors"]) == {"name"}


def test_newlines_only_in_multiline_text_and_tabs_everywhere(registration):
    app, call, _ = registration
    one_line = call("POST", "/models", "don_vi", 12, json={**MODEL, "title": "Dòng một\nDòng hai"})
    body = assert_problem(one_line, 422)
    assert list(body["errors"]) == ["title"] and "một dòng" in body["errors"]["title"][0]
    kept = call("POST", "/models", "don_vi", 12, json={**MODEL, "title": "Cột\tcột", "goals": "Dòng một\r\nDòng hai\nDòng ba"})
    assert kept.status_code == 201, kept.json
    assert kept.json["title"] == "Cột\tcột" and kept.json["goals"] == "Dòng một\nDòng hai\nDòng ba"


# 5 ------------------------------------------------------------------------------------- not JSON: 415

@pytest.mark.parametrize(("data", "content_type"), [
    ("note=rút", "application/x-www-form-urlencoded"), ("rút", "text/plain"), ('{"note": "rút"}', "text/plain"),
    ('{"note": "rút"}', None), ("", "text/plain"),
])
def test_a_body_that_is_not_json_is_refused_with_415_and_nothing_changes(registration, data, content_type):
    app, call, model = registration
    before = _row_counts(app)
    kwargs = {"data": data} | ({"content_type": content_type} if content_type else {})
    withdraw = call("POST", f"/models/{model['id']}/withdraw", "don_vi", 12, if_match=model["version"], **kwargs)
    assert "application/json" in assert_problem(withdraw, 415)["detail"]
    patch = call("PATCH", f"/models/{model['id']}", "don_vi", 12, if_match=model["version"], **kwargs)
    assert_problem(patch, 415)
    assert _row_counts(app) == before
    after = call("GET", f"/models/{model['id']}", "don_vi", 12).json
    assert (after["status"], after["version"]) == ("draft", model["version"])


# 6 -------------------------------------------------------------------------------------- strict numbers

@pytest.mark.parametrize("version", [1.9, 1.5e300, "1", True, None])
def test_a_version_is_an_integer_and_nothing_else(notify, version):
    app, call, subscriber = notify
    refused = call("PATCH", f"/webhook-subscribers/{subscriber['id']}", "admin", json={"name": "Sở khác", "version": version})
    assert set(assert_problem(refused, 422)["errors"]) == {"version"}
    assert call("GET", f"/webhook-subscribers/{subscriber['id']}", "admin").json["version"] == subscriber["version"]


@pytest.mark.parametrize("year", [2026.5, "2026", True, [2026]])
def test_a_year_is_an_integer_and_nothing_else(make_service, year):
    app = make_service("reporting", "postgresql")
    before = _row_counts(app)
    refused = Caller(app)("POST", "/reports", "don_vi", 12, json={"year": year, "period": "six_month"})
    assert set(assert_problem(refused, 422)["errors"]) == {"year"}
    assert _row_counts(app) == before


@pytest.mark.parametrize("active", [0, 1, "true", "false", None])
def test_a_boolean_is_true_or_false_and_nothing_else(notify, active):
    app, call, _ = notify
    before = _row_counts(app)
    refused = call("POST", "/webhook-subscribers", "admin", json={**SUBSCRIBER, "active": active})
    assert set(assert_problem(refused, 422)["errors"]) == {"active"}
    assert _row_counts(app) == before


@pytest.mark.parametrize(("query", "status"), [
    ("year=2026", 200), ("year=2026&late=true", 200), ("late=false&typical=0", 200),
    ("year=2026.5", 422), ("year=%C2%B2%C2%B2", 422), ("year=2_026", 422), ("late=yes", 422), ("per_page=1e2", 422),
])
def test_query_strings_are_read_into_the_same_strict_types(registration, query, status):
    app, call, _ = registration
    response = call("GET", f"/models?{query}", "vhxh")
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 422:
        assert_problem(response, 422)


# 7 -------------------------------------------------------------------------------------- duplicate keys

@pytest.mark.parametrize("service", sorted(CREATE))
def test_a_key_given_twice_is_refused(make_service, service):
    app = make_service(service)
    path, role, unit = CREATE[service]
    before = _row_counts(app)
    refused = Caller(app)("POST", path, role, unit, data='{"a": {"year": 2026, "year": 2027}}', content_type="application/json")
    assert '"year"' in assert_problem(refused, 400)["detail"]
    assert _row_counts(app) == before


def test_a_key_given_twice_changes_nothing(notify):
    app, call, subscriber = notify
    body = json.dumps({"name": "Sở A", "url": "http://127.0.0.1:9/a"})[:-1] + ', "name": "Sở B"}'
    refused = call("PATCH", f"/webhook-subscribers/{subscriber['id']}", "admin", data=body, content_type="application/json",
                   if_match=subscriber["version"])
    assert_problem(refused, 400)
    assert call("GET", f"/webhook-subscribers/{subscriber['id']}", "admin").json["name"] == "Sở Nội vụ tỉnh"


# 8 ------------------------------------------------------------------------ query strings under gunicorn's limits

# gunicorn's defaults: a request line of at most 4094 bytes (else 414), a header field of at most 8190 (else 431)
LIMIT_REQUEST_LINE = 4094
LONGEST_ID = str(2**31 - 1)


def _worst_request_line(path: str, operation: dict, item: dict) -> int:
    """The longest request line a client following the document can send: every query parameter at its maximum
    length (each character three UTF-8 bytes, each byte percent-encoded; one byte where a pattern allows ASCII
    only), every list at its maximum items."""
    line = f"GET {path.replace('{', '').replace('}', '')} HTTP/1.1"
    length = len(line) + (len(LONGEST_ID) * path.count("{"))
    for parameter in item.get("parameters", []) + operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        schema = parameter["schema"]
        items = schema.get("maxItems", 1) if schema.get("type") == "array" else 1
        value = schema.get("items", {}) if schema.get("type") == "array" else schema
        if value.get("type") == "string" and "enum" not in value:
            ascii_only = value.get("pattern", "").isascii() and "[^" not in value.get("pattern", "[^")
            width = value["maxLength"] * (3 if ascii_only else 9)  # percent-encoded bytes per character
        elif "enum" in value:
            width = max(len(str(v)) for v in value["enum"]) * 3
        else:
            width = 20
        length += items * (len(parameter["name"]) + 2 + width)
    return length


@pytest.mark.parametrize("service", ["registration", "reporting", "awards", "notify", "feed", "gateway"])
def test_every_string_query_parameter_has_a_maximum_that_keeps_requests_under_gunicorns_limit(make_service, service):
    app = make_service(service)
    document = app.test_client().get("/openapi.json").get_json()
    unbounded, too_long = [], []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                schema = parameter["schema"]
                if schema.get("type") == "array":
                    if "maxItems" not in schema:
                        unbounded.append(f"{method.upper()} {path} {parameter['name']} (maxItems)")
                    schema = schema.get("items", {})
                if schema.get("type") == "string" and "enum" not in schema and "maxLength" not in schema:
                    unbounded.append(f"{method.upper()} {path} {parameter['name']}")
            if not unbounded and _worst_request_line(path, operation, item) > LIMIT_REQUEST_LINE:
                too_long.append(f"{method.upper()} {path}")
    assert not unbounded, f"query parameters without a maximum: {unbounded}"
    assert not too_long, f"a request following the document can exceed {LIMIT_REQUEST_LINE} bytes: {too_long}"


# 10 ------------------------------------------------------------------------------------- the feed's key first

@pytest.mark.parametrize("query", ["limit=0", "limit=501", "after=x", "ward=KHONG%20HOP%20LE", "limit=%C2%B2"])
def test_the_feed_checks_the_key_before_the_query(make_service, query):
    app = make_service("feed")
    client = app.test_client()
    assert assert_problem(client.get(f"/feed?{query}"), 401)["type"] == "urn:dvk:problem:api-key-missing"
    assert assert_problem(client.get(f"/feed?{query}", headers={"X-API-Key": "khong-co"}), 401)["type"] == \
        "urn:dvk:problem:api-key-invalid"
    issued = Caller(app)("POST", "/keys", "admin", json={"subscriber": "Tỉnh", "wards": ["*"]}).json
    assert_problem(client.get(f"/feed?{query}", headers={"X-API-Key": issued["api_key"]}), 422)


# 9 ---------------------------------------------------------------------------- documents that say what is done

WORKFLOW_SERVICES = ["registration", "reporting", "awards", "notify", "feed"]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {
    "reporting": {"/consolidated-reports/{consolidated_id}/document": DOCX, "/consolidated-reports/{consolidated_id}/annex": XLSX},
    "awards": {"/decisions/{decision_id}/document": DOCX, "/proposal-letters/{letter_id}/document": DOCX,
               "/decisions/export.xlsx": XLSX},
}
IMPORTS = {"registration": "/units/import", "reporting": "/target-figures/import"}


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation, item.get("parameters", []) + operation.get("parameters", [])


def _numbers(schema, document, where, found):
    """Every integer or number in a schema without both bounds, by where it is."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if ({"integer", "number"} & set(types)) and not ("minimum" in schema and "maximum" in schema):
        found.append(where)
    for name, member in schema.get("properties", {}).items():
        _numbers(member, document, f"{where}.{name}", found)
    if isinstance(schema.get("items"), dict):
        _numbers(schema["items"], document, f"{where}[]", found)


@pytest.mark.parametrize("service", WORKFLOW_SERVICES)
def test_the_openapi_document_says_what_the_service_does(make_service, service):
    app = make_service(service)
    document = app.test_client().get("/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": document["components"]["securitySchemes"]["bearer"]["description"]}
    assert document["security"] == [{"bearer": []}]
    defaults, unbounded, without_if_match, without_etag = [], [], [], []
    for path, method, operation, parameters in _operations(document):
        label = f"{method.upper()} {path}"
        responses = operation["responses"]
        if "default" in responses:
            defaults.append(label)
        for parameter in parameters:
            if parameter["in"] in ("query", "path"):
                _numbers(parameter["schema"], document, f"{label} {parameter['name']}", unbounded)
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            _numbers(body["schema"], document, f"{label} body", unbounded)
        versioned = "428" in responses
        if versioned and not any(p["name"] == "If-Match" and p["in"] == "header" for p in parameters):
            without_if_match.append(label)
        for status, response in responses.items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            properties = document["components"]["schemas"].get((schema or {}).get("$ref", "/").rsplit("/", 1)[1], {}).get("properties", {})
            if status.startswith("2") and "version" in properties and "ETag" not in response.get("headers", {}):
                without_etag.append(f"{label} {status}")
    assert not defaults, f"operations with a catch-all `default` response: {defaults}"
    assert not unbounded, f"numbers without minimum and maximum: {unbounded}"
    assert not without_if_match and not without_etag, (without_if_match, without_etag)
    for path, media_type in FILES.get(service, {}).items():
        ok = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(ok) == [media_type] and ok[media_type]["schema"] == {"type": "string", "format": "binary"}, path
    if service in IMPORTS:
        body = document["paths"][IMPORTS[service]]["post"]["requestBody"]
        assert body["required"] and body["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    if service == "notify":
        url = document["components"]["schemas"]["SubscriberCreate"]["properties"]["url"]
        assert url["format"] == "uri"
    if service == "feed":
        feed = document["paths"]["/feed"]["get"]
        limit = next(p for p in feed["parameters"] if p["name"] == "limit")["schema"]
        assert (limit["minimum"], limit["maximum"]) == (1, 500)
        assert feed["security"] == [{"apiKey": []}]


@pytest.mark.parametrize("service", WORKFLOW_SERVICES)
def test_every_answer_that_is_a_versioned_record_carries_its_etag(make_service, service):
    """What the document promises about versions, checked against the service: a read record's ETag is the
    If-Match of its edit (the platform sets ETag on every record with a version)."""
    app = make_service(service)
    call = Caller(app)
    create, read = {
        "registration": (("/units", "admin", {"code": "tdp-9", "name": "Tổ dân phố 9", "kind": "to_dan_pho"}), "/units/{}"),
        "reporting": (("/consolidated-reports", "vhxh", {"year": 2026, "period": "six_month"}), "/consolidated-reports/{}"),
        "awards": (("/catalogue/titles", "admin", {"code": "lao-dong-tien-tien-2", "name": "Lao động tiên tiến",
                                                   "granting_level": "phuong", "legal_basis": "Luật Thi đua, khen thưởng 2022"}),
                   "/catalogue/titles/{}"),
        "notify": (("/webhook-subscribers", "admin", SUBSCRIBER), "/webhook-subscribers/{}"),
        "feed": (("/keys", "admin", {"subscriber": "Tỉnh", "wards": ["*"]}), None),
    }[service]
    path, role, body = create
    created = call("POST", path, role, json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["ETag"] == f'"{created.json["version"]}"'
    if read:
        again = call("GET", read.format(created.json["id"]), role)
        assert again.status_code == 200 and again.headers["ETag"] == created.headers["ETag"]
