"""The gateway's access matrix: every route × role × own/other unit gives the status in security/access/gateway.md.

A real gateway in front of the real services (the `stack`). Each call that may change something gets a fresh
record, owned by Tổ dân phố 1 (unit 12) and put in the state its row names by calling the services directly, as
the gateway would; reads share one record per state. "own" is Tổ dân phố 1's officer, "other" Tổ dân phố 2's
(unit 13). Every form post carries the session's CSRF token, so the cell measures authorisation only. After the
statuses, what the awards pages show: a unit officer's `/khen-thuong` has no proposal letters (and answers 200), a
nomination page offers them no letter download, and a decision's page and register give a unit officer their own
unit's revocation reasons only.
"""
from __future__ import annotations

import io
import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from dvk_platform.db import get_db
from dvk_testing import access
from dvk_testing.plugin import bearer
from gateway.models import User

from .conftest import PASSWORD, Stack, add_user, csrf_from, eventually, login

TABLE = access.load("gateway")  # security/access/gateway.md
OWN, OTHER = 12, 13  # Tổ dân phố 1 and 2 in the seed
CALLERS: dict[str, tuple[str, str, int | None] | None] = {  # caller: (username, role, unit), None = no session
    "anonymous": None,
    "admin": ("quantri", "admin", None),
    "vhxh": ("vhxh", "vhxh", None),
    "lanh_dao": ("lanhdao", "lanh_dao", None),
    "giam_sat": ("giamsat", "giam_sat", None),
    "don_vi:own": ("tdp1", "don_vi", OWN),
    "don_vi:other": ("tdp2", "don_vi", OTHER),
}
# Rows whose call ends or replaces the session: made from a browser of their own, signed in as a spare account.
SESSION_ROWS = {"POST /dang-nhap", "POST /dang-xuat", "POST /tai-khoan/mat-khau"}
# Reads that change something (opening a message marks it read): a fresh record each time, like a post.
CHANGING_READS = {"GET /thong-bao/{message}/mo"}

NEW_PASSWORD = "MatKhauMoi@2026"
MODEL_FORM = {
    "year": "2026", "field": "van_hoa_xa_hoi", "goals": "Giảm rác thải nhựa trong khu dân cư.",
    "content": "Tuyên truyền, phân loại rác tại nguồn.", "target_group": "Các hộ gia đình trong tổ",
    "person_in_charge": "Phạm Văn Nam", "start_date": "2026-03-01", "end_date": "2026-11-30",
    "expected_results": "80% hộ phân loại rác.",
}
SECTIONS = {
    "leadership": "Chi bộ ra nghị quyết chuyên đề.", "effectiveness": "62% hộ phân loại rác.",
    "good_practices": "Đổi chai nhựa lấy cây xanh.", "difficulties": "Thiếu thùng rác phân loại.",
    "recommendations": "Hỗ trợ 20 bộ thùng rác.", "next_direction": "Mở rộng sang tổ dân phố 2.",
}
FIGURES = {"files_received": 50, "files_resolved": 50, "files_on_time": 49, "online_files": 10, "cashless_payments": 5,
           "survey_responses": 40, "satisfied_responses": 38, "digital_literacy_participants": 60, "officials_total": 5,
           "officials_violating": 0}
FIGURES_CSV = ("ma_don_vi,ho_so_tiep_nhan,ho_so_da_giai_quyet,ho_so_dung_han,ho_so_truc_tuyen,thanh_toan_khong_tien_mat,"
               "luot_danh_gia,luot_hai_long,binh_dan_hoc_vu_so,so_can_bo,can_bo_vi_pham\n"
               "tdp-1,100,90,89,40,30,50,45,12,5,0\n")
MINUTES = "Hội đồng Thi đua - Khen thưởng phường họp, 7/7 thành viên tán thành."


@dataclass
class Record:
    id: int
    version: int = 1
    marker: str = ""  # a text only this record's pages show: never on a page refusing another unit's officer


class Services:
    """Calls straight to a service, with the token the gateway would sign, to put records in a state."""

    def __init__(self, stack: Stack) -> None:
        self.apps = stack.apps
        self.clients = {name: app.test_client() for name, app in stack.apps.items()}

    def __call__(self, service: str, method: str, path: str, role: str, unit: int | None = None, json: Any = None,
                 version: int | None = None) -> Any:
        headers = bearer(self.apps[service], role, unit, user_id=f"{role}-{unit or 0}", name=f"Cán bộ {role}")
        if version is not None:
            headers["If-Match"] = str(version)
        response = self.clients[service].open(path, method=method, json=json, headers=headers)
        assert response.status_code in (200, 201), (service, method, path, response.status_code, response.get_data(as_text=True)[:300])
        return response.get_json()


