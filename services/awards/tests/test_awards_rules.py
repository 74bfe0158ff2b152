"""The rules an emulation officer relies on: who may do what, no double award, no skipped step, no lost edit,
no reference to a unit or model the ward does not have, and the two catalogues kept apart."""
from __future__ import annotations

import pytest

MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."


@pytest.fixture
def ward(awards, deliver):
    deliver.units(3, 5, 12, 13)
    deliver.send("vn.dvk.registration.model-submitted.v1", {
        "model_id": 41, "unit_id": 12, "year": 2026, "title": "Tổ dân phố tự quản", "field": "kinh_te_do_thi",
        "status": "submitted", "late": False, "occurred_at": "2026-02-10T02:00:00+00:00", "actor_role": "don_vi", "reason": None,
    })
    return awards


def collective(entry_id, app, unit_id: int = 12, **extra) -> dict:
    return {"year": 2026, "nominee_kind": "collective", "unit_id": unit_id, "catalogue": "form",
            "award_id": entry_id(app, "forms", "giay-khen-chu-tich-ubnd-phuong"),
            "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia.", **extra}


def test_only_vhxh_proposes_and_only_lanh_dao_decides(ward, entry_id, as_role, approve, confirm_entries):
    client = ward.test_client()
    for role in ("lanh_dao", "admin", "don_vi", "giam_sat"):
        response = client.post("/nominations", json=collective(entry_id, ward), headers=as_role(ward, role, unit_id=12))
        assert response.status_code == 403, role
        assert response.json["title"] == "Không có quyền thực hiện thao tác này."
    confirm_entries(ward, "giay-khen-chu-tich-ubnd-phuong")
    approved = approve(ward, collective(entry_id, ward))
    body = {"nominations": [{"id": approved["id"], "version": approved["version"]}], "signer_name": "Phạm Quốc Chương"}
    for role in ("vhxh", "admin", "giam_sat"):
        assert client.post("/decisions", json=body, headers=as_role(ward, role)).status_code == 403, role
    assert client.post("/decisions", json=body, headers=as_role(ward, "lanh_dao")).status_code == 201
    assert client.post("/decisions", headers={}).status_code == 401


def test_unit_officer_sees_only_own_unit(ward, entry_id, as_role):
    client = ward.test_client()
    vhxh = as_role(ward, "vhxh")
    own = client.post("/nominations", json=collective(entry_id, ward, 12), headers=vhxh).json
    other = client.post("/nominations", json=collective(entry_id, ward, 13), headers=vhxh).json
    officer = as_role(ward, "don_vi", unit_id=12)
    assert [n["id"] for n in client.get("/nominations", headers=officer).json] == [own["id"]]
    assert client.get(f"/nominations/{own['id']}", headers=officer).status_code == 200
    hidden = client.get(f"/nominations/{other['id']}", headers=officer)
    assert hidden.status_code == 404 and hidden.json["detail"] == f"Không có đề nghị số {other['id']}."
    assert len(client.get("/nominations", headers=as_role(ward, "giam_sat")).json) == 2


def test_same_award_twice_for_the_same_year_and_movement_is_refused(ward, entry_id, as_role):
    client = ward.test_client()
    vhxh = as_role(ward, "vhxh")
    first = client.post("/nominations", json=collective(entry_id, ward), headers=vhxh)
    assert first.status_code == 201
    twin = client.post("/nominations", json=collective(entry_id, ward), headers=vhxh)
    assert twin.status_code == 409 and twin.json["type"] == "urn:dvk:problem:duplicate-nomination"
    assert f"đề nghị số {first.json['id']}" in twin.json["detail"]
    person = {"year": 2026, "nominee_kind": "individual", "unit_id": 3, "person_name": "Nguyễn Thị Lan", "catalogue": "title",
              "award_id": entry_id(ward, "titles", "lao-dong-tien-tien"), "achievements": "Tham mưu tổng hợp đúng hạn."}
    assert client.post("/nominations", json=person, headers=vhxh).status_code == 201
    same_person = client.post("/nominations", json={**person, "person_name": "nguyễn  thị LAN"}, headers=vhxh)
    assert same_person.status_code == 409
    # Another year, another movement or another unit is a different award.
    assert client.post("/nominations", json={**person, "year": 2027}, headers=vhxh).status_code == 201
    assert client.post("/nominations", json={**person, "movement": "Thi đua yêu nước"}, headers=vhxh).status_code == 201
    assert client.post("/nominations", json=collective(entry_id, ward, 13), headers=vhxh).status_code == 201
    # A withdrawn nomination frees the award.
    withdrawn = client.post(f"/nominations/{first.json['id']}/withdraw", json={"version": first.json["version"]}, headers=vhxh)
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    assert client.post("/nominations", json=collective(entry_id, ward), headers=vhxh).status_code == 201


