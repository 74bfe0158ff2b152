"""The access matrix: every endpoint × role × own/other unit gives the status in security/access/reporting.md.

Each call gets a fresh record in the state its endpoint acts on. A unit's record always belongs to Tổ dân phố 1
(unit 12); "own" is its unit officer, "other" the officer of Tổ dân phố 2 (unit 13). A unit officer asking for
another unit's report gets 404, and the answer says nothing of the report.
"""
from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from dvk_testing import access
from dvk_testing.plugin import Caller

OWN, OTHER = 12, 13
TABLE = access.load("reporting")  # security/access/reporting.md
CALLERS = access.role_columns(OWN, OTHER)

SECRET = "Tổ dân phố 1 ra quân dọn hẻm mỗi sáng Chủ nhật"  # in every unit report made here; never in a 404
SECTIONS = {"leadership": "Chi bộ ban hành nghị quyết chuyên đề.", "effectiveness": SECRET,
            "good_practices": "Mỗi hộ nhận chăm sóc một đoạn hẻm.", "difficulties": "Kinh phí còn hạn chế.",
            "recommendations": "Đề nghị hỗ trợ thùng rác phân loại.", "next_direction": "Nhân rộng ra toàn khu phố."}
FIGURES = {"files_received": 50, "files_resolved": 50, "files_on_time": 49, "online_files": 10, "cashless_payments": 5,
           "survey_responses": 40, "satisfied_responses": 38, "digital_literacy_participants": 60, "officials_total": 5,
           "officials_violating": 0}
IMPORT_CSV = ("ma_don_vi,ho_so_tiep_nhan,ho_so_da_giai_quyet,ho_so_dung_han,ho_so_truc_tuyen,thanh_toan_khong_tien_mat,"
              "luot_danh_gia,luot_hai_long,binh_dan_hoc_vu_so,so_can_bo,can_bo_vi_pham\ntdp-1,50,50,47,10,5,40,38,60,5,1\n")
QUERIES = {  # rows whose year and period travel in the query string
    "GET /target-figures": "?year=2026&period=six_month",
    "POST /target-figures/import": "?year=2026&period=six_month",
    "GET /target-figures/template.xlsx": "?year=2026&period=six_month",
    "GET /deadlines": "?year=2026",
    "GET /progress": "?year=2026",
}


caller = Caller


@pytest.fixture
def ward(make_service, clock, kit) -> Flask:
    """The service on SQLite, knowing the fixture ward's units from registration's events."""
    app = make_service("reporting", "sqlite", CLOCK=clock)
    assert kit.deliver(app, [kit.unit_event(*unit) for unit in kit.UNITS]).handled == len(kit.UNITS)
    return app


