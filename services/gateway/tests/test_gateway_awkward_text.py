"""Every document and export a ward official downloads from the gateway still renders when the records behind it hold
awkward but valid text (decomposed Vietnamese as some keyboards type it, emoji, tabs, quotes, markup, a very long
word): a model, its evidence file's caption and file name, a unit report, a nomination and its own document, a
decision and the consolidated report. Each answers 200, opens in LibreOffice, and reads composed (NFC): the
nomination's dossier ZIP ("Tải hồ sơ", the names inside it and its manifest), the decision, the decisions register,
the consolidated report's document and its annex."""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from typing import Any
from urllib.parse import unquote

from docx import Document
from openpyxl import load_workbook

from dvk_testing.plugin import bearer

from .conftest import Stack, eventually, login

OWN = 12
NFC_NAME = "Tổ dân phố Hòa Bình"
NFD_NAME = unicodedata.normalize("NFD", NFC_NAME)
LONG_WORD = "Khôngngắtdòngđược" * 12
ONE_LINE = f"{NFD_NAME} 😀\t\"trích dẫn\" 'đơn' <script>alert(1)</script> & Co"
PARAGRAPHS = f"{ONE_LINE}\nDòng thứ hai: 👨‍👩‍👧 ＜全角＞ — ‘cong’ “kép” {LONG_WORD}"
# what a reader must find, composed, wherever the text is printed
READS = [NFC_NAME, "<script>alert(1)</script>", '"trích dẫn" \'đơn\'']
FILE_NAME = unicodedata.normalize("NFD", "Biên bản họp dân") + " 😀 'đơn' & “kép”.pdf"
CAPTION = f"{NFD_NAME} 😀\t<script>x</script> “chú thích”"
SECTIONS = {name: PARAGRAPHS for name in ("leadership", "effectiveness", "good_practices", "difficulties",
                                          "recommendations", "next_direction")}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json()


def _nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def awkward_records(stack: Stack) -> dict[str, Any]:
    """The model, report, nomination (citing both), decision and consolidated report, every free text awkward."""
    registration, reporting, awards = (stack.apps[name] for name in ("registration", "reporting", "awards"))
    unit = {"headers": bearer(registration, "don_vi", OWN)}
    model = _ok(registration.test_client().post("/models", **unit, json={
        "title": ONE_LINE, "field": "van_hoa_xa_hoi", "goals": PARAGRAPHS, "content": PARAGRAPHS,
        "target_group": ONE_LINE, "person_in_charge": ONE_LINE, "start_date": "2026-03-01", "end_date": "2026-11-30",
        "expected_results": PARAGRAPHS}), 201)
    _ok(registration.test_client().post(f"/models/{model['id']}/files", **unit, content_type="multipart/form-data",
                                        data={"file": (io.BytesIO(PDF), FILE_NAME), "caption": CAPTION}), 201)
    model = _ok(registration.test_client().get(f"/models/{model['id']}", **unit))
    _ok(registration.test_client().post(f"/models/{model['id']}/submit", json={}, headers={
        **unit["headers"], "If-Match": str(model["version"])}))

    def new_report() -> Any:
        answer = reporting.test_client().post("/reports", headers=bearer(reporting, "don_vi", OWN), json={
            "year": 2026, "period": "six_month", "sections": SECTIONS})
        return answer.get_json() if answer.status_code == 201 else None

    report = eventually(new_report)  # reporting knows the unit from registration's events
    _ok(reporting.test_client().post(f"/reports/{report['id']}/submit", json={}, headers={
        **bearer(reporting, "don_vi", OWN), "If-Match": str(report["version"])}))
    consolidated = _ok(reporting.test_client().post("/consolidated-reports", headers=bearer(reporting, "vhxh"),
                                                    json={"year": 2026, "period": "six_month"}), 201)
    _ok(reporting.test_client().patch(f"/consolidated-reports/{consolidated['id']}", headers={
        **bearer(reporting, "vhxh"), "If-Match": str(consolidated["version"])}, json={
        "title": ONE_LINE, "recipients": [ONE_LINE], "signer_name": ONE_LINE,
        "content": {"intro": PARAGRAPHS, "leadership": PARAGRAPHS, "results": PARAGRAPHS, "effectiveness": PARAGRAPHS,
                    "next_direction": PARAGRAPHS}}))

    vhxh = bearer(awards, "vhxh")
    entry = next(e for e in _ok(awards.test_client().get("/catalogue/forms", headers=vhxh))
                 if e["code"] == "giay-khen-chu-tich-ubnd-phuong")
    if entry.get("needs_confirmation"):
        _ok(awards.test_client().patch(f"/catalogue/forms/{entry['id']}", json={"needs_confirmation": False},
                                       headers={**bearer(awards, "admin"), "If-Match": str(entry["version"])}))

    def cited() -> Any:
        answer = awards.test_client().post("/nominations", headers=vhxh, json={
            "year": 2026, "nominee_kind": "collective", "unit_id": OWN, "catalogue": "form", "award_id": entry["id"],
            "achievements": PARAGRAPHS, "evidence": {"model_ids": [model["id"]], "report_ids": [report["id"]]}})
        return answer.get_json() if answer.status_code == 201 else None

    nomination = eventually(cited)  # awards knows the model and the report from the events of their sending
    _ok(awards.test_client().post(f"/nominations/{nomination['id']}/files", headers=vhxh, content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(PDF), FILE_NAME), "caption": CAPTION}), 201)
    nomination = _ok(awards.test_client().get(f"/nominations/{nomination['id']}", headers=vhxh))
    step = _ok(awards.test_client().post(f"/nominations/{nomination['id']}/propose", json={"note": ONE_LINE},
                                         headers={**vhxh, "If-Match": str(nomination["version"])}))
    step = _ok(awards.test_client().post(f"/nominations/{nomination['id']}/review", headers={
        **vhxh, "If-Match": str(step["version"])}, json={
        "approved": True, "meeting_date": "2026-03-01", "votes_for": 7, "votes_against": 0, "minutes": PARAGRAPHS}))
    decision = _ok(awards.test_client().post("/decisions", headers=bearer(awards, "lanh_dao"), json={
        "nominations": [{"id": nomination["id"], "version": step["version"]}], "signer_name": ONE_LINE}), 201)
    return {"model": model, "nomination": nomination, "decision": decision, "consolidated": consolidated}


