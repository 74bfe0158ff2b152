"""The whole yearly registration cycle through the HTTP API, on PostgreSQL and on SQLite."""
from __future__ import annotations

from dvk_testing.contract import assert_outbox_matches_contract

TDP_1 = 12  # Tổ dân phố 1 in the seed


def test_unit_registers_model_and_ward_reviews_inspects_and_replicates_it(app, http, clock, wf):
    # Phòng VH-XH opens 2027 with the default deadline 15/02
    opened = http("POST", "/periods", "vhxh", json={"year": 2027})
    assert opened.status_code == 201
    assert opened.json["deadline"] == "2027-02-15"
    clock.set(2027, 1, 20)

    # Tổ dân phố 1 drafts its model, then corrects it before sending
    draft = wf.draft(http, TDP_1, year=2027)
    assert (draft["status"], draft["version"], draft["unit_id"]) == ("draft", 1, TDP_1)
    edited = http("PATCH", f"/models/{draft['id']}", "don_vi", TDP_1, if_match=1,
                  json={"person_in_charge": "Trần Văn Bình, Tổ trưởng"})
    assert edited.status_code == 200
    assert edited.json["person_in_charge"] == "Trần Văn Bình, Tổ trưởng"
    assert edited.headers["ETag"] == '"2"'

    submitted = wf.act(http, edited.json, "submit", "don_vi", TDP_1)
    assert (submitted["status"], submitted["late"]) == ("submitted", False)
    assert http("PATCH", f"/models/{draft['id']}", "don_vi", TDP_1, if_match=submitted["version"],
                json={"title": "Sửa sau khi gửi"}).status_code == 409

    # returned with a reason, corrected and sent again
    clock.set(2027, 1, 25)
    returned = wf.act(http, submitted, "return", "vhxh", reason="Bổ sung chỉ tiêu đo lường được.")
    assert returned["status"] == "returned"
    corrected = http("PATCH", f"/models/{draft['id']}", "don_vi", TDP_1, if_match=returned["version"], json={
        "indicators": [{"name": "Số hộ tham gia", "target": "180", "unit": "hộ"},
                       {"name": "Số tuyến hẻm xanh", "target": "12", "unit": "tuyến"}]})
    assert corrected.status_code == 200
    clock.set(2027, 2, 20)  # after the deadline, but the model was first sent on time
    resubmitted = wf.act(http, corrected.json, "submit", "don_vi", TDP_1)
    assert (resubmitted["status"], resubmitted["late"]) == ("submitted", False)
    accepted = wf.act(http, resubmitted, "accept", "vhxh", note="Đạt yêu cầu.")
    assert accepted["status"] == "accepted"

    # inspected on the ground, rated Tốt, then named typical for replication
    clock.set(2027, 7, 21)
    inspection = http("POST", f"/models/{draft['id']}/inspections", "vhxh", json={
        "inspected_on": "2027-07-20", "inspector": "Lê Thị Mai, Phòng VH-XH", "rating": "tot",
        "findings": "Các tuyến hẻm sạch, người dân tham gia đông.", "follow_up": "Nhân rộng sang Tổ dân phố 2."})
    assert inspection.status_code == 201
    assert inspection.json["rating"] == "tot"
    typical = wf.act(http, accepted, "typical", "vhxh", note="Nhân rộng toàn phường.")
    assert typical["typical"] is True

    # the unit officer sees the whole history: who, when, from, to, note
    seen = http("GET", f"/models/{draft['id']}", "don_vi", TDP_1)
    assert seen.status_code == 200
    steps = [(h["action"], h["from_status"], h["to_status"], h["actor_role"], h["note"]) for h in seen.json["history"]]
    assert steps == [
        ("create", None, "draft", "don_vi", None),
        ("submit", "draft", "submitted", "don_vi", None),
        ("return", "submitted", "returned", "vhxh", "Bổ sung chỉ tiêu đo lường được."),
        ("submit", "returned", "submitted", "don_vi", None),
        ("accept", "submitted", "accepted", "vhxh", "Đạt yêu cầu."),
        ("typical", "accepted", "accepted", "vhxh", "Nhân rộng toàn phường."),
    ]
    assert seen.json["history"][2]["occurred_at"] == "2027-01-25T02:00:00+00:00"
    assert len(seen.json["indicators"]) == 2
    assert [i["inspector"] for i in seen.json["inspections"]] == ["Lê Thị Mai, Phòng VH-XH"]

    # every event went to the outbox in the same transactions, in order, and matches contracts/
    rows = assert_outbox_matches_contract(app)
    model_events = [(r["type"].split(".")[3], r["payload"].get("status")) for r in rows if r["aggregatetype"] == "model"]
    assert model_events == [
        ("model-submitted", "submitted"), ("model-returned", "returned"), ("model-resubmitted", "submitted"),
        ("model-accepted", "accepted"), ("model-inspected", None), ("model-marked-typical", None),
    ]
    returned_event = next(r for r in rows if r["type"] == "vn.dvk.registration.model-returned.v1")
    assert returned_event["payload"]["reason"] == "Bổ sung chỉ tiêu đo lường được."
    assert returned_event["payload"]["occurred_at"] == "2027-01-25T02:00:00+00:00"  # 25/01 09:00 in Hà Nội
    assert {r["payload"]["year"] for r in rows if r["type"] == "vn.dvk.registration.period-opened.v1"} == {2026, 2027}


