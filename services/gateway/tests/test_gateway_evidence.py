"""Evidence files through the gateway: a 20 MB scan goes to the registration service and comes back piece by piece."""
from __future__ import annotations

import hashlib
import io
import random
import tracemalloc

from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from dvk_platform.testing.plugin import bearer

from .conftest import Stack, csrf_from, login

MB = 1024 * 1024
OWN = 12
MODEL = {"title": "Tổ dân phố 1 không rác thải nhựa", "field": "van_hoa_xa_hoi", "goals": "Giảm rác thải nhựa.",
         "content": "Phân loại rác tại nguồn.", "target_group": "120 hộ", "person_in_charge": "Phạm Văn Nam",
         "start_date": "2026-03-01", "end_date": "2026-11-30", "expected_results": "80% hộ phân loại rác.", "year": 2026}


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
