"""Bad input answered as ward staff expect: Vietnamese field messages, the current state, stale versions."""
from __future__ import annotations

import unicodedata

TDP_1 = 12


def test_missing_and_wrong_fields_get_a_vietnamese_message_each(sqlite_http, wf):
    body = wf.body(field="the_thao", start_date="2026-13-01")
    del body["title"]
    response = sqlite_http("POST", "/models", "don_vi", TDP_1, json=body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    errors = response.json["errors"]
    assert errors["title"] == ["Trường này là bắt buộc."]
    assert errors["field"][0].startswith("Phải là một trong: kinh_te_do_thi")
    assert errors["start_date"] == ["Ngày không hợp lệ (định dạng YYYY-MM-DD)."]


def test_end_before_start_and_return_without_reason_are_refused(sqlite_http, wf):
    backwards = sqlite_http("POST", "/models", "don_vi", TDP_1, json=wf.body(start_date="2026-06-01", end_date="2026-05-01"))
    assert backwards.status_code == 422
    assert backwards.json["errors"] == {"end_date": ["Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."]}
    submitted = wf.act(sqlite_http, wf.draft(sqlite_http, TDP_1), "submit", "don_vi", TDP_1)
    no_reason = sqlite_http("POST", f"/models/{submitted['id']}/return", "vhxh", json={}, if_match=submitted["version"])
    assert no_reason.status_code == 422
    assert no_reason.json["errors"] == {"reason": ["Trường này là bắt buộc."]}
    blank = sqlite_http("POST", f"/models/{submitted['id']}/return", "vhxh", json={"reason": "   "}, if_match=submitted["version"])
    assert blank.json["errors"] == {"reason": ["Không được để trống."]}
    assert sqlite_http("GET", f"/models/{submitted['id']}", "vhxh").json["status"] == "submitted"


def test_a_step_not_allowed_now_names_the_current_state(sqlite_http, wf):
    accepted = wf.act(sqlite_http, wf.act(sqlite_http, wf.draft(sqlite_http, TDP_1), "submit", "don_vi", TDP_1), "accept", "vhxh")
    for action, role, unit in [("withdraw", "don_vi", TDP_1), ("return", "vhxh", None), ("accept", "vhxh", None)]:
        response = sqlite_http("POST", f"/models/{accepted['id']}/{action}", role, unit, json={"reason": "x"} if action == "return" else {},
                               if_match=accepted["version"])
        assert response.status_code == 409, action
        assert response.json["detail"].startswith("Trạng thái hiện tại: Đã tiếp nhận (accepted).")
        assert response.json["current_status"] == "accepted"
    edit = sqlite_http("PATCH", f"/models/{accepted['id']}", "don_vi", TDP_1, json={"title": "Đổi tên"}, if_match=accepted["version"])
    assert edit.status_code == 409
    assert "Đã tiếp nhận (accepted)" in edit.json["detail"]
    # nothing can be inspected before Phòng VH-XH accepts it
    draft = wf.draft(sqlite_http, TDP_1)
    early = sqlite_http("POST", f"/models/{draft['id']}/inspections", "vhxh", json={
        "inspected_on": "2026-02-01", "inspector": "Lê Thị Mai", "rating": "tot", "findings": "Tốt."})
    assert early.status_code == 409
    assert early.json["detail"] == "Trạng thái hiện tại: Bản nháp (draft)."


def test_a_stale_version_is_refused_and_nothing_is_overwritten(sqlite_http, wf):
    draft = wf.draft(sqlite_http, TDP_1)
    first = sqlite_http("PATCH", f"/models/{draft['id']}", "don_vi", TDP_1, json={"goals": "Mục tiêu của người thứ nhất."}, if_match=1)
    assert first.status_code == 200
    second = sqlite_http("PATCH", f"/models/{draft['id']}", "don_vi", TDP_1, json={"goals": "Mục tiêu của người thứ hai."}, if_match=1)
    assert second.status_code == 412
    assert second.json["detail"] == "Phiên bản bạn gửi: 1; phiên bản hiện tại: 2."
    stale_submit = sqlite_http("POST", f"/models/{draft['id']}/submit", "don_vi", TDP_1, json={"version": 1})
    assert stale_submit.status_code == 412
    no_version = sqlite_http("PATCH", f"/models/{draft['id']}", "don_vi", TDP_1, json={"goals": "Không kèm phiên bản."})
    assert no_version.status_code == 428
    current = sqlite_http("GET", f"/models/{draft['id']}", "don_vi", TDP_1)
    assert (current.json["goals"], current.json["status"], current.headers["ETag"]) == ("Mục tiêu của người thứ nhất.", "draft", '"2"')
    # the version may travel in the body for clients that cannot set If-Match
    assert sqlite_http("POST", f"/models/{draft['id']}/submit", "don_vi", TDP_1, json={"version": 2}).status_code == 200


def test_text_is_stored_in_nfc_and_found_without_accents(sqlite_http, wf):
    decomposed = unicodedata.normalize("NFD", "Dân vận khéo trong tiếp công dân")
    created = wf.draft(sqlite_http, TDP_1, title=decomposed, person_in_charge=unicodedata.normalize("NFD", "Đặng Thị Thủy"))
    assert created["title"] == unicodedata.normalize("NFC", decomposed) == "Dân vận khéo trong tiếp công dân"
    assert created["person_in_charge"] == "Đặng Thị Thủy"
    wf.draft(sqlite_http, TDP_1, title="Chính quyền thân thiện", goals="Phục vụ người dân tận tình.", content="Tiếp công dân đúng hẹn.",
             expected_results="Hài lòng.", target_group="Người dân")

    def found(q: str) -> list[int]:
        return [m["id"] for m in sqlite_http("GET", "/models", "vhxh", query_string={"q": q}).json["items"]]

    assert found("dan van") == [created["id"]]
    assert found("DÂN VẬN") == [created["id"]]
    assert found(unicodedata.normalize("NFD", "dân vận")) == [created["id"]]
    assert found("dang thi thuy") == [created["id"]]  # Đ folds to D
    assert found("50%") == []


def test_lists_filter_and_page(sqlite_http, wf):
    ids = [wf.draft(sqlite_http, TDP_1, title=f"Mô hình số {n}", field="chinh_quyen" if n % 2 else "van_hoa_xa_hoi")["id"] for n in range(5)]
    wf.act(sqlite_http, sqlite_http("GET", f"/models/{ids[0]}", "don_vi", TDP_1).json, "submit", "don_vi", TDP_1)
    page = sqlite_http("GET", "/models", "vhxh", query_string={"per_page": 2, "page": 2}).json
    assert (page["total"], page["page"], [m["id"] for m in page["items"]]) == (5, 2, [ids[2], ids[1]])
    assert [m["id"] for m in sqlite_http("GET", "/models?field=chinh_quyen", "lanh_dao").json["items"]] == [ids[3], ids[1]]
    assert [m["id"] for m in sqlite_http("GET", "/models?status=submitted&year=2026", "lanh_dao").json["items"]] == [ids[0]]
    assert sqlite_http("GET", f"/models?unit_id={TDP_1}&year=2027", "lanh_dao").json["total"] == 0
    bad = sqlite_http("GET", "/models?per_page=500&status=xong", "vhxh")
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"per_page", "status"}


