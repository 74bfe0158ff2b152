"""Evidence files through the gateway: a 20 MB scan goes to the registration service and comes back piece by piece."""
from __future__ import annotations

import hashlib
import io
import random
import tracemalloc
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from dvk_testing.plugin import bearer

from .conftest import Stack, csrf_from, login

MB = 1024 * 1024
OWN = 12
MODEL = {"title": "Tổ dân phố 1 không rác thải nhựa", "field": "van_hoa_xa_hoi", "goals": "Giảm rác thải nhựa.",
         "content": "Phân loại rác tại nguồn.", "target_group": "120 hộ", "person_in_charge": "Phạm Văn Nam",
         "start_date": "2026-03-01", "end_date": "2026-11-30", "expected_results": "80% hộ phân loại rác.", "year": 2026}

SECTIONS = {
    "leadership": "Chi bộ ra nghị quyết chuyên đề.", "effectiveness": "62% hộ phân loại rác.",
    "good_practices": "Đổi chai nhựa lấy cây xanh.", "difficulties": "Thiếu thùng rác phân loại.",
    "recommendations": "Hỗ trợ 20 bộ thùng rác.", "next_direction": "Mở rộng sang tổ dân phố 2.",
}


def test_a_20_mb_scan_streams_through_the_gateway_both_ways(stack: Stack, tmp_path) -> None:
    """Every process of the path runs here (the gateway and the registration service, served over HTTP): Python's
    allocations while 20 MB go up and come back stay under 10 MB, so neither holds the file."""
    registration = stack.apps["registration"]
    model = registration.test_client().post("/models", json=MODEL, headers=bearer(registration, "don_vi", OWN)).get_json()
    browser = stack.gateway.test_client()
    login(browser, "tdp1")
    csrf = csrf_from(browser.get(f"/mo-hinh/{model['id']}").get_data(as_text=True))
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    source = tmp_path / "Công văn số 12.pdf"
    source.write_bytes(head + random.Random(20).randbytes(20 * MB - len(head)))
    expected = hashlib.sha256(source.read_bytes()).hexdigest()

    tracemalloc.start()
    try:
        with source.open("rb") as stream:
            body, length, boundary = stream_encode_multipart(
                {"csrf_token": csrf, "caption": "Công văn số 12", "file": FileStorage(stream, filename=source.name)})
            tracemalloc.reset_peak()
            sent = browser.post(f"/mo-hinh/{model['id']}/minh-chung", input_stream=body, content_length=length,
                                content_type=f"multipart/form-data; boundary={boundary}", headers={"Accept": "application/json"})
            upload_peak = tracemalloc.get_traced_memory()[1]
            body.close()
        assert sent.status_code == 201, sent.get_data(as_text=True)
        [stored] = sent.get_json()["files"]
        assert (stored["name"], stored["size"], stored["sha256"]) == ("Công văn số 12.pdf", 20 * MB, expected)
        tracemalloc.reset_peak()
        answer = browser.get(f"/mo-hinh/{model['id']}/minh-chung/{stored['id']}", buffered=False)
        digest, size = hashlib.sha256(), 0
        for piece in answer.response:
            digest.update(piece)
            size += len(piece)
        answer.close()
        download_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("inline")
    assert answer.headers["Cache-Control"] == "private, no-cache"
    assert (size, digest.hexdigest()) == (20 * MB, expected)
    # held whole, the file alone would be 20 MB; the peak also counts the other threads of this process (the relays
    # and consumers of five services running beside), which on a busy machine add about a chunk (0.5 MB) or two
    assert upload_peak < 12 * MB, upload_peak
    assert download_peak < 12 * MB, download_peak


