"""schemathesis against each service's own OpenAPI document, in process (the Flask app as a WSGI target).

For every documented operation, cases generated from the document are sent with a valid token of a role drawn
at random (admin, Phòng VH-XH, leader, observer, a unit officer): no answer may be a server error, and every
answer must match the schema its document gives for that status. Each operation runs twice: with the
identifiers schemathesis invents (mostly unknown records) and with identifiers of records seeded beforehand,
so the documented shapes of real records are checked too. Examples are bounded and derandomised (a fixed
seed) so the run is the same every time.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .conftest import TDP, Caller, deliver, unit_created

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


SEEDERS = {"registration": seed_registration, "reporting": seed_reporting, "awards": seed_awards, "notify": seed_notify}


def fuzz(app, ids: dict[str, Any]) -> tuple[int, list[str]]:
    """Run every operation of the app's document; returns the number of cases and one line per failing operation."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    calls, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        known = {name: ids[name] for name in re.findall(r"\{(\w+)\}", operation.path) if name in ids}
        strategies = [operation.as_strategy()] + ([operation.as_strategy(path_parameters=known)] if known else [])
        for strategy in strategies:

            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy, who=st.sampled_from(ROLES))
            def check(case, who):
                nonlocal calls
                calls += 1
                headers = Caller(app).headers(*who)
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance], headers=headers)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # each failing operation is reported, then the next one runs
                failures.append(f"{operation.label}: {exc}")
                break
    return calls, failures


@pytest.mark.parametrize("service", sorted(SEEDERS))
def test_every_documented_operation_answers_without_server_error_and_as_documented(make_service, ward_clock, service):
    app = make_service(service, "sqlite", CLOCK=ward_clock)
    ids = SEEDERS[service](app)
    calls, failures = fuzz(app, ids)
    assert not failures, f"{len(failures)} operations of {service} failed:\n" + "\n\n".join(failures)
    assert calls >= EXAMPLES * 5, f"only {calls} cases ran"