class Target:
    """Builds the record a row names ({draft}, {submitted}, …), owned by unit 12, and the form the row posts."""

    def __init__(self, stack: Stack, users: dict[str, int]) -> None:
        self.stack, self.users = stack, users
        self.svc = Services(stack)
        self.count = itertools.count(1)
        # Unit reports are one per unit, year and period; the ward's consolidated report one per year and period.
        self.report_periods = itertools.product(range(2030, 2100), ("six_month", "annual"))
        self.consolidated_periods = itertools.product(range(2031, 2100), ("six_month", "annual"))
        # the gateway's form takes only the movement's years (DVK_MOVEMENT_FIRST_YEAR..LAST_YEAR: 2026-2030)
        self.consolidated_form_periods = itertools.product(range(2026, 2031), ("six_month", "annual"))
        self.figure_years = itertools.count(2026)
        self.period_years = itertools.count(2027)
        self.deadline_days = itertools.count(2)
        self.shared: dict[tuple[str, str], Record] = {}
        forms = {e["code"]: e for e in self.svc("awards", "GET", "/catalogue/forms", "admin")}
        self.awards = {}
        for level, code in (("phuong", "giay-khen-chu-tich-ubnd-phuong"), ("cap_tren", "bang-khen-chu-tich-ubnd-tinh")):
            entry = forms[code]
            self.svc("awards", "PATCH", f"/catalogue/forms/{entry['id']}", "admin", json={"needs_confirmation": False},
                     version=entry["version"])
            self.awards[level] = entry["id"]

    # --- records ---------------------------------------------------------------------------------------

    def model(self, state: str) -> Record:
        title = f"Mô hình thử nghiệm số {next(self.count)} của Tổ dân phố 1"
        body = {k: v for k, v in MODEL_FORM.items() if k != "year"} | {"year": 2026, "title": title}
        model = self.svc("registration", "POST", "/models", "don_vi", OWN, json=body)
        steps = {"draft": [], "submitted": ["submit"], "accepted": ["submit", "accept"], "inspected": ["submit", "accept"]}
        for action in steps[state]:
            role, unit = ("don_vi", OWN) if action == "submit" else ("vhxh", None)
            model = self.svc("registration", "POST", f"/models/{model['id']}/{action}", role, unit, json={}, version=model["version"])
        if state == "inspected":
            self.svc("registration", "POST", f"/models/{model['id']}/inspections", "vhxh", json={
                "inspected_on": "2026-03-01", "inspector": "Lê Thị Mai", "rating": "tot", "findings": "Làm tốt, nên nhân rộng."})
            model = self.svc("registration", "GET", f"/models/{model['id']}", "vhxh")
        return Record(model["id"], model["version"], title)

    def report(self, state: str) -> Record:
        year, period = next(self.report_periods)
        marker = f"Báo cáo thử nghiệm số {next(self.count)}: chi bộ ra nghị quyết chuyên đề."
        report = self.svc("reporting", "POST", "/reports", "don_vi", OWN, json={"year": year, "period": period})
        sections = {**SECTIONS, "leadership": marker} if state in ("complete", "submitted") else {"leadership": marker}
        report = self.svc("reporting", "PATCH", f"/reports/{report['id']}", "don_vi", OWN, json={"sections": sections},
                          version=report["version"])
        if state == "submitted":
            report = self.svc("reporting", "POST", f"/reports/{report['id']}/submit", "don_vi", OWN, json={},
                              version=report["version"])
        return Record(report["id"], report["version"], marker)

    def consolidated(self, state: str) -> Record:
        year, period = next(self.consolidated_periods)
        report = self.svc("reporting", "POST", "/consolidated-reports", "vhxh", json={"year": year, "period": period})
        if state in ("signing", "approved"):
            report = self.svc("reporting", "POST", f"/consolidated-reports/{report['id']}/submit-for-signature", "vhxh",
                              json={}, version=report["version"])
        if state == "approved":
            report = self.svc("reporting", "POST", f"/consolidated-reports/{report['id']}/approve", "lanh_dao", json={},
                              version=report["version"])
        return Record(report["id"], report["version"], report["title"])

    def nomination(self, state: str) -> Record:
        person = f"Nguyễn Văn Thử Nghiệm {next(self.count)}"
        level = "cap_tren" if state in ("approved_higher", "letter") else "phuong"
        nomination = self.svc("awards", "POST", "/nominations", "vhxh", json={
            "year": 2026, "nominee_kind": "individual", "unit_id": OWN, "person_name": person, "person_position": "Tổ viên",
            "catalogue": "form", "award_id": self.awards[level],
            "achievements": "Vận động 120 hộ phân loại rác tại nguồn."})
        if state != "draft":
            nomination = self.svc("awards", "POST", f"/nominations/{nomination['id']}/propose", "vhxh", json={},
                                  version=nomination["version"])
        if state not in ("draft", "proposed"):
            nomination = self.svc("awards", "POST", f"/nominations/{nomination['id']}/review", "vhxh", json={
                "approved": True, "meeting_date": "2026-03-01", "votes_for": 7, "votes_against": 0, "minutes": MINUTES},
                version=nomination["version"])
        signed = {"nominations": [{"id": nomination["id"], "version": nomination["version"]}], "signer_name": "Lê Văn Chủ"}
        if state in ("decided", "decision"):
            decision = self.svc("awards", "POST", "/decisions", "lanh_dao", json=signed)
            if state == "decision":
                return Record(decision["id"], 1, person)
            nomination = self.svc("awards", "GET", f"/nominations/{nomination['id']}", "vhxh")
        if state == "letter":
            return Record(self.svc("awards", "POST", "/proposal-letters", "lanh_dao", json=signed)["id"], 1, person)
        return Record(nomination["id"], nomination["version"], person)

    def entry(self, catalogue: str) -> Record:
        n = next(self.count)
        entry = self.svc("awards", "POST", f"/catalogue/{catalogue}s", "admin", json={
            "code": f"muc-thu-nghiem-{n}", "name": f"Mục thử nghiệm {n}", "granting_level": "phuong",
            "for_individuals": True, "for_collectives": catalogue == "form", "legal_basis": "Luật Thi đua, khen thưởng 2022.",
            "needs_confirmation": True})
        return Record(entry["id"], entry["version"], entry["name"])

    def message(self) -> Record:
        from notify.models import InboxMessage

        subject = f"Thông báo thử nghiệm số {next(self.count)} gửi Tổ dân phố 1"
        with self.stack.apps["notify"].app_context(), get_db().transaction() as s:
            message = InboxMessage(user_id=str(self.users["don_vi:own"]), unit_id=OWN, event_id=uuid.uuid4().hex,
                                   event_type="dvk.registration.model.returned", subject=subject,
                                   body="Phòng Văn hóa - Xã hội đã trả lại mô hình.", link="/mo-hinh")
            s.add(message)
            s.flush()
            return Record(message.id, 1, subject)

    def message_read(self, record: Record) -> bool:
        from notify.models import InboxMessage

        with self.stack.apps["notify"].app_context(), get_db().transaction() as s:
            return s.get(InboxMessage, record.id).read_at is not None

    def account(self) -> Record:
        n = next(self.count)
        name = f"Cán bộ thử nghiệm {n}"
        return Record(add_user(self.stack.gateway, f"tdp1-thu-{n}", "don_vi", unit_id=OWN, full_name=name), 1, name)

    def evidence(self, files_at: str) -> int:
        """A photo attached to the record whose page is `files_at` (/mo-hinh/7, /mo-hinh/7/kiem-tra/3, …) by whoever
        adds its files (the unit's officer to a model or report, Phòng VH-XH to an inspection or nomination); its id."""
        if "/kiem-tra/" in files_at:
            model_id, inspection_id = re.findall(r"\d+", files_at)
            service, path, role, unit = "registration", f"/models/{model_id}/inspections/{inspection_id}", "vhxh", None
        else:
            service, prefix = next((service, prefix) for prefix, service in (
                ("/mo-hinh/", "registration"), ("/bao-cao/", "reporting"), ("/khen-thuong/de-nghi/", "awards"))
                if files_at.startswith(prefix))
            api = {"registration": "/models", "reporting": "/reports", "awards": "/nominations"}[service]
            path = f"{api}/{files_at.removeprefix(prefix)}"
            role, unit = ("vhxh", None) if service == "awards" else ("don_vi", OWN)
        app = self.stack.apps[service]
        n, out = next(self.count), io.BytesIO()
        Image.new("RGB", (64 + n % 500, 48), (46, 125, 50)).save(out, "JPEG")  # other bytes each time: not the same file
        sent = app.test_client().post(f"{path}/files", headers=bearer(app, role, unit, name=f"Cán bộ {role}"),
                                      data={"file": (io.BytesIO(out.getvalue()), f"ảnh {n}.jpg")})
        assert sent.status_code == 201, sent.get_data(as_text=True)
        return sent.get_json()["id"]

    def build(self, kind: str, state: str) -> Record:
        if kind == "entry":
            return self.entry(state)
        if kind in ("message", "account"):
            return getattr(self, kind)()
        return getattr(self, kind)(state)

    def record(self, endpoint: str, fresh: bool) -> Record | None:
        kind, state = record_of(endpoint)
        if kind is None:
            return None
        if fresh:
            return self.build(kind, state)
        if (kind, state) not in self.shared:
            self.shared[kind, state] = self.build(kind, state)
        return self.shared[kind, state]

    # --- calls ---------------------------------------------------------------------------------------

    def request(self, endpoint: str) -> tuple[str, str, dict[str, Any], Record | None]:
        method, template = endpoint.split(" ", 1)
        record = self.record(endpoint, fresh=method != "GET" or endpoint in CHANGING_READS)
        path = template
        if record is not None:
            path = template[:template.index("{")] + str(record.id) + template[template.index("}") + 1:]
        if "{inspection}" in path and record is not None:  # the inspected model's inspection
            inspections = self.svc("registration", "GET", f"/models/{record.id}/inspections", "vhxh")
            path = path.replace("{inspection}", str(inspections[0]["id"]))
        if "{file}" in path and record is not None:
            path = path.replace("{file}", str(self.evidence(path[:path.index("/minh-chung")])))
        data = self.form(endpoint, record) if method == "POST" else {}
        return method, path, data, record

    def form(self, endpoint: str, record: Record | None) -> dict[str, Any]:
        n = next(self.count)
        version = {"version": str(record.version)} if record is not None else {}
        if endpoint == "POST /mo-hinh/moi":
            return {**MODEL_FORM, "title": f"Mô hình mới số {n}"}
        if endpoint == "POST /mo-hinh/{draft}/sua":
            return {**MODEL_FORM, **version, "title": f"Tên sửa số {n}"}
        if endpoint.endswith("/return"):
            return {**version, "reason": "Bổ sung chỉ tiêu đo được cho từng quý."}
        if endpoint.endswith("/minh-chung"):
            document = io.BytesIO()
            Image.new("RGB", (60, 80), (255, 255, 255)).save(document, "PDF")
            return {"file": (io.BytesIO(document.getvalue()), f"biên bản {n}.pdf"), "caption": "Biên bản họp dân"}
        if endpoint == "POST /mo-hinh/{accepted}/kiem-tra":
            return {"inspected_on": "2026-03-01", "inspector": "Lê Thị Mai", "rating": "kha", "findings": "Đạt yêu cầu."}
        if endpoint == "POST /bao-cao/moi":
            year, period = next(self.report_periods)
            return {"year": str(year), "period": period, "unit_id": str(OWN)}
        if endpoint == "POST /bao-cao/{draft}/sua":
            return {**version, **SECTIONS}
        if endpoint == "POST /bao-cao/tong-hop":
            year, period = next(self.consolidated_form_periods)
            return {"year": str(year), "period": period}
        if endpoint == "POST /bao-cao/tong-hop/{draft}/sua":
            return {**version, "title": record.marker if record else "", "document_date": "2026-03-02",
                    "signer_name": "Lê Văn Chủ", "intro": "Thực hiện Kế hoạch phong trào thi đua “Dân vận khéo”.",
                    "good_practices": "Tổ dân phố 1: Đổi chai nhựa lấy cây xanh.", "recipients": "Đảng ủy phường"}
        if endpoint == "POST /bao-cao/tong-hop/{approved}/ban-hanh":
            return {**version, "number": "", "confirm": "yes"}
        if endpoint == "POST /bao-cao/tong-hop/{signing}/tra-lai":
            return {**version, "reason": "Bổ sung số liệu của Tổ dân phố 2."}
        if endpoint == "POST /bao-cao/chi-tieu/so-lieu":  # a year of its own each time: no figures to replace yet
            return {"year": str(next(self.figure_years)), "period": "annual", "unit_id": str(OWN),
                    **{name: str(value) for name, value in FIGURES.items()}}
        if endpoint == "POST /tong-quan/ky-dang-ky":  # a year not yet opened each time
            return {"year": str(next(self.period_years)), "deadline": "", "note": ""}
        if endpoint == "POST /tong-quan/ky-dang-ky/2026":  # a new deadline each time, on the version shown
            version = self.svc("registration", "GET", "/periods/2026", "vhxh")["version"]
            return {"version": str(version), "deadline": f"{next(self.deadline_days):02d}/01/2027",
                    "reason": "Tết Nguyên đán đến muộn."}
        if endpoint == "POST /tong-quan/nhac-han":
            return {"year": "2026", "what": "registration", "unit_id": [str(OWN)]}
        if endpoint == "POST /bao-cao/chi-tieu/nhap":
            return {"year": "2026", "period": "six_month", "file": (io.BytesIO(FIGURES_CSV.encode()), "chi-tieu.csv")}
        if endpoint == "POST /khen-thuong/de-nghi/moi":
            return {"year": "2026", "movement": "Dân vận khéo", "nominee_kind": "individual", "unit_id": str(OWN),
                    "person_name": f"Trần Thị Đề Nghị {n}", "person_position": "Tổ viên",
                    "form_id": str(self.awards['phuong']), "achievements": "Vận động 120 hộ phân loại rác tại nguồn."}
        if endpoint == "POST /khen-thuong/de-nghi/{draft}/sua":
            return {**version, "person_name": f"Trần Văn Sửa Tên {n}", "person_position": "Tổ phó",
                    "form_id": str(self.awards['phuong']), "achievements": "Vận động 150 hộ phân loại rác tại nguồn.",
                    "model_ids": "", "links": ""}
        if endpoint in ("POST /khen-thuong/quyet-dinh/moi", "POST /khen-thuong/to-trinh/moi"):
            state = "approved" if "/quyet-dinh/" in endpoint else "approved_higher"
            ticked = [self.nomination(state) for _ in range(2)]  # one paper for several nominations, as the page posts it
            return {"year": "2026", "nomination": [f"{r.id}:{r.version}" for r in ticked], "signer_name": "Lê Văn Chủ",
                    "signer_position": "chu_tich"}
        if endpoint.endswith("/review"):
            return {**version, "approved": "yes", "meeting_date": "2026-03-01", "votes_for": "7", "votes_against": "0",
                    "votes_abstain": "0", "minutes": MINUTES}
        if endpoint.endswith(("/decide", "/forward")):
            return {**version, "signer_name": "Lê Văn Chủ", "signer_position": "chu_tich"}
        if endpoint.endswith("/revoke"):
            return {**version, "reason": "Phát hiện thành tích kê khai không đúng thực tế."}
        if endpoint == "POST /quan-tri/nguoi-dung/moi":
            return {"username": f"tdp1-moi-{n}", "full_name": f"Cán bộ mới {n}", "email": f"tdp1-moi-{n}@minhxuan.example.vn",
                    "role": "don_vi", "unit_id": str(OWN), "active": "on", "password": NEW_PASSWORD}
        if endpoint == "POST /quan-tri/nguoi-dung/{account}":
            return {**version, "full_name": f"Cán bộ đổi tên {n}", "email": f"doi-ten-{n}@minhxuan.example.vn",
                    "role": "don_vi", "unit_id": str(OWN), "active": "on"}
        if endpoint.endswith("/dat-lai-mat-khau"):
            return {"password": NEW_PASSWORD, "confirm": "on"}
        if endpoint == "POST /don-vi/nhap":
            units = f"Mã đơn vị,Tên đơn vị,Loại đơn vị\nto-dan-pho-moi-{n},Tổ dân phố mới {n},Tổ dân phố\n"
            return {"file": (io.BytesIO(units.encode()), "don-vi.csv")}
        if endpoint.endswith("/sua") and endpoint.startswith("POST /khen-thuong/danh-muc/"):
            return {**version, "name": f"Giấy khen sửa tên {n}", "granting_level": "phuong",
                    "legal_basis": "Luật Thi đua, Khen thưởng năm 2022; Nghị định 152/2025/NĐ-CP.",
                    "for_individuals": "on", "for_collectives": "on", "active": "on"}
        return version  # a workflow step: the version the page showed


