"""Shared fixtures: the registration service on a real database, a ward clock the test controls, HTTP helpers."""
from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, stream_encode_multipart

from dvk_testing.plugin import bearer
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
    http_for = staticmethod(make_http)
    draft = staticmethod(create_draft)
    act = staticmethod(act)


@pytest.fixture
def wf() -> type[Workflow]:
    return Workflow


class Samples:
    """Files a unit officer would attach: a phone photo with its GPS position in EXIF, a scanned PDF, a program."""

    @staticmethod
    def photo(width: int = 3000, height: int = 2000, colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
        from PIL import Image

        image = Image.new("RGB", (width, height), colour)
        exif = Image.Exif()
        exif[0x0110] = "Điện thoại của tổ trưởng"
        gps = exif.get_ifd(0x8825)
        gps.update({1: "N", 2: (10.0, 45.0, 30.0), 3: "E", 4: (106.0, 40.0, 0.0)})
        out = io.BytesIO()
        image.save(out, "JPEG", exif=exif, quality=80)
        return out.getvalue()

    @staticmethod
    def pdf() -> bytes:
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (595, 842), (255, 255, 255)).save(out, "PDF")
        return out.getvalue()

    @staticmethod
    def pdf_of_size(size: int) -> bytes:
        """A PDF header followed by incompressible bytes, exactly `size` bytes long."""
        head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        return head + random.Random(size).randbytes(size - len(head))

    @staticmethod
    def program() -> bytes:
        """The start of a Windows program (MZ header), whatever its name says."""
        return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(4096)

    @staticmethod
    def multipart(fields: dict[str, Any]) -> dict[str, Any]:
        """A multipart body as a browser sends it, spooled to a temporary file the caller closes (werkzeug's test
        client leaves the one it makes itself open)."""
        stream, length, boundary = stream_encode_multipart(fields)
        return {"input_stream": stream, "content_length": length,
                "content_type": f"multipart/form-data; boundary={boundary}"}

    @staticmethod
    def upload(http: Http, model_id: int, content: bytes | IO[bytes], name: str, caption: str = "",
               unit: int = TDP_1) -> TestResponse:
        source = io.BytesIO(content) if isinstance(content, bytes) else content
        body = Samples.multipart({"file": FileStorage(source, filename=name), "caption": caption})
        try:
            return http("POST", f"/models/{model_id}/files", "don_vi", unit, **body)
        finally:
            body["input_stream"].close()


@pytest.fixture
def samples() -> type[Samples]:
    return Samples
