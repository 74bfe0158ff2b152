"""The ward's consolidated report: drafted from accepted unit reports, edited, numbered, finalised, and
exported as a Word document in the Nghị định 30/2020 format and an annex workbook with the API's figures."""
from __future__ import annotations

import io
import re
import unicodedata

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook

from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.office import (
    assert_every_letter_renders,
    assert_nd30_page_one,
    assert_one_page_wide,
    assert_page_numbers,
    assert_signature_with_body,
)

FIGURES = {
    1: {"files_received": 200, "files_resolved": 190, "files_on_time": 188, "online_files": 150, "cashless_payments": 40,
        "survey_responses": 100, "satisfied_responses": 95, "digital_literacy_participants": 30, "officials_total": 20,
        "officials_violating": 0},
    12: {"files_received": 50, "files_resolved": 50, "files_on_time": 49, "online_files": 10, "cashless_payments": 5,
         "survey_responses": 40, "satisfied_responses": 38, "digital_literacy_participants": 60, "officials_total": 5,
         "officials_violating": 0},
}


def sections(unit: str) -> dict[str, str]:
    return {"leadership": f"{unit} ban hành kế hoạch thực hiện.", "effectiveness": f"{unit} tạo chuyển biến rõ nét.",
            "good_practices": f"{unit} lập nhóm Zalo nhắc việc cho người dân.", "difficulties": f"{unit} thiếu kinh phí.",
            "recommendations": f"{unit} đề nghị hỗ trợ tập huấn.", "next_direction": f"{unit} nhân rộng mô hình."}


@pytest.fixture
def finalised(app, client, units, clock, kit):
    """Units 1 and 12 reported and were accepted; unit 5 reported but is still under review. Units 1 and 12 each have
    an accepted model; Tổ dân phố 1's is typical and was inspected."""
    vhxh = kit.headers(app, "vhxh")
    m, e = kit.model_event, kit.event
    kit.deliver(app, [
        m("model-accepted", 1, 1, "accepted", "2026-02-05T02:00:00+00:00", field="chinh_quyen",
          title="Chính quyền thân thiện, vì Nhân dân phục vụ"),
        m("model-accepted", 3, 12, "accepted", "2026-02-07T02:00:00+00:00", field="kinh_te_do_thi", title="Tổ dân phố xanh"),
        e("registration", "model-marked-typical", 3, {"model_id": 3, "unit_id": 12, "year": 2026, "title": "Tổ dân phố xanh",
                                                      "field": "kinh_te_do_thi", "occurred_at": "2026-08-01T03:00:00+00:00"}),
        e("registration", "model-inspected", 3, {"model_id": 3, "unit_id": 12, "year": 2026, "inspection_id": 7, "rating": "tot",
                                                 "inspected_on": "2026-07-20", "occurred_at": "2026-07-20T09:30:00+00:00"}),
    ])
    for unit_id, name in ((1, "Văn phòng"), (12, "Tổ dân phố 1"), (5, "Công an")):
        officer = kit.headers(app, "don_vi", unit_id)
        report = client.post("/reports", json={"year": 2026, "period": "six_month", "sections": sections(name)}, headers=officer).json
        report = client.post(f"/reports/{report['id']}/submit", json={"version": report["version"]}, headers=officer).json
        if unit_id != 5:
            client.post(f"/reports/{report['id']}/accept", json={"version": report["version"]}, headers=vhxh)
            client.put(f"/target-figures/{unit_id}/2026/six_month", json=FIGURES[unit_id], headers=vhxh)

    assert client.post("/consolidated-reports", json={"year": 2026, "period": "six_month"}, headers=kit.headers(app, "don_vi", 1)).status_code == 403
    draft = client.post("/consolidated-reports", json={"year": 2026, "period": "six_month"}, headers=vhxh)
    assert draft.status_code == 201, draft.json
    draft = draft.json
    assert draft["status"] == "draft" and draft["number"] is None and draft["number_text"] == "Số:      /BC-UBND"
    assert draft["content"]["good_practices"] == [
        {"unit_id": 1, "unit_name": "Văn phòng HĐND-UBND", "text": "Văn phòng lập nhóm Zalo nhắc việc cho người dân."},
        {"unit_id": 12, "unit_name": "Tổ dân phố 1", "text": "Tổ dân phố 1 lập nhóm Zalo nhắc việc cho người dân."}]
    assert "Công an" not in str(draft["content"])  # not accepted yet: not consolidated
    # 237 of 240 files on time; 25 officials, none in breach.
    assert "đúng và trước hạn: 98,75% (đạt chỉ tiêu 98%)" in draft["content"]["results"]
    assert "giữ quy tắc ứng xử: 100,00% (đạt chỉ tiêu 100%)" in draft["content"]["results"]
    return draft


