"""The decision and the proposal letter as Word files in the Nghị định 30/2020 format; the register as XLSX."""
from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import load_workbook

from dvk_documents import OfficialDocument, Paragraph, Signature, date_line, number_line, render_docx
from dvk_testing.office import (
    assert_every_letter_renders,
    assert_nd30_page_one,
    assert_one_page_wide,
    assert_page_numbers,
    assert_signature_with_body,
)


def _runs_text(paragraph) -> str:
    return "".join(r.text for r in paragraph.runs)


def _paragraphs(cell) -> list:
    return [p for p in cell.paragraphs if p.text.strip()]


def _decided(awards, deliver, approve, confirm_entries, entry_id, as_role, signer="Phạm Quốc Chương"):
    deliver.units(3, 12)
    confirm_entries(awards, "giay-khen-chu-tich-ubnd-phuong", "lao-dong-tien-tien")
    unit = approve(awards, {"nominee_kind": "collective", "unit_id": 12, "catalogue": "form",
                            "award_id": entry_id(awards, "forms", "giay-khen-chu-tich-ubnd-phuong"),
                            "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia."})
    person = approve(awards, {"nominee_kind": "individual", "unit_id": 3, "person_name": "Nguyễn Thị Lan",
                              "person_position": "Chuyên viên", "catalogue": "title",
                              "award_id": entry_id(awards, "titles", "lao-dong-tien-tien"),
                              "achievements": "Tham mưu tổng hợp phong trào đúng hạn, sáng tạo."})
    response = awards.test_client().post("/decisions", json={
        "nominations": [{"id": unit["id"], "version": unit["version"]}, {"id": person["id"], "version": person["version"]}],
        "number": 3, "signer_name": signer,
    }, headers=as_role(awards, "lanh_dao"))
    assert response.status_code == 201, response.json
    return response.json, unit, person


def test_decision_document_has_the_state_format_and_the_awardee_table(awards, deliver, approve, confirm_entries, entry_id, as_role):
    decision, unit, person = _decided(awards, deliver, approve, confirm_entries, entry_id, as_role)
    assert decision["decided_on"] == "2026-12-05", "the date defaults to today in Minh Xuân"
    response = awards.test_client().get(f"/decisions/{decision['id']}/document", headers=as_role(awards, "don_vi", unit_id=12))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    doc = Document(io.BytesIO(response.data))

    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= round(section.top_margin.mm) <= 25 and 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35 and 15 <= round(section.right_margin.mm) <= 20
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt in (13, 14)

    header = doc.tables[0]
    agency = _paragraphs(header.cell(0, 0))
    assert [p.text for p in agency] == ["ỦY BAN NHÂN DÂN", "PHƯỜNG MINH XUÂN"]
    assert all(r.bold for p in agency for r in p.runs)
    national = _paragraphs(header.cell(0, 1))
    assert [p.text for p in national] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert all(r.bold for p in national for r in p.runs)
    assert header.cell(1, 0).text.strip() == "Số: 03/QĐ-UBND"
    [dated] = _paragraphs(header.cell(1, 1))
    assert dated.text == "Minh Xuân, ngày 05 tháng 12 năm 2026" and all(r.italic for r in dated.runs)

    body = [p for p in doc.paragraphs if p.text.strip()]
    title = body[0]
    assert title.text == "QUYẾT ĐỊNH" and all(r.bold for r in title.runs) and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert body[1].text == "Về việc khen thưởng trong Phong trào thi đua “Dân vận khéo” năm 2026"
    texts = [p.text for p in body]
    assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;" in texts
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;" in texts
    article_1 = next(p for p in body if p.text.startswith("Điều 1."))
    assert article_1.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert "01 tập thể và 01 cá nhân" in article_1.text and article_1.text.endswith("năm 2026, gồm:")
    assert "kèm theo" not in article_1.text, "the list is printed right below, not attached"
    assert article_1.text.startswith("Điều 1. Tặng Giấy khen của Chủ tịch UBND phường; công nhận danh hiệu “Lao động tiên tiến” cho")

    awardees = doc.tables[1]
    rows = [[c.text for c in row.cells] for row in awardees.rows]
    assert rows[0] == ["STT", "Tập thể, cá nhân", "Chức vụ, đơn vị", "Danh hiệu, hình thức khen thưởng"]
    assert rows[1:] == [
        ["1", "Tập thể Tổ dân phố 1", "Tổ dân phố 1, phường Minh Xuân", "Giấy khen của Chủ tịch UBND phường"],
        ["2", "Nguyễn Thị Lan", "Chuyên viên, Phòng Văn hóa - Xã hội", "Lao động tiên tiến"],
    ]

    closing = doc.tables[2]
    recipients = [p.text for p in _paragraphs(closing.cell(0, 0))]
    assert recipients[0] == "Nơi nhận:" and recipients[-1] == "- Lưu: VT, VHXH."
    signature = [p.text for p in _paragraphs(closing.cell(0, 1))]
    assert signature == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Phạm Quốc Chương"]