RECORD_KINDS = [  # path prefix -> kind of record its placeholder names
    ("/mo-hinh/", "model"), ("/dang-ky/mo-hinh/", "model"), ("/bao-cao/tong-hop/", "consolidated"),
    ("/bao-cao/", "report"), ("/khen-thuong/de-nghi/", "nomination"), ("/khen-thuong/quyet-dinh/", "nomination"),
    ("/khen-thuong/to-trinh/", "nomination"), ("/khen-thuong/danh-muc/", "entry"), ("/thong-bao/", "message"),
    ("/quan-tri/nguoi-dung/", "account"),
]


def record_of(endpoint: str) -> tuple[str | None, str]:
    path = endpoint.split(" ", 1)[1]
    if "{" not in path:
        return None, ""
    state = path[path.index("{") + 1:path.index("}")]
    kind = next(kind for prefix, kind in RECORD_KINDS if path.startswith(prefix))
    if kind == "entry":
        state = path.removeprefix("/khen-thuong/danh-muc/").split("/", 1)[0]  # title | form
    return kind, state


# --- browsers --------------------------------------------------------------------------------------------


@dataclass
class Browser:
    client: FlaskClient
    csrf: str

    def open(self, method: str, path: str, data: dict[str, Any]) -> Any:
        if method == "GET":
            return self.client.get(path)
        multipart = any(isinstance(value, tuple) for value in data.values())
        return self.client.post(path, data={**data, "csrf_token": self.csrf},
                                content_type="multipart/form-data" if multipart else None)


    def refusal_flashed(self) -> str:
        """An error flashed for the next page (a refusal answered by a redirect, not a success); then forgotten."""
        with self.client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        return " ".join(message for category, message in flashes if category == "error")