def test_every_document_and_export_renders_and_reads_composed_with_awkward_text(stack: Stack, office) -> None:
    records = awkward_records(stack)
    leader = stack.gateway.test_client()
    login(leader, "lanhdao")
    nomination_id = records["nomination"]["id"]

    # Tải hồ sơ: the file names inside the ZIP and the manifest are composed, the caption is in the manifest
    answer = leader.get(f"/khen-thuong/de-nghi/{nomination_id}/ho-so", buffered=False)
    assert answer.status_code == 200 and answer.mimetype == "application/zip", answer.status_code
    assert _nfc(unquote(answer.headers["Content-Disposition"].split("filename*=UTF-8''")[1]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(answer.response)))
    answer.close()
    names = archive.namelist()
    assert all(_nfc(name) for name in names), names
    wanted = unicodedata.normalize("NFC", FILE_NAME)
    assert sum(name.endswith(wanted) for name in names) == 2, names  # the model's file and the nomination's own
    assert any(name.startswith("Mô hình ") and NFC_NAME in name for name in names), names
    manifest_text = archive.read("Danh mục hồ sơ.csv").decode("utf-8-sig")
    assert _nfc(manifest_text)
    rows = list(csv.reader(io.StringIO(manifest_text)))
    filed = {row[0]: row for row in rows[2:]}
    assert set(filed) == set(names) - {"Danh mục hồ sơ.csv"}, (filed, names)
    captions = [row[2] for row in filed.values()]
    assert unicodedata.normalize("NFC", CAPTION) in captions, captions
    assert all(archive.read(name) == PDF for name in names if name.endswith(wanted))

    # the Word documents and the workbooks, as the gateway hands them out
    downloads = {
        "awkward-decision": (f"/khen-thuong/quyet-dinh/{records['decision']['id']}/van-ban.docx", "docx"),
        "awkward-register": ("/khen-thuong/quyet-dinh.xlsx", "xlsx"),
        "awkward-consolidated": (f"/bao-cao/tong-hop/{records['consolidated']['id']}/van-ban.docx", "docx"),
        "awkward-annex": (f"/bao-cao/tong-hop/{records['consolidated']['id']}/phu-luc.xlsx", "xlsx"),
    }
    contents = {}
    for name, (path, kind) in downloads.items():
        got = leader.get(path)
        assert got.status_code == 200, f"{name}: {got.status_code} {got.get_data(as_text=True)[:300]}"
        if kind == "docx":
            document = Document(io.BytesIO(got.data))
            text = "\n".join([p.text for p in document.paragraphs] +
                             [cell.text for table in document.tables for row in table.rows for cell in row.cells])
        else:
            book = load_workbook(io.BytesIO(got.data))
            text = "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
                             if cell.value is not None)
        assert _nfc(text), name
        for piece in READS:
            assert piece in text, (name, piece)
        contents[name] = (got.data, kind)
    # LibreOffice opens every one and prints the composed text
    for name, rendered in office.render(contents).items():
        assert rendered.pages, name
        assert NFC_NAME in unicodedata.normalize("NFC", rendered.text), (name, rendered.text[:500])