def test_steps_cannot_be_skipped_and_the_council_needs_its_minutes(ward, entry_id, as_role, confirm_entries):
    client = ward.test_client()
    vhxh, leader = as_role(ward, "vhxh"), as_role(ward, "lanh_dao")
    draft = client.post("/nominations", json=collective(entry_id, ward), headers=vhxh).json
    review = {"approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES}
    early = client.post(f"/nominations/{draft['id']}/review", json={**review, "version": draft["version"]}, headers=vhxh)
    assert early.status_code == 409
    assert early.json["detail"].endswith("Trạng thái hiện tại: Bản nháp (draft)")
    proposed = client.post(f"/nominations/{draft['id']}/propose", json={"version": draft["version"]}, headers=vhxh).json
    confirm_entries(ward, "giay-khen-chu-tich-ubnd-phuong")
    undecidable = client.post("/decisions", json={"nominations": [{"id": draft["id"], "version": proposed["version"]}],
                                                  "signer_name": "Phạm Quốc Chương"}, headers=leader)
    assert undecidable.status_code == 409 and "Trạng thái hiện tại: Đã đề nghị, chờ Hội đồng xét (proposed)" in undecidable.json["detail"]

    no_minutes = client.post(f"/nominations/{draft['id']}/review",
                             json={**review, "minutes": "", "version": proposed["version"]}, headers=vhxh)
    assert no_minutes.status_code == 422 and no_minutes.json["errors"]["minutes"] == [
        "Phải có biên bản họp Hội đồng (từ 20 đến 20000 ký tự)."]
    missing = client.post(f"/nominations/{draft['id']}/review",
                          json={k: v for k, v in review.items() if k not in ("minutes", "meeting_date")} | {"version": proposed["version"]},
                          headers=vhxh)
    assert missing.status_code == 422
    assert missing.json["errors"] == {"minutes": ["Trường này là bắt buộc."], "meeting_date": ["Trường này là bắt buộc."]}
    future = client.post(f"/nominations/{draft['id']}/review",
                         json={**review, "meeting_date": "2026-12-20", "version": proposed["version"]}, headers=vhxh)
    assert future.status_code == 422 and "meeting_date" in future.json["errors"]

    rejected = client.post(f"/nominations/{draft['id']}/review",
                           json={**review, "approved": False, "votes_for": 2, "votes_against": 5, "version": proposed["version"]},
                           headers=leader)
    assert rejected.status_code == 200 and rejected.json["status"] == "not_approved"
    revoke = client.post(f"/nominations/{draft['id']}/revoke", json={"reason": "Không còn phù hợp.", "version": rejected.json["version"]},
                         headers=leader)
    assert revoke.status_code == 409 and "không thống nhất (not_approved)" in revoke.json["detail"]


def test_stale_or_missing_version_never_overwrites(ward, entry_id, as_role):
    client = ward.test_client()
    vhxh = as_role(ward, "vhxh")
    draft = client.post("/nominations", json=collective(entry_id, ward), headers=vhxh).json
    edited = client.patch(f"/nominations/{draft['id']}", json={"achievements": "Thành tích đã bổ sung số liệu quý IV."},
                          headers={**vhxh, "If-Match": str(draft["version"])})
    assert edited.status_code == 200 and edited.json["version"] == draft["version"] + 1
    stale = client.patch(f"/nominations/{draft['id']}", json={"achievements": "Bản cũ ghi đè bản mới — không được."},
                         headers={**vhxh, "If-Match": str(draft["version"])})
    assert stale.status_code == 412 and stale.headers["Content-Type"] == "application/problem+json"
    no_version = client.post(f"/nominations/{draft['id']}/propose", json={}, headers=vhxh)
    assert no_version.status_code == 428
    current = client.get(f"/nominations/{draft['id']}", headers=vhxh).json
    assert current["achievements"] == "Thành tích đã bổ sung số liệu quý IV."
    assert [s["action"] for s in current["history"]] == ["created", "edited"]


def test_unknown_units_models_and_wrong_catalogue_are_named(ward, entry_id, as_role):
    client = ward.test_client()
    vhxh = as_role(ward, "vhxh")
    unknown_unit = client.post("/nominations", json=collective(entry_id, ward, 99), headers=vhxh)
    assert unknown_unit.status_code == 422 and unknown_unit.json["errors"]["unit_id"] == ["Không có đơn vị mã 99."]
    unknown_evidence = client.post("/nominations", json=collective(entry_id, ward, evidence={"model_ids": [41, 777], "report_ids": [5]}),
                                   headers=vhxh)
    assert unknown_evidence.status_code == 422
    assert unknown_evidence.json["errors"] == {"evidence.model_ids": ["Không có mô hình mã 777."],
                                               "evidence.report_ids": ["Không có báo cáo mã 5."]}
    title_id = entry_id(ward, "titles", "tap-the-lao-dong-tien-tien")
    confused = client.post("/nominations", json=collective(entry_id, ward, award_id=title_id), headers=vhxh)
    assert confused.status_code == 422
    assert confused.json["errors"]["award_id"] == [
        f"Mục mã {title_id} (“Tập thể lao động tiên tiến”) thuộc danh mục danh hiệu thi đua, không phải hình thức khen thưởng."
    ]
    individual_title = client.post("/nominations", json={**collective(entry_id, ward), "catalogue": "title",
                                                         "award_id": entry_id(ward, "titles", "lao-dong-tien-tien")}, headers=vhxh)
    assert individual_title.status_code == 422 and individual_title.json["errors"]["award_id"] == ["“Lao động tiên tiến” không xét cho tập thể."]
    nameless = client.post("/nominations", json={**collective(entry_id, ward), "nominee_kind": "individual"}, headers=vhxh)
    assert nameless.status_code == 422 and nameless.json["errors"]["person_name"] == ["Cá nhân được đề nghị phải có họ và tên."]


def test_deactivated_unit_is_refused(ward, deliver, entry_id, as_role):
    deliver.send("vn.dvk.registration.unit-deactivated.v1",
                 {"unit_id": 13, "code": "tdp-2", "name": "Tổ dân phố 2", "kind": "to_dan_pho", "active": False})
    response = ward.test_client().post("/nominations", json=collective(entry_id, ward, 13), headers=as_role(ward, "vhxh"))
    assert response.status_code == 422 and response.json["errors"]["unit_id"] == ["Đơn vị mã 13 (“Tổ dân phố 2”) đã ngừng hoạt động."]


def test_catalogues_are_apart_and_edited_by_admin(ward, as_role, approve, entry_id):
    client = ward.test_client()
    admin, vhxh = as_role(ward, "admin"), as_role(ward, "vhxh")
    titles = client.get("/catalogue/titles", headers=vhxh).json
    forms = client.get("/catalogue/forms", headers=vhxh).json
    assert {t["name"] for t in titles} == {"Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Tập thể lao động tiên tiến"}
    assert {f["name"] for f in forms} == {"Giấy khen của Chủ tịch UBND phường", "Biểu dương", "Bằng khen của Chủ tịch UBND tỉnh"}
    assert all(e["needs_confirmation"] for e in titles + forms)
    assert {f["name"]: f["granting_level"] for f in forms}["Bằng khen của Chủ tịch UBND tỉnh"] == "cap_tren"
    assert client.get(f"/catalogue/forms/{titles[0]['id']}", headers=vhxh).status_code == 404

    new = {"name": "Giấy khen của Chủ tịch UBND phường về thành tích đột xuất", "granting_level": "phuong",
           "legal_basis": "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022."}
    assert client.post("/catalogue/forms", json=new, headers=vhxh).status_code == 403
    created = client.post("/catalogue/forms", json=new, headers=admin)
    assert created.status_code == 201 and created.json["catalogue"] == "form"
    assert created.json["code"] == "giay-khen-cua-chu-tich-ubnd-phuong-ve-thanh-tich-dot-xuat"
    assert created.json["name"] not in {t["name"] for t in client.get("/catalogue/titles", headers=vhxh).json}
    nobody = client.post("/catalogue/titles", json={**new, "for_individuals": False, "for_collectives": False}, headers=admin)
    assert nobody.status_code == 422 and nobody.json["errors"]["for_collectives"] == ["Phải áp dụng cho cá nhân, tập thể hoặc cả hai."]

    path = f"/catalogue/forms/{created.json['id']}"
    off = client.patch(path, json={"active": False, "version": created.json["version"]}, headers=admin)
    assert off.status_code == 200 and off.json["active"] is False
    assert client.patch(path, json={"active": True, "version": created.json["version"]}, headers=admin).status_code == 412
    inactive = client.post("/nominations", json=collective(entry_id, ward, award_id=created.json["id"]), headers=vhxh)
    assert inactive.status_code == 422 and "đã ngừng áp dụng" in inactive.json["errors"]["award_id"][0]

    # An entry whose legal basis an admin has not confirmed cannot go into a decision.
    approved = approve(ward, collective(entry_id, ward))
    blocked = client.post("/decisions", json={"nominations": [{"id": approved["id"], "version": approved["version"]}],
                                              "signer_name": "Phạm Quốc Chương"}, headers=as_role(ward, "lanh_dao"))
    assert blocked.status_code == 409 and blocked.json["type"] == "urn:dvk:problem:unconfirmed-legal-basis"


def test_decision_numbers_run_per_year_and_are_not_reused(ward, entry_id, as_role, approve, confirm_entries):
    client = ward.test_client()
    leader = as_role(ward, "lanh_dao")
    confirm_entries(ward, "giay-khen-chu-tich-ubnd-phuong", "bieu-duong-ubnd-phuong")
    first = approve(ward, collective(entry_id, ward, 12))
    second = approve(ward, collective(entry_id, ward, 13))
    third = approve(ward, collective(entry_id, ward, 5, award_id=entry_id(ward, "forms", "bieu-duong-ubnd-phuong")))

    def decide(nomination, **extra):
        return client.post("/decisions", json={"nominations": [{"id": nomination["id"], "version": nomination["version"]}],
                                               "signer_name": "Phạm Quốc Chương", **extra}, headers=leader)

    assert decide(first, decided_on="2026-12-05").json["decision_number"] == "01/QĐ-UBND"
    taken = decide(second, decided_on="2026-12-06", number=1)
    assert taken.status_code == 409 and taken.json["detail"] == "Số 01/QĐ-UBND năm 2026 đã được cấp cho văn bản khác."
    assert decide(second, decided_on="2026-12-06").json["decision_number"] == "02/QĐ-UBND"
    next_year = decide(third, decided_on="2027-01-04")
    assert next_year.json["decision_number"] == "01/QĐ-UBND" and next_year.json["year"] == 2027
    forward = client.post("/proposal-letters", json={"nominations": [{"id": first["id"], "version": first["version"] + 1}],
                                                     "signer_name": "Phạm Quốc Chương"}, headers=leader)
    assert forward.status_code == 409, "a decided nomination cannot also be forwarded"