def anonymous_browser(stack: Stack) -> Browser:
    client = stack.gateway.test_client()
    return Browser(client, csrf_from(client.get("/dang-nhap").get_data(as_text=True)))


def signed_in_browser(stack: Stack, username: str) -> Browser:
    client = stack.gateway.test_client()
    assert login(client, username).status_code == 302
    return Browser(client, csrf_from(client.get("/tai-khoan/mat-khau").get_data(as_text=True)))


def spare_browser(stack: Stack, caller: str, spares: Iterator[int]) -> tuple[Browser, str]:
    """A browser of its own for a call that ends the session, signed in (session set up directly, no password
    hashing) as a fresh account of the caller's role and unit; anonymous: just the sign-in page's token."""
    identity = CALLERS[caller]
    username = f"du-phong-{next(spares)}"
    role, unit = (identity[1], identity[2]) if identity else ("don_vi", OWN)
    user_id = add_user(stack.gateway, username, role, unit_id=unit)
    if identity is None:
        return anonymous_browser(stack), username
    client = stack.gateway.test_client()
    token = uuid.uuid4().hex
    with client.session_transaction() as session:
        session.update(uid=user_id, epoch=1, csrf=token)
        session.permanent = True
    return Browser(client, token), username


def session_row(stack: Stack, endpoint: str, caller: str, spares: Iterator[int]) -> tuple[Browser, Any]:
    browser, username = spare_browser(stack, caller, spares)
    if endpoint == "POST /dang-nhap":
        return browser, browser.open("POST", "/dang-nhap", {"username": username, "password": PASSWORD})
    if endpoint == "POST /dang-xuat":
        return browser, browser.open("POST", "/dang-xuat", {})
    return browser, browser.open("POST", "/tai-khoan/mat-khau", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                                 "confirm_password": NEW_PASSWORD})


