"""The access matrix: every endpoint × role × own/other unit gives the expected status.

The record under test always belongs to Tổ dân phố 1 (unit 12). "own" is its unit officer, "other" the officer
of Tổ dân phố 2 (unit 13). A unit officer asking for another unit's record gets 404, so nothing leaks.
"""
from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

OWN, OTHER = 12, 13
COLUMNS = [("admin", None), ("vhxh", None), ("lanh_dao", None), ("giam_sat", None), ("don_vi", OWN), ("don_vi", OTHER)]

MATRIX: list[tuple[str, int, int, int, int, int, int]] = [
    # endpoint                               admin vhxh lanh_dao giam_sat don_vi:own don_vi:other
    ("GET /units",                            200, 200, 200, 200, 200, 200),
    ("GET /units/{unit}",                     200, 200, 200, 200, 200, 200),
    ("POST /units",                           201, 403, 403, 403, 403, 403),
    ("PATCH /units/{unit}",                   200, 403, 403, 403, 403, 403),
    ("POST /units/{unit}/deactivate",         200, 403, 403, 403, 403, 403),
    ("POST /units/{unit}/activate",           200, 403, 403, 403, 403, 403),
    ("POST /units/import",                    201, 403, 403, 403, 403, 403),
    ("GET /periods",                          200, 200, 200, 200, 200, 200),
    ("GET /periods/2026",                     200, 200, 200, 200, 200, 200),
    ("POST /periods",                         403, 201, 403, 403, 403, 403),
    ("GET /models",                           200, 200, 200, 200, 200, 200),
    ("POST /models",                          403, 403, 403, 403, 201, 201),
    ("GET /models/{draft}",                   200, 200, 200, 200, 200, 404),
    ("PATCH /models/{draft}",                 403, 403, 403, 403, 200, 404),
    ("POST /models/{draft}/submit",           403, 403, 403, 403, 200, 404),
    ("POST /models/{draft}/withdraw",         403, 403, 403, 403, 200, 404),
    ("POST /models/{submitted}/return",       403, 200, 403, 403, 403, 403),
    ("POST /models/{submitted}/accept",       403, 200, 403, 403, 403, 403),
    ("GET /models/{accepted}/inspections",    200, 200, 200, 200, 200, 404),
    ("POST /models/{accepted}/inspections",   403, 201, 403, 403, 403, 403),
    ("POST /models/{inspected}/typical",      403, 200, 403, 403, 403, 403),
    ("GET /compliance/2026",                  200, 200, 200, 200, 403, 403),
]

BODIES: dict[str, Callable[[int], Any]] = {
    "POST /units": lambda n: {"code": f"tdp-moi-{n}", "name": f"Tổ dân phố mới {n}", "kind": "to_dan_pho"},
    "PATCH /units/{unit}": lambda n: {"name": f"Tổ dân phố 1 (đổi tên {n})"},
    "POST /periods": lambda n: {"year": 2030 + n % 70},  # consecutive calls, distinct years
    "PATCH /models/{draft}": lambda n: {"title": f"Tên mới {n}"},
    "POST /models/{submitted}/return": lambda n: {"reason": "Bổ sung chỉ tiêu."},
    "POST /models/{accepted}/inspections": lambda n: {
        "inspected_on": "2026-02-09", "inspector": "Lê Thị Mai", "rating": "kha", "findings": "Đạt yêu cầu."},
}


