"""Target figures imported from the administrative-procedure system's CSV/XLSX export: all rows or none."""
from __future__ import annotations

import io

from openpyxl import Workbook

from dvk_testing.contract import assert_outbox_matches_contract, outbox_events

HEADER = "ma_don_vi,ho_so_tiep_nhan,ho_so_da_giai_quyet,ho_so_dung_han,ho_so_truc_tuyen,thanh_toan_khong_tien_mat," \
         "luot_danh_gia,luot_hai_long,binh_dan_hoc_vu_so,so_can_bo,can_bo_vi_pham"


def upload(client, headers, content: bytes, name: str, period: str = "six_month"):
    return client.post(f"/target-figures/import?year=2026&period={period}", headers=headers,
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode()


def test_csv_and_xlsx_imports_write_every_row(app, client, units, kit):
    vhxh = kit.headers(app, "vhxh")
    done = upload(client, vhxh, csv("vp-hdnd-ubnd,200,190,188,150,40,100,95,30,20,0", "tdp-1,50,50,47,10,5,40,38,60,5,1"), "tthc.csv")
    assert done.status_code == 200, done.json
    assert done.json["imported"] == 2
    listed = client.get("/target-figures?year=2026&period=six_month", headers=vhxh).json
    assert [(f["unit_id"], f["files_on_time"], f["officials_violating"], f["source"]) for f in listed] == [
        (1, 188, 0, "import"), (12, 47, 1, "import")]

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["cong-an", 12, 12, 12, 3, 0, 10, 10, 4, 40, 0])
    buffer = io.BytesIO()
    book.save(buffer)
    done = upload(client, vhxh, buffer.getvalue(), "tthc.xlsx", period="annual")
    assert done.status_code == 200, done.json
    assert done.json["figures"][0]["unit_id"] == 5 and done.json["figures"][0]["officials_total"] == 40

    rows = assert_outbox_matches_contract(app)
    assert [(r["payload"]["unit_id"], r["payload"]["period"]) for r in rows] == [(1, "six_month"), (12, "six_month"), (5, "annual")]
    assert rows[0]["payload"]["figures"]["files_resolved"] == 190
    # A unit officer sees only its own figures and cannot import.
    assert [f["unit_id"] for f in client.get("/target-figures?year=2026&period=six_month", headers=kit.headers(app, "don_vi", 12)).json] == [12]
    assert upload(client, kit.headers(app, "don_vi", 12), csv("tdp-1,1,1,1,1,1,1,1,1,1,0"), "x.csv").status_code == 403


def test_bad_files_are_rejected_with_row_and_column_and_nothing_written(app, client, units, kit):
    vhxh = kit.headers(app, "vhxh")
    wrong_columns = upload(client, vhxh, csv("tdp-1,1,1,1", header="ma_don_vi,ho_so_tiep_nhan,ho_so_da_giai_quyet,so_ho_so_tre"), "a.csv")
    assert wrong_columns.status_code == 422 and wrong_columns.mimetype == "application/problem+json"
    errors = wrong_columns.json["errors"]
    assert {"row": 1, "column": "so_ho_so_tre", "message": "Cột không được phép (không có trong mẫu)."} in errors
    assert {"row": 1, "column": "ho_so_dung_han", "message": "Thiếu cột 'ho_so_dung_han'."} in errors

    bad_rows = upload(client, vhxh, csv(
        "vp-hdnd-ubnd,200,190,188,150,40,100,95,30,20,0",  # row 2 is fine, yet must not be written
        "tdp-1,50,mười,47,10,5,40,38,60,5,1",  # row 3: a word where a number belongs
        "cong-an,12,12,12,3,-4,10,10,4,40,0",  # row 4: negative count
        "vhxh,30,20,25,3,0,10,10,4,12,0",  # row 5: on time greater than resolved
        "tdp-9,1,1,1,1,1,1,1,1,1,0",  # row 6: unknown unit
    ), "b.csv")
    assert bad_rows.status_code == 422
    found = {(e["row"], e["column"]) for e in bad_rows.json["errors"]}
    assert found == {(3, "ho_so_da_giai_quyet"), (4, "thanh_toan_khong_tien_mat"), (5, "ho_so_dung_han"), (6, "ma_don_vi")}
    messages = {(e["row"], e["column"]): e["message"] for e in bad_rows.json["errors"]}
    assert messages[(4, "thanh_toan_khong_tien_mat")] == "Không được âm."
    assert messages[(5, "ho_so_dung_han")] == "Số hồ sơ đúng và trước hạn không được lớn hơn số hồ sơ đã giải quyết."
    assert messages[(3, "ho_so_da_giai_quyet")] == "Phải là số nguyên (đang là 'mười')."

    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["tdp-1", 10.5, 10, 10, 1, 1, 1, 1, 1, 1, 0])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = upload(client, vhxh, buffer.getvalue(), "c.xlsx")
    assert xlsx.status_code == 422 and xlsx.json["errors"] == [{"row": 2, "column": "ho_so_tiep_nhan", "message": "Phải là số nguyên."}]
    assert upload(client, vhxh, b"PK\x03\x04 not really a workbook", "d.xlsx").status_code == 422

    assert client.get("/target-figures?year=2026&period=six_month", headers=vhxh).json == []
    assert outbox_events(app) == []