def _units_known(stack: Stack) -> bool:
    """Reporting and awards have taken in Minh Xuân's 21 units from registration's events."""
    from awards.models import KnownUnit
    from reporting.models import Unit

    counts = []
    for service, table in (("reporting", Unit), ("awards", KnownUnit)):
        with stack.apps[service].app_context(), get_db().transaction() as s:
            counts.append(s.scalar(select(func.count()).select_from(table)))
    return counts == [21, 21]


def _message(body: str) -> str:
    """What a refusal page says (its alert or error text), not the page's head."""
    found = re.findall(r'(?:role="alert"|class="field-error"|<main[^>]*>)\s*([^<]{3,200})', body)
    return " | ".join(text.strip() for text in found) or body[:200]


def _redirect_ok(endpoint: str, caller: str, location: str) -> bool:
    """A 302 for anonymous is the sign-in page (but for the public entry points); for a signed-in user never."""
    to_login = urlsplit(location).path == "/dang-nhap"
    if caller == "anonymous":
        return to_login or endpoint in ("GET /", "POST /dang-nhap")
    return not to_login or endpoint == "POST /dang-xuat"


# --- tests -----------------------------------------------------------------------------------------------


@pytest.mark.timeout(900)  # thousands of calls in one test: minutes when it shares the machine with other workers
def test_every_route_role_and_unit_gets_the_status_in_the_table(stack: Stack) -> None:
    users = {"don_vi:other": add_user(stack.gateway, "tdp2", "don_vi", unit_id=OTHER, full_name="Hoàng Thị Mai")}
    with stack.gateway.app_context(), get_db().transaction() as s:
        users |= {caller: s.scalar(select(User.id).where(User.username == who[0]))
                  for caller, who in CALLERS.items() if who and caller != "don_vi:other"}
    eventually(lambda: _units_known(stack))
    target = Target(stack, users)
    browsers: dict[str, Browser] = {caller: signed_in_browser(stack, who[0]) if who else anonymous_browser(stack)
                                    for caller, who in CALLERS.items()}
    spares = itertools.count(1)

    mismatches: list[str] = []
    cells = leak_checks = 0
    for endpoint, caller, want in TABLE.cells():
        cells += 1
        record = None
        if endpoint in SESSION_ROWS:
            browser, got = session_row(stack, endpoint, caller, spares)
        else:
            method, path, data, record = target.request(endpoint)
            browser = browsers[caller]
            got = browser.open(method, path, data)
            opened = endpoint == "GET /thong-bao/{message}/mo" and record is not None
            if opened and target.message_read(record) != (caller == "don_vi:own"):  # read for its recipient only
                mismatches.append(f"{endpoint} as {caller}: the message's read mark is wrong")
        body = got.get_data(as_text=True) if got.mimetype.startswith("text/") or "json" in got.mimetype else ""
        if got.status_code != want:
            mismatches.append(f"{endpoint} as {caller}: expected {want}, got {got.status_code} {_message(body)!r}")
        elif want == 302 and not _redirect_ok(endpoint, caller, got.headers["Location"]):
            mismatches.append(f"{endpoint} as {caller}: redirected to {got.headers['Location']}")
        elif want == 302 and (refusal := browser.refusal_flashed()):
            mismatches.append(f"{endpoint} as {caller}: redirected with the refusal {refusal!r}")
        # Another unit's record (or a refusal to that unit's officer) names nothing of it.
        if record is not None and record.marker and (want == 404 or (caller == "don_vi:other" and want == 403)):
            leak_checks += 1
            if record.marker in body:
                mismatches.append(f"{endpoint} as {caller}: the {want} page shows {record.marker!r}")
    assert mismatches == [], "\n".join(mismatches)
    assert cells == len(TABLE.rows) * len(CALLERS) == 798
    assert leak_checks == 67  # every 404, and every 403 to the other unit's officer on a record of unit 12
    awards_pages_follow_the_content_rules(target, browsers)

    # /internal/* answers services, which send a bearer service token, not a browser.
    machine = stack.gateway.test_client().get("/internal/recipients", headers=bearer(stack.gateway, "admin"))
    assert machine.status_code == 200
    assert {str(users["don_vi:own"]), str(users["don_vi:other"])} <= {u["user_id"] for u in machine.get_json()}