def signed_off(app, client, kit, cid: int, version: int) -> int:
    """Phòng VH-XH submits the draft for signature and a leader approves it; the version to issue it with."""
    sent = client.post(f"/consolidated-reports/{cid}/submit-for-signature", json={"version": version}, headers=kit.headers(app, "vhxh"))
    assert sent.status_code == 200 and sent.json["status"] == "awaiting_signature", sent.json
    approved = client.post(f"/consolidated-reports/{cid}/approve", json={"version": sent.json["version"]},
                           headers=kit.headers(app, "lanh_dao"))
    assert approved.status_code == 200 and approved.json["status"] == "approved", approved.json
    return approved.json["version"]


def test_sign_off_submit_return_with_reason_approve_then_issue(app, client, finalised, kit):
    """Trình ký → trả lại (với lý do) → sửa, trình ký lại → duyệt → ban hành; each step an event in the contract."""
    vhxh, leader = kit.headers(app, "vhxh"), kit.headers(app, "lanh_dao")
    cid, version = finalised["id"], finalised["version"]
    early = client.post(f"/consolidated-reports/{cid}/finalise", json={"version": version}, headers=vhxh)
    assert early.status_code == 409 and early.json["title"] == "Báo cáo tổng hợp chưa được lãnh đạo duyệt, chưa ban hành được."
    assert client.post(f"/consolidated-reports/{cid}/approve", json={"version": version}, headers=leader).status_code == 409

    sent = client.post(f"/consolidated-reports/{cid}/submit-for-signature", json={"version": version}, headers=vhxh).json
    assert sent["status"] == "awaiting_signature" and sent["number"] is None
    locked = client.patch(f"/consolidated-reports/{cid}", json={"title": "Khác", "version": sent["version"]}, headers=vhxh)
    assert locked.status_code == 409 and locked.json["title"] == "Báo cáo tổng hợp đang trình ký, không sửa được."
    assert client.post(f"/consolidated-reports/{cid}/approve", json={"version": sent["version"]}, headers=vhxh).status_code == 403
    no_reason = client.post(f"/consolidated-reports/{cid}/return", json={"version": sent["version"]}, headers=leader)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    assert client.get(f"/consolidated-reports/{cid}", headers=leader).json["status"] == "awaiting_signature"

    returned = client.post(f"/consolidated-reports/{cid}/return", json={"version": sent["version"], "reason": "Bổ sung số liệu Tổ dân phố 2."},
                           headers=leader).json
    assert returned["status"] == "draft" and returned["return_reason"] == "Bổ sung số liệu Tổ dân phố 2."
    edited = client.patch(f"/consolidated-reports/{cid}", json={"content": {"intro": "Đã bổ sung."}, "version": returned["version"]},
                          headers=vhxh).json
    version = signed_off(app, client, kit, cid, edited["version"])
    approved = client.get(f"/consolidated-reports/{cid}", headers=vhxh).json
    assert approved["approved_by"] and approved["return_reason"] is None
    issued = client.post(f"/consolidated-reports/{cid}/finalise", json={"version": version}, headers=vhxh).json
    assert issued["status"] == "finalised" and issued["number_cited"] == "01/BC-UBND"
    listed = client.get("/consolidated-reports", headers=leader).json
    assert [r["number_cited"] for r in listed] == ["01/BC-UBND"]

    rows = [r for r in assert_outbox_matches_contract(app) if r["type"].split(".")[3].startswith("consolidated")]
    assert [(r["type"].split(".")[3], r["payload"].get("actor_role"), r["payload"].get("reason")) for r in rows] == [
        ("consolidated-report-submitted-for-signature", "vhxh", None),
        ("consolidated-report-returned", "lanh_dao", "Bổ sung số liệu Tổ dân phố 2."),
        ("consolidated-report-submitted-for-signature", "vhxh", None),
        ("consolidated-report-approved", "lanh_dao", None),
        ("consolidated-report-finalised", None, None),
    ]