def test_proposal_letter_and_decision_register(awards, deliver, approve, confirm_entries, entry_id, as_role):
    decision, unit, person = _decided(awards, deliver, approve, confirm_entries, entry_id, as_role)
    client = awards.test_client()
    leader = as_role(awards, "lanh_dao")
    deliver.units(5)
    confirm_entries(awards, "bang-khen-chu-tich-ubnd-tinh")
    police = approve(awards, {"nominee_kind": "collective", "unit_id": 5, "catalogue": "form",
                              "award_id": entry_id(awards, "forms", "bang-khen-chu-tich-ubnd-tinh"),
                              "achievements": "Mô hình “Camera an ninh” giảm 40% vụ trộm cắp."})
    letter = client.post("/proposal-letters", json={
        "nominations": [{"id": police["id"], "version": police["version"]}], "letter_date": "2026-02-03",
        "signer_name": "Lê Văn Hùng", "signer_position": "pho_chu_tich",
    }, headers=leader)
    assert letter.status_code == 201, letter.json
    doc = Document(io.BytesIO(client.get(f"/proposal-letters/{letter.json['id']}/document", headers=leader).data))
    assert doc.tables[0].cell(1, 0).text.strip() == "Số: 01/TTr-UBND"
    assert doc.tables[0].cell(1, 1).text.strip() == "Minh Xuân, ngày 03 tháng 02 năm 2026"
    body = [p.text for p in doc.paragraphs if p.text.strip()]
    assert body[0] == "TỜ TRÌNH" and body[2] == "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh."
    assert [c.text for c in doc.tables[1].rows[1].cells] == ["1", "Tập thể Công an phường", "Công an phường, phường Minh Xuân",
                                                         "Bằng khen của Chủ tịch UBND tỉnh"]
    signature = [p.text for p in _paragraphs(doc.tables[2].cell(0, 1))]
    assert signature == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Văn Hùng"]

    current = client.get(f"/nominations/{person['id']}", headers=leader).json
    client.post(f"/nominations/{person['id']}/revoke", json={"reason": "Kê khai thành tích không đúng.", "version": current["version"]},
                headers=leader)
    export = client.get("/decisions/export.xlsx?year=2026", headers=as_role(awards, "giam_sat"))
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "STT")
    assert [r[0] for r in rows[:start] if r[0]] == ["ỦY BAN NHÂN DÂN PHƯỜNG MINH XUÂN", "SỔ THEO DÕI QUYẾT ĐỊNH KHEN THƯỞNG NĂM 2026",
                                                     "Phong trào thi đua “Dân vận khéo” phường Minh Xuân"]
    assert rows[start][:2] == ["STT", "Số quyết định"]
    assert rows[start + 1] == [1, "03/QĐ-UBND", "05/12/2026", "Phạm Quốc Chương", "Tập thể Tổ dân phố 1",
                               "Tổ dân phố 1, phường Minh Xuân", "Giấy khen của Chủ tịch UBND phường", 2026, "Còn hiệu lực", None]
    assert rows[start + 2][4] == "Nguyễn Thị Lan" and rows[start + 2][8:] == ["Đã thu hồi", "Kê khai thành tích không đúng."]
    assert rows[start + 3][1] == "1 quyết định" and rows[start + 3][4] == "2 lượt khen thưởng"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == f"${start + 1}:${start + 1}"