def test_typical_needs_a_good_latest_inspection(sqlite_http, wf, clock):
    accepted = wf.act(sqlite_http, wf.act(sqlite_http, wf.draft(sqlite_http, TDP_1), "submit", "don_vi", TDP_1), "accept", "vhxh")
    path = f"/models/{accepted['id']}"
    assert sqlite_http("POST", f"{path}/typical", "vhxh", json={}, if_match=accepted["version"]).json["title"] == "Mô hình chưa được kiểm tra."
    future = sqlite_http("POST", f"{path}/inspections", "vhxh", json={
        "inspected_on": "2026-03-01", "inspector": "Lê Thị Mai", "rating": "tot", "findings": "Tốt."})
    assert future.json["errors"] == {"inspected_on": ["Ngày kiểm tra không được sau ngày hôm nay."]}
    for day, rating in [("2026-02-01", "tot"), ("2026-02-09", "trung_binh")]:
        assert sqlite_http("POST", f"{path}/inspections", "vhxh", json={
            "inspected_on": day, "inspector": "Lê Thị Mai", "rating": rating, "findings": "Ghi nhận."}).status_code == 201
    weak = sqlite_http("POST", f"{path}/typical", "vhxh", json={}, if_match=accepted["version"])
    assert weak.status_code == 409
    assert weak.json["detail"] == "Kết quả kiểm tra gần nhất: Trung bình; cần Tốt hoặc Khá."
    bad_rating = sqlite_http("POST", f"{path}/inspections", "vhxh", json={
        "inspected_on": "2026-02-09", "inspector": "Lê Thị Mai", "rating": "xuat_sac", "findings": "?"})
    assert bad_rating.json["errors"]["rating"] == ["Phải là một trong: tot, kha, trung_binh, yeu."]
