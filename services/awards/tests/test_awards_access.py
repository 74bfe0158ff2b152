"""The access matrix: every endpoint × role × own/other unit gives the status in security/access/awards.md.

Each call gets a fresh record in the state its endpoint acts on. Nominations are always for a person of
Tổ dân phố 1 (unit 12); "own" is its unit officer, "other" the officer of Tổ dân phố 2 (unit 13). A unit officer
asking for another unit's nomination gets 404, and the answer says nothing of the nomination; refused a proposal
letter (403), nor does that answer name anyone. Beyond the statuses: a unit officer reads decisions without the
revocation reason of another unit's awardee (in the JSON and in the register), but with their own unit's.
"""
from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from PIL import Image
from werkzeug.test import TestResponse

from dvk_testing import access
from dvk_testing.plugin import Caller

OWN, OTHER = 12, 13
TABLE = access.load("awards")  # security/access/awards.md
CALLERS = access.role_columns(OWN, OTHER)

WARD_AWARD, PROVINCE_AWARD = "giay-khen-chu-tich-ubnd-phuong", "bang-khen-chu-tich-ubnd-tinh"
SECRET = "Vận động 120 hộ phân loại rác tại nguồn"  # in every nomination made here; never in a 404
MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."
LEGAL_BASIS = "Luật Thi đua, Khen thưởng 2022; Nghị định 98/2023/NĐ-CP."
QUERIES = {"GET /suggestions": "?year=2026", "GET /decisions/export.xlsx": "?year=2026"}


caller = Caller


@pytest.fixture
def ward(awards, deliver, confirm_entries) -> Flask:
    """The service on SQLite (clock at 05/12/2026), knowing four units, both seeded awards confirmed by the admin."""
    deliver.units(3, 5, 12, 13)
    confirm_entries(awards, WARD_AWARD, PROVINCE_AWARD)
    return awards