def test_number_and_date_lines_follow_the_decree():
    assert number_line("QĐ", 3) == "Số: 03/QĐ-UBND"
    assert number_line("BC", 12) == "Số: 12/BC-UBND"
    assert date_line("Minh Xuân", date(2026, 6, 5)) == "Minh Xuân, ngày 05 tháng 6 năm 2026"
    assert date_line("Minh Xuân", date(2026, 1, 15)) == "Minh Xuân, ngày 15 tháng 01 năm 2026"
    draft = Document(io.BytesIO(render_docx(OfficialDocument(
        type_code="BC", number=None, issued_on=None, title="Báo cáo", body=[Paragraph("Nội dung.")],
        signature=Signature(name="Phạm Quốc Chương"), recipients=["- Như trên;"],
    ))))
    assert draft.tables[0].cell(1, 0).text.strip().startswith("Số:") and "/BC-UBND" in draft.tables[0].cell(1, 0).text
    assert [p.text for p in draft.paragraphs if p.text.strip()][-1] == "Nội dung./."
    assert [p.text for p in draft.paragraphs if p.text.strip()][0] == "BÁO CÁO"
    assert round(draft.sections[0].left_margin.mm) == 30


def test_decision_letter_and_register_rendered_by_libreoffice(awards, deliver, approve, confirm_entries, entry_id, as_role,
                                                              office):
    """As LibreOffice prints them (PNGs in test-artifacts/documents/): the signer typed with a title after the name
    gets the name only under "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", on the page of Điều 3."""
    decision, unit, person = _decided(awards, deliver, approve, confirm_entries, entry_id, as_role,
                                      signer="Trần Văn Minh (Chủ tịch UBND)")
    client = awards.test_client()
    leader = as_role(awards, "lanh_dao")
    deliver.units(5)
    confirm_entries(awards, "bang-khen-chu-tich-ubnd-tinh")
    police = approve(awards, {"nominee_kind": "collective", "unit_id": 5, "catalogue": "form",
                              "award_id": entry_id(awards, "forms", "bang-khen-chu-tich-ubnd-tinh"),
                              "achievements": "Mô hình “Camera an ninh” giảm 40% vụ trộm cắp."})
    letter = client.post("/proposal-letters", json={
        "nominations": [{"id": police["id"], "version": police["version"]}], "letter_date": "2026-02-03",
        "signer_name": "Lê Văn Hùng", "signer_position": "pho_chu_tich",
    }, headers=leader).json
    rendered = office.render({
        "quyet-dinh-khen-thuong-03-2026": (client.get(f"/decisions/{decision['id']}/document", headers=leader).data, "docx"),
        "to-trinh-01-2026": (client.get(f"/proposal-letters/{letter['id']}/document", headers=leader).data, "docx"),
        "so-quyet-dinh-khen-thuong-2026": (client.get("/decisions/export.xlsx?year=2026", headers=leader).data, "xlsx"),
    })
    decided = rendered["quyet-dinh-khen-thuong-03-2026"]
    assert_nd30_page_one(decided.pages[0], subject_fragment="Về việc khen thưởng")
    assert_every_letter_renders(decided)
    assert_signature_with_body(decided, "Trần Văn Minh", "thi hành Quyết định này./.")
    assert "(Chủ tịch UBND)" not in decided.text and "kèm theo" not in decided.text
    assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;" in decided.text.replace("\n", " ")
    if len(decided.pages) > 1:
        assert_page_numbers(decided)
    proposal = rendered["to-trinh-01-2026"]
    assert_nd30_page_one(proposal.pages[0], subject_fragment="Về việc đề nghị tặng")
    assert_signature_with_body(proposal, "Lê Văn Hùng", "xem xét, quyết định./.")
    assert_every_letter_renders(proposal)
    register = rendered["so-quyet-dinh-khen-thuong-2026"]
    assert_one_page_wide(register, ["Lý do thu hồi"])
    assert "Trần Văn Minh" in register.text and "(Chủ tịch UBND)" not in register.text
    assert_every_letter_renders(register)
