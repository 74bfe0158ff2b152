"""Evidence files (minh chứng) of a model: kept in registration's own database, checked by content, streamed."""
from __future__ import annotations

import hashlib
import io
import threading
import tracemalloc
import unicodedata
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from dvk_testing.contract import assert_outbox_matches_contract
from registration.models import ModelFile, ModelFileChunk, ModelRegistration

OWN, OTHER = 12, 13
MB = 1024 * 1024


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stored_counts(app) -> tuple[int, int]:
    with app.extensions["dvk_db"].transaction() as session:
        return (session.scalar(select(func.count()).select_from(ModelFile)),
                session.scalar(select(func.count()).select_from(ModelFileChunk)))


def test_unit_uploads_a_photo_and_a_pdf_and_readers_get_the_same_bytes_back(app, http, wf, samples):
    model = wf.draft(http, OWN)
    photo, pdf = samples.photo(), samples.pdf()
    # typed on a Mac the name arrives decomposed (NFD); it is kept composed (NFC), as the person wrote it
    decomposed = unicodedata.normalize("NFD", "Ảnh ra quân Chủ nhật.jpg")
    sent = samples.upload(http, model["id"], photo, decomposed, "Ra quân dọn hẻm 12, sáng Chủ nhật")
    assert sent.status_code == 201, sent.json
    assert sent.json | {"id": 0, "uploaded_at": ""} == {
        "id": 0, "model_id": model["id"], "name": "Ảnh ra quân Chủ nhật.jpg", "caption": "Ra quân dọn hẻm 12, sáng Chủ nhật",
        "media_type": "image/jpeg", "size": len(photo), "sha256": sha(photo), "width": 3000, "height": 2000,
        "has_preview": True, "uploaded_by_name": "Cán bộ don_vi", "uploaded_at": ""}
    minutes = samples.upload(http, model["id"], pdf, "Biên bản họp dân.pdf", "Biên bản họp tổ dân phố")
    assert minutes.status_code == 201 and minutes.json["media_type"] == "application/pdf"

    listed = http("GET", f"/models/{model['id']}/files", "vhxh").json
    assert [(f["name"], f["sha256"]) for f in listed] == [("Ảnh ra quân Chủ nhật.jpg", sha(photo)), ("Biên bản họp dân.pdf", sha(pdf))]
    assert [f["name"] for f in http("GET", f"/models/{model['id']}", "giam_sat").json["files"]] == [
        "Ảnh ra quân Chủ nhật.jpg", "Biên bản họp dân.pdf"]

    original = http("GET", f"/models/{model['id']}/files/{sent.json['id']}", "vhxh")
    assert original.status_code == 200 and original.mimetype == "image/jpeg"
    assert sha(original.data) == sha(photo)  # the original is kept, EXIF and all
    assert original.headers["Content-Disposition"] == (
        "inline; filename=\"Anh ra quan Chu nhat.jpg\"; filename*=UTF-8''" + quote("Ảnh ra quân Chủ nhật.jpg", safe=""))
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    document = http("GET", f"/models/{model['id']}/files/{minutes.json['id']}", "lanh_dao")
    assert document.mimetype == "application/pdf" and document.data == pdf
    assert document.headers["Content-Disposition"].startswith("inline;")  # opens in the browser

    preview = http("GET", f"/models/{model['id']}/files/{sent.json['id']}/preview", "giam_sat")
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(preview.data)) as image:
        assert image.size == (2560, 1707)  # downscaled to 2,560 px on its long side, proportions kept
        assert image.getexif().get_ifd(0x8825) == {} and len(image.getexif()) == 0  # no GPS position, no EXIF
    thumbnail = http("GET", f"/models/{model['id']}/files/{sent.json['id']}/thumbnail", "don_vi", OWN)
    with Image.open(io.BytesIO(thumbnail.data)) as image:
        assert max(image.size) == 320
    no_preview = http("GET", f"/models/{model['id']}/files/{minutes.json['id']}/preview", "vhxh")
    assert no_preview.status_code == 404 and no_preview.mimetype == "application/problem+json"


