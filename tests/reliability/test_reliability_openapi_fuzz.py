"""schemathesis against each service's own OpenAPI document, in process (the Flask app as a WSGI target).

For every documented operation, cases generated from the document are sent with a valid token of a role drawn
at random (admin, Phòng VH-XH, leader, observer, a unit officer): no answer may be a server error, and every
answer must match the schema its document gives for that status. Each operation runs twice: with the
identifiers schemathesis invents (mostly unknown records) and with identifiers of records seeded beforehand,
so the documented shapes of real records are checked too. Examples are bounded and derandomised (a fixed
seed) so the run is the same every time.

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
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.schemas import APIOperation

from dvk_platform.envelope import CloudEvent

from .conftest import TDP, WARD, Caller, deliver, unit_created

EXAMPLES = 12
ROLES = [("admin", None), ("vhxh", None), ("lanh_dao", None), ("giam_sat", None), ("don_vi", 12)]
MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."


def seed_registration(app) -> dict[str, Any]:
    from registration.seed import seed

    seed(app)
    call = Caller(app)
    model = call("POST", "/models", "don_vi", 12, json={
        "title": "Camera an ninh <b>tổ dân phố</b>", "field": "quoc_phong_an_ninh", "goals": "Giảm trộm cắp.",
        "content": "Lắp camera tại các ngõ.", "target_group": "Hộ dân", "person_in_charge": "Lê Văn Tâm",
        "start_date": "2026-03-01", "end_date": "2026-12-31", "expected_results": "Giảm 40% vụ trộm."}).json
    call("POST", f"/models/{model['id']}/submit", "don_vi", 12, json={}, if_match=model["version"])
    return {"model_id": model["id"], "unit_id": 12, "year": 2026}


def seed_reporting(app) -> dict[str, Any]:
    deliver(app, [unit_created(u, code, name) for u, (code, name) in TDP.items()])
    call = Caller(app)
    report = call("POST", "/reports", "don_vi", 12, json={"year": 2026, "period": "six_month",
                                                          "sections": {"leadership": "Chi bộ ra nghị quyết."}}).json
    figures = {name: 10 for name in ("files_received", "files_resolved", "files_on_time", "files_online", "cashless_payments",
                                     "survey_responses", "satisfied_responses", "binh_dan_hoc_vu_so", "officials_total")}
    call("PUT", "/target-figures/12/2026/six_month", "don_vi", 12, json={**figures, "officials_violating": 0})
    consolidated = call("POST", "/consolidated-reports", "vhxh", json={"year": 2026, "period": "six_month"}).json
    return {"report_id": report["id"], "unit_id": 12, "year": 2026, "period": "six_month", "consolidated_id": consolidated["id"]}


def seed_awards(app) -> dict[str, Any]:
    deliver(app, [unit_created(u, code, name) for u, (code, name) in TDP.items()])
    call = Caller(app)
    forms = call("GET", "/catalogue/forms", "admin").json
    entry = next(e for e in forms if e["code"] == "giay-khen-chu-tich-ubnd-phuong")
    call("PATCH", f"/catalogue/forms/{entry['id']}", "admin", json={"needs_confirmation": False}, if_match=entry["version"])
    nomination = call("POST", "/nominations", "vhxh", json={
        "year": 2026, "nominee_kind": "collective", "unit_id": 12, "catalogue": "form", "award_id": entry["id"],
        "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia."}).json
    step = call("POST", f"/nominations/{nomination['id']}/propose", "vhxh", json={}, if_match=nomination["version"]).json
    step = call("POST", f"/nominations/{nomination['id']}/review", "vhxh", if_match=step["version"], json={
        "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES}).json
    decision = call("POST", "/decisions", "lanh_dao", json={
        "nominations": [{"id": nomination["id"], "version": step["version"]}], "signer_name": "Phạm Quốc Chương"}).json
    return {"entry_id": entry["id"], "nomination_id": nomination["id"], "decision_id": decision["id"], "letter_id": 1}


def seed_notify(app) -> dict[str, Any]:
    subscriber = Caller(app)("POST", "/webhook-subscribers", "admin", json={
        "name": "Sở Nội vụ tỉnh", "url": "http://127.0.0.1:9/hook", "event_types": ["vn.dvk.registration.*"]})
    assert subscriber.status_code == 201, subscriber.json
    return {"subscriber_id": subscriber.json["id"], "delivery_id": 1, "message_id": 1}


FEED_KEYS = {"this ward": [WARD], "every ward": ["*"], "another ward": ["an-phu"], "revoked": [WARD]}


def seed_feed(app) -> dict[str, Any]:
    from dvk_platform.contracts import load_schemas

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


def fuzz(app, ids: dict[str, Any]) -> tuple[Counter[tuple[str, int]], list[str]]:
    """Run every operation of the app's document; returns how often each operation answered each status, and one
    line per failing operation."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    answers: Counter[tuple[str, int]] = Counter()
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
                response = case.call(headers=headers)
                answers[operation.label, response.status_code] += 1
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance], headers=headers)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # each failing operation is reported, then the next one runs
                failures.append(f"{operation.label}: {exc}")
                break
    return answers, failures


# The gateway's one operation takes no input: one case per caller (five roles, no token) is all there is to send.
MIN_CASES = {"gateway": len(ROLES) + 1}
# Operations whose success must be seen, so that the documented shape of a real answer is checked.
MUST_SUCCEED = {"feed": ["GET /feed", "GET /keys", "GET /audit"], "gateway": ["GET /internal/recipients"]}


@pytest.mark.parametrize("service", sorted(SEEDERS))
def test_every_documented_operation_answers_without_server_error_and_as_documented(make_service, ward_clock, service):
    app = make_service(service, "sqlite", CLOCK=ward_clock)
    ids = SEEDERS[service](app)
    answers, failures = fuzz(app, ids)
    assert not failures, f"{len(failures)} operations of {service} failed:\n" + "\n\n".join(failures)
    calls = sum(answers.values())
    assert calls >= MIN_CASES.get(service, EXAMPLES * 5), f"only {calls} cases ran"
    succeeded = {label for (label, status), _ in answers.items() if status < 300}
    assert set(MUST_SUCCEED.get(service, [])) <= succeeded, f"never answered with success: {sorted(answers)}"