def test_draft_edit_finalise_and_number(app, client, finalised, clock, kit):
    vhxh = kit.headers(app, "vhxh")
    cid = finalised["id"]
    assert client.post("/consolidated-reports", json={"year": 2026, "period": "six_month"}, headers=vhxh).status_code == 409
    edit = {"content": {"intro": "Thực hiện Kế hoạch số 12/KH-UBND, UBND phường báo cáo như sau:"},
            "document_date": "2026-06-05", "signer_name": "Nguyễn Văn An"}
    assert client.patch(f"/consolidated-reports/{cid}", json=edit, headers=vhxh).status_code == 428
    edited = client.patch(f"/consolidated-reports/{cid}", json={**edit, "version": finalised["version"]}, headers=vhxh)
    assert edited.status_code == 200 and edited.json["content"]["intro"].startswith("Thực hiện Kế hoạch số 12/KH-UBND")
    assert edited.json["content"]["good_practices"] == finalised["content"]["good_practices"]

    version = signed_off(app, client, kit, cid, edited.json["version"])
    done = client.post(f"/consolidated-reports/{cid}/finalise", json={"number": 5, "version": version}, headers=vhxh)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "finalised" and done.json["number"] == 5 and done.json["number_text"] == "Số: 05/BC-UBND"
    again = client.post(f"/consolidated-reports/{cid}/finalise", json={"version": done.json["version"]}, headers=vhxh)
    assert again.status_code == 409 and again.json["detail"] == "Trạng thái hiện tại: Đã ban hành (finalised)"
    assert client.patch(f"/consolidated-reports/{cid}", json={"title": "x", "version": done.json["version"]}, headers=vhxh).status_code == 409

    # The annual report takes the next number of the year.
    clock.set("2026-11-20T02:00:00+00:00")
    annual = client.post("/consolidated-reports", json={"year": 2026, "period": "annual"}, headers=vhxh).json
    version = signed_off(app, client, kit, annual["id"], annual["version"])
    taken = client.post(f"/consolidated-reports/{annual['id']}/finalise", json={"number": 5, "version": version}, headers=vhxh)
    assert taken.status_code == 409
    annual = client.post(f"/consolidated-reports/{annual['id']}/finalise", json={"version": version}, headers=vhxh).json
    assert annual["number"] == 6 and annual["document_date"] == "2026-11-20"

    rows = [r for r in assert_outbox_matches_contract(app) if "finalised" in r["type"] or "progress" in r["type"]]
    assert [(r["type"].split(".")[3], r["payload"].get("number")) for r in rows] == [
        ("consolidated-report-finalised", 5), ("progress-snapshot", None), ("consolidated-report-finalised", 6), ("progress-snapshot", None)]
    snapshot = rows[1]["payload"]
    assert snapshot["reports"]["submitted"] == 3 and snapshot["reports"]["accepted"] == 2
    assert snapshot["targets"]["on_time_rate"] == 98.75 and snapshot["targets"]["on_time_met"] is True


def _runs(paragraph):
    return [r for r in paragraph.runs if r.text.strip()]