def test_the_same_bytes_twice_on_one_model_are_stored_once(app, http, wf, samples):
    model = wf.draft(http, OWN)
    photo = samples.photo(800, 600)
    first = samples.upload(http, model["id"], photo, "anh-1.jpg", "Lần đầu")
    before = stored_counts(app)
    again = samples.upload(http, model["id"], photo, "anh-chup-lai.jpg", "Lần hai")
    assert again.status_code == 200 and again.json["id"] == first.json["id"] and again.json["name"] == "anh-1.jpg"
    assert stored_counts(app) == before
    other_model = wf.draft(http, OWN, title="Mô hình khác")
    assert samples.upload(http, other_model["id"], photo, "anh-1.jpg").status_code == 201  # another record: its own copy


def test_refused_files_get_a_vietnamese_problem_and_nothing_is_stored(app, http, wf, samples):
    model = wf.draft(http, OWN)
    before = stored_counts(app)

    too_big = samples.upload(http, model["id"], samples.pdf_of_size(20 * MB + 1), "bao-cao.pdf")
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"
    assert too_big.json["title"] == "Tệp vượt quá 20 MB, dung lượng tối đa của một tệp."

    disguised = samples.upload(http, model["id"], samples.program(), "anh-dep.jpg")
    assert disguised.status_code == 415
    assert disguised.json["title"] == "Loại tệp không được nhận."
    assert "theo nội dung, không theo đuôi tên tệp" in disguised.json["detail"]

    empty = samples.upload(http, model["id"], b"", "trong.pdf")
    assert empty.status_code == 422 and empty.json["errors"] == {"file": ["Tệp rỗng (0 byte)."]}
    no_file = http("POST", f"/models/{model['id']}/files", "don_vi", OWN, **samples.multipart({"caption": "Quên chọn tệp"}))
    assert no_file.status_code == 422 and no_file.json["errors"] == {"file": ["Cần chọn đúng một tệp trong mỗi lần gửi."]}
    as_json = http("POST", f"/models/{model['id']}/files", "don_vi", OWN, json={"file": "abc"})
    assert as_json.status_code == 415
    long_caption = samples.upload(http, model["id"], samples.pdf(), "a.pdf", "x" * 501)
    assert long_caption.status_code == 422 and long_caption.json["errors"] == {"caption": ["Chú thích dài tối đa 500 ký tự."]}
    broken_image = samples.upload(http, model["id"], samples.photo(400, 300)[:600], "hong.jpg")
    assert broken_image.status_code == 422 and broken_image.json["errors"] == {"file": ["Ảnh bị hỏng hoặc không đọc được."]}

    assert stored_counts(app) == before
    assert http("GET", f"/models/{model['id']}/files", "don_vi", OWN).json == []


def test_a_model_holds_at_most_the_record_limit(make_service, clock, samples, wf):
    from registration.seed import seed

    app = make_service("registration", "sqlite", CLOCK=clock, EVIDENCE_MAX_FILE_BYTES=2 * MB, EVIDENCE_MAX_RECORD_BYTES=3 * MB)
    seed(app)
    http = wf.http_for(app)
    model = wf.draft(http, OWN)
    assert samples.upload(http, model["id"], samples.pdf_of_size(2 * MB), "mot.pdf").status_code == 201
    refused = samples.upload(http, model["id"], samples.pdf_of_size(MB + 1), "hai.pdf")
    assert refused.status_code == 413
    assert refused.json["title"] == "Tổng dung lượng tệp minh chứng của hồ sơ vượt quá 3 MB."
    assert samples.upload(http, model["id"], samples.pdf_of_size(MB), "vua-du.pdf").status_code == 201
    assert len(http("GET", f"/models/{model['id']}/files", "vhxh").json) == 2


