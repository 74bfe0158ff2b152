"""Báo cáo and Khen thưởng pages against the real reporting and awards services (with registration, notify
and the bus between them): report review, consolidated report and its files, target-figure import,
nominations through council review to a decision or a proposal letter, revocation, the public page."""
from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import requests
from docx import Document
from openpyxl import load_workbook

from dvk_testing.plugin import bearer

from .conftest import csrf_from, eventually, form_post, login

SECTIONS = {
    "leadership": "Chi bộ ra nghị quyết chuyên đề.", "effectiveness": "62% hộ phân loại rác.",
    "good_practices": "Đổi chai nhựa lấy cây xanh.", "difficulties": "Thiếu thùng rác phân loại.",
    "recommendations": "Hỗ trợ 20 bộ thùng rác.", "next_direction": "Mở rộng sang tổ dân phố 2.",
}
FIGURES_HEADER = ("ma_don_vi,ho_so_tiep_nhan,ho_so_da_giai_quyet,ho_so_dung_han,ho_so_truc_tuyen,"
                  "thanh_toan_khong_tien_mat,luot_danh_gia,luot_hai_long,binh_dan_hoc_vu_so,so_can_bo,can_bo_vi_pham\n")


def _signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _post_on(client, page_path, action, data, version=True):
    """Post a form of a page as the browser would: its CSRF token and the version it shows."""
    html = _page(client, page_path)
    fields = {"csrf_token": csrf_from(html), **data}
    if version:
        fields["version"] = re.search(r'name="version" value="(\d+)"', html).group(1)
    return client.post(action, data=fields)


def _units_known(stack, client):
    """The reporting and awards services have taken in Minh Xuân's units from registration's events."""
    awards = requests.get(f"{stack.urls['awards']}/units", headers=bearer(stack.apps["awards"], "vhxh"), timeout=5).json()
    return "/ 21" in _page(client, "/tong-quan") and len(awards) == 21