def test_word_document_follows_decree_30(app, client, finalised, kit):
    vhxh = kit.headers(app, "vhxh")
    cid = finalised["id"]
    edited = client.patch(f"/consolidated-reports/{cid}", json={"document_date": "2026-06-05", "signer_name": "Nguyễn Văn An",
                                                                "version": finalised["version"]}, headers=vhxh).json
    version = signed_off(app, client, kit, cid, edited["version"])
    client.post(f"/consolidated-reports/{cid}/finalise", json={"number": 5, "version": version}, headers=vhxh)

    answer = client.get(f"/consolidated-reports/{cid}/document", headers=kit.headers(app, "lanh_dao"))
    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert 'filename="bao-cao-so-ket-6-thang-2026-05.docx"' in answer.headers["Content-Disposition"]
    doc = Document(io.BytesIO(answer.data))

    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert Mm(20) <= section.top_margin <= Mm(25) and Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35) and Mm(15) <= section.right_margin <= Mm(20)

    header = doc.tables[0]
    left = [p for p in header.cell(0, 0).paragraphs if p.text.strip()]
    right = [p for p in header.cell(0, 1).paragraphs if p.text.strip()]
    assert [p.text for p in left] == ["ỦY BAN NHÂN DÂN", "PHƯỜNG MINH XUÂN"]
    assert all(r.bold for p in left for r in _runs(p))
    assert [p.text for p in right] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert all(r.bold for p in right for r in _runs(p))
    assert header.cell(1, 0).text.strip() == "Số: 05/BC-UBND"
    dated = header.cell(1, 1).paragraphs[0]
    assert dated.text == "Minh Xuân, ngày 05 tháng 6 năm 2026" and all(r.italic for r in _runs(dated))

    body = [p for p in doc.paragraphs if p.text.strip()]
    assert body[0].text == "BÁO CÁO" and all(r.bold for r in _runs(body[0]))
    assert body[1].text == "Sơ kết 6 tháng đầu năm 2026 thực hiện Phong trào thi đua “Dân vận khéo”"
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY for p in body[2:])
    texts = [p.text for p in body]
    assert "- Tổ dân phố 1: Tổ dân phố 1 lập nhóm Zalo nhắc việc cho người dân." in texts
    assert "III. KHÓ KHĂN, VƯỚNG MẮC" in texts and "IV. KIẾN NGHỊ, ĐỀ XUẤT" in texts
    # Each unit's models named, the figures in sentences.
    assert "- Tổ dân phố 1: mô hình “Tổ dân phố xanh” (điển hình tiêu biểu)." in texts
    assert "- Văn phòng HĐND-UBND: mô hình “Chính quyền thân thiện, vì Nhân dân phục vụ”." in texts
    assert any("tổng số 02 mô hình, trong đó 02 mô hình được Phòng Văn hóa - Xã hội tiếp nhận, 01 mô hình đã được kiểm tra, "
               "01 mô hình được chọn làm điển hình" in t for t in texts)
    assert any("đạt 98,75% (chỉ tiêu từ 98% trở lên: đạt)" in t for t in texts)
    assert any(t.startswith("Về công tác báo cáo: 03/05 đơn vị gửi báo cáo") for t in texts)
    assert texts[-1].startswith("Trên đây là báo cáo sơ kết 6 tháng đầu năm 2026 thực hiện Phong trào thi đua “Dân vận khéo” "
                                "của Ủy ban nhân dân phường Minh Xuân") and texts[-1].endswith("./.")
    fields = [[c.text for c in row.cells] for row in doc.tables[1].rows]
    assert fields[0] == ["STT", "Lĩnh vực", "Số mô hình", "Đã tiếp nhận", "Điển hình"]
    assert ["1", "Kinh tế - đô thị", "1", "1", "1"] in fields and fields[-1] == ["", "Tổng cộng", "2", "2", "1"]

    every_run = [r for p in doc.paragraphs for r in _runs(p)]
    every_run += [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in _runs(p)]
    for run in every_run:
        assert run.font.name == "Times New Roman", run.text
        assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert all(Pt(13) <= r.font.size <= Pt(14) for p in body for r in _runs(p))

    closing = doc.tables[-1].rows[0].cells
    recipients = [p.text for p in closing[0].paragraphs if p.text.strip()]
    assert recipients[0] == "Nơi nhận:" and recipients[-1] == "- Lưu: VT, VHXH."
    assert all(r.bold and r.italic and r.font.size == Pt(12) for r in _runs(closing[0].paragraphs[0]))
    assert all(r.font.size == Pt(11) for p in closing[0].paragraphs[1:] for r in _runs(p))
    assert [p.text for p in closing[1].paragraphs if p.text.strip()] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]
    assert doc.core_properties.author == "ỦY BAN NHÂN DÂN PHƯỜNG MINH XUÂN"
    assert doc.core_properties.created.isoformat() == "2026-06-05T01:00:00+00:00"  # 08:00 in Minh Xuân
    assert doc.core_properties.title.startswith("Báo cáo Sơ kết 6 tháng đầu năm 2026")


