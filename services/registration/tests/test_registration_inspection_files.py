"""Evidence files (minh chứng) of an inspection: Phòng VH-XH attaches the minutes and photos of its check; they stay
as they were once the model is named typical, and the model-marked-typical event names them (never their bytes)."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from dvk_testing.contract import assert_outbox_matches_contract
from registration.models import InspectionFile, InspectionFileChunk
from registration.seed import seed

OWN, OTHER = 12, 13
MB = 1024 * 1024


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def small_app(make_service, database_kind, clock):
    """Registration with 1 MB a file and 2 MB an inspection, so the limits are reached without large uploads."""
    service = make_service("registration", database_kind, CLOCK=clock, EVIDENCE_MAX_FILE_BYTES=MB,
                           EVIDENCE_MAX_RECORD_BYTES=2 * MB)
    seed(service)
    return service


def inspected_model(http, wf) -> tuple[dict, dict]:
    model = wf.draft(http, OWN)
    model = wf.act(http, model, "submit", "don_vi", OWN)
    model = wf.act(http, model, "accept", "vhxh")
    inspection = http("POST", f"/models/{model['id']}/inspections", "vhxh", json={
        "inspected_on": "2026-02-09", "inspector": "Lê Thị Mai", "rating": "tot", "findings": "Hẻm sạch, có cây xanh."})
    assert inspection.status_code == 201, inspection.json
    return model, inspection.json


def upload(http, samples, base: str, content: bytes, name: str, caption: str = "", role: str = "vhxh",
           unit: int | None = None):
    body = samples.multipart({"file": FileStorage(io.BytesIO(content), filename=name), "caption": caption})
    try:
        return http("POST", f"{base}/files", role, unit, **body)
    finally:
        body["input_stream"].close()


def stored(app) -> tuple[int, int]:
    with app.extensions["dvk_db"].transaction() as session:
        return (session.scalar(select(func.count()).select_from(InspectionFile)),
                session.scalar(select(func.count()).select_from(InspectionFileChunk)))


def test_vhxh_attaches_the_minutes_and_photos_of_an_inspection_and_readers_open_them(small_app, wf, samples):
    http = wf.http_for(small_app)
    model, inspection = inspected_model(http, wf)
    base = f"/models/{model['id']}/inspections/{inspection['id']}"
    photo, minutes = samples.photo(3000, 2000), samples.pdf()

    sent = upload(http, samples, base, photo, "Ảnh hẻm 12 khi kiểm tra.jpg", "Hẻm 12 sau khi ra quân")
    assert sent.status_code == 201, sent.json
    assert (sent.json["inspection_id"], sent.json["sha256"], sent.json["width"], sent.json["has_preview"]) == (
        inspection["id"], sha(photo), 3000, True)
    assert upload(http, samples, base, photo, "lan-hai.jpg").status_code == 200  # the same bytes: kept once
    document = upload(http, samples, base, minutes, "Biên bản kiểm tra.pdf", "Biên bản có chữ ký")
    assert document.status_code == 201

    assert [(f["name"], f["caption"]) for f in http("GET", f"{base}/files", "giam_sat").json] == [
        ("Ảnh hẻm 12 khi kiểm tra.jpg", "Hẻm 12 sau khi ra quân"), ("Biên bản kiểm tra.pdf", "Biên bản có chữ ký")]
    original = http("GET", f"{base}/files/{sent.json['id']}", "don_vi", OWN)  # the unit reads its model's checks
    assert original.status_code == 200 and sha(original.data) == sha(photo)
    assert sha(http("GET", f"{base}/files/{document.json['id']}", "lanh_dao").data) == sha(minutes)
    preview = http("GET", f"{base}/files/{sent.json['id']}/preview", "vhxh")
    with Image.open(io.BytesIO(preview.data)) as shown:
        assert max(shown.size) == 2560 and len(shown.getexif()) == 0  # no GPS position of the photo
    thumbnail = http("GET", f"{base}/files/{sent.json['id']}/thumbnail", "vhxh")
    with Image.open(io.BytesIO(thumbnail.data)) as shown:
        assert max(shown.size) == 320

    # only Phòng VH-XH writes; another unit's officer finds nothing, the file of one inspection is not another's
    assert upload(http, samples, base, samples.pdf_of_size(2048), "x.pdf", role="don_vi", unit=OWN).status_code == 403
    for path in (f"{base}/files", f"{base}/files/{sent.json['id']}", f"{base}/files/{sent.json['id']}/preview"):
        hidden = http("GET", path, "don_vi", OTHER)
        assert hidden.status_code == 404 and hidden.json["title"] == "Không tìm thấy mô hình."
    other_model, other_inspection = inspected_model(http, wf)
    wrong = http("GET", f"/models/{other_model['id']}/inspections/{other_inspection['id']}/files/{sent.json['id']}", "vhxh")
    assert wrong.status_code == 404 and wrong.json["title"] == "Không tìm thấy tệp minh chứng."
    mismatched = http("GET", f"/models/{other_model['id']}/inspections/{inspection['id']}/files", "vhxh")
    assert mismatched.status_code == 404 and mismatched.json["title"] == "Không tìm thấy lần kiểm tra."

    assert http("DELETE", f"{base}/files/{document.json['id']}", "vhxh").status_code == 204
    assert [f["name"] for f in http("GET", f"{base}/files", "vhxh").json] == ["Ảnh hẻm 12 khi kiểm tra.jpg"]


def test_refused_files_store_nothing(small_app, wf, samples):
    http = wf.http_for(small_app)
    model, inspection = inspected_model(http, wf)
    base = f"/models/{model['id']}/inspections/{inspection['id']}"
    assert upload(http, samples, base, samples.pdf_of_size(700 * 1024), "bien-ban-1.pdf").status_code == 201
    before = stored(small_app)

    too_big = upload(http, samples, base, samples.pdf_of_size(MB + 1), "quá lớn.pdf")
    assert too_big.status_code == 413 and too_big.json["title"] == "Tệp vượt quá 1 MB, dung lượng tối đa của một tệp."
    program = upload(http, samples, base, samples.program(), "anh-kiem-tra.jpg")
    assert program.status_code == 415 and program.json["title"] == "Loại tệp không được nhận."
    empty = upload(http, samples, base, b"", "rong.pdf")
    assert empty.status_code == 422 and empty.json["errors"] == {"file": ["Tệp rỗng (0 byte)."]}
    assert upload(http, samples, base, samples.pdf_of_size(900 * 1024), "bien-ban-2.pdf").status_code == 201
    full = upload(http, samples, base, samples.pdf_of_size(600 * 1024), "bien-ban-3.pdf")
    assert full.status_code == 413 and full.json["type"] == "urn:dvk:problem:record-files-too-large"
    assert stored(small_app)[0] == before[0] + 1


def test_files_stay_as_they_were_once_the_model_is_typical_and_its_event_names_them(small_app, wf, samples):
    http = wf.http_for(small_app)
    model, inspection = inspected_model(http, wf)
    base = f"/models/{model['id']}/inspections/{inspection['id']}"
    minutes = samples.pdf()
    kept = upload(http, samples, base, minutes, "Biên bản kiểm tra.pdf", "Biên bản có chữ ký")
    assert kept.status_code == 201
    model = http("GET", f"/models/{model['id']}", "vhxh").json
    typical = http("POST", f"/models/{model['id']}/typical", "vhxh", json={}, if_match=model["version"])
    assert typical.status_code == 200, typical.json

    removed = http("DELETE", f"{base}/files/{kept.json['id']}", "vhxh")
    assert removed.status_code == 409 and removed.json["type"] == "urn:dvk:problem:files-frozen"
    assert removed.json["title"] == ("Mô hình đã được chọn làm điển hình: tệp minh chứng của các lần kiểm tra được giữ "
                                     "nguyên như khi chọn.")
    added = upload(http, samples, base, samples.photo(640, 480), "anh-moi.jpg")
    assert added.status_code == 409 and added.json["type"] == "urn:dvk:problem:files-frozen"
    assert [f["id"] for f in http("GET", f"{base}/files", "vhxh").json] == [kept.json["id"]]

    rows = assert_outbox_matches_contract(small_app)  # the additive fields validate against contracts/
    (marked,) = [row["payload"] for row in rows if row["type"].endswith("model-marked-typical.v1")]
    assert marked["inspection_id"] == inspection["id"]
    assert marked["inspection_files"] == [{
        "file_id": kept.json["id"], "name": "Biên bản kiểm tra.pdf", "media_type": "application/pdf",
        "size": len(minutes), "sha256": sha(minutes)}]
