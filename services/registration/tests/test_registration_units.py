"""Units directory: seed, edits with optimistic locking, deactivation, CSV/XLSX import (all or nothing)."""
from __future__ import annotations

import io
import unicodedata

import openpyxl

from dvk_testing.contract import assert_outbox_matches_contract
from registration.seed import seed


def events_of(app, name: str) -> list[dict]:
    return [r["payload"] for r in assert_outbox_matches_contract(app) if r["type"] == f"vn.dvk.registration.{name}.v1"]


def test_seed_is_idempotent_and_later_units_get_fresh_ids(app, http):
    seed(app)  # the fixture already seeded once
    units = http("GET", "/units", "giam_sat").json
    assert len(units) == 21
    by_id = {u["id"]: (u["name"], u["kind"]) for u in units}
    assert by_id[1] == ("Văn phòng HĐND-UBND", "co_quan")
    assert by_id[5] == ("Công an phường", "cong_an")
    assert by_id[6] == ("Ban Chỉ huy Quân sự phường", "quan_su")
    assert by_id[7] == ("Ủy ban MTTQ Việt Nam phường", "mttq_doan_the")
    assert by_id[11] == ("Hội Nông dân phường", "mttq_doan_the")
    assert by_id[12] == ("Tổ dân phố 1", "to_dan_pho") and by_id[21] == ("Tổ dân phố 10", "to_dan_pho")
    assert sorted(e["unit_id"] for e in events_of(app, "unit-created")) == list(range(1, 22))
    assert events_of(app, "period-opened") == [{"period_id": 1, "year": 2026, "deadline": "2026-02-15"}]
    created = http("POST", "/units", "admin", json={"code": "tdp-11", "name": "Tổ dân phố 11", "kind": "to_dan_pho"})
    assert created.status_code == 201
    assert created.json["id"] == 22


def test_admin_edits_with_the_current_version_only(app, http):
    unit = http("GET", "/units/12", "admin")
    assert unit.headers["ETag"] == '"1"'
    renamed = http("PATCH", "/units/12", "admin", json={"name": unicodedata.normalize("NFD", "Tổ dân phố 1 (Khu phố Đông)")}, if_match=1)
    assert renamed.status_code == 200
    assert renamed.json["name"] == "Tổ dân phố 1 (Khu phố Đông)"
    assert renamed.json["version"] == 2
    stale = http("PATCH", "/units/12", "admin", json={"name": "Ghi đè"}, if_match=1)
    assert stale.status_code == 412
    taken = http("PATCH", "/units/12", "admin", json={"code": "tdp-2"}, if_match=2)
    assert taken.status_code == 409
    assert http("GET", "/units/12", "admin").json["name"] == "Tổ dân phố 1 (Khu phố Đông)"

    off = http("POST", "/units/12/deactivate", "admin", json={"version": 2})
    assert off.json["active"] is False
    assert http("POST", "/units/12/deactivate", "admin", json={}, if_match=3).status_code == 409
    assert http("GET", "/units?active=false", "vhxh").json[0]["id"] == 12
    on = http("POST", "/units/12/activate", "admin", json={}, if_match=3)
    assert on.json["active"] is True
    assert [e["active"] for e in events_of(app, "unit-updated")] == [True, True]
    assert [e["unit_id"] for e in events_of(app, "unit-deactivated")] == [12]
    assert [u["id"] for u in http("GET", "/units", "don_vi", 12, query_string={"q": "khu pho dong"}).json] == [12]


def test_an_inactive_unit_cannot_register(sqlite_http):
    assert sqlite_http("POST", "/units/13/deactivate", "admin", json={}, if_match=1).status_code == 200
    from_unit = sqlite_http("POST", "/models", "don_vi", 13, json={"title": "x"})
    assert from_unit.status_code == 422  # the body is checked first
    import_body = {
        "title": "Mô hình", "field": "chinh_quyen", "goals": "a", "content": "b", "target_group": "c", "person_in_charge": "d",
        "start_date": "2026-03-01", "end_date": "2026-04-01", "expected_results": "e"}
    refused = sqlite_http("POST", "/models", "don_vi", 13, json=import_body)
    assert refused.status_code == 409
    assert refused.json["title"] == "Đơn vị đã ngừng hoạt động, không đăng ký mô hình mới."