def test_unit_withdraws_a_returned_model_and_can_no_longer_send_it(app, http, wf):
    draft = wf.draft(http, TDP_1)
    submitted = wf.act(http, draft, "submit", "don_vi", TDP_1)
    returned = wf.act(http, submitted, "return", "vhxh", reason="Trùng với mô hình năm trước.")
    withdrawn = wf.act(http, returned, "withdraw", "don_vi", TDP_1, note="Đơn vị đăng ký mô hình khác.")
    assert withdrawn["status"] == "withdrawn"
    again = http("POST", f"/models/{draft['id']}/submit", "don_vi", TDP_1, json={}, if_match=withdrawn["version"])
    assert again.status_code == 409
    assert "Đã rút (withdrawn)" in again.json["detail"]
    rows = assert_outbox_matches_contract(app)
    assert [r["type"] for r in rows if r["aggregatetype"] == "model"][-1] == "vn.dvk.registration.model-withdrawn.v1"


def test_submission_after_the_deadline_in_ward_time_is_accepted_and_marked_late(app, http, clock, wf):
    # 15/02 23:30 in Hà Nội is still the deadline day: on time
    clock.set(2026, 2, 15, 23, 30)
    on_time = wf.act(http, wf.draft(http, TDP_1), "submit", "don_vi", TDP_1)
    # 16/02 00:30 in Hà Nội is still 15/02 in UTC, but the ward's deadline has passed: late
    clock.set(2026, 2, 16, 0, 30)
    late = wf.act(http, wf.draft(http, TDP_1, title="Dân vận khéo trong tiếp công dân"), "submit", "don_vi", TDP_1)
    assert (on_time["late"], late["late"]) == (False, True)
    assert wf.act(http, late, "accept", "vhxh")["status"] == "accepted"  # late work is still received

    listed = http("GET", "/models?year=2026&late=true", "vhxh")
    assert [m["id"] for m in listed.json["items"]] == [late["id"]]
    events = {r["payload"]["model_id"]: r["payload"]["late"] for r in assert_outbox_matches_contract(app)
              if r["type"] == "vn.dvk.registration.model-submitted.v1"}
    assert events == {on_time["id"]: False, late["id"]: True}


def test_a_period_deadline_set_by_vhxh_decides_lateness(app, http, clock, wf):
    assert http("POST", "/periods", "vhxh", json={"year": 2027, "deadline": "2027-03-01"}).status_code == 201
    clock.set(2027, 2, 20)
    model = wf.act(http, wf.draft(http, TDP_1, year=2027), "submit", "don_vi", TDP_1)
    assert model["late"] is False
    assert http("POST", "/periods", "vhxh", json={"year": 2027}).status_code == 409
    assert http("GET", "/periods/2027", "don_vi", TDP_1).json["deadline"] == "2027-03-01"


def test_a_unit_cannot_register_before_the_year_is_opened(http, wf):
    response = http("POST", "/models", "don_vi", TDP_1, json=wf.body(year=2028))
    assert response.status_code == 409
    assert "2028" in response.json["detail"]