def test_typed_figures_are_checked_and_locked_by_version(app, client, units, kit):
    officer = kit.headers(app, "don_vi", 12)
    figures = {"files_received": 10, "files_resolved": 8, "files_on_time": 9, "online_files": 1, "cashless_payments": 0,
               "survey_responses": 5, "satisfied_responses": 5, "digital_literacy_participants": 0, "officials_total": 3,
               "officials_violating": 0}
    invalid = client.put("/target-figures/12/2026/six_month", json={**figures, "online_files": -1}, headers=officer)
    assert invalid.status_code == 422 and "online_files" in invalid.json["errors"]
    invalid = client.put("/target-figures/12/2026/six_month", json=figures, headers=officer)
    assert invalid.status_code == 422
    assert invalid.json["errors"]["files_on_time"] == ["Số hồ sơ đúng và trước hạn không được lớn hơn số hồ sơ đã giải quyết."]
    created = client.put("/target-figures/12/2026/six_month", json={**figures, "files_on_time": 8}, headers=officer)
    assert created.status_code == 200 and created.json["version"] == 1
    assert client.put("/target-figures/13/2026/six_month", json={**figures, "files_on_time": 8}, headers=officer).status_code == 404
    stale = client.put("/target-figures/12/2026/six_month", json={**figures, "files_on_time": 7, "version": 7}, headers=officer)
    assert stale.status_code == 412
    updated = client.put("/target-figures/12/2026/six_month", json={**figures, "files_on_time": 7},
                         headers=kit.headers(app, "don_vi", 12, version=1))
    assert updated.status_code == 200 and updated.json["files_on_time"] == 7 and updated.json["version"] == 2


def test_the_template_has_vietnamese_headings_and_imports_back_as_it_is_filled(app, client, units, kit):
    from openpyxl import load_workbook

    vhxh = kit.headers(app, "vhxh")
    assert upload(client, vhxh, csv("tdp-1,50,50,47,10,5,40,38,60,5,1"), "tthc.csv").status_code == 200
    got = client.get("/target-figures/template.xlsx?year=2026&period=six_month", headers=vhxh)
    assert got.status_code == 200
    assert got.headers["Content-Disposition"] == 'attachment; filename="mau-so-lieu-chi-tieu-so-ket-6-thang-2026.xlsx"'
    sheet = load_workbook(io.BytesIO(got.data)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Hồ sơ TTHC tiếp nhận", "Hồ sơ TTHC đã giải quyết",
                       "Hồ sơ giải quyết đúng và trước hạn", "Hồ sơ dịch vụ công trực tuyến",
                       "Giao dịch thanh toán không dùng tiền mặt", "Lượt đánh giá mức độ hài lòng", "Lượt đánh giá hài lòng",
                       "Người tham gia “Bình dân học vụ số”", "Cán bộ, công chức", "Cán bộ, công chức vi phạm quy tắc ứng xử"]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["tdp-1"][1:] == ["Tổ dân phố 1", 50, 50, 47, 10, 5, 40, 38, 60, 5, 1]  # what is held, prefilled
    assert by_code["cong-an"][2:] == [None] * 10

    # Filled in as a person would: the police's row typed in, the rows of units without figures taken out.
    book = load_workbook(io.BytesIO(got.data))
    sheet = book.worksheets[0]
    unused = []
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "cong-an":
            for cell in row[2:]:
                cell.value = 3
        elif row[0].value != "tdp-1":
            unused.append(row[0].row)
    for number in reversed(unused):
        sheet.delete_rows(number)
    buffer = io.BytesIO()
    book.save(buffer)
    done = upload(client, vhxh, buffer.getvalue(), "mau.xlsx")
    assert done.status_code == 200, done.json
    listed = {f["unit_id"]: f for f in client.get("/target-figures?year=2026&period=six_month", headers=vhxh).json}
    assert listed[5]["files_on_time"] == 3 and listed[12]["files_on_time"] == 47

    # A Vietnamese heading's error names the column by that heading; a unit officer gets no template.
    import csv as csv_module

    typed = io.StringIO()
    csv_module.writer(typed).writerows([
        ["Mã đơn vị", "Hồ sơ TTHC tiếp nhận", "Hồ sơ TTHC đã giải quyết", "HỒ SƠ GIẢI QUYẾT ĐÚNG VÀ TRƯỚC HẠN",
         "Hồ sơ dịch vụ công trực tuyến", "Giao dịch thanh toán không dùng tiền mặt", "Lượt đánh giá mức độ hài lòng",
         "Lượt đánh giá hài lòng", 'Người tham gia "Bình dân học vụ số"', "Cán bộ, công chức",
         "Cán bộ,  công chức vi phạm quy tắc ứng xử"],
        ["tdp-1", 50, 50, 51, 10, 5, 40, 38, 60, 5, 1]])
    bad = upload(client, vhxh, typed.getvalue().encode(), "vi.csv")
    assert bad.status_code == 422
    assert bad.json["errors"] == [{"row": 2, "column": "HỒ SƠ GIẢI QUYẾT ĐÚNG VÀ TRƯỚC HẠN",
                                   "message": "Số hồ sơ đúng và trước hạn không được lớn hơn số hồ sơ đã giải quyết."}]
    assert client.get("/target-figures/template.xlsx?year=2026&period=six_month",
                      headers=kit.headers(app, "don_vi", 12)).status_code == 403


def test_a_unit_named_like_a_formula_stays_text_in_the_template(app, client, units, kit):
    from openpyxl import load_workbook

    name = '=HYPERLINK("http://vi-du.invalid","Tổ dân phố 9")'
    kit.deliver(app, [kit.unit_event(40, "tdp-9", name, "to_dan_pho")])
    got = client.get("/target-figures/template.xlsx?year=2026&period=six_month", headers=kit.headers(app, "vhxh"))
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.data)).worksheets[0]
    (cell,) = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "tdp-9"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (name, "s", True)  # shown as typed, never run