REVOKED_FOR = {OWN: "Tổ dân phố 1: thành tích kê khai không đúng thực tế.", OTHER: "Tổ dân phố 2: người được khen bị kỷ luật."}


def _revoked_decision(target: Target) -> dict[str, Any]:
    """One decision for a person of each of units 12 and 13, both then revoked with a reason naming the unit."""
    approved = []
    for unit in (OWN, OTHER):
        nomination = target.svc("awards", "POST", "/nominations", "vhxh", json={
            "year": 2026, "nominee_kind": "individual", "unit_id": unit, "person_name": f"Lê Văn Thu Hồi {unit}",
            "person_position": "Tổ viên", "catalogue": "form", "award_id": target.awards["phuong"],
            "achievements": "Vận động 120 hộ phân loại rác tại nguồn."})
        nomination = target.svc("awards", "POST", f"/nominations/{nomination['id']}/propose", "vhxh", json={},
                                version=nomination["version"])
        approved.append(target.svc("awards", "POST", f"/nominations/{nomination['id']}/review", "vhxh", json={
            "approved": True, "meeting_date": "2026-03-01", "votes_for": 7, "votes_against": 0, "minutes": MINUTES},
            version=nomination["version"]))
    decision = target.svc("awards", "POST", "/decisions", "lanh_dao", json={
        "nominations": [{"id": n["id"], "version": n["version"]} for n in approved], "signer_name": "Lê Văn Chủ"})
    for nomination in approved:
        decided = target.svc("awards", "GET", f"/nominations/{nomination['id']}", "vhxh")
        target.svc("awards", "POST", f"/nominations/{decided['id']}/revoke", "lanh_dao",
                   json={"reason": REVOKED_FOR[decided["unit_id"]]}, version=decided["version"])
    return decision


