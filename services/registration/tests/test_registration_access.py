"""The access matrix: every endpoint × role × own/other unit gives the status in security/access/registration.md.

The record under test always belongs to Tổ dân phố 1 (unit 12). "own" is its unit officer, "other" the officer
of Tổ dân phố 2 (unit 13). A unit officer asking for another unit's record gets 404, so nothing leaks.
"""
from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from werkzeug.datastructures import FileStorage

from dvk_testing import access

OWN, OTHER = 12, 13
TABLE = access.load("registration")  # security/access/registration.md
CALLERS = access.role_columns(OWN, OTHER)

BODIES: dict[str, Callable[[int], Any]] = {
    "POST /units": lambda n: {"code": f"tdp-moi-{n}", "name": f"Tổ dân phố mới {n}", "kind": "to_dan_pho"},
    "PATCH /units/{unit}": lambda n: {"name": f"Tổ dân phố 1 (đổi tên {n})"},
    "POST /periods": lambda n: {"year": 2030 + n % 70},  # consecutive calls, distinct years
    # a different day each call (the same deadline again is refused), always within 2026
    "PATCH /periods/{year}": lambda n: {"deadline": (date(2026, 2, 16) + timedelta(days=n % 300)).isoformat(),
                                        "reason": "Tết đến muộn, gia hạn đăng ký."},
    "PATCH /models/{draft}": lambda n: {"title": f"Tên mới {n}"},
    "POST /models/{submitted}/return": lambda n: {"reason": "Bổ sung chỉ tiêu."},
    "POST /models/{accepted}/inspections": lambda n: {
        "inspected_on": "2026-02-09", "inspector": "Lê Thị Mai", "rating": "kha", "findings": "Đạt yêu cầu."},
}


class Target:
    """Builds, for each call, a fresh record in the state the endpoint acts on, owned by unit 12."""

    def __init__(self, http, wf, samples) -> None:
        self.http, self.wf, self.samples = http, wf, samples
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
        if "{year}" in template:
            template = template.replace("{year}", "2026")  # the seeded period
            kwargs["if_match"] = self.http("GET", "/periods/2026", "vhxh").json["version"]
        if "{unit}" in template:
            unit = self.unit(endpoint)
            template = template.replace("{unit}", str(unit["id"]))
            kwargs["if_match"] = unit["version"]
        for state in ("draft", "submitted", "accepted", "inspected"):
            if "{" + state + "}" in template:
                model = self.model(state)
                template = template.replace("{" + state + "}", str(model["id"]))
                kwargs["if_match"] = model["version"]
        if "{inspection}" in template:
            body = BODIES["POST /models/{accepted}/inspections"](0)
            inspection = self.http("POST", f"/models/{model['id']}/inspections", "vhxh", json=body).json
            template = template.replace("{inspection}", str(inspection["id"]))
        if "{photo}" in template:
            base = f"/models/{model['id']}/inspections/{inspection['id']}/files"
            photo = self.samples.multipart({"file": FileStorage(io.BytesIO(self.samples.photo(640, 480)),
                                                                filename=f"ảnh kiểm tra {n}.jpg")})
            sent = self.http("POST", base, "vhxh", **photo)
            photo["input_stream"].close()
            assert sent.status_code == 201, sent.json
            template = template.replace("{photo}", str(sent.json["id"]))
        if "{file}" in template:
            photo = self.samples.upload(self.http, model["id"], self.samples.photo(640, 480), f"ảnh {n}.jpg")
            template = template.replace("{file}", str(photo.json["id"]))
        if endpoint in ("POST /models/{draft}/files", "POST /models/{accepted}/inspections/{inspection}/files"):
            kwargs = self.samples.multipart({"file": FileStorage(io.BytesIO(self.samples.pdf()), filename="biên bản.pdf"),
                                             "caption": "Biên bản họp dân"})
        elif endpoint == "POST /units/import":
            csv = f"code,name,kind\ndv-nhap-{n},Đơn vị nhập {n},co_quan\n".encode()
            kwargs["data"] = {"file": (io.BytesIO(csv), "don-vi.csv")}
        elif method in ("POST", "PATCH"):
            kwargs["json"] = BODIES.get(endpoint, self.wf.body)(n) if endpoint in BODIES else (
                self.wf.body() if endpoint == "POST /models" else {})
        if method == "GET":
            kwargs.pop("if_match", None)
        return method, template, kwargs


def test_every_endpoint_role_and_unit_gets_the_expected_status(sqlite_http, wf, samples):
    target = Target(sqlite_http, wf, samples)

    def call(endpoint: str, caller: str):
        method, path, kwargs = target.request(endpoint)
        return sqlite_http(method, path, *CALLERS[caller], **kwargs)

    def hides_the_model(endpoint: str, caller: str, got) -> str | None:
        if got.status_code == 404 and (got.json["title"] != "Không tìm thấy mô hình." or "Sáng - Xanh" in got.get_data(as_text=True)):
            return "the refusal shows the model"
        return None

    assert access.mismatches(TABLE, call, hides_the_model) == []
    assert len(TABLE.rows) * len(CALLERS) == 216


def test_the_table_lists_every_documented_endpoint(sqlite_app):
    assert access.undocumented(TABLE, sqlite_app) == {"missing from the table": set(), "not documented": set()}


def test_without_a_token_every_endpoint_answers_401(sqlite_http, wf, samples):
    target = Target(sqlite_http, wf, samples)

    def call(endpoint: str):
        method, path, kwargs = target.request(endpoint)
        return sqlite_http(method, path, None, **kwargs)

    assert access.unauthenticated_answers(TABLE, call) == []


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