def _docx_text(content):
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_unit_report_is_returned_resent_accepted_and_consolidated_into_word_and_excel(stack, clock):
    clock.moment = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)
    hoa = _signed_in(stack.gateway, "vhxh")
    eventually(lambda: _units_known(stack, hoa))
    nam = _signed_in(stack.gateway, "tdp1")

    created = form_post(nam, "/bao-cao", "/bao-cao/moi", {"year": "2026", "period": "six_month"})
    assert created.status_code == 302
    report_path = created.headers["Location"].removesuffix("/sua")
    # Sending before every section is written is refused, each missing section named.
    empty = _post_on(nam, report_path, f"{report_path}/submit", {})
    assert empty.status_code == 422
    assert "Chưa nhập: Công tác lãnh đạo, chỉ đạo." in empty.get_data(as_text=True)
    assert "Chưa nhập: Phương hướng, nhiệm vụ thời gian tới." in empty.get_data(as_text=True)

    sent = _post_on(nam, f"{report_path}/sua", f"{report_path}/sua", {**SECTIONS, "then": "submit"})
    assert sent.status_code == 302
    assert "Đã gửi, chờ tiếp nhận" in _page(nam, report_path)

    # Phòng VH-XH returns it with a reason; the officer sees the reason and resends.
    no_reason = _post_on(hoa, report_path, f"{report_path}/return", {"reason": ""})
    assert no_reason.status_code == 422
    assert _post_on(hoa, report_path, f"{report_path}/return",
                    {"reason": "Bổ sung số hộ tham gia."}).status_code == 302
    officer_view = _page(nam, report_path)
    assert "Bổ sung số hộ tham gia." in officer_view and "Gửi lại" in officer_view
    assert _post_on(nam, f"{report_path}/sua", f"{report_path}/sua",
                    {**SECTIONS, "effectiveness": "120 hộ tham gia; 62% phân loại rác.", "then": "submit"}).status_code == 302
    assert "Đã gửi lại, chờ tiếp nhận" in _page(hoa, report_path)
    assert _post_on(hoa, report_path, f"{report_path}/accept", {}).status_code == 302
    history = re.sub(r"\s+", " ", re.search(r'id="report-history">(.*?)</ol>', _page(nam, report_path), re.S).group(1))
    steps = re.findall(r"— ([^(<]+?) \(", history)
    assert steps == ["Lập dự thảo", "Gửi Phòng Văn hóa - Xã hội", "Trả lại để chỉnh sửa", "Gửi lại sau chỉnh sửa",
                     "Tiếp nhận"]
    assert "Bổ sung số hộ tham gia." in history
    # The ward's consolidated report is not a unit officer's page.
    assert nam.get("/bao-cao/tong-hop").status_code == 403

    # Target figures: a file with a mistake writes nothing and says where; the right file is imported.
    bad = FIGURES_HEADER + "tdp-1,100,90,95,40,30,50,45,12,5,0\n"
    refused = _post_figures(hoa, bad)
    assert refused.status_code == 422
    assert re.search(r"Dòng 2, cột “ho_so_dung_han”: [^<]+", refused.get_data(as_text=True))
    assert "Chưa có số liệu cho kỳ này." in refused.get_data(as_text=True)
    good = FIGURES_HEADER + "tdp-1,100,90,89,40,30,50,45,12,5,0\n"
    assert _post_figures(hoa, good).status_code == 302
    figures = _page(hoa, "/bao-cao/chi-tieu?year=2026&period=six_month")
    assert re.search(r'<th scope="row">Tổ dân phố 1</th><td>100</td><td>90</td><td>89</td>', figures)

    # The consolidated report: drafted from the accepted report, edited, finalised with a number.
    drafted = form_post(hoa, "/bao-cao/tong-hop", "/bao-cao/tong-hop", {"year": "2026", "period": "six_month"})
    assert drafted.status_code == 302
    path = drafted.headers["Location"]
    draft = _page(hoa, path)
    assert "Tổ dân phố 1: Đổi chai nhựa lấy cây xanh." in draft  # good practices carried over with their unit
    title = html.unescape(re.search(r'id="f-title"[^>]*value="([^"]*)"', draft).group(1))
    edited = _post_on(hoa, path, f"{path}/sua", {
        "title": title, "document_date": "2026-06-05", "signer_name": "Lê Văn Chủ",
        "intro": "Thực hiện Kế hoạch phong trào thi đua “Dân vận khéo” giai đoạn 2026 - 2030.",
        "leadership": "", "results": "", "effectiveness": "", "next_direction": "",
        "good_practices": "Tổ dân phố 1: Đổi chai nhựa lấy cây xanh.", "difficulties": "", "recommendations": "",
        "recipients": "Đảng ủy phường\nThường trực HĐND phường"})
    assert edited.status_code == 302
    # Sign-off: Phòng VH-XH submits it for signature, the leader approves, only then is it issued (after a confirmation).
    assert _post_on(hoa, path, f"{path}/trinh-ky", {}).status_code == 302
    assert "Đang trình ký" in _page(hoa, path) and "Sửa dự thảo" not in _page(hoa, path)
    leader = _signed_in(stack.gateway, "lanhdao")
    assert _post_on(leader, path, f"{path}/duyet", {}).status_code == 302
    unconfirmed = _post_on(hoa, path, f"{path}/ban-hanh", {"number": ""})
    assert unconfirmed.status_code == 422 and "Đánh dấu ô xác nhận trước khi ban hành" in unconfirmed.get_data(as_text=True)
    assert "Lãnh đạo đã duyệt, chờ ban hành" in _page(hoa, path)
    finalised = _post_on(hoa, path, f"{path}/ban-hanh", {"number": "", "confirm": "yes"})
    assert finalised.status_code == 302
    final = _page(hoa, path)
    assert "Đã ban hành — Số 01/BC-UBND" in final and "Số: " not in final and "Sửa dự thảo" not in final
    assert re.search(r"<td>01/BC-UBND</td>", _page(hoa, "/bao-cao/tong-hop"))

    word = hoa.get(f"{path}/van-ban.docx")
    assert word.status_code == 200
    assert word.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert word.headers["Content-Disposition"].endswith('filename="bao-cao-so-ket-6-thang-2026-01.docx"')
    text = _docx_text(word.data)
    assert "Thực hiện Kế hoạch phong trào thi đua “Dân vận khéo” giai đoạn 2026 - 2030." in text
    assert "Lê Văn Chủ" in text
    annex = hoa.get(f"{path}/phu-luc.xlsx")
    assert annex.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(annex.data)).worksheets[0].iter_rows(values_only=True) for c in row]
    assert "Tổ dân phố 1" in cells and 89 in cells

    # An observer reads the ward's report and its files but is offered nothing to change.
    observer = _signed_in(stack.gateway, "giamsat")
    assert "Lập dự thảo" not in _page(observer, "/bao-cao/tong-hop")
    assert "Nhập số liệu" not in _page(observer, "/bao-cao/chi-tieu?year=2026&period=six_month")
    assert observer.get(f"{path}/van-ban.docx").status_code == 200
    assert observer.post("/bao-cao/tong-hop", data={"csrf_token": csrf_from(_page(observer, path)),
                                                    "year": "2026", "period": "annual"}).status_code == 403


