"""Khen thưởng forms against the real awards service (with registration and the bus feeding it the ward's units):
the Chairman signs one decision (and one proposal letter) for several approved nominations ticked on one page, a
stale nomination in the set signs none of them; Phòng VH-XH edits a draft nomination, a stale edit is refused;
only Phòng VH-XH gets the edit form. And the footer's link to the event contract (/su-kien), for the administrator only."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient

from dvk_testing.plugin import bearer

from .conftest import Stack, add_user, csrf_from, eventually, login

MINUTES = "Hội đồng Thi đua - Khen thưởng phường họp, 7/7 thành viên tán thành."
STALE = "Dữ liệu đã bị người khác thay đổi; vui lòng tải lại trước khi sửa."


class Awards:
    """Calls straight to the awards service, with the token the gateway would sign, to set records up and to check
    what the pages did."""

    def __init__(self, stack: Stack) -> None:
        self.app = stack.apps["awards"]
        self.client = self.app.test_client()

    def __call__(self, method: str, path: str, role: str = "vhxh", json: Any = None, version: int | None = None) -> Any:
        headers = bearer(self.app, role, user_id=f"{role}-1", name=f"Cán bộ {role}")
        if version is not None:
            headers["If-Match"] = str(version)
        response = self.client.open(path, method=method, json=json, headers=headers)
        assert response.status_code in (200, 201), (method, path, response.status_code, response.get_data(as_text=True)[:300])
        return response.get_json()

    def confirmed_form(self, code: str) -> int:
        entry = next(e for e in self("GET", "/catalogue/forms") if e["code"] == code)
        self("PATCH", f"/catalogue/forms/{entry['id']}", "admin", json={"needs_confirmation": False}, version=entry["version"])
        return entry["id"]

    def approved(self, award_id: int, person: str, unit_id: int) -> dict[str, Any]:
        nomination = self("POST", "/nominations", json={
            "year": 2026, "nominee_kind": "individual", "unit_id": unit_id, "person_name": person,
            "person_position": "Tổ viên", "catalogue": "form", "award_id": award_id,
            "achievements": "Vận động 120 hộ phân loại rác tại nguồn."})
        nomination = self("POST", f"/nominations/{nomination['id']}/propose", json={}, version=nomination["version"])
        return self("POST", f"/nominations/{nomination['id']}/review", json={
            "approved": True, "meeting_date": "2026-12-09", "votes_for": 7, "votes_against": 0, "minutes": MINUTES},
            version=nomination["version"])


def _signed_in(stack: Stack, username: str) -> FlaskClient:
    client = stack.gateway.test_client()
    assert login(client, username).status_code == 302
    return client


def _page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def _ready(stack: Stack) -> Awards:
    """The awards service has taken in Minh Xuân's 21 units from registration's events."""
    awards = Awards(stack)
    eventually(lambda: len(awards("GET", "/units")) == 21)
    return awards


def _boxes(page: str) -> dict[int, str]:
    """The nominations the signing page offers: {id: "id:version"} of each checkbox."""
    return {int(v.split(":")[0]): v for v in re.findall(r'type="checkbox" id="chon-\d+" name="nomination" value="(\d+:\d+)"', page)}


def _alert(page: str) -> str:
    return " ".join(html.unescape(m) for m in re.findall(r'class="alert alert-error" role="alert">([^<]+)<', page))


def test_the_leader_signs_one_decision_for_several_nominations_and_a_stale_one_in_the_set_signs_none(stack, clock):
    clock.moment = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    awards = _ready(stack)
    ward_award = awards.confirmed_form("giay-khen-chu-tich-ubnd-phuong")
    higher_award = awards.confirmed_form("bang-khen-chu-tich-ubnd-tinh")
    an = awards.approved(ward_award, "Nguyễn Văn An", 12)
    binh = awards.approved(ward_award, "Trần Thị Bình", 13)
    chi = awards.approved(ward_award, "Lê Văn Chí", 14)
    province = [awards.approved(higher_award, name, unit) for name, unit in (("Phạm Thị Dung", 12), ("Hoàng Văn Em", 15))]
    bao = _signed_in(stack, "lanhdao")
    hoa = _signed_in(stack, "vhxh")

    # The leader finds the page from Khen thưởng; it offers the three ward-level nominations, not the provincial ones.
    assert 'href="/khen-thuong/quyet-dinh/moi?year=2026"' in _page(bao, "/khen-thuong?year=2026")
    page = _page(bao, "/khen-thuong/quyet-dinh/moi?year=2026")
    boxes = _boxes(page)
    assert boxes == {n["id"]: f"{n['id']}:{n['version']}" for n in (an, binh, chi)}
    assert "Còn 2 đề nghị đã được Hội đồng thống nhất thuộc loại" in page
    csrf = csrf_from(page)
    signing = {"csrf_token": csrf, "year": "2026", "number": "", "decided_on": "2026-12-11", "signer_name": "Lê Văn Chủ",
               "signer_position": "chu_tich"}

    # Nothing ticked: said beside the list, nothing signed.
    empty = bao.post("/khen-thuong/quyet-dinh/moi", data=signing)
    assert empty.status_code == 422
    assert "Chọn ít nhất một đề nghị khen thưởng." in empty.get_data(as_text=True)

    # While the page is open, Phòng VH-XH withdraws Lê Văn Chí's nomination: the set the leader ticked is stale.
    withdraw_page = _page(hoa, f"/khen-thuong/de-nghi/{chi['id']}")
    assert hoa.post(f"/khen-thuong/de-nghi/{chi['id']}/withdraw", data={
        "csrf_token": csrf_from(withdraw_page), "version": str(chi["version"])}).status_code == 302
    stale = bao.post("/khen-thuong/quyet-dinh/moi", data={**signing, "nomination": list(boxes.values())})
    assert stale.status_code == 412
    body = stale.get_data(as_text=True)
    assert STALE in _alert(body)  # the service's words, next to the form
    assert body.index(STALE) < body.index('id="signing-form"')
    assert re.search(rf'Đề nghị số {chi["id"]}</a> không còn chờ quyết định', body)
    ticked = set(re.findall(r'value="(\d+):\d+" checked', body))
    assert ticked == {str(an["id"]), str(binh["id"])}  # kept ticked; the withdrawn one is no longer offered
    assert awards("GET", "/decisions?year=2026", "lanh_dao") == []  # nothing half-done
    assert {awards("GET", f"/nominations/{n['id']}")["status"] for n in (an, binh)} == {"approved"}

    # The leader signs for the two still approved: one decision, both decided under its number.
    signed = bao.post("/khen-thuong/quyet-dinh/moi", data={**signing, "nomination": [boxes[an["id"]], boxes[binh["id"]]]})
    assert signed.status_code == 302
    decision_page = _page(bao, signed.headers["Location"])
    assert "Quyết định khen thưởng số 01/QĐ-UBND" in decision_page
    assert "Đã ban hành quyết định khen thưởng cho 2 đề nghị. Số 01/QĐ-UBND." in decision_page
    assert "Nguyễn Văn An" in decision_page and "Trần Thị Bình" in decision_page and "Lê Văn Chí" not in decision_page
    decisions = awards("GET", "/decisions?year=2026", "lanh_dao")
    assert len(decisions) == 1
    assert sorted(a["nomination_id"] for a in decisions[0]["awardees"]) == sorted([an["id"], binh["id"]])
    for nomination in (an, binh):
        now_held = awards("GET", f"/nominations/{nomination['id']}")
        assert (now_held["status"], now_held["decision_id"], now_held["decision_number"]) == ("decided", decisions[0]["id"], "01/QĐ-UBND")
    assert "Không có đề nghị nào năm 2026 đã được Hội đồng thống nhất" in _page(bao, "/khen-thuong/quyet-dinh/moi?year=2026")

    # A version the page showed that has changed since (tampered here) is refused too, and that row is flagged, unticked.
    page = _page(bao, "/khen-thuong/to-trinh/moi?year=2026")
    letter_boxes = _boxes(page)
    assert letter_boxes == {n["id"]: f"{n['id']}:{n['version']}" for n in province}
    first, second = province
    letter_form = {"csrf_token": csrf_from(page), "year": "2026", "letter_date": "2026-12-11", "signer_name": "Lê Văn Chủ",
                   "signer_position": "chu_tich", "addressee": "Chủ tịch Ủy ban nhân dân tỉnh"}
    refused = bao.post("/khen-thuong/to-trinh/moi", data={**letter_form, "nomination": [
        letter_boxes[first["id"]], f"{second['id']}:{second['version'] - 1}"]})
    assert refused.status_code == 412
    body = refused.get_data(as_text=True)
    assert STALE in _alert(body)
    assert set(re.findall(r'value="(\d+):\d+" checked', body)) == {str(first["id"])}
    assert "vừa được thay đổi, hãy xem lại rồi chọn lại" in body
    assert awards("GET", "/proposal-letters?year=2026", "lanh_dao") == []
    # Ticking both as they are now: one letter for both.
    forwarded = bao.post("/khen-thuong/to-trinh/moi", data={**letter_form, "nomination": list(_boxes(body).values())})
    assert forwarded.status_code == 302
    assert "Đã lập tờ trình đề nghị cấp trên khen thưởng cho 2 đề nghị. Số 01/TTr-UBND." in _page(bao, forwarded.headers["Location"])
    assert {awards("GET", f"/nominations/{n['id']}")["letter_number"] for n in province} == {"01/TTr-UBND"}

    # Only the leader signs: every other role is refused the page and the form.
    for username in ("vhxh", "quantri", "giamsat", "tdp1"):
        other = _signed_in(stack, username)
        assert other.get("/khen-thuong/quyet-dinh/moi").status_code == 403, username
        assert other.post("/khen-thuong/quyet-dinh/moi", data={**signing, "csrf_token": csrf_from(_page(other, "/khen-thuong")),
                                                               "nomination": [boxes[chi["id"]]]}).status_code == 403, username


def _form_values(page: str) -> dict[str, str]:
    values = {name: html.unescape(value) for name, value in re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', page)}
    values.update({name: html.unescape(text) for name, text in re.findall(r'<textarea id="f-(\w+)"[^>]*>([^<]*)</textarea>', page, re.S)})
    for field in ("title_id", "form_id"):
        chosen = re.search(rf'<select id="f-{field}" name="{field}".*?</select>', page, re.S).group(0)
        picked = re.search(r'<option value="(\d+)" selected>', chosen)
        values[field] = picked.group(1) if picked else ""
    values["version"] = re.search(r'name="version" value="(\d+)"', page).group(1)
    return values


def test_phong_vhxh_edits_a_draft_nomination_a_stale_edit_is_refused_and_no_one_else_gets_the_form(stack, clock):
    clock.moment = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    awards = _ready(stack)
    ward_award = awards.confirmed_form("giay-khen-chu-tich-ubnd-phuong")
    hoa = _signed_in(stack, "vhxh")
    created = hoa.post("/khen-thuong/de-nghi/moi", data={
        "csrf_token": csrf_from(_page(hoa, "/khen-thuong/de-nghi/moi")), "year": "2026", "movement": "Dân vận khéo",
        "nominee_kind": "individual", "unit_id": "12", "person_name": "Nguyễn Văn An", "person_position": "Tổ viên",
        "form_id": str(ward_award), "achievements": "Vận động 120 hộ phân loại rác tại nguồn.", "model_ids": "", "links": ""})
    assert created.status_code == 302
    path = created.headers["Location"]
    nomination_id = int(path.rsplit("/", 1)[1])

    # The draft's page links to the form; the form shows the draft as the service holds it.
    assert f'href="{path}/sua">Sửa đề nghị</a>' in _page(hoa, path)
    form_page = _page(hoa, f"{path}/sua")
    opened = _form_values(form_page)
    assert (opened["person_name"], opened["person_position"], opened["title_id"], opened["form_id"], opened["version"]) == (
        "Nguyễn Văn An", "Tổ viên", "", str(ward_award), "1")
    assert opened["achievements"] == "Vận động 120 hộ phân loại rác tại nguồn."
    assert "Lập ngày</dt><dd>10/12/2026" in form_page
    assert 'name="year"' not in form_page and 'name="unit_id"' not in form_page  # who and when are not edited here

    saved = hoa.post(f"{path}/sua", data={**opened, "csrf_token": csrf_from(form_page), "person_position": "Tổ trưởng",
                                          "achievements": "Vận động 150 hộ phân loại rác, hiến 30 m² đất mở ngõ.",
                                          "links": "https://minhxuan.example.vn/tin/ngo-xanh"})
    assert saved.status_code == 302 and saved.headers["Location"] == path
    held = awards("GET", f"/nominations/{nomination_id}")
    assert (held["person_position"], held["achievements"], held["evidence"]["links"], held["version"]) == (
        "Tổ trưởng", "Vận động 150 hộ phân loại rác, hiến 30 m² đất mở ngõ.", ["https://minhxuan.example.vn/tin/ngo-xanh"], 2)
    detail = _page(hoa, path)
    assert "Đã lưu thay đổi của đề nghị khen thưởng." in detail
    history = re.sub(r"\s+", " ", re.search(r'id="nomination-history">(.*?)</ol>', detail, re.S).group(1))
    assert re.findall(r"— ([^(<]+?) \(", history) == ["Lập đề nghị", "Sửa đề nghị"]

    # The same form sent again from the page opened before the save: the service's 412, beside the form; nothing saved.
    stale = hoa.post(f"{path}/sua", data={**opened, "csrf_token": csrf_from(form_page), "achievements": "Bản cũ ghi đè."})
    assert stale.status_code == 412
    body = stale.get_data(as_text=True)
    assert STALE in _alert(body)
    assert "Bản cũ ghi đè." in body and 'name="version" value="1"' in body  # what was typed stays; the old version too
    assert f'href="{path}/sua">Mở lại bản hiện tại</a>' in body
    assert awards("GET", f"/nominations/{nomination_id}")["achievements"] == held["achievements"]
    # A field the service refuses is named under that field.
    short = hoa.post(f"{path}/sua", data={**opened, "version": "2", "csrf_token": csrf_from(form_page), "achievements": "Ngắn"})
    assert short.status_code == 422
    assert re.search(r'id="err-achievements" role="alert">Độ dài phải từ 10 đến 8000 ký tự.', short.get_data(as_text=True))

    # Nobody but Phòng VH-XH gets the form or may post it, nor sees the link.
    for username in ("lanhdao", "quantri", "giamsat", "tdp1"):
        other = _signed_in(stack, username)
        assert f'href="{path}/sua"' not in _page(other, path), username
        assert other.get(f"{path}/sua").status_code == 403, username
        refused = other.post(f"{path}/sua", data={**opened, "version": "2", "csrf_token": csrf_from(_page(other, path)),
                                                   "achievements": f"Sửa bởi {username} không được phép."})
        assert refused.status_code == 403, username
    assert awards("GET", f"/nominations/{nomination_id}")["version"] == 2

    # Once proposed it is no longer a draft: no link, and the form says why.
    proposed = hoa.post(f"{path}/propose", data={"csrf_token": csrf_from(_page(hoa, path)), "version": "2"})
    assert proposed.status_code == 302
    assert f'href="{path}/sua"' not in _page(hoa, path)
    late = _page(hoa, f"{path}/sua", status=409)
    assert "Chỉ sửa được đề nghị khen thưởng khi còn là bản nháp. Trạng thái hiện tại: Đã đề nghị, chờ Hội đồng xét." in late


def test_only_the_administrator_finds_the_event_contract_in_the_footer(make_gateway):
    """Officials do not need the bus: the footer links the event contract for the administrator only; the page itself
    stays public (provincial systems read it)."""
    gateway = make_gateway()
    add_user(gateway, "quantri", "admin")
    add_user(gateway, "vhxh", "vhxh")
    add_user(gateway, "tdp1", "don_vi", unit_id=12)
    link = 'href="/su-kien"'
    anonymous = gateway.test_client()
    assert link not in _page(anonymous, "/dang-nhap")
    assert "Sự kiện phong trào “Dân vận khéo” cho cấp trên" in _page(anonymous, "/su-kien")  # the page itself is public
    for username in ("quantri", "vhxh", "tdp1"):
        client = gateway.test_client()
        assert login(client, username).status_code == 302
        page = _page(client, "/tai-khoan/mat-khau")
        footer = page[page.index('<footer class="site-footer">'):]
        if username != "quantri":
            assert link not in footer and "Tích hợp" not in footer, username
            continue
        assert re.search(r'<nav aria-label="Tích hợp" class="footer-nav">\s*<a href="/su-kien"\s*>'
                         r'Tích hợp: sự kiện cho hệ thống của tỉnh</a>', footer)
        assert 'aria-current="page">Tích hợp' in _page(client, "/su-kien")
