"""schemathesis against each service's own OpenAPI document, in process (the Flask app as a WSGI target).

For every documented operation, cases generated from the document are sent with a valid token of a role drawn
at random (admin, Phòng VH-XH, leader, observer, a unit officer): no answer may be a server error, and every
answer must match the schema its document gives for that status. Each operation runs twice: with the
identifiers schemathesis invents (mostly unknown records) and with identifiers of records seeded beforehand,
so the documented shapes of real records are checked too. Examples are bounded and derandomised (a fixed
seed) so the run is the same every time.

Refusals are checked as strictly as successes: every error response of every document is a ProblemDetails under
application/problem+json (what dvk_platform.errors answers; an error documented under another media type would
let schemathesis skip its body), a floor of refusals must have been schema-checked, and every documented
operation is also sent the refusals schemathesis does not generate (no or a bad credential, a token of another
ward, a method or an address it does not take, malformed JSON, a body that is no JSON or too large): each must be
a problem whose body matches the schema its document gives for that status.

The feed's GET /feed is read with subscribers' API keys, not service tokens: there the caller holds a key of
this ward, of every ward, of another ward or a revoked one, sent in either header the feed reads. The gateway's
document holds its JSON endpoints for machines (GET /internal/recipients); there a caller may also hold no token.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.schemas import APIOperation

from dvk_core.envelope import CloudEvent
from dvk_testing.plugin import Caller, sign_token

from .conftest import TDP, WARD, deliver, unit_created

EXAMPLES = 12
ROLES = [("admin", None), ("vhxh", None), ("lanh_dao", None), ("giam_sat", None), ("don_vi", 12)]
MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."


def seed_registration(app) -> dict[str, Any]:
    from registration.seed import seed

    seed(app)
    call = Caller(app)
    created = call("POST", "/models", "don_vi", 12, json={
        "title": "Camera an ninh <b>tổ dân phố</b>", "field": "quoc_phong_an_ninh", "goals": "Giảm trộm cắp.",
        "content": "Lắp camera tại các ngõ.", "target_group": "Hộ dân", "person_in_charge": "Lê Văn Tâm",
        "start_date": "2026-03-01", "end_date": "2026-12-31", "expected_results": "Giảm 40% vụ trộm."})
    assert created.status_code == 201, created.json
    model = created.json
    evidence = _upload(call, f"/models/{model['id']}/files")
    assert evidence.status_code == 201, evidence.json
    model = call("GET", f"/models/{model['id']}", "don_vi", 12).json
    submitted = call("POST", f"/models/{model['id']}/submit", "don_vi", 12, json={}, if_match=model["version"])
    assert submitted.status_code == 200, submitted.json
    # another model, accepted and inspected: Phòng VH-XH attaches the inspection's minutes
    other = call("POST", "/models", "don_vi", 12, json={
        "title": "Đổi rác lấy cây xanh", "field": "van_hoa_xa_hoi", "goals": "Giảm rác nhựa.",
        "content": "Mỗi tháng một buổi đổi rác.", "target_group": "Hộ dân", "person_in_charge": "Trần Thị Lan",
        "start_date": "2026-03-01", "end_date": "2026-12-31", "expected_results": "Giảm 30% rác nhựa."}).json
    other = call("POST", f"/models/{other['id']}/submit", "don_vi", 12, json={}, if_match=other["version"]).json
    accepted = call("POST", f"/models/{other['id']}/accept", "vhxh", json={}, if_match=other["version"])
    assert accepted.status_code == 200, accepted.json
    inspection = call("POST", f"/models/{other['id']}/inspections", "vhxh", json={
        "inspected_on": "2026-04-09", "inspector": "Lê Thị Mai", "rating": "tot", "findings": "Đạt yêu cầu."})
    assert inspection.status_code == 201, inspection.json
    minutes = _upload(call, f"/models/{other['id']}/inspections/{inspection.json['id']}/files", "vhxh")
    assert minutes.status_code == 201, minutes.json
    return {"model_id": model["id"], "unit_id": 12, "year": 2026, "file_id": evidence.json["id"],
            "inspection_id": inspection.json["id"]}


def _upload(call: Caller, path: str, role: str = "don_vi", unit: int | None = 12) -> Any:
    """One evidence photo (a small PNG) on a record, as the unit (or Phòng VH-XH) uploads it."""
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(picture, format="PNG")
    picture.seek(0)
    stream, length, boundary = stream_encode_multipart({"file": FileStorage(picture, filename="hop-to.png"),
                                                        "caption": "Buổi họp tổ"})
    try:
        return call("POST", path, role, unit if role == "don_vi" else None, input_stream=stream, content_length=length,
                    content_type=f"multipart/form-data; boundary={boundary}")
    finally:
        stream.close()


def seed_reporting(app) -> dict[str, Any]:
    deliver(app, [unit_created(u, code, name) for u, (code, name) in TDP.items()])
    call = Caller(app)
    from reporting.models import FIGURE_FIELDS

    report = call("POST", "/reports", "don_vi", 12, json={"year": 2026, "period": "six_month",
                                                          "sections": {"leadership": "Chi bộ ra nghị quyết."}})
    assert report.status_code == 201, report.json
    report = report.json
    evidence = _upload(call, f"/reports/{report['id']}/files")
    assert evidence.status_code == 201, evidence.json
    figures = call("PUT", "/target-figures/12/2026/six_month", "don_vi", 12, json={name: 10 for name in FIGURE_FIELDS} | {
        name: 0 for name in FIGURE_FIELDS if "violat" in name})
    assert figures.status_code in (200, 201), figures.json
    consolidated = call("POST", "/consolidated-reports", "vhxh", json={"year": 2026, "period": "six_month"})
    assert consolidated.status_code == 201, consolidated.json
    consolidated = consolidated.json
    return {"report_id": report["id"], "unit_id": 12, "year": 2026, "period": "six_month", "consolidated_id": consolidated["id"],
            "file_id": evidence.json["id"]}


def seed_awards(app) -> dict[str, Any]:
    deliver(app, [unit_created(u, code, name) for u, (code, name) in TDP.items()])
    call = Caller(app)
    forms = call("GET", "/catalogue/forms", "admin").json
    entry = next(e for e in forms if e["code"] == "giay-khen-chu-tich-ubnd-phuong")
    confirmed = call("PATCH", f"/catalogue/forms/{entry['id']}", "admin", json={"needs_confirmation": False}, if_match=entry["version"])
    assert confirmed.status_code == 200, confirmed.json

    def succeeded(response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.json
        return response.json

    nomination = succeeded(call("POST", "/nominations", "vhxh", json={
        "year": 2026, "nominee_kind": "collective", "unit_id": 12, "catalogue": "form", "award_id": entry["id"],
        "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia."}), 201)
    # Phòng VH-XH attaches a supporting document while the nomination is a draft
    supporting = succeeded(_upload(call, f"/nominations/{nomination['id']}/files", "vhxh"), 201)
    nomination = succeeded(call("GET", f"/nominations/{nomination['id']}", "vhxh"))
    step = succeeded(call("POST", f"/nominations/{nomination['id']}/propose", "vhxh", json={}, if_match=nomination["version"]))
    step = succeeded(call("POST", f"/nominations/{nomination['id']}/review", "vhxh", if_match=step["version"], json={
        "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES}))
    decision = succeeded(call("POST", "/decisions", "lanh_dao", json={
        "nominations": [{"id": nomination["id"], "version": step["version"]}], "signer_name": "Phạm Quốc Chương"}), 201)
    # an award of the province: the ward proposes it to the upper level in a letter
    upper = next(e for e in forms if e["code"] == "bang-khen-chu-tich-ubnd-tinh")
    confirmed = call("PATCH", f"/catalogue/forms/{upper['id']}", "admin", json={"needs_confirmation": False}, if_match=upper["version"])
    assert confirmed.status_code == 200, confirmed.json
    proposed = succeeded(call("POST", "/nominations", "vhxh", json={
        "year": 2026, "nominee_kind": "individual", "unit_id": 12, "catalogue": "form", "award_id": upper["id"],
        "person_name": "Nguyễn Thị Hòa", "person_position": "Tổ trưởng tổ dân phố",
        "achievements": "Vận động 100% hộ dân lắp camera an ninh."}), 201)
    step = succeeded(call("POST", f"/nominations/{proposed['id']}/propose", "vhxh", json={}, if_match=proposed["version"]))
    step = succeeded(call("POST", f"/nominations/{proposed['id']}/review", "vhxh", if_match=step["version"], json={
        "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES}))
    letter = succeeded(call("POST", "/proposal-letters", "lanh_dao", json={
        "nominations": [{"id": proposed["id"], "version": step["version"]}], "signer_name": "Phạm Quốc Chương",
        "addressee": "Ủy ban nhân dân tỉnh"}), 201)
    return {"entry_id": entry["id"], "nomination_id": nomination["id"], "decision_id": decision["id"], "letter_id": letter["id"],
            "file_id": supporting["id"]}


def seed_notify(app) -> dict[str, Any]:
    """Units Phòng VH-XH may remind, a webhook subscriber whose endpoint refuses connections, Tổ dân phố 1's officer
    (the unit token's user) told that a model was returned: an unread notification of theirs, and the webhook delivery
    of that event, given up after its attempts (so it can be retried)."""
    from datetime import timedelta

    from sqlalchemy import select

    from dvk_platform.clock import now
    from dvk_testing.recipients import user_created
    from notify.dispatcher import dispatch_due
    from notify.models import Delivery, InboxMessage

    deliver(app, [unit_created(u, code, name) for u, (code, name) in TDP.items()])  # units Phòng VH-XH may remind
    subscriber = Caller(app)("POST", "/webhook-subscribers", "admin", json={
        "name": "Sở Nội vụ tỉnh", "url": "http://127.0.0.1:9/hook", "event_types": ["vn.dvk.registration.*"]})
    assert subscriber.status_code == 201, subscriber.json
    returned = CloudEvent(type="vn.dvk.registration.model-returned.v1", source=f"/wards/{WARD}/registration", subject="7",
                          ward=WARD, data={"model_id": 7, "unit_id": 12, "year": 2026, "title": "Camera an ninh khu phố",
                                           "field": "quoc_phong_an_ninh", "status": "returned", "late": False,
                                           "occurred_at": "2026-11-03T02:00:00+00:00", "actor_role": "vhxh",
                                           "reason": "Bổ sung chỉ tiêu."})
    # "don_vi-12" is the user of the unit token Caller signs for Tổ dân phố 1's officer
    deliver(app, [user_created({"user_id": "don_vi-12", "name": "Cán bộ don_vi", "role": "don_vi", "unit_id": 12}), returned])
    moment = now(app.config)
    for day in range(30):  # every attempt, each after its backoff, until the dispatcher gives up
        dispatch_due(app, moment + timedelta(days=day))
    with app.extensions["dvk_db"].transaction() as session:
        [message_id] = session.scalars(select(InboxMessage.id).where(InboxMessage.event_id == returned.id,
                                                                     InboxMessage.user_id == "don_vi-12")).all()
        webhook = session.scalar(select(Delivery).where(Delivery.event_id == returned.id, Delivery.channel == "webhook"))
        assert webhook is not None and webhook.status == "failed", webhook and (webhook.status, webhook.last_error)
        delivery_id = webhook.id
    return {"subscriber_id": subscriber.json["id"], "delivery_id": delivery_id, "message_id": message_id}


FEED_KEYS = {"this ward": [WARD], "every ward": ["*"], "another ward": ["an-phu"], "revoked": [WARD]}


def seed_feed(app) -> dict[str, Any]:
    from dvk_core.contracts import load_schemas

    example = load_schemas()["vn.dvk.registration.model-submitted.v1"]["examples"][0]
    deliver(app, [CloudEvent(type="vn.dvk.registration.model-submitted.v1", source=f"/wards/{ward}/registration", subject="7",
                             ward=ward, data={**example, "unit_id": 12}) for ward in (WARD, "an-phu")])
    call = Caller(app)
    keys = {}
    for name, wards in [*FEED_KEYS.items(), ("to revoke", [WARD])]:
        issued = call("POST", "/keys", "admin", json={"subscriber": f"Hệ thống cấp trên ({name})", "wards": wards})
        assert issued.status_code == 201, issued.json
        keys[name] = issued.json
    revoked = call("POST", f"/keys/{keys['revoked']['id']}/revoke", "admin", json={}, if_match=keys["revoked"]["version"])
    assert revoked.status_code == 200, revoked.json
    return {"key_id": keys["to revoke"]["id"], "api_keys": {"/feed": [keys[name]["api_key"] for name in FEED_KEYS]}}


def seed_gateway(app) -> dict[str, Any]:
    from gateway.models import User

    with app.extensions["dvk_db"].transaction() as session:
        session.add_all([
            User(username="quantri", full_name="Quản trị", role="admin", email="quantri@minhxuan.gov.vn", password_hash="-"),
            User(username="tdp1", full_name="Nguyễn Thị Hòa", role="don_vi", unit_id=12, email="hoa.tdp1@minhxuan.gov.vn",
                 password_hash="-"),
            User(username="cu", full_name="Cán bộ đã nghỉ", role="giam_sat", email=None, password_hash="-", active=False),
        ])
    return {"anonymous": True}


SEEDERS = {"registration": seed_registration, "reporting": seed_reporting, "awards": seed_awards, "notify": seed_notify,
           "feed": seed_feed, "gateway": seed_gateway}


def callers(app, operation: APIOperation, ids: dict[str, Any]) -> list[dict[str, str]]:
    """The credentials a caller of the operation may hold: a subscriber's API key of each scope where the service
    reads API keys (in either header it takes), else a service token of each role (and, where seeded so, none)."""
    api_keys = ids.get("api_keys", {}).get(operation.path)
    if api_keys:
        return [{"Authorization": f"ApiKey {key}"} for key in api_keys] + [{"X-API-Key": key} for key in api_keys]
    tokens = [Caller(app).headers(*who) for who in ROLES]
    return tokens + ([{}] if ids.get("anonymous") else [])


PROBLEM_JSON = "application/problem+json"


def error_responses(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every error response of the document ("GET /units default", "POST /units 422", …), references resolved."""
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    if "$ref" in response:
                        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                    found[f"{method.upper()} {path} {status}"] = response
    return found


def body_is_checked(operation: APIOperation, status: int, media_type: str) -> bool:
    """Whether the document gives a schema for this status (explicitly or as `default`) under this media type, i.e.
    whether schemathesis validates the body (it skips a body whose media type its document does not give)."""
    responses = operation.definition.raw["responses"]
    response = responses.get(str(status), responses.get("default"))
    if response is None:
        return False
    if "$ref" in response:
        response = operation.schema.raw_schema["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return "schema" in response.get("content", {}).get(media_type, {})


def fuzz(app, ids: dict[str, Any]) -> tuple[Counter[tuple[str, int]], list[str], int]:
    """Run every operation of the app's document; returns how often each operation answered each status, one line
    per failing operation, and how many refusals (4xx) had their body checked against a documented schema."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    answers: Counter[tuple[str, int]] = Counter()
    refusals_checked = 0
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        known = {name: ids[name] for name in re.findall(r"\{(\w+)\}", operation.path) if name in ids}
        strategies = [operation.as_strategy()] + ([operation.as_strategy(path_parameters=known)] if known else [])
        for strategy in strategies:

            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy, headers=st.sampled_from(callers(app, operation, ids)))
            def check(case, headers):
                nonlocal refusals_checked
                response = case.call(headers=headers)
                answers[operation.label, response.status_code] += 1
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance], headers=headers)
                media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
                if 400 <= response.status_code < 500 and body_is_checked(operation, response.status_code, media_type):
                    refusals_checked += 1

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # each failing operation is reported, then the next one runs
                failures.append(f"{operation.label}: {exc}")
                break
    return answers, failures, refusals_checked


# The gateway's one operation takes no input: one case per caller (five roles, no token) is all there is to send.
MIN_CASES = {"gateway": len(ROLES) + 1}
# Operations whose success must be seen, so that the documented shape of a real answer is checked.
MUST_SUCCEED = {"feed": ["GET /feed", "GET /keys", "GET /audit"], "gateway": ["GET /internal/recipients"]}
# Fewest refusals whose body was checked against the document (a floor, not a count to keep current; the four
# workflow services refuse a hundred or more, the feed about fifty): the gateway's one operation refuses five of
# its six callers (the four roles other than admin with 403, no token with 401).
MIN_REFUSALS_CHECKED = {"feed": 30, "gateway": 5}


@pytest.mark.parametrize("service", sorted(SEEDERS))
def test_every_documented_operation_answers_without_server_error_and_as_documented(make_service, ward_clock, service):
    app = make_service(service, "sqlite", CLOCK=ward_clock)
    ids = SEEDERS[service](app)
    document = app.test_client().get("/openapi.json").get_json()
    not_problems = {label: sorted(r.get("content", {})) for label, r in error_responses(document).items()
                    if list(r.get("content", {})) != [PROBLEM_JSON]
                    or r["content"][PROBLEM_JSON].get("schema") != {"$ref": "#/components/schemas/ProblemDetails"}}
    assert not not_problems, f"error responses not documented as problem+json ProblemDetails: {not_problems}"
    answers, failures, refusals_checked = fuzz(app, ids)
    assert not failures, f"{len(failures)} operations of {service} failed:\n" + "\n\n".join(failures)
    calls = sum(answers.values())
    assert calls >= MIN_CASES.get(service, EXAMPLES * 5), f"only {calls} cases ran"
    succeeded = {label for (label, status), _ in answers.items() if status < 300}
    assert set(MUST_SUCCEED.get(service, [])) <= succeeded, f"never answered with success: {sorted(answers)}"
    assert refusals_checked >= MIN_REFUSALS_CHECKED.get(service, EXAMPLES * 5), f"only {refusals_checked} refusals were checked"


# ----------------------------------------------------------------- refusals schemathesis does not generate

TOO_LARGE = b"{" + b" " * 1_100_000 + b"}"  # beyond MAX_CONTENT_LENGTH (1 MiB)
UNUSUAL_METHODS = ["DELETE", "PUT", "PATCH", "POST", "GET"]
EXACT_STATUS = {"a method it does not take": [405], "an address below it": [404]}


def refusal_requests(app, path: str, methods: set[str], method: str, body: bool) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """name -> (method, path, werkzeug request arguments) of the refusals to send to one documented operation (the
    security tests check which status and problem type each credential gets; here, that each is as documented)."""
    other_ward = sign_token(ward="phuong-khac", user_id="u1", name="Người phường khác", role="admin", unit_id=None)
    admin = Caller(app).headers("admin")
    other_method = next(m for m in UNUSUAL_METHODS if m not in methods)
    roles = {f"{role}{f' {unit}' if unit else ''}": Caller(app).headers(role, unit) for role, unit in ROLES}
    requests = {
        "no credential": (method, path, {"json": {}}),
        "a forged token": (method, path, {"json": {}, "headers": {"Authorization": "Bearer khong.phai.jwt"}}),
        "a token of another ward": (method, path, {"json": {}, "headers": {"Authorization": f"Bearer {other_ward}"}}),
        "a method it does not take": (other_method, path, {"json": {}, "headers": admin}),
        "an address below it": (method, path.rstrip("/") + "/khong-co-dia-chi-nay", {"json": {}, "headers": admin}),
    }
    for who, headers in roles.items() if body else ():  # as each role: the one the operation lets in reads the body
        requests |= {
            f"malformed JSON ({who})": (method, path, {"data": b'{"year": 20', "content_type": "application/json", "headers": headers}),
            f"a body that is no JSON ({who})": (method, path, {"data": "year=2026", "content_type": "text/plain", "headers": headers}),
            f"a body too large ({who})": (method, path, {"data": TOO_LARGE, "content_type": "application/json", "headers": headers}),
        }
    return requests


@pytest.mark.parametrize("service", sorted(SEEDERS))
def test_every_refusal_of_every_documented_operation_is_the_documented_problem(make_service, service):
    app = make_service(service, "sqlite")
    client = app.test_client()
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    document = schema.raw_schema
    statuses: Counter[int] = Counter()
    wrong = []
    for result in schema.get_all_operations():
        operation = result.ok()
        item = document["paths"][operation.path]
        values = {p["name"]: str(p["schema"]["enum"][0]) if "enum" in p.get("schema", {}) else "1"
                  for p in item.get("parameters", []) + item[operation.method.lower()].get("parameters", []) if p["in"] == "path"}
        path = re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "1"), operation.path)
        methods = {m.upper() for m in item if m != "parameters"}
        body = "requestBody" in operation.definition.raw
        for name, (method, url, kwargs) in refusal_requests(app, path, methods, operation.method.upper(), body).items():
            response = client.open(url, method=method, **kwargs)
            statuses[response.status_code] += 1
            problem = response.get_json(silent=True) if response.mimetype == PROBLEM_JSON else None
            refused = EXACT_STATUS.get(name, range(400, 500))
            if response.status_code not in refused or problem is None or problem.get("status") != response.status_code:
                wrong.append(f"{operation.label} with {name}: {response.status_code} {response.mimetype} "
                             f"{response.get_data(as_text=True)[:200]}")
                continue
            try:
                operation.validate_response(Response.from_any(response))
            except (Exception, BaseExceptionGroup) as exc:  # each wrong answer is reported, then the next one is sent
                wrong.append(f"{operation.label} with {name}: {exc}")
    assert not wrong, f"{len(wrong)} refusals of {service} are not the documented problem:\n" + "\n\n".join(wrong)
    # each kind of refusal was really met (the gateway's one operation takes no body)
    # (a body that is no JSON is 415 under the request-body policy, before any field is read)
    expected = {401, 403, 404, 405} | ({400, 413, 415} if service != "gateway" else set())
    assert expected <= set(statuses), f"{service} never answered {sorted(expected - set(statuses))}: {dict(statuses)}"
