"""The ward's consolidated report: drafted from accepted unit reports, edited, numbered, finalised, and
exported as a Word document in the Nghị định 30/2020 format and an annex workbook with the API's figures."""
from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook

from dvk_platform.testing.contract import assert_outbox_matches_contract

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
    """Units 1 and 12 reported and were accepted; unit 5 reported but is still under review."""
    vhxh = kit.headers(app, "vhxh")
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

    done = client.post(f"/consolidated-reports/{cid}/finalise", json={"number": 5, "version": edited.json["version"]}, headers=vhxh)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "finalised" and done.json["number"] == 5 and done.json["number_text"] == "Số: 05/BC-UBND"
    again = client.post(f"/consolidated-reports/{cid}/finalise", json={"version": done.json["version"]}, headers=vhxh)
    assert again.status_code == 409 and again.json["detail"] == "Trạng thái hiện tại: đã ban hành (finalised)"
    assert client.patch(f"/consolidated-reports/{cid}", json={"title": "x", "version": done.json["version"]}, headers=vhxh).status_code == 409

    # The annual report takes the next number of the year.
    clock.set("2026-11-20T02:00:00+00:00")
    annual = client.post("/consolidated-reports", json={"year": 2026, "period": "annual"}, headers=vhxh).json
    taken = client.post(f"/consolidated-reports/{annual['id']}/finalise", json={"number": 5, "version": annual["version"]}, headers=vhxh)
    assert taken.status_code == 409
    annual = client.post(f"/consolidated-reports/{annual['id']}/finalise", json={"version": annual["version"]}, headers=vhxh).json
    assert annual["number"] == 6 and annual["document_date"] == "2026-11-20"

    rows = [r for r in assert_outbox_matches_contract(app) if "consolidated" in r["type"] or "progress" in r["type"]]
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
    client.post(f"/consolidated-reports/{cid}/finalise", json={"number": 5, "version": edited["version"]}, headers=vhxh)

    answer = client.get(f"/consolidated-reports/{cid}/document", headers=kit.headers(app, "lanh_dao"))
    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert 'filename="bao-cao-six_month-2026-05.docx"' in answer.headers["Content-Disposition"]
    doc = Document(io.BytesIO(answer.data))

    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert Mm(20) <= section.top_margin <= Mm(25) and Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35) and Mm(15) <= section.right_margin <= Mm(20)

    header = doc.tables[0].rows[0].cells
    left = [p for p in header[0].paragraphs if p.text.strip()]
    right = [p for p in header[1].paragraphs if p.text.strip()]
    assert [p.text for p in left] == ["ỦY BAN NHÂN DÂN", "PHƯỜNG MINH XUÂN", "Số: 05/BC-UBND"]
    assert all(r.bold for p in left[:2] for r in _runs(p))
    assert [p.text for p in right] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Minh Xuân, ngày 05 tháng 6 năm 2026"]
    assert all(r.bold for r in _runs(right[0]))
    assert all(r.bold and r.underline for r in _runs(right[1]))
    assert all(r.italic for r in _runs(right[2]))

    body = [p for p in doc.paragraphs if p.text.strip()]
    assert body[0].text == "BÁO CÁO" and all(r.bold for r in _runs(body[0]))
    assert body[1].text == "Sơ kết 6 tháng đầu năm 2026 thực hiện Phong trào thi đua “Dân vận khéo”"
    justified = [p for p in body[2:]]
    assert justified and all(p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY for p in justified)
    texts = [p.text for p in body]
    assert "- Tổ dân phố 1: Tổ dân phố 1 lập nhóm Zalo nhắc việc cho người dân." in texts
    assert "II. KHÓ KHĂN, VƯỚNG MẮC" in texts

    every_run = [r for p in doc.paragraphs for r in _runs(p)]
    every_run += [r for t in doc.tables for c in t.rows[0].cells for p in c.paragraphs for r in _runs(p)]
    for run in every_run:
        assert run.font.name == "Times New Roman", run.text
        assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert all(Pt(13) <= r.font.size <= Pt(14) for p in body for r in _runs(p))
    assert all(Pt(13) <= r.font.size <= Pt(14) for p in left + right for r in _runs(p))

    closing = doc.tables[1].rows[0].cells
    recipients = [p.text for p in closing[0].paragraphs if p.text.strip()]
    assert recipients[0] == "Nơi nhận:" and recipients[-1] == "- Lưu: VT, VHXH."
    assert all(r.bold and r.italic for r in _runs(closing[0].paragraphs[0]))
    assert [p.text for p in closing[1].paragraphs if p.text.strip()] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]


def test_annex_figures_equal_the_api(app, client, finalised, kit):
    reader = kit.headers(app, "giam_sat")
    cid = finalised["id"]
    answer = client.get(f"/consolidated-reports/{cid}/annex", headers=reader)
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    sheet = book["Chỉ tiêu"]
    rows = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]

    api_figures = client.get("/target-figures?year=2026&period=six_month", headers=reader).json
    names = list(FIGURES[1])
    unit_rows = [r for r in rows if isinstance(r[0], int)]
    assert [[r[1], *r[3:3 + len(names)]] for r in unit_rows] == [[f["unit_id"], *(f[n] for n in names)] for f in api_figures]
    assert [r[2] for r in unit_rows] == ["Văn phòng HĐND-UBND", "Tổ dân phố 1"]

    progress = client.get("/progress?year=2026", headers=reader).json
    targets = progress["targets"]["six_month"]
    total = next(r for r in rows if r[2] == "Tổng cộng")
    assert total[3:3 + len(names)] == [targets["totals"][n] for n in names]
    rates = {r[2]: r[3] for r in rows if r[2] and str(r[2]).startswith("Tỷ lệ")}
    assert rates == {"Tỷ lệ hồ sơ đúng và trước hạn (%)": targets["on_time_rate"], "Tỷ lệ hài lòng (%)": targets["satisfaction_rate"],
                     "Tỷ lệ cán bộ, công chức giữ quy tắc ứng xử (%)": targets["conduct_rate"]}
    assert targets["on_time_rate"] == 98.75  # 237 of 240, checked by hand

    reports = [list(r) for r in book["Báo cáo đơn vị"].iter_rows(min_row=2, values_only=True)]
    api_reports = client.get("/reports?year=2026&period=six_month", headers=reader).json
    assert [(r[1], r[3]) for r in reports] == [(x["unit_id"], {"accepted": "đã tiếp nhận", "submitted": "đã gửi"}[x["status"]]) for x in api_reports]
    overview = dict(book["Tổng hợp"].iter_rows(values_only=True))
    assert overview["Báo cáo đã gửi"] == progress["reports"]["six_month"]["submitted"] == 3
    assert overview["Đơn vị đang tham gia"] == progress["units"]["active"] == 5
    assert client.get(f"/consolidated-reports/{cid}/annex", headers=kit.headers(app, "don_vi", 1)).status_code == 403