class Target:
    """Builds, for each call, a fresh record in the state the endpoint acts on, owned by unit 12."""

    def __init__(self, http, wf) -> None:
        self.http, self.wf = http, wf
        self.counter = itertools.count(1)

    def model(self, state: str) -> dict:
        model = self.wf.draft(self.http, OWN)
        if state == "draft":
            return model
        model = self.wf.act(self.http, model, "submit", "don_vi", OWN)
        if state == "submitted":
            return model
        model = self.wf.act(self.http, model, "accept", "vhxh")
        if state == "inspected":
            body = BODIES["POST /models/{accepted}/inspections"](0)
            assert self.http("POST", f"/models/{model['id']}/inspections", "vhxh", json=body).status_code == 201
        return model

    def unit(self, endpoint: str) -> dict:
        n = next(self.counter)
        created = self.http("POST", "/units", "admin", json={"code": f"dv-thu-{n}", "name": f"Đơn vị thử {n}", "kind": "co_quan"})
        unit = created.json
        if endpoint.endswith("/activate"):
            unit = self.http("POST", f"/units/{unit['id']}/deactivate", "admin", json={}, if_match=unit["version"]).json
        return unit

    def request(self, endpoint: str) -> tuple[str, str, dict[str, Any]]:
        method, template = endpoint.split(" ")
        n = next(self.counter)
        kwargs: dict[str, Any] = {}
        if "{unit}" in template:
            unit = self.unit(endpoint)
            template = template.replace("{unit}", str(unit["id"]))
            kwargs["if_match"] = unit["version"]
        for state in ("draft", "submitted", "accepted", "inspected"):
            if "{" + state + "}" in template:
                model = self.model(state)
                template = template.replace("{" + state + "}", str(model["id"]))
                kwargs["if_match"] = model["version"]
        if endpoint == "POST /units/import":
            csv = f"code,name,kind\ndv-nhap-{n},Đơn vị nhập {n},co_quan\n".encode()
            kwargs["data"] = {"file": (io.BytesIO(csv), "don-vi.csv")}
        elif method in ("POST", "PATCH"):
            kwargs["json"] = BODIES.get(endpoint, self.wf.body)(n) if endpoint in BODIES else (
                self.wf.body() if endpoint == "POST /models" else {})
        if method == "GET":
            kwargs.pop("if_match", None)
        return method, template, kwargs


def test_every_endpoint_role_and_unit_gets_the_expected_status(sqlite_http, wf):
    target = Target(sqlite_http, wf)
    mismatches = []
    for endpoint, *expected in MATRIX:
        for (role, unit), want in zip(COLUMNS, expected, strict=True):
            method, path, kwargs = target.request(endpoint)
            got = sqlite_http(method, path, role, unit, **kwargs)
            if got.status_code != want:
                mismatches.append(f"{endpoint} as {role}:{unit}: expected {want}, got {got.status_code} {got.get_data(as_text=True)[:160]}")
            elif want == 404:
                assert got.json["title"] == "Không tìm thấy mô hình."
                assert "title" in got.json and "Sáng - Xanh" not in got.get_data(as_text=True)
    assert mismatches == []
    assert len(MATRIX) * len(COLUMNS) == 132


def test_without_a_token_every_endpoint_answers_401(sqlite_http, wf):
    target = Target(sqlite_http, wf)
    for endpoint, *_ in MATRIX:
        method, path, kwargs = target.request(endpoint)
        response = sqlite_http(method, path, None, **kwargs)
        assert response.status_code == 401, endpoint
        assert response.headers["Content-Type"] == "application/problem+json"


def test_unit_officer_lists_only_own_unit_models_and_cannot_file_for_another(sqlite_http, wf):
    mine = wf.draft(sqlite_http, OWN)
    theirs = wf.draft(sqlite_http, OTHER)
    listed = sqlite_http("GET", "/models", "don_vi", OWN).json
    assert [m["id"] for m in listed["items"]] == [mine["id"]]
    # asking for the other unit by filter does not widen the view
    assert sqlite_http("GET", f"/models?unit_id={OTHER}", "don_vi", OWN).json["items"] == []
    assert {m["id"] for m in sqlite_http("GET", "/models", "giam_sat").json["items"]} == {mine["id"], theirs["id"]}
    # a unit id in the body is not a field of a registration: the officer's own unit is always used
    sneaky = sqlite_http("POST", "/models", "don_vi", OWN, json=wf.body(unit_id=OTHER))
    assert sneaky.status_code == 422
    assert sneaky.json["errors"] == {"unit_id": ["Trường không được phép."]}
    assert sqlite_http("POST", "/models", "don_vi", None, json=wf.body()).status_code == 403