def _post_figures(client, csv_text):
    html = _page(client, "/bao-cao/chi-tieu?year=2026&period=six_month")
    return client.post("/bao-cao/chi-tieu/nhap", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html), "year": "2026", "period": "six_month",
        "file": (io.BytesIO(csv_text.encode()), "chi-tieu.csv")})


def _confirm(admin, name):
    html = _page(admin, "/khen-thuong/danh-muc")
    row = re.search(r'action="(/khen-thuong/danh-muc/[a-z]+/\d+/xac-nhan)"[^>]*>.{0,200}?name="version" value="(\d+)"'
                    r'[^<]*><button type="submit">Xác nhận căn cứ “' + re.escape(name), html, re.S)
    assert row, name
    assert admin.post(row.group(1), data={"csrf_token": csrf_from(html), "version": row.group(2)}).status_code == 302


def _award_value(client, name):
    """The hình thức khen thưởng list's value for `name` (the forms list is separate from the titles list)."""
    page = _page(client, "/khen-thuong/de-nghi/moi")
    forms = re.search(r'<select id="f-form_id" name="form_id".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="(\d+)" >' + re.escape(name), forms).group(1)


def _nominate(hoa, **fields):
    created = form_post(hoa, "/khen-thuong/de-nghi/moi", "/khen-thuong/de-nghi/moi", {
        "year": "2026", "movement": "Dân vận khéo", "unit_id": "12", "model_ids": "", "links": "", **fields})
    assert created.status_code == 302, created.get_data(as_text=True)
    path = created.headers["Location"]
    assert _post_on(hoa, path, f"{path}/propose", {}).status_code == 302
    return path


def _review(client, path, **changes):
    return _post_on(client, path, f"{path}/review", {
        "meeting_date": "2026-12-10", "approved": "yes", "votes_for": "7", "votes_against": "0", "votes_abstain": "0",
        "minutes": "Hội đồng Thi đua - Khen thưởng phường họp, 7/7 thành viên tán thành.", **changes})