def test_files_change_only_while_the_model_is_editable_and_stay_as_accepted(app, http, wf, samples):
    model = wf.draft(http, OWN)
    kept = samples.upload(http, model["id"], samples.photo(640, 480), "giu-lai.jpg").json
    removed = samples.upload(http, model["id"], samples.pdf(), "go-bo.pdf").json
    assert http("DELETE", f"/models/{model['id']}/files/{removed['id']}", "don_vi", OWN).status_code == 204
    assert http("GET", f"/models/{model['id']}/files/{removed['id']}", "vhxh").status_code == 404

    model = wf.act(http, model, "submit", "don_vi", OWN)
    locked = http("DELETE", f"/models/{model['id']}/files/{kept['id']}", "don_vi", OWN)
    assert locked.status_code == 409 and locked.json["type"] == "urn:dvk:problem:files-locked"
    assert samples.upload(http, model["id"], samples.pdf(), "muon.pdf").status_code == 409

    returned = wf.act(http, model, "return", "vhxh", reason="Bổ sung ảnh hoạt động.")
    assert samples.upload(http, model["id"], samples.pdf(), "bo-sung.pdf").status_code == 201
    model = wf.act(http, wf.act(http, returned, "submit", "don_vi", OWN), "accept", "vhxh")
    frozen = http("DELETE", f"/models/{model['id']}/files/{kept['id']}", "don_vi", OWN)
    assert frozen.status_code == 409
    assert frozen.json["title"] == "Mô hình đã được tiếp nhận: tệp minh chứng được giữ nguyên như khi tiếp nhận."
    assert samples.upload(http, model["id"], samples.photo(10, 10), "them.jpg").status_code == 409
    assert [f["name"] for f in http("GET", f"/models/{model['id']}/files", "vhxh").json] == ["giu-lai.jpg", "bo-sung.pdf"]


def test_another_units_officer_finds_nothing(app, http, wf, samples):
    model = wf.draft(http, OWN)
    photo = samples.upload(http, model["id"], samples.photo(640, 480), "anh.jpg").json
    base = f"/models/{model['id']}/files"
    for method, path in (("GET", base), ("GET", f"{base}/{photo['id']}"), ("GET", f"{base}/{photo['id']}/preview"),
                         ("GET", f"{base}/{photo['id']}/thumbnail"), ("DELETE", f"{base}/{photo['id']}")):
        answer = http(method, path, "don_vi", OTHER)
        assert answer.status_code == 404 and answer.json["title"] == "Không tìm thấy mô hình.", (method, path)
    assert samples.upload(http, model["id"], samples.pdf(), "chen.pdf", unit=OTHER).status_code == 404
    # a file id of another model is not reachable through this one
    mine = wf.draft(http, OTHER, title="Mô hình của tổ 2")
    assert http("GET", f"/models/{mine['id']}/files/{photo['id']}", "don_vi", OTHER).status_code == 404


def test_a_20_mb_file_streams_in_and_out_without_the_worker_holding_it(app, http, wf, samples, tmp_path):
    """The worker's Python allocations while a 20 MB file goes in and comes back stay under 10 MB (tracemalloc's
    peak): the request is spooled to a temporary file by the multipart parser, hashed and stored in 512 KiB
    chunks, and answered chunk by chunk."""
    model = wf.draft(http, OWN)
    source = tmp_path / "ban-scan.pdf"
    source.write_bytes(samples.pdf_of_size(20 * MB))
    expected = sha(source.read_bytes())
    tracemalloc.start()
    try:
        with source.open("rb") as stream:
            tracemalloc.reset_peak()
            answer = samples.upload(http, model["id"], stream, "Bản scan công văn.pdf", "Công văn số 12")
            upload_peak = tracemalloc.get_traced_memory()[1]
        assert answer.status_code == 201, answer.json
        assert answer.json["size"] == 20 * MB and answer.json["sha256"] == expected
        tracemalloc.reset_peak()
        download = http("GET", f"/models/{model['id']}/files/{answer.json['id']}", "don_vi", OWN, buffered=False)
        digest, size = hashlib.sha256(), 0
        for piece in download.response:
            digest.update(piece)
            size += len(piece)
        download.close()
        download_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (size, digest.hexdigest()) == (20 * MB, expected)
    assert upload_peak < 10 * MB, upload_peak
    assert download_peak < 10 * MB, download_peak