class Target:
    """Builds, for each call, a fresh record in the state the endpoint acts on; nominations are for unit 12."""

    def __init__(self, call, award_ids: dict[str, int]) -> None:  # noqa: ANN001
        self.call, self.award = call, award_ids  # award form code -> catalogue entry id
        self.counter = itertools.count(1)

    def entry(self, catalogue: str) -> dict:
        n = next(self.counter)
        made = self.call("POST", f"/catalogue/{catalogue}", "admin", json=self.entry_body(catalogue, n))
        assert made.status_code == 201, made.json
        return made.json

    @staticmethod
    def entry_body(catalogue: str, n: int) -> dict:
        kind = "danh-hieu" if catalogue == "titles" else "hinh-thuc"
        return {"code": f"{kind}-thu-{n}", "name": f"Mục thử {n}", "granting_level": "phuong", "legal_basis": LEGAL_BASIS}

    def nomination_body(self, award: str = WARD_AWARD) -> dict:
        # one person per nomination: the same award twice for the same person and year is a rule of its own
        return {"year": 2026, "nominee_kind": "individual", "unit_id": OWN, "person_name": f"Nguyễn Văn Thử {next(self.counter)}",
                "person_position": "Tổ trưởng", "catalogue": "form", "award_id": self.award[award],
                "achievements": f"{SECRET}, hiến 30 m² đất mở ngõ."}

    def nomination(self, state: str, award: str = WARD_AWARD) -> dict:
        made = self.call("POST", "/nominations", "vhxh", json=self.nomination_body(award))
        assert made.status_code == 201, made.json
        nomination = made.json
        if state == "draft":
            return nomination
        nomination = self.step(nomination, "propose", "vhxh", {})
        if state == "proposed":
            return nomination
        nomination = self.step(nomination, "review", "vhxh", {"approved": True, "meeting_date": "2026-11-28", "votes_for": 7,
                                                              "votes_against": 0, "minutes": MINUTES})
        if state == "approved":
            return nomination
        assert state == "decided"
        self.signed("/decisions", nomination)
        return self.call("GET", f"/nominations/{nomination['id']}", "vhxh").json

    def step(self, nomination: dict, action: str, role: str, body: dict) -> dict:
        done = self.call("POST", f"/nominations/{nomination['id']}/{action}", role, json=body, if_match=nomination["version"])
        assert done.status_code == 200, done.json
        return done.json

    @staticmethod
    def signed_body(nomination: dict) -> dict:
        return {"nominations": [{"id": nomination["id"], "version": nomination["version"]}], "signer_name": "Phạm Quốc Chương"}

    def signed(self, path: str, nomination: dict) -> dict:
        """A decision (/decisions) or a proposal letter (/proposal-letters) of the Chairman for this nomination."""
        made = self.call("POST", path, "lanh_dao", json=self.signed_body(nomination))
        assert made.status_code == 201, made.json
        return made.json

    def request(self, endpoint: str) -> tuple[str, str, dict[str, Any]]:
        method, path = endpoint.split(" ")
        n = next(self.counter)
        kwargs: dict[str, Any] = {}
        for catalogue, placeholder in (("titles", "{title}"), ("forms", "{form}")):
            if placeholder in path:
                entry = self.entry(catalogue)
                path = path.replace(placeholder, str(entry["id"]))
                kwargs["if_match"] = entry["version"]
        for state in ("draft", "proposed", "decided"):
            if "{" + state + "}" in path:
                nomination = self.nomination(state)
                path = path.replace("{" + state + "}", str(nomination["id"]))
                kwargs["if_match"] = nomination["version"]
        if "{document}" in path:
            photo = io.BytesIO()
            Image.new("RGB", (640, 480), (30, 120, 60)).save(photo, "JPEG")
            sent = self.call("POST", f"/nominations/{nomination['id']}/files", "vhxh",
                             data={"file": (io.BytesIO(photo.getvalue()), f"ảnh {n}.jpg"), "caption": "Ảnh hoạt động"})
            assert sent.status_code == 201, sent.json
            path = path.replace("{document}", str(sent.json["id"]))
        if "{decision}" in path:
            path = path.replace("{decision}", str(self.signed("/decisions", self.nomination("approved"))["id"]))
        if "{letter}" in path:
            path = path.replace("{letter}", str(self.signed("/proposal-letters", self.nomination("approved", PROVINCE_AWARD))["id"]))
        path += QUERIES.get(endpoint, "")
        if endpoint == "POST /nominations/{draft}/files":
            kwargs["data"] = {"file": (io.BytesIO(b"%PDF-1.7\n" + bytes(1024) + b"\n%%EOF\n"), "báo cáo thành tích.pdf"),
                              "caption": "Báo cáo thành tích của cá nhân"}
        elif method in ("POST", "PATCH"):
            kwargs["json"] = {
                "POST /catalogue/titles": lambda: self.entry_body("titles", n),
                "POST /catalogue/forms": lambda: self.entry_body("forms", n),
                "PATCH /catalogue/titles/{title}": lambda: {"legal_basis": f"{LEGAL_BASIS} (đối chiếu lần {n})"},
                "PATCH /catalogue/forms/{form}": lambda: {"legal_basis": f"{LEGAL_BASIS} (đối chiếu lần {n})"},
                "POST /nominations": lambda: self.nomination_body(),
                "PATCH /nominations/{draft}": lambda: {"person_position": f"Tổ phó (sửa lần {n})"},
                "POST /nominations/{proposed}/review": lambda: {"approved": True, "meeting_date": "2026-11-28", "votes_for": 7,
                                                                "votes_against": 0, "minutes": MINUTES},
                "POST /nominations/{decided}/revoke": lambda: {"reason": "Phát hiện kê khai thành tích không đúng sự thật."},
                "POST /decisions": lambda: self.signed_body(self.nomination("approved")),
                "POST /proposal-letters": lambda: self.signed_body(self.nomination("approved", PROVINCE_AWARD)),
            }.get(endpoint, dict)()
        if method == "GET":
            kwargs.pop("if_match", None)
        return method, path, kwargs


def target_for(call) -> Target:  # noqa: ANN001
    forms = call("GET", "/catalogue/forms", "vhxh").json
    return Target(call, {entry["code"]: entry["id"] for entry in forms})


