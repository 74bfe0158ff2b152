"""From a nomination to a signed decision (and to a proposal letter), through the API, on PostgreSQL and SQLite."""
from __future__ import annotations

import pytest

from dvk_testing.contract import assert_outbox_matches_contract

pytestmark = pytest.mark.parametrize("database_kind", ["postgresql", "sqlite"])

MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."


def test_nomination_to_decision_revocation_and_proposal_letter(database_kind, awards_on, deliver_to, as_role,
                                                               confirm_entries, entry_id):
    app = awards_on(database_kind)
    deliver = deliver_to(app)
    deliver.units(3, 5, 12)
    deliver.send("vn.dvk.registration.model-accepted.v1", {
        "model_id": 41, "unit_id": 12, "year": 2026, "title": "Tổ dân phố tự quản “Sáng - Xanh - Sạch - Đẹp”",
        "field": "kinh_te_do_thi", "status": "accepted", "late": False, "occurred_at": "2026-02-20T02:00:00+00:00",
        "actor_role": "vhxh", "reason": None,
    })
    client = app.test_client()
    vhxh = as_role(app, "vhxh", name="Trần Văn Bình")
    leader = as_role(app, "lanh_dao", name="Phạm Quốc Chương")
    giay_khen = entry_id(app, "forms", "giay-khen-chu-tich-ubnd-phuong")
    lao_dong = entry_id(app, "titles", "lao-dong-tien-tien")
    bang_khen = entry_id(app, "forms", "bang-khen-chu-tich-ubnd-tinh")

    def nominate(body):
        response = client.post("/nominations", json={"year": 2026, **body}, headers=vhxh)
        assert response.status_code == 201, response.json
        assert response.json["status"] == "draft"
        return response.json

    unit_nomination = nominate({
        "nominee_kind": "collective", "unit_id": 12, "catalogue": "form", "award_id": giay_khen,
        "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia vệ sinh môi trường hằng tuần.",
        "evidence": {"model_ids": [41]},
    })
    person_nomination = nominate({
        "nominee_kind": "individual", "unit_id": 3, "person_name": "Nguyễn Thị Lan", "person_position": "Chuyên viên",
        "catalogue": "title", "award_id": lao_dong, "achievements": "Tham mưu tổng hợp phong trào đúng hạn, sáng tạo.",
    })
    police_nomination = nominate({
        "nominee_kind": "collective", "unit_id": 5, "catalogue": "form", "award_id": bang_khen,
        "achievements": "Mô hình “Camera an ninh” giảm 40% vụ trộm cắp trên địa bàn.",
    })
    assert unit_nomination["unit_name"] == "Tổ dân phố 1" and unit_nomination["catalogue_label"] == "Hình thức khen thưởng"
    assert person_nomination["award_name"] == "Lao động tiên tiến" and person_nomination["catalogue_label"] == "Danh hiệu thi đua"

    reviewed = {}
    for nomination in (unit_nomination, person_nomination, police_nomination):
        proposed = client.post(f"/nominations/{nomination['id']}/propose", json={}, headers={**vhxh, "If-Match": str(nomination["version"])})
        assert proposed.status_code == 200, proposed.json
        assert proposed.json["status"] == "proposed"
        review = client.post(f"/nominations/{nomination['id']}/review", json={
            "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES,
            "version": proposed.json["version"],
        }, headers=vhxh)
        assert review.status_code == 200, review.json
        assert review.json["status"] == "approved" and review.json["votes_for"] == 7
        reviewed[nomination["id"]] = review.json

    confirm_entries(app, "giay-khen-chu-tich-ubnd-phuong", "lao-dong-tien-tien", "bang-khen-chu-tich-ubnd-tinh")
    decision = client.post("/decisions", json={
        "nominations": [{"id": n["id"], "version": reviewed[n["id"]]["version"]} for n in (unit_nomination, person_nomination)],
        "decided_on": "2026-12-05", "signer_name": "Phạm Quốc Chương", "number": 3,
    }, headers=leader)
    assert decision.status_code == 201, decision.json
    assert decision.json["decision_number"] == "03/QĐ-UBND" and decision.json["decided_on"] == "2026-12-05"
    assert [a["nomination_id"] for a in decision.json["awardees"]] == [unit_nomination["id"], person_nomination["id"]]
    assert {a["status"] for a in decision.json["awardees"]} == {"decided"}

    letter = client.post("/proposal-letters", json={
        "nominations": [{"id": police_nomination["id"], "version": reviewed[police_nomination["id"]]["version"]}],
        "letter_date": "2026-12-05", "signer_name": "Phạm Quốc Chương",
    }, headers=leader)
    assert letter.status_code == 201, letter.json
    assert letter.json["letter_number"] == "01/TTr-UBND"
    police = client.get(f"/nominations/{police_nomination['id']}", headers=vhxh).json
    assert police["status"] == "forwarded" and police["letter_number"] == "01/TTr-UBND"

    decided = client.get(f"/nominations/{person_nomination['id']}", headers=leader).json
    revoked = client.post(f"/nominations/{person_nomination['id']}/revoke", json={
        "reason": "Phát hiện kê khai thành tích không đúng sự thật.", "version": decided["version"],
    }, headers=leader)
    assert revoked.status_code == 200, revoked.json
    assert [step["action"] for step in revoked.json["history"]] == ["created", "proposed", "reviewed", "decided", "revoked"]
    assert revoked.json["history"][-1]["actor_name"] == "Phạm Quốc Chương"

    # The revoked award stays visible on its decision, with the reason.
    shown = client.get(f"/decisions/{decision.json['id']}", headers=as_role(app, "giam_sat")).json
    awardees = {a["nomination_id"]: a for a in shown["awardees"]}
    assert awardees[person_nomination["id"]]["status"] == "revoked"
    assert awardees[person_nomination["id"]]["revoked_reason"] == "Phát hiện kê khai thành tích không đúng sự thật."
    assert awardees[unit_nomination["id"]]["status"] == "decided" and shown["revoked"] is False

    rows = assert_outbox_matches_contract(app)
    assert [(r["type"].split(".")[3], r["aggregateid"]) for r in rows] == [
        ("nomination-proposed", str(unit_nomination["id"])), ("nomination-reviewed", str(unit_nomination["id"])),
        ("nomination-proposed", str(person_nomination["id"])), ("nomination-reviewed", str(person_nomination["id"])),
        ("nomination-proposed", str(police_nomination["id"])), ("nomination-reviewed", str(police_nomination["id"])),
        ("award-decided", str(unit_nomination["id"])), ("award-decided", str(person_nomination["id"])),
        ("award-forwarded", str(police_nomination["id"])), ("award-revoked", str(person_nomination["id"])),
    ]
    decided_event = rows[7]["payload"]
    assert decided_event["decision_number"] == "03/QĐ-UBND" and decided_event["person_name"] == "Nguyễn Thị Lan"
    assert decided_event["nominee_kind"] == "individual" and decided_event["award_name"] == "Lao động tiên tiến"
    assert rows[0]["payload"]["person_name"] is None and rows[0]["payload"]["catalogue"] == "form"
    assert rows[9]["payload"]["decision_id"] == decision.json["id"]
    assert rows[8]["payload"]["letter_number"] == "01/TTr-UBND"

    # Once revoked, the award no longer counts as held: the person may be nominated for it again.
    again = client.post("/nominations", json={
        "year": 2026, "nominee_kind": "individual", "unit_id": 3, "person_name": "Nguyễn Thị Lan", "catalogue": "title",
        "award_id": lao_dong, "achievements": "Đề nghị lại sau khi đã xác minh đầy đủ thành tích.",
    }, headers=vhxh)
    assert again.status_code == 201, "a revoked award no longer blocks a new nomination"