def upload(http, name: str, content: bytes):
    return http("POST", "/units/import", "admin", data={"file": (io.BytesIO(content), name)})


def test_csv_import_with_a_bad_row_imports_nothing_and_reports_each_row(sqlite_app, sqlite_http):
    csv = (
        "Mã đơn vị;Tên đơn vị;Loại đơn vị\n"
        "tdp-11;Tổ dân phố 11;Tổ dân phố\n"
        "tdp-12;;to_dan_pho\n"
        "TDP 13;Tổ dân phố 13;khu_pho\n"
        "tdp-11;Tổ dân phố 11 lặp;to_dan_pho\n"
        "tdp-1;Tổ dân phố 1 cũ;to_dan_pho\n"
    ).encode()
    response = upload(sqlite_http, "to-dan-pho.csv", csv)
    assert response.status_code == 422
    body = response.json
    assert (body["mode"], body["imported"]) == ("all_or_nothing", 0)
    assert body["title"] == "Không nhập đơn vị nào: tệp có dòng lỗi."
    rows = {r["row"]: r["errors"] for r in body["rows"]}
    assert sorted(rows) == [3, 4, 5, 6]
    assert rows[3] == {"name": ["Không được để trống."]}
    assert set(rows[4]) == {"code", "kind"}
    assert rows[5] == {"code": ["Mã 'tdp-11' trùng với dòng 2."]}
    assert rows[6] == {"code": ["Mã 'tdp-1' đã có trong danh mục đơn vị."]}
    assert len(sqlite_http("GET", "/units", "admin").json) == 21
    assert len(events_of(sqlite_app, "unit-created")) == 21


def test_valid_csv_and_xlsx_imports_create_every_unit(sqlite_app, sqlite_http):
    csv = "code,name,kind\ntdp-11,Tổ dân phố 11,to_dan_pho\nchi-hoi-khuyen-hoc,Hội Khuyến học phường,mttq\n".encode("utf-8-sig")
    first = upload(sqlite_http, "don-vi.csv", csv)
    assert first.status_code == 201
    assert (first.json["mode"], first.json["imported"]) == ("all_or_nothing", 2)
    assert [u["kind"] for u in first.json["units"]] == ["to_dan_pho", "mttq_doan_the"]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Hoạt động"])
    sheet.append(["tdp-12", unicodedata.normalize("NFD", "Tổ dân phố 12"), "Tổ dân phố", "có"])
    sheet.append([None, None, None, None])
    sheet.append(["tdp-13", "Tổ dân phố 13", "to_dan_pho", "không"])
    content = io.BytesIO()
    book.save(content)
    second = upload(sqlite_http, "to-dan-pho.xlsx", content.getvalue())
    assert second.status_code == 201, second.json
    assert [(u["code"], u["name"], u["active"]) for u in second.json["units"]] == [
        ("tdp-12", "Tổ dân phố 12", True), ("tdp-13", "Tổ dân phố 13", False)]
    assert [e["code"] for e in events_of(sqlite_app, "unit-created")][-4:] == ["tdp-11", "chi-hoi-khuyen-hoc", "tdp-12", "tdp-13"]


def test_an_import_without_the_needed_columns_is_refused(sqlite_http):
    response = upload(sqlite_http, "sai.csv", "ten,ghi chu\nTổ 1,\n".encode())
    assert response.status_code == 422
    assert response.json["missing"] == ["code", "kind"]
    assert upload(sqlite_http, "hong.xlsx", b"PK not really a workbook").json["title"] == "Không đọc được tệp Excel (.xlsx)."
