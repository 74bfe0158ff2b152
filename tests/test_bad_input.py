"""Bad input to any service is answered as problem+json and writes nothing."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import MetaData, func, select

from dvk_testing.plugin import bearer

from .reliability.conftest import NOW
from .reliability.test_reliability_openapi_fuzz import SEEDERS

SERVICES = ["registration", "reporting", "awards", "notify", "gateway"]
ROLES = ["admin", "vhxh", "lanh_dao", "don_vi", "giam_sat"]


def _row_counts(app) -> dict[str, int]:
    engine = app.extensions["dvk_db"].engine
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table)) for name, table in meta.tables.items()}


def _json_write_operations(app, ids: dict[str, Any]) -> list[tuple[str, str]]:
    """Every JSON write operation, its path parameters filled with records that exist (seeded), so a refusal is the
    body's, not a 404 of a record that is not there."""
    spec = app.test_client().get("/openapi.json").get_json()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in {"post", "put", "patch"} and "application/json" in op.get("requestBody", {}).get("content", {}):
                missing = [name for name in re.findall(r"\{(\w+)\}", path) if name not in ids]
                assert not missing, f"{method.upper()} {path}: no seeded record for {missing}"
                operations.append((method.upper(), re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)))
    return operations


def _assert_problem(response, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"].startswith("urn:dvk:problem:") and body["title"]


@pytest.mark.parametrize("service", SERVICES)
def test_unknown_route_is_404_problem(make_service, service):
    app = make_service(service)
    # The gateway answers people with an HTML page and machines (its /internal/ API) with problem+json.
    path = "/internal/khong-co-trang-nay" if service == "gateway" else "/khong-co-trang-nay"
    response = app.test_client().get(path, headers={"Accept": "application/json"})
    _assert_problem(response, 404)
    assert response.get_json()["title"] == "Không tìm thấy tài nguyên yêu cầu."


@pytest.mark.parametrize("service", SERVICES)
def test_malformed_json_and_oversized_bodies_are_refused_and_write_nothing(make_service, service):
    app = make_service(service, MAX_CONTENT_LENGTH=64 * 1024, CLOCK=lambda: NOW)
    client = app.test_client()
    ids = SEEDERS[service](app)
    before = _row_counts(app)
    operations = _json_write_operations(app, ids)
    unchecked = []
    if service != "gateway":
        assert operations, f"{service} documents no JSON write operation"
    checked = 0
    for method, path in operations:
        for role in ROLES:
            headers = {**bearer(app, role, unit_id=12), "Content-Type": "application/json"}
            response = client.open(path, method=method, data='{"title": "thiếu ngoặc"', headers=headers)
            if response.status_code in (401, 403):
                continue  # this role may not call it; try another role
            _assert_problem(response, 400)
            assert "JSON" in response.get_json()["detail"]
            oversized = client.open(path, method=method, data='{"x": "' + "a" * (70 * 1024) + '"}', headers=headers)
            _assert_problem(oversized, 413)
            checked += 1
            break
        else:
            unchecked.append(f"{method} {path}")
    assert not unchecked, f"no role reached the body of {unchecked}"
    if service == "gateway":
        # A person posting the login form gets the refusal as a page, not as JSON.
        refused = client.post("/login", data={"username": "a" * (70 * 1024)})
        assert refused.status_code == 413 and refused.mimetype == "text/html"
        assert "vượt quá dung lượng" in refused.get_data(as_text=True)
        checked += 1
    assert checked, f"no write operation of {service} could be exercised"
    assert _row_counts(app) == before
