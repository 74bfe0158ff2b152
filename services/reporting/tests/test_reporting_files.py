"""Evidence files (minh chứng) of a unit report: the same platform module as a model's, in reporting's own database."""
from __future__ import annotations

import hashlib
import io

from PIL import Image

from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import Caller

OWN, OTHER = 12, 13
SECTIONS = {"leadership": "Chi bộ ban hành nghị quyết chuyên đề.", "effectiveness": "62% hộ phân loại rác.",
            "good_practices": "Đổi chai nhựa lấy cây xanh.", "difficulties": "Kinh phí còn hạn chế.",
            "recommendations": "Đề nghị hỗ trợ thùng rác.", "next_direction": "Nhân rộng ra toàn khu phố."}


def photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (10.0, 45.0, 30.0)})
    Image.new("RGB", (width, height), (21, 101, 192)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (595, 842), (255, 255, 255)).save(out, "PDF")
    return out.getvalue()


def upload(call: Caller, report_id: int, content: bytes, name: str, caption: str = "", unit: int = OWN):
    return call("POST", f"/reports/{report_id}/files", "don_vi", unit, content_type="multipart/form-data",
                data={"file": (io.BytesIO(content), name), "caption": caption})


def test_a_unit_attaches_evidence_to_its_report_until_it_is_accepted(app, kit):
    assert kit.deliver(app, [kit.unit_event(*unit) for unit in kit.UNITS]).handled == len(kit.UNITS)
    call = Caller(app)
    report = call("POST", "/reports", "don_vi", OWN, json={"year": 2026, "period": "six_month", "sections": SECTIONS}).json
    base = f"/reports/{report['id']}/files"
    image, minutes = photo(3000, 2000), pdf()

    sent = upload(call, report["id"], image, "Ảnh hội nghị sơ kết.jpg", "Hội nghị sơ kết tổ dân phố")
    assert sent.status_code == 201, sent.json
    assert (sent.json["report_id"], sent.json["sha256"], sent.json["width"]) == (report["id"], hashlib.sha256(image).hexdigest(), 3000)
    assert upload(call, report["id"], image, "lai-lan-nua.jpg").status_code == 200  # same bytes: kept once
    document = upload(call, report["id"], minutes, "Biên bản.pdf", "Biên bản họp")
    assert document.status_code == 201
    disguised = upload(call, report["id"], b"MZ\x90\x00" + bytes(4096), "bang-so-lieu.xlsx")
    assert disguised.status_code == 415 and disguised.json["title"] == "Loại tệp không được nhận."

    listed = call("GET", base, "vhxh").json
    assert [f["name"] for f in listed] == ["Ảnh hội nghị sơ kết.jpg", "Biên bản.pdf"]
    original = call("GET", f"{base}/{sent.json['id']}", "lanh_dao")
    assert original.data == image and "filename*=UTF-8''" in original.headers["Content-Disposition"]
    preview = call("GET", f"{base}/{sent.json['id']}/preview", "giam_sat")
    with Image.open(io.BytesIO(preview.data)) as shown:
        assert max(shown.size) == 2560 and len(shown.getexif()) == 0

    # another unit's officer finds nothing, neither the list nor a file
    for path in (base, f"{base}/{sent.json['id']}", f"{base}/{sent.json['id']}/thumbnail"):
        refused = call("GET", path, "don_vi", OTHER)
        assert refused.status_code == 404 and refused.json["title"] == "Không tìm thấy báo cáo."
    assert upload(call, report["id"], pdf()[:-10] + b"%%EOF\n", "chen.pdf", unit=OTHER).status_code == 404

    assert call("DELETE", f"{base}/{document.json['id']}", "don_vi", OWN).status_code == 204
    report = call("POST", f"/reports/{report['id']}/submit", "don_vi", OWN, json={}, if_match=report["version"]).json
    locked = call("DELETE", f"{base}/{sent.json['id']}", "don_vi", OWN)
    assert locked.status_code == 409 and locked.json["type"] == "urn:dvk:problem:files-locked"
    call("POST", f"/reports/{report['id']}/accept", "vhxh", json={}, if_match=report["version"])
    frozen = call("DELETE", f"{base}/{sent.json['id']}", "don_vi", OWN)
    assert frozen.status_code == 409
    assert frozen.json["title"] == "Báo cáo đã được tiếp nhận: tệp minh chứng được giữ nguyên như khi tiếp nhận."
    assert [f["name"] for f in call("GET", base, "vhxh").json] == ["Ảnh hội nghị sơ kết.jpg"]


def test_the_reports_events_name_its_files_without_their_bytes(app, kit):
    """Higher levels learn which evidence a report was sent and accepted with: id, name, type, size and hash."""
    assert kit.deliver(app, [kit.unit_event(*unit) for unit in kit.UNITS]).handled == len(kit.UNITS)
    call = Caller(app)
    report = call("POST", "/reports", "don_vi", OWN, json={"year": 2026, "period": "six_month", "sections": SECTIONS}).json
    minutes = pdf()
    sent = upload(call, report["id"], minutes, "Biên bản sơ kết.pdf", "Biên bản họp")
    assert sent.status_code == 201
    report = call("POST", f"/reports/{report['id']}/submit", "don_vi", OWN, json={}, if_match=report["version"]).json
    assert call("POST", f"/reports/{report['id']}/accept", "vhxh", json={}, if_match=report["version"]).status_code == 200

    rows = assert_outbox_matches_contract(app)  # the additive `files` field validates against contracts/
    expected = [{"file_id": sent.json["id"], "name": "Biên bản sơ kết.pdf", "media_type": "application/pdf",
                 "size": len(minutes), "sha256": hashlib.sha256(minutes).hexdigest()}]
    by_type = {row["type"].split(".")[3]: row["payload"] for row in rows if row["aggregateid"] == str(report["id"])}
    assert by_type["report-submitted"]["files"] == expected
    assert by_type["report-accepted"]["files"] == expected
