"""Shared fixtures: the registration service on a real database, a ward clock the test controls, HTTP helpers."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from dvk_platform.testing.plugin import bearer
from registration.seed import seed

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
TDP_1, TDP_2, TDP_3 = 12, 13, 14  # seed ids of Tổ dân phố 1-3


class WardClock:
    """A clock the test sets, in the ward's local time."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def set(self, year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> None:
        self.moment = datetime(year, month, day, hour, minute, tzinfo=HCM)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock() -> WardClock:
    return WardClock(datetime(2026, 2, 10, 9, 0, tzinfo=HCM))


@pytest.fixture
def app(make_service, database_kind: str, clock: WardClock) -> Flask:
    """The service on PostgreSQL and on SQLite, seeded with Minh Xuân's units and the 2026 period."""
    service = make_service("registration", database_kind, CLOCK=clock)
    seed(service)
    return service


@pytest.fixture
def sqlite_app(make_service, clock: WardClock) -> Flask:
    """The same, on SQLite only, for checks where the database engine makes no difference."""
    service = make_service("registration", "sqlite", CLOCK=clock)
    seed(service)
    return service


Http = Callable[..., TestResponse]


def make_http(app: Flask) -> Http:
    client = app.test_client()

    def http(method: str, path: str, role: str | None, unit: int | None = None, json: Any = None,
             if_match: int | str | None = None, **kwargs: Any) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers.update(bearer(app, role, unit, user_id=f"{role}-{unit or 0}", name=f"Cán bộ {role}"))
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        return client.open(path, method=method, json=json, headers=headers, **kwargs)

    return http


@pytest.fixture
def http(app: Flask) -> Http:
    return make_http(app)


@pytest.fixture
def sqlite_http(sqlite_app: Flask) -> Http:
    return make_http(sqlite_app)


def model_body(**changes: Any) -> dict[str, Any]:
    body = {
        "title": "Tổ dân phố tự quản \"Sáng - Xanh - Sạch - Đẹp\"",
        "field": "kinh_te_do_thi",
        "goals": "Huy động người dân giữ gìn vệ sinh, trồng cây xanh trên các tuyến hẻm.",
        "content": "Ra quân mỗi sáng Chủ nhật; mỗi hộ nhận chăm sóc một đoạn hẻm; biểu dương hộ tiêu biểu hằng quý.",
        "target_group": "Các hộ gia đình trên địa bàn tổ dân phố",
        "person_in_charge": "Nguyễn Thị Hòa, Tổ trưởng",
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
        "expected_results": "100% tuyến hẻm sáng, xanh, sạch; không còn điểm tập kết rác tự phát.",
        "indicators": [{"name": "Số hộ tham gia", "target": "180", "unit": "hộ"}],
    }
    body.update(changes)
    return body


def create_draft(http: Http, unit: int, **changes: Any) -> dict[str, Any]:
    response = http("POST", "/models", "don_vi", unit, json=model_body(**changes))
    assert response.status_code == 201, response.json
    return response.json


def act(http: Http, model: dict[str, Any], action: str, role: str, unit: int | None = None, **body: Any) -> dict[str, Any]:
    """Run one workflow step with the version the caller last saw; the step must succeed."""
    response = http("POST", f"/models/{model['id']}/{action}", role, unit, json=body, if_match=model["version"])
    assert response.status_code == 200, response.json
    return response.json


class Workflow:
    """Helpers handed to tests as the `wf` fixture (test modules cannot import conftest)."""

    body = staticmethod(model_body)
    draft = staticmethod(create_draft)
    act = staticmethod(act)


@pytest.fixture
def wf() -> type[Workflow]:
    return Workflow