def test_a_refused_file_is_said_in_vietnamese_and_nothing_is_kept(stack: Stack) -> None:
    registration = stack.apps["registration"]
    model = registration.test_client().post("/models", json=MODEL, headers=bearer(registration, "don_vi", OWN)).get_json()
    browser = stack.gateway.test_client()
    login(browser, "tdp1")
    page = f"/mo-hinh/{model['id']}"
    csrf = csrf_from(browser.get(page).get_data(as_text=True))
    program = io.BytesIO(b"MZ\x90\x00" + bytes(2048))
    refused = browser.post(f"{page}/minh-chung", data={"csrf_token": csrf, "file": (program, "anh-dep.jpg"), "caption": ""},
                           content_type="multipart/form-data", follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "Loại tệp không được nhận." in text and "không theo đuôi tên tệp" in text
    assert "Chưa có tệp minh chứng nào." in text


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def _new_report(stack: Stack, year: int, period: str) -> dict[str, Any]:
    """A draft report of Tổ dân phố 1, once reporting knows the unit from registration's events."""
    from .conftest import eventually

    reporting = stack.apps["reporting"]

    def create() -> Any:
        answer = reporting.test_client().post("/reports", json={"year": year, "period": period},
                                              headers=bearer(reporting, "don_vi", OWN))
        return answer.get_json() if answer.status_code == 201 else None

    return eventually(create)


def _other_officer(stack: Stack, username: str) -> Any:
    """Signed in as the officer of Tổ dân phố 2."""
    from .conftest import add_user

    add_user(stack.gateway, username, "don_vi", unit_id=13)
    browser = stack.gateway.test_client()
    assert login(browser, username).status_code == 302
    return browser


def _send(browser, path: str, csrf: str, content: bytes, name: str, caption: str):
    return browser.post(path, data={"csrf_token": csrf, "file": (io.BytesIO(content), name), "caption": caption},
                        content_type="multipart/form-data", headers={"Accept": "application/json"})


def test_a_report_takes_evidence_on_its_page_and_the_same_bytes_again_answer_200(stack: Stack) -> None:
    """The report's page has the same section as a model's; the gateway answers as the service did: 201 for a file
    stored now, 200 when the same bytes were already on the report (kept once)."""
    report = _new_report(stack, 2031, "six_month")
    browser = stack.gateway.test_client()
    login(browser, "tdp1")
    page = browser.get(f"/bao-cao/{report['id']}").get_data(as_text=True)
    assert "Tệp minh chứng" in page and "Chọn tệp minh chứng" in page and "tối đa 20 MB một tệp" in page
    assert page.index('href="/static/evidence.css') < page.index("<body")  # the section's style sheet in the head
    csrf = csrf_from(page)
    photo = _jpeg((46, 125, 50))
    first = _send(browser, f"/bao-cao/{report['id']}/minh-chung", csrf, photo, "Họp dân.jpg", "Họp dân tháng 5")
    again = _send(browser, f"/bao-cao/{report['id']}/minh-chung", csrf, photo, "Họp dân (2).jpg", "")
    assert (first.status_code, again.status_code) == (201, 200), again.get_data(as_text=True)
    assert first.get_json()["files"][0]["id"] == again.get_json()["files"][0]["id"]
    page = browser.get(f"/bao-cao/{report['id']}").get_data(as_text=True)
    file_id = first.get_json()["files"][0]["id"]
    assert f'src="/bao-cao/{report["id"]}/minh-chung/{file_id}/xem?co=nho"' in page and "Họp dân tháng 5" in page
    thumbnail = browser.get(f"/bao-cao/{report['id']}/minh-chung/{file_id}/xem?co=nho")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    program = io.BytesIO(b"MZ\x90\x00" + bytes(2048))  # a program named as a photo: refused in Vietnamese, nothing kept
    refused = browser.post(f"/bao-cao/{report['id']}/minh-chung", data={"csrf_token": csrf, "file": (program, "anh.jpg"),
                                                                      "caption": ""},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Loại tệp không được nhận." in refused.get_data(as_text=True)
    assert len(browser.get(f"/bao-cao/{report['id']}").get_data(as_text=True).split('class="evidence-item"')) == 2
    other = _other_officer(stack, "tdp2-bao-cao")
    assert other.get(f"/bao-cao/{report['id']}/minh-chung/{file_id}").status_code == 404


def test_the_upload_limit_is_the_gateways_setting(make_gateway) -> None:
    small = make_gateway(EVIDENCE_MAX_FILE_BYTES=1024 * 1024)
    assert small.extensions["large_bodies"]["evidence.model_upload"] == 1024 * 1024 + 64 * 1024
    assert small.extensions["large_bodies"]["evidence.report_upload"] == 1024 * 1024 + 64 * 1024


def test_the_nominations_dossier_is_one_zip_of_every_cited_file_with_its_hash(stack: Stack) -> None:
    """"Tải hồ sơ": the cited model's and report's files in one ZIP, Vietnamese names (NFC) inside and in
    `filename*`, a manifest with each file's SHA-256; another unit's officer may not read the nomination: 404."""
    import csv
    import unicodedata
    import zipfile
    from urllib.parse import unquote

    from .conftest import eventually

    registration, awards = stack.apps["registration"], stack.apps["awards"]
    model = registration.test_client().post("/models", json=MODEL, headers=bearer(registration, "don_vi", OWN)).get_json()
    report = _new_report(stack, 2032, "annual")
    browser = stack.gateway.test_client()
    login(browser, "tdp1")
    csrf = csrf_from(browser.get(f"/mo-hinh/{model['id']}").get_data(as_text=True))
    decomposed = unicodedata.normalize("NFD", "Biên bản họp dân.pdf")  # as a Mac names it
    document = b"%PDF-1.4\n" + random.Random(7).randbytes(300_000)
    sent = {
        "Ra quân.jpg": _jpeg((21, 101, 192)),
        "Biên bản họp dân.pdf": document,
    }
    assert _send(browser, f"/mo-hinh/{model['id']}/minh-chung", csrf, sent["Ra quân.jpg"], "Ra quân.jpg",
                 "Ra quân sáng Chủ nhật").status_code == 201
    assert _send(browser, f"/mo-hinh/{model['id']}/minh-chung", csrf, document, decomposed, "").status_code == 201
    report_photo = _jpeg((239, 108, 0))
    assert _send(browser, f"/bao-cao/{report['id']}/minh-chung", csrf, report_photo, "Ra quân.jpg", "").status_code == 201

    # sent to Phòng VH-XH: awards knows a model or report from the events of its sending
    registration.test_client().post(f"/models/{model['id']}/submit", json={}, headers={
        **bearer(registration, "don_vi", OWN), "If-Match": str(model["version"])})
    reporting = stack.apps["reporting"]
    written = reporting.test_client().patch(f"/reports/{report['id']}", json={"sections": SECTIONS}, headers={
        **bearer(reporting, "don_vi", OWN), "If-Match": str(report["version"])}).get_json()
    submitted = reporting.test_client().post(f"/reports/{report['id']}/submit", json={}, headers={
        **bearer(reporting, "don_vi", OWN), "If-Match": str(written["version"])})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)

    def cited() -> Any:
        answer = awards.test_client().post("/nominations", headers=bearer(awards, "vhxh"), json={
            "year": 2026, "nominee_kind": "collective", "unit_id": OWN, "catalogue": "form",
            "award_id": next(e["id"] for e in awards.test_client().get("/catalogue/forms", headers=bearer(awards, "vhxh")).get_json()
                             if e["code"] == "giay-khen-chu-tich-ubnd-phuong"),
            "achievements": "Mô hình phân loại rác tại nguồn được nhân dân đồng tình.",
            "evidence": {"model_ids": [model["id"]], "report_ids": [report["id"]]}})
        return answer.get_json() if answer.status_code == 201 else None

    nomination = eventually(cited)  # awards knows the model and the report from their events
    letter = b"%PDF-1.4\n" + random.Random(9).randbytes(50_000)  # Phòng VH-XH's own document of the nomination
    attached = awards.test_client().post(f"/nominations/{nomination['id']}/files", headers=bearer(awards, "vhxh"),
                                         data={"file": (io.BytesIO(letter), "Báo cáo thành tích.pdf"), "caption": ""})
    assert attached.status_code == 201, attached.get_data(as_text=True)
    leader = stack.gateway.test_client()
    login(leader, "lanhdao")
    page = leader.get(f"/khen-thuong/de-nghi/{nomination['id']}").get_data(as_text=True)
    assert "Tải hồ sơ" in page and f"/mo-hinh/{model['id']}/minh-chung/" in page and "Ra quân sáng Chủ nhật" in page
    answer = leader.get(f"/khen-thuong/de-nghi/{nomination['id']}/ho-so", buffered=False)
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == \
        f"Hồ sơ đề nghị khen thưởng {nomination['id']} - Tổ dân phố 1.zip"
    content = b"".join(answer.response)
    answer.close()
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    model_folder = f"Mô hình {MODEL['title']} (số {model['id']})"
    assert f"{model_folder}/Ra quân.jpg" in names and f"{model_folder}/Biên bản họp dân.pdf" in names  # NFC
    [report_entry] = [n for n in names if n.startswith("Báo cáo tổng kết năm 2032")]
    assert archive.read(f"{model_folder}/Biên bản họp dân.pdf") == document
    assert archive.read(report_entry) == report_photo
    assert archive.read("Văn bản/Báo cáo thành tích.pdf") == letter
    manifest = list(csv.reader(io.StringIO(archive.read("Danh mục hồ sơ.csv").decode("utf-8-sig"))))
    hashes = {row[0]: row[4] for row in manifest[2:]}
    assert hashes == {name: hashlib.sha256(archive.read(name)).hexdigest() for name in names if name != "Danh mục hồ sơ.csv"}
    assert hashes[f"{model_folder}/Ra quân.jpg"] == hashlib.sha256(sent["Ra quân.jpg"]).hexdigest()
    other = _other_officer(stack, "tdp2-ho-so")
    assert other.get(f"/khen-thuong/de-nghi/{nomination['id']}/ho-so").status_code == 404