class Target:
    """Builds, for each call, a fresh record in the state the endpoint acts on; unit reports belong to unit 12."""

    def __init__(self, call) -> None:  # noqa: ANN001
        self.call = call
        self.counter = itertools.count(1)
        # one report per unit and period, one consolidated report per period: each new one takes a period of its own
        self.report_periods = itertools.product(range(2027, 2101), ("six_month", "annual"))
        self.ward_periods = itertools.product(range(2027, 2101), ("six_month", "annual"))
        self.figure_years = itertools.count(2027)

    def report(self, state: str) -> dict:
        year, period = next(self.report_periods)
        made = self.call("POST", "/reports", "don_vi", OWN, json={"year": year, "period": period, "sections": SECTIONS})
        assert made.status_code == 201, made.json
        report = made.json
        if state == "submitted":
            sent = self.call("POST", f"/reports/{report['id']}/submit", "don_vi", OWN, json={}, if_match=report["version"])
            assert sent.status_code == 200, sent.json
            report = sent.json
        return report

    def consolidated(self, state: str) -> dict:
        year, period = next(self.ward_periods)
        made = self.call("POST", "/consolidated-reports", "vhxh", json={"year": year, "period": period})
        assert made.status_code == 201, made.json
        report = made.json
        # The sign-off: Phòng VH-XH submits for signature, a leader approves, Phòng VH-XH issues it.
        steps = [("submit-for-signature", "vhxh"), ("approve", "lanh_dao"), ("finalise", "vhxh")]
        upto = {"draft_consolidated": 0, "signing_consolidated": 1, "approved_consolidated": 2, "finalised_consolidated": 3}[state]
        for action, role in steps[:upto]:
            done = self.call("POST", f"/consolidated-reports/{report['id']}/{action}", role, json={}, if_match=report["version"])
            assert done.status_code == 200, done.json
            report = done.json
        return report

    def request(self, endpoint: str) -> tuple[str, str, dict[str, Any]]:
        method, path = endpoint.split(" ")
        n = next(self.counter)
        kwargs: dict[str, Any] = {}
        for state in ("draft", "submitted"):
            if "{" + state + "}" in path:
                report = self.report(state)
                path = path.replace("{" + state + "}", str(report["id"]))
                kwargs["if_match"] = report["version"]
        if "{file}" in path:  # a photo the unit attached to that report
            out = io.BytesIO()
            Image.new("RGB", (64, 48), (46, 125, 50)).save(out, "JPEG")
            photo = self.call("POST", path.split("/files/")[0] + "/files", "don_vi", OWN,
                              data={"file": (io.BytesIO(out.getvalue()), f"ảnh {n}.jpg")}, content_type="multipart/form-data")
            assert photo.status_code == 201, photo.json
            path = path.replace("{file}", str(photo.json["id"]))
        for state in ("draft_consolidated", "signing_consolidated", "approved_consolidated", "finalised_consolidated"):
            if "{" + state + "}" in path:
                report = self.consolidated(state)
                path = path.replace("{" + state + "}", str(report["id"]))
                kwargs["if_match"] = report["version"]
        if endpoint.startswith("PUT /target-figures/"):  # each call writes a year the unit has no figures for yet
            path = path.replace("{unit}", str(OWN)).replace("{year}", str(next(self.figure_years)))
        path = path.replace("{year}", "2026").replace("{period}", "six_month") + QUERIES.get(endpoint, "")
        if endpoint == "POST /reports":
            year, period = next(self.report_periods)
            kwargs["json"] = {"year": year, "period": period, "sections": SECTIONS}
        elif endpoint == "POST /consolidated-reports":
            year, period = next(self.ward_periods)
            kwargs["json"] = {"year": year, "period": period}
        elif endpoint == "POST /reports/{draft}/files":
            document = io.BytesIO()
            Image.new("RGB", (60, 80), (255, 255, 255)).save(document, "PDF")
            kwargs["data"] = {"file": (io.BytesIO(document.getvalue()), "biên bản.pdf"), "caption": "Biên bản họp dân"}
            kwargs["content_type"] = "multipart/form-data"
        elif endpoint == "POST /target-figures/import":
            kwargs["data"] = {"file": (io.BytesIO(IMPORT_CSV.encode()), "tthc.csv")}
            kwargs["content_type"] = "multipart/form-data"
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = {
                "PATCH /reports/{draft}": {"sections": {"difficulties": f"Khó khăn ghi lần {n}."}},
                "POST /reports/{submitted}/return": {"reason": "Bổ sung số liệu chỉ tiêu."},
                "PUT /target-figures/{unit}/{year}/{period}": FIGURES,
                "PUT /deadlines/{year}/{period}": {"due_date": "2026-06-12"},
                "POST /progress/snapshots": {"year": 2026, "period": "six_month"},
                "PATCH /consolidated-reports/{draft_consolidated}": {"content": {"intro": f"Phần mở đầu, lần sửa {n}."}},
                "POST /consolidated-reports/{signing_consolidated}/return": {"reason": "Bổ sung số liệu của Tổ dân phố 2."},
            }.get(endpoint, {})
        if method == "GET":
            kwargs.pop("if_match", None)
        return method, path, kwargs


def test_every_endpoint_role_and_unit_gets_the_expected_status(ward):
    call = caller(ward)
    target = Target(call)

    def ask(endpoint: str, who: str):
        method, path, kwargs = target.request(endpoint)
        return call(method, path, *CALLERS[who], **kwargs)

    def hides_the_report(endpoint: str, who: str, got) -> str | None:
        if got.status_code != 404:
            return None
        if SECRET in got.get_data(as_text=True):
            return "the refusal shows the report"
        if endpoint.startswith("GET /reports/") and got.json["title"] != "Không tìm thấy báo cáo.":
            return f"refused as {got.json['title']!r}"
        return None

    assert access.mismatches(TABLE, ask, hides_the_report) == []
    assert len(TABLE.rows) * len(CALLERS) == 210


def test_the_table_lists_every_documented_endpoint(ward):
    assert access.undocumented(TABLE, ward) == {"missing from the table": set(), "not documented": set()}


def test_without_a_token_every_endpoint_answers_401(ward):
    call = caller(ward)
    target = Target(call)

    def ask(endpoint: str):
        method, path, kwargs = target.request(endpoint)
        return call(method, path, None, **kwargs)

    assert access.unauthenticated_answers(TABLE, ask) == []