def test_every_endpoint_role_and_unit_gets_the_expected_status(ward):
    call = caller(ward)
    target = target_for(call)

    def ask(endpoint: str, who: str):
        method, path, kwargs = target.request(endpoint)
        return call(method, path, *CALLERS[who], **kwargs)

    def hides_the_nominee(endpoint: str, who: str, got) -> str | None:
        if got.status_code not in (403, 404):
            return None
        text = got.get_data(as_text=True)
        shows = SECRET in text or "Nguyễn Văn Thử" in text
        if got.status_code == 404:
            return "the refusal shows the nominee" if shows or got.json["title"] != "Không tìm thấy đề nghị khen thưởng." else None
        if got.status_code == 403 and who.startswith("don_vi") and shows:  # a refused letter (or suggestion) names no nominee
            return "the refusal names the nominee"
        return None

    assert access.mismatches(TABLE, ask, hides_the_nominee) == []
    assert len(TABLE.rows) * len(CALLERS) == 204


def test_the_table_lists_every_documented_endpoint(ward):
    assert access.undocumented(TABLE, ward) == {"missing from the table": set(), "not documented": set()}


def test_without_a_token_every_endpoint_answers_401(ward):
    call = caller(ward)
    target = target_for(call)

    def ask(endpoint: str):
        method, path, kwargs = target.request(endpoint)
        return call(method, path, None, **kwargs)

    assert access.unauthenticated_answers(TABLE, ask) == []


REASONS = {OWN: "Tổ dân phố 1: kê khai thành tích không đúng sự thật.",
           OTHER: "Tổ dân phố 2: người được khen bị xử lý kỷ luật."}


def test_a_unit_officer_reads_decisions_without_another_units_revocation_reason(ward):
    """One decision for a person of each unit, both revoked with a reason: each unit officer sees that both were
    revoked, but only their own unit's reason; the ward's staff see both (JSON and the XLSX register)."""
    call = caller(ward)
    target = target_for(call)
    approved = []
    for unit in (OWN, OTHER):
        made = call("POST", "/nominations", "vhxh", json={**target.nomination_body(), "unit_id": unit})
        assert made.status_code == 201, made.json
        approved.append(target.step(target.step(made.json, "propose", "vhxh", {}), "review", "vhxh", {
            "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES}))
    decision = call("POST", "/decisions", "lanh_dao", json={
        "nominations": [{"id": n["id"], "version": n["version"]} for n in approved], "signer_name": "Phạm Quốc Chương"})
    assert decision.status_code == 201, decision.json
    for nomination in approved:
        decided = call("GET", f"/nominations/{nomination['id']}", "vhxh").json
        target.step(decided, "revoke", "lanh_dao", {"reason": REASONS[decided["unit_id"]]})

    def awardees(answer: TestResponse) -> dict[int, dict]:
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.json if isinstance(answer.json, dict) else next(d for d in answer.json if d["id"] == decision.json["id"])
        return {a["unit_id"]: a for a in body["awardees"]}

    def register(role: str, unit: int | None) -> str:
        answer = call("GET", "/decisions/export.xlsx?year=2026", role, unit)
        assert answer.status_code == 200
        rows = load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True)
        return "\n".join(" | ".join(str(cell) for cell in row if cell is not None) for row in rows)

    for who, (role, unit) in CALLERS.items():
        for path in (f"/decisions/{decision.json['id']}", "/decisions?year=2026"):
            seen = awardees(call("GET", path, role, unit))
            assert {u: a["status"] for u, a in seen.items()} == {OWN: "revoked", OTHER: "revoked"}, (who, path)
            assert all(a["revoked_at"] for a in seen.values()), (who, path)  # that it was revoked is public
            for awardee_unit, awardee in seen.items():
                if role == "don_vi" and awardee_unit != unit:
                    assert "revoked_reason" not in awardee, (who, path, awardee_unit)
                else:
                    assert awardee["revoked_reason"] == REASONS[awardee_unit], (who, path, awardee_unit)
            hidden = [REASONS[u] for u in (OWN, OTHER) if role == "don_vi" and u != unit]
            assert not any(reason in call("GET", path, role, unit).get_data(as_text=True) for reason in hidden), (who, path)
        sheet = register(role, unit)
        assert sheet.count("Đã thu hồi") == 2, who
        for awardee_unit, reason in REASONS.items():
            assert (reason in sheet) is (role != "don_vi" or awardee_unit == unit), (who, awardee_unit)