def awards_pages_follow_the_content_rules(target: Target, browsers: dict[str, Browser]) -> None:
    """Beyond the statuses: proposal letters are not shown to unit officers (the awards page is not broken for
    them: 200, without the section), and a unit officer reads another unit's revoked award without its reason."""
    letter = target.svc("awards", "GET", f"/proposal-letters/{target.shared['nomination', 'letter'].id}", "vhxh")
    forwarded = letter["awardees"][0]["nomination_id"]  # a nomination of unit 12
    decision = _revoked_decision(target)
    for caller, browser in browsers.items():
        if caller == "anonymous":
            continue
        officer = caller.startswith("don_vi")
        page = browser.open("GET", f"/khen-thuong?year={letter['year']}", {})
        body = page.get_data(as_text=True)
        assert page.status_code == 200, caller
        assert ('id="letters"' in body) is (not officer), caller
        assert ("Tờ trình đề nghị cấp trên khen thưởng" in body) is (not officer), caller
        assert ("/khen-thuong/to-trinh/" in body) is (not officer), caller
        if caller == "don_vi:other":  # a letter for unit 12 only: nothing of it (own sees its nomination's number)
            assert letter["letter_number"] not in body
        if caller != "don_vi:other":  # the forwarded nomination's page names its letter; only the ward gets the file
            body = browser.open("GET", f"/khen-thuong/de-nghi/{forwarded}", {}).get_data(as_text=True)
            assert letter["letter_number"] in body, caller
            assert (f'href="/khen-thuong/to-trinh/{letter["id"]}/van-ban.docx"' in body) is (not officer), caller

        page = browser.open("GET", f"/khen-thuong/quyet-dinh/{decision['id']}", {})
        body = page.get_data(as_text=True)
        assert page.status_code == 200, caller
        assert body.count("Đã thu hồi ngày") == 2, caller  # that both awards were revoked is public
        register = browser.open("GET", f"/khen-thuong/quyet-dinh.xlsx?year={decision['year']}", {})
        assert register.status_code == 200, caller
        sheet = "\n".join(" | ".join(str(cell) for cell in row if cell is not None)
                          for row in load_workbook(io.BytesIO(register.data)).active.iter_rows(values_only=True))
        for unit, reason in REVOKED_FOR.items():
            shown = not officer or CALLERS[caller][2] == unit  # type: ignore[index]
            assert (reason in body) is shown, (caller, unit)
            assert (reason in sheet) is shown, (caller, unit)