def test_nominations_go_to_a_decision_or_a_proposal_letter_and_a_revoked_award_stays_public_without_its_reason(stack, clock):
    clock.moment = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    hoa = _signed_in(stack.gateway, "vhxh")
    eventually(lambda: _units_known(stack, hoa))
    admin = _signed_in(stack.gateway, "quantri")
    bao = _signed_in(stack.gateway, "lanhdao")

    # An individual for the province's certificate: the ward proposes it to the higher level.
    individual = _nominate(hoa, nominee_kind="individual", person_name="Nguyễn Văn An", person_position="Tổ trưởng",
                           form_id=_award_value(hoa, "Bằng khen của Chủ tịch UBND tỉnh"),
                           achievements="Vận động 120 hộ phân loại rác tại nguồn, hiến 30 m² đất mở ngõ.")
    no_minutes = _review(hoa, individual, minutes="")
    assert no_minutes.status_code == 422
    assert "Phải có biên bản họp Hội đồng" in no_minutes.get_data(as_text=True)
    assert _review(hoa, individual).status_code == 302
    page = _page(bao, individual)
    assert "Tờ trình đề nghị cấp trên khen thưởng" in page and "Ký quyết định khen thưởng" not in page
    # The letter is not offered while the award's legal basis is unconfirmed; the page says who confirms it.
    assert 'id="basis-unconfirmed"' in page and "Lập tờ trình</button>" not in page
    _confirm(admin, "Bằng khen của Chủ tịch UBND tỉnh")
    assert _post_on(bao, individual, f"{individual}/forward", {"signer_name": "Lê Văn Chủ",
                                                                "signer_position": "chu_tich"}).status_code == 302
    page = _page(bao, individual)
    assert "Đã trình cấp trên" in page and "Số 01/TTr-UBND" in page
    letter_link = re.search(r'href="(/khen-thuong/to-trinh/\d+/van-ban\.docx)"', page).group(1)
    letter = bao.get(letter_link)
    assert letter.status_code == 200
    assert "Nguyễn Văn An" in _docx_text(letter.data)

    # A collective for the ward's certificate: decided by the leader, then revoked with a reason.
    _confirm(admin, "Giấy khen của Chủ tịch UBND phường")
    collective = _nominate(hoa, nominee_kind="collective", form_id=_award_value(hoa, "Giấy khen của Chủ tịch UBND phường"),
                           achievements="Tổ dân phố 1 hoàn thành xuất sắc mô hình “Dân vận khéo” năm 2026.")
    assert _review(bao, collective).status_code == 302  # the leader chairs the council and records it too
    assert _post_on(hoa, collective, f"{collective}/decide", {"signer_name": "Lê Văn Chủ"}).status_code == 403
    decided = _post_on(bao, collective, f"{collective}/decide", {
        "number": "7", "decided_on": "2026-12-11", "signer_name": "Lê Văn Chủ", "signer_position": "pho_chu_tich"})
    assert decided.status_code == 302
    decision = _page(bao, decided.headers["Location"])
    assert "Quyết định khen thưởng số 07/QĐ-UBND" in decision and "Phó Chủ tịch (ký thay) Lê Văn Chủ" in decision
    document = bao.get(re.search(r'href="(/khen-thuong/quyet-dinh/\d+/van-ban\.docx)"', decision).group(1))
    assert document.status_code == 200
    assert "KT. CHỦ TỊCH" in _docx_text(document.data)
    public = _page(stack.gateway.test_client(), "/cong-khai?year=2026")
    assert "07/QĐ-UBND" in public and "Nguyễn Văn An" not in public  # a proposal to the province is not a decision

    # The unit's officer sees the unit's award, without the ward's suggestions or any button.
    officer = _page(_signed_in(stack.gateway, "tdp1"), "/khen-thuong?year=2026")
    assert "07/QĐ-UBND" in officer and 'id="suggestions"' not in officer and "Lập đề nghị" not in officer
    assert 'id="letters"' not in officer  # proposal letters are the ward's internal paperwork

    reason = "Phát hiện thành tích kê khai không đúng thực tế."
    assert _post_on(bao, collective, f"{collective}/revoke", {"reason": reason}).status_code == 302
    assert "Đã thu hồi" in _page(hoa, collective) and reason in _page(hoa, collective)
    register = hoa.get("/khen-thuong/quyet-dinh.xlsx?year=2026")
    assert register.status_code == 200
    rows = [" ".join(str(c) for c in row if c is not None)
            for row in load_workbook(io.BytesIO(register.data)).worksheets[0].iter_rows(values_only=True)]
    assert any("07/QĐ-UBND" in row and reason in row for row in rows)
    public = re.sub(r"\s+", " ", _page(stack.gateway.test_client(), "/cong-khai?year=2026"))
    assert re.search(r"07/QĐ-UBND <span class=\"tag tag-late\">Đã thu hồi</span>", public)
    assert reason not in public
