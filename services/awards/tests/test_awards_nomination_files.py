"""Supporting documents (minh chứng) of a nomination, in awards' own database, on PostgreSQL and SQLite: Phòng VH-XH
attaches them while the nomination is a draft; they stay as they were once it is decided; nomination-proposed names
them (never their bytes)."""
from __future__ import annotations

import hashlib
import io
import random

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from awards.models import NominationFile, NominationFileChunk
from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import Caller

pytestmark = pytest.mark.parametrize("database_kind", ["postgresql", "sqlite"])

OWN, OTHER = 12, 13
MB = 1024 * 1024
WARD_AWARD = "giay-khen-chu-tich-ubnd-phuong"
MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (10.0, 45.0, 30.0), 3: "E", 4: (106.0, 40.0, 0.0)})
    Image.new("RGB", (width, height), (21, 101, 192)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf_of_size(size: int) -> bytes:
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    return head + random.Random(size).randbytes(size - len(head))


@pytest.fixture
def ward(database_kind, awards_on, deliver_to, confirm_entries):
    """Awards with 1 MB a file and 2 MB a nomination, knowing Tổ dân phố 1 and 2."""
    app = awards_on(database_kind, EVIDENCE_MAX_FILE_BYTES=MB, EVIDENCE_MAX_RECORD_BYTES=2 * MB)
    deliver_to(app).units(12, 13)
    confirm_entries(app, WARD_AWARD)
    return app


def draft(call: Caller, entry_id) -> dict:
    made = call("POST", "/nominations", "vhxh", json={
        "year": 2026, "nominee_kind": "collective", "unit_id": OWN, "catalogue": "form",
        "award_id": entry_id(call.app, "forms", WARD_AWARD),
        "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia vệ sinh môi trường hằng tuần."})
    assert made.status_code == 201, made.json
    return made.json


def upload(call: Caller, nomination_id: int, content: bytes, name: str, caption: str = "", role: str = "vhxh",
           unit: int | None = None):
    """A multipart body as a browser sends it, spooled to a temporary file closed here (werkzeug's test client leaves
    the one it makes itself open)."""
    stream, length, boundary = stream_encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name),
                                                        "caption": caption})
    try:
        return call("POST", f"/nominations/{nomination_id}/files", role, unit, input_stream=stream,
                    content_length=length, content_type=f"multipart/form-data; boundary={boundary}")
    finally:
        stream.close()


def stored(app) -> tuple[int, int]:
    with app.extensions["dvk_db"].transaction() as session:
        return (session.scalar(select(func.count()).select_from(NominationFile)),
                session.scalar(select(func.count()).select_from(NominationFileChunk)))


def test_vhxh_attaches_documents_to_a_draft_and_readers_get_the_same_bytes(ward, entry_id):
    call = Caller(ward)
    nomination = draft(call, entry_id)
    base = f"/nominations/{nomination['id']}/files"
    image, report = photo(3000, 2000), pdf_of_size(300 * 1024)

    sent = upload(call, nomination["id"], image, "Ảnh ra quân Chủ nhật.jpg", "Tổ dân phố ra quân dọn hẻm")
    assert sent.status_code == 201, sent.json
    assert (sent.json["nomination_id"], sent.json["sha256"], sent.json["height"]) == (nomination["id"], sha(image), 2000)
    again = upload(call, nomination["id"], image, "lan-hai.jpg")
    assert again.status_code == 200 and again.json["id"] == sent.json["id"]  # the same bytes are kept once
    document = upload(call, nomination["id"], report, "Báo cáo thành tích tập thể.pdf", "Có xác nhận của Chi bộ")
    assert document.status_code == 201

    assert [(f["name"], f["sha256"]) for f in call("GET", base, "lanh_dao").json] == [
        ("Ảnh ra quân Chủ nhật.jpg", sha(image)), ("Báo cáo thành tích tập thể.pdf", sha(report))]
    original = call("GET", f"{base}/{document.json['id']}", "don_vi", OWN)  # the nominated unit reads its dossier
    assert original.status_code == 200 and sha(original.data) == sha(report)
    assert original.headers["Content-Disposition"].startswith("inline;") and "filename*=UTF-8''" in original.headers[
        "Content-Disposition"]
    preview = call("GET", f"{base}/{sent.json['id']}/preview", "giam_sat")
    with Image.open(io.BytesIO(preview.data)) as shown:
        assert max(shown.size) == 2560 and len(shown.getexif()) == 0  # no GPS position
    with Image.open(io.BytesIO(call("GET", f"{base}/{sent.json['id']}/thumbnail", "admin").data)) as shown:
        assert max(shown.size) == 320

    # another unit's officer finds nothing; a unit officer does not write the dossier
    for path in (base, f"{base}/{sent.json['id']}", f"{base}/{sent.json['id']}/thumbnail"):
        hidden = call("GET", path, "don_vi", OTHER)
        assert hidden.status_code == 404 and hidden.json["title"] == "Không tìm thấy đề nghị khen thưởng."
    assert upload(call, nomination["id"], report, "x.pdf", role="don_vi", unit=OWN).status_code == 403
    assert call("DELETE", f"{base}/{document.json['id']}", "vhxh").status_code == 204
    assert [f["name"] for f in call("GET", base, "vhxh").json] == ["Ảnh ra quân Chủ nhật.jpg"]