def _table_rows(sheet):
    """The printed table's rows under its header row (the row starting "STT")."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "STT")
    return rows[:start], rows[start], [r for r in rows[start + 1:] if any(v not in (None, "") for v in r)]


def test_annex_figures_equal_the_api(app, client, finalised, kit):
    reader = kit.headers(app, "giam_sat")
    cid = finalised["id"]
    answer = client.get(f"/consolidated-reports/{cid}/annex", headers=reader)
    assert answer.status_code == 200
    assert 'filename="bao-cao-so-ket-6-thang-2026-du-thao-phu-luc.xlsx"' in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data))
    sheet = book["Chỉ tiêu"]
    heading, header, rows = _table_rows(sheet)
    assert [r[0] for r in heading if r[0]] == [
        "PHỤ LỤC I", "SỐ LIỆU CHỈ TIÊU CỦA CÁC ĐƠN VỊ — SƠ KẾT 6 THÁNG ĐẦU NĂM 2026 THỰC HIỆN PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO”",
        "(Kèm theo Báo cáo số      /BC-UBND ngày      /     /      của Ủy ban nhân dân phường Minh Xuân)"]
    assert header[:3] == ["STT", "Mã đơn vị", "Đơn vị"]

    api_figures = client.get("/target-figures?year=2026&period=six_month", headers=reader).json
    names = list(FIGURES[1])
    unit_rows = [r for r in rows if isinstance(r[0], int)]
    codes = {u[0]: u[1] for u in kit.UNITS}
    assert [[r[1], *r[3:3 + len(names)]] for r in unit_rows] == [[codes[f["unit_id"]], *(f[n] for n in names)] for f in api_figures]
    assert [r[2] for r in unit_rows] == ["Văn phòng HĐND-UBND", "Tổ dân phố 1"]

    progress = client.get("/progress?year=2026", headers=reader).json
    targets = progress["targets"]["six_month"]
    total = next(r for r in rows if r[2] == "Tổng cộng")
    assert total[3:3 + len(names)] == [targets["totals"][n] for n in names]
    notes = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Tỷ lệ")]
    assert notes[0] == "Tỷ lệ hồ sơ đúng và trước hạn: 98,75% (chỉ tiêu từ 98% trở lên)."  # 237 of 240, checked by hand
    # Printed as a clerk prints it: landscape A4, one page wide, the header row on every page, borders, one font.
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$5:$5"
    cell = sheet.cell(row=6, column=3)
    assert cell.border.left.style == "thin" and cell.font.name == "Times New Roman"
    assert all(c.font.bold for c in sheet[5]) and all(c.font.bold for c in sheet[sheet.max_row - 4] if c.value not in (None, ""))

    _, header, reports = _table_rows(book["Báo cáo đơn vị"])
    assert header == ["STT", "Mã đơn vị", "Đơn vị", "Trạng thái", "Ngày gửi", "Thời hạn"]
    api_reports = client.get("/reports?year=2026&period=six_month", headers=reader).json
    labels = {"accepted": "Đã tiếp nhận", "submitted": "Đã gửi, chờ tiếp nhận"}
    assert [(r[1], r[3]) for r in reports[:-1]] == [(codes[x["unit_id"]], labels[x["status"]]) for x in api_reports]
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", r[4]) for r in reports[:-1])
    assert {r[5] for r in reports[:-1]} <= {"Đúng hạn", "Nộp muộn"}
    _, _, models = _table_rows(book["Mô hình"])
    assert [m[1:4] for m in models[:-1]] == [["vp-hdnd-ubnd", "Văn phòng HĐND-UBND", "Chính quyền thân thiện, vì Nhân dân phục vụ"],
                                              ["tdp-1", "Tổ dân phố 1", "Tổ dân phố xanh"]]
    assert models[1][6:] == ["Điển hình", "20/07/2026"]
    _, _, overview = _table_rows(book["Tổng hợp"])
    overview = {r[1]: r[2] for r in overview}
    assert overview["Báo cáo đã gửi"] == progress["reports"]["six_month"]["submitted"] == 3
    assert overview["Đơn vị đang tham gia"] == progress["units"]["active"] == 5
    assert book.properties.creator == "ỦY BAN NHÂN DÂN PHƯỜNG MINH XUÂN"
    assert client.get(f"/consolidated-reports/{cid}/annex", headers=kit.headers(app, "don_vi", 1)).status_code == 403


def test_report_and_annex_rendered_by_libreoffice(app, client, finalised, kit, office):
    """The draft and the issued report and the annex as LibreOffice prints them (PNGs in test-artifacts/documents/).
    The units' text arrives in NFD and prints in NFC, in Times New Roman's metric twin only."""
    vhxh = kit.headers(app, "vhxh")
    cid = finalised["id"]
    nfd = unicodedata.normalize("NFD", "Tổ dân phố 1: Người dân được hướng dẫn nộp hồ sơ trực tuyến tại nhà.")
    edited = client.patch(f"/consolidated-reports/{cid}", json={
        "document_date": "2026-06-05", "signer_name": "Nguyễn Văn An", "version": finalised["version"],
        "content": {"effectiveness": nfd}}, headers=vhxh).json
    reader = kit.headers(app, "lanh_dao")
    draft_docx = client.get(f"/consolidated-reports/{cid}/document", headers=reader)
    assert 'filename="bao-cao-so-ket-6-thang-2026-du-thao.docx"' in draft_docx.headers["Content-Disposition"]
    version = signed_off(app, client, kit, cid, edited["version"])
    client.post(f"/consolidated-reports/{cid}/finalise", json={"number": 1, "version": version}, headers=vhxh)
    issued_docx = client.get(f"/consolidated-reports/{cid}/document", headers=reader)
    annex = client.get(f"/consolidated-reports/{cid}/annex", headers=reader)
    rendered = office.render({"bao-cao-so-ket-6-thang-du-thao": (draft_docx.data, "docx"),
                              "bao-cao-so-ket-6-thang-2026-01": (issued_docx.data, "docx"),
                              "bao-cao-so-ket-6-thang-2026-01-phu-luc": (annex.data, "xlsx")})
    draft, issued = rendered["bao-cao-so-ket-6-thang-du-thao"], rendered["bao-cao-so-ket-6-thang-2026-01"]
    for document in (draft, issued):
        assert_nd30_page_one(document.pages[0], subject_fragment="Sơ kết 6 tháng đầu năm 2026")
        assert_page_numbers(document)
        assert_every_letter_renders(document)
        assert_signature_with_body(document, "Nguyễn Văn An", "./.")
        assert "Người dân được hướng dẫn nộp hồ sơ trực tuyến tại nhà." in document.text
    assert draft.page_of("DỰ THẢO") == 1 and "DỰ THẢO" not in issued.text
    assert issued.pages[0].find("Số:").text == "Số: 01/BC-UBND" and draft.pages[0].find("Số: 01") is None

    sheets = rendered["bao-cao-so-ket-6-thang-2026-01-phu-luc"]
    assert_one_page_wide(sheets, ["Người tham", "Thời hạn", "Ngày kiểm tra", "Số lượng"])
    assert "(Kèm theo Báo cáo số 01/BC-UBND ngày 05/6/2026 của Ủy ban nhân dân phường Minh Xuân)" in sheets.text
    assert "PHỤ LỤC I" in sheets.text and "Nộp muộn" not in sheets.text and "Đúng hạn" in sheets.text
    assert_every_letter_renders(sheets)