def test_every_rule_of_the_gateway_has_a_row_and_every_row_names_a_rule(make_gateway: Callable[..., Any]) -> None:
    from gateway.views import awards, models, reports

    app = make_gateway()
    assert access.compare_with_url_map(TABLE, app.url_map) == {"missing from the table": set(), "not a rule": set()}
    # A rule whose last segments name the action has one row per action it takes (any other action is a 404).
    closed = {"models.transition": ("action", models.ACTIONS), "reports.transition": ("action", reports.REPORT_ACTIONS),
              "awards.nomination_action": ("action", awards.NOMINATION_ACTIONS),
              "awards.confirm_entry": ("catalogue", awards.CATALOGUE_PATHS),
              "awards.edit_entry": ("catalogue", awards.CATALOGUE_PATHS)}
    adapter = app.url_map.bind("localhost")
    listed: dict[str, set[str]] = {name: set() for name in closed}
    for endpoint in TABLE.endpoints:
        method, path = endpoint.split(" ", 1)
        rule, values = adapter.match(re.sub(r"{[^}]+}", "1", path), method=method, return_rule=True)
        if rule.endpoint in closed:
            listed[rule.endpoint].add(values[closed[rule.endpoint][0]])
    assert listed == {name: set(known) for name, (_, known) in closed.items()}