def test_refused_documents_store_nothing(ward, entry_id):
    call = Caller(ward)
    nomination = draft(call, entry_id)
    assert upload(call, nomination["id"], pdf_of_size(700 * 1024), "bao-cao-1.pdf").status_code == 201
    before = stored(ward)

    too_big = upload(call, nomination["id"], pdf_of_size(MB + 1), "quá lớn.pdf")
    assert too_big.status_code == 413 and too_big.json["title"] == "Tệp vượt quá 1 MB, dung lượng tối đa của một tệp."
    program = upload(call, nomination["id"], b"MZ\x90\x00" + bytes(4096), "bao-cao.pdf")
    assert program.status_code == 415 and program.json["title"] == "Loại tệp không được nhận."
    broken = upload(call, nomination["id"], b"\xff\xd8\xff\xe0" + bytes(2048), "anh.jpg")
    assert broken.status_code == 422 and broken.json["errors"] == {"file": ["Ảnh bị hỏng hoặc không đọc được."]}
    assert upload(call, nomination["id"], pdf_of_size(900 * 1024), "bao-cao-2.pdf").status_code == 201
    full = upload(call, nomination["id"], pdf_of_size(600 * 1024), "bao-cao-3.pdf")
    assert full.status_code == 413 and full.json["type"] == "urn:dvk:problem:record-files-too-large"
    assert stored(ward)[0] == before[0] + 1


def test_documents_are_locked_once_proposed_frozen_once_decided_and_named_by_the_proposal(ward, entry_id):
    call = Caller(ward)
    nomination = draft(call, entry_id)
    report = pdf_of_size(200 * 1024)
    kept = upload(call, nomination["id"], report, "Báo cáo thành tích.pdf", "Báo cáo thành tích")
    assert kept.status_code == 201
    base = f"/nominations/{nomination['id']}/files"

    nomination = call("POST", f"/nominations/{nomination['id']}/propose", "vhxh", json={},
                      if_match=nomination["version"]).json
    locked = call("DELETE", f"{base}/{kept.json['id']}", "vhxh")
    assert locked.status_code == 409 and locked.json["type"] == "urn:dvk:problem:files-locked"
    assert locked.json["title"] == "Chỉ thêm hoặc gỡ tệp minh chứng khi đề nghị còn là bản nháp."
    nomination = call("POST", f"/nominations/{nomination['id']}/review", "vhxh", json={
        "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES},
        if_match=nomination["version"]).json
    decided = call("POST", "/decisions", "lanh_dao", json={
        "nominations": [{"id": nomination["id"], "version": nomination["version"]}], "signer_name": "Phạm Quốc Chương"})
    assert decided.status_code == 201, decided.json

    for refused in (call("DELETE", f"{base}/{kept.json['id']}", "vhxh"),
                    upload(call, nomination["id"], photo(640, 480), "anh-moi.jpg")):
        assert refused.status_code == 409 and refused.json["type"] == "urn:dvk:problem:files-frozen"
        assert refused.json["title"] == ("Đề nghị đã có quyết định khen thưởng hoặc đã trình cấp trên: tệp minh chứng "
                                         "được giữ nguyên như khi xét.")
    assert sha(call("GET", f"{base}/{kept.json['id']}", "lanh_dao").data) == sha(report)

    rows = assert_outbox_matches_contract(ward)  # the additive `files` field validates against contracts/
    (proposed,) = [row["payload"] for row in rows if row["type"] == "vn.dvk.awards.nomination-proposed.v1"]
    assert proposed["files"] == [{"file_id": kept.json["id"], "name": "Báo cáo thành tích.pdf",
                                  "media_type": "application/pdf", "size": len(report), "sha256": sha(report)}]