def test_the_models_events_name_its_files_without_their_bytes(app, http, wf, samples):
    """Higher levels learn which evidence a model was sent and accepted with: id, name, type, size and hash."""
    model = wf.draft(http, OWN)
    photo, pdf = samples.photo(640, 480), samples.pdf()
    first = samples.upload(http, model["id"], photo, "Ảnh hội nghị.jpg").json
    second = samples.upload(http, model["id"], pdf, "Biên bản.pdf").json
    model = wf.act(http, model, "submit", "don_vi", OWN)
    wf.act(http, model, "accept", "vhxh")
    rows = assert_outbox_matches_contract(app)  # the additive `files` field validates against contracts/
    expected = [
        {"file_id": first["id"], "name": "Ảnh hội nghị.jpg", "media_type": "image/jpeg", "size": len(photo), "sha256": sha(photo)},
        {"file_id": second["id"], "name": "Biên bản.pdf", "media_type": "application/pdf", "size": len(pdf), "sha256": sha(pdf)},
    ]
    by_type = {row["type"].split(".")[3]: row["payload"] for row in rows if row["aggregateid"] == str(model["id"])}
    assert by_type["model-submitted"]["files"] == expected
    assert by_type["model-accepted"]["files"] == expected


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_an_upload_during_a_submit_waits_for_it_and_is_then_refused(app, http, wf, samples):
    """The check "may this model's files change" and the change are one: a file cannot land on a model that was
    submitted in between (it would be missing from the files its submitted event names)."""
    model = wf.draft(http, OWN)
    answers = []
    upload = threading.Thread(target=lambda: answers.append(
        samples.upload(http, model["id"], samples.photo(64, 64), "muon.jpg", "Gửi muộn")))
    with app.extensions["dvk_db"].transaction() as session:  # a submit in progress holds the model's row
        session.execute(update(ModelRegistration).where(ModelRegistration.id == model["id"]).values(status="submitted"))
        upload.start()
        upload.join(2)
        assert upload.is_alive() and not answers  # the upload waits for the submit to end
    upload.join(60)
    assert answers and answers[0].status_code == 409 and answers[0].json["type"] == "urn:dvk:problem:files-locked", answers
    assert stored_counts(app) == (0, 0)


def test_an_iphone_heic_photo_is_taken_by_its_content_with_jpeg_previews_without_exif(app, http, wf, samples):
    """A HEIC photo as an iPhone takes it (written here by libheif through pillow-heif, with its GPS position and a
    "turn 90°" orientation): accepted whatever its name says, kept byte for byte, previewed upright as JPEG without
    EXIF; the original is downloaded (most browsers cannot show HEIC), and the model's event names its type."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the phone was held upright, the sensor saw it sideways
    exif.get_ifd(0x8825).update({1: "N", 2: (10.0, 45.0, 30.0), 3: "E", 4: (106.0, 40.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (3200, 1800), (30, 140, 70)).save(out, "HEIF", exif=exif.tobytes(), quality=70)
    heic = out.getvalue()
    assert heic[4:12] == b"ftypheic"
    model = wf.draft(http, OWN)

    sent = samples.upload(http, model["id"], heic, "IMG_0412.jpg", "Ảnh chụp bằng iPhone")
    assert sent.status_code == 201, sent.json
    assert (sent.json["media_type"], sent.json["has_preview"], sent.json["sha256"]) == ("image/heic", True, sha(heic))
    base = f"/models/{model['id']}/files/{sent.json['id']}"
    original = http("GET", base, "vhxh")
    assert original.mimetype == "image/heic" and sha(original.data) == sha(heic)
    assert original.headers["Content-Disposition"].startswith("attachment;")
    preview = http("GET", f"{base}/preview", "vhxh")
    assert preview.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(preview.data)) as image:
        assert image.format == "JPEG" and image.size == (1440, 2560)  # upright: portrait, 2,560 px on its long side
        assert len(image.getexif()) == 0  # no GPS position, no orientation left to apply
    with Image.open(io.BytesIO(http("GET", f"{base}/thumbnail", "don_vi", OWN).data)) as image:
        assert image.format == "JPEG" and image.size == (180, 320)

    model = wf.act(http, model, "submit", "don_vi", OWN)
    rows = assert_outbox_matches_contract(app)  # image/heic is in the contract's list of types
    (submitted,) = [row["payload"] for row in rows if row["type"].endswith("model-submitted.v1")]
    assert submitted["files"][0]["media_type"] == "image/heic"
