"""A unit's six-month report through the API: draft → submitted → returned → resubmitted → accepted,
with late marking, history, optimistic locking, no cross-unit leaks, and every event valid against contracts/."""
from __future__ import annotations

from dvk_testing.contract import assert_outbox_matches_contract

SECTIONS = {
    "leadership": "Chi ủy tổ dân phố ban hành kế hoạch, phân công đảng viên phụ trách từng cụm dân cư.",
    "effectiveness": "Vệ sinh môi trường được duy trì, 95% hộ dân tham gia.",
    "good_practices": "Lập nhóm Zalo của tổ để nhắc lịch thu gom rác.",
    "difficulties": "Kinh phí mua thùng rác phân loại còn thiếu.",
    "recommendations": "Đề nghị phường hỗ trợ 20 thùng rác phân loại.",
    "next_direction": "Nhân rộng mô hình sang tổ dân phố 2.",
}


def test_report_cycle_through_the_api(app, client, units, clock, kit):
    # The unit's accepted model (known from registration's events) is prefilled into the report.
    kit.deliver(app, [
        kit.model_event("model-submitted", 41, 12, "submitted", "2026-02-01T02:00:00+00:00", title="Tổ dân phố xanh - sạch - đẹp"),
        kit.model_event("model-accepted", 41, 12, "accepted", "2026-02-05T02:00:00+00:00", title="Tổ dân phố xanh - sạch - đẹp"),
        kit.model_event("model-submitted", 42, 12, "submitted", "2026-02-06T02:00:00+00:00"),
        kit.model_event("model-accepted", 43, 13, "accepted", "2026-02-06T02:00:00+00:00"),
    ])
    officer = kit.headers(app, "don_vi", 12)
    created = client.post("/reports", json={"year": 2026, "period": "six_month", "unit_id": 13}, headers=officer)
    assert created.status_code == 404  # an officer cannot open another unit's report
    created = client.post("/reports", json={"year": 2026, "period": "six_month"}, headers=officer)
    assert created.status_code == 201, created.json
    report = created.json
    assert report["unit_id"] == 12 and report["status"] == "draft" and report["due_date"] == "2026-06-10"
    assert [(m["model_id"], m["title"]) for m in report["model_results"]] == [(41, "Tổ dân phố xanh - sạch - đẹp")]
    rid = report["id"]

    again = client.post("/reports", json={"year": 2026, "period": "six_month"}, headers=officer)
    assert again.status_code == 409 and again.json["report_id"] == rid

    # Submitting an empty draft names the missing sections.
    incomplete = client.post(f"/reports/{rid}/submit", json={"version": report["version"]}, headers=officer)
    assert incomplete.status_code == 422
    assert "Chưa nhập: Công tác lãnh đạo, chỉ đạo." in incomplete.json["errors"]["sections"]

    # Edits need the version: missing → 428, stale → 412, current → saved.
    body = {"sections": SECTIONS, "model_results": [{"model_id": 41, "result": "Thu gom 2 tấn rác tái chế."}]}
    assert client.patch(f"/reports/{rid}", json=body, headers=officer).status_code == 428
    stale = client.patch(f"/reports/{rid}", json=body, headers=kit.headers(app, "don_vi", 12, version=99))
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    edited = client.patch(f"/reports/{rid}", json=body, headers=kit.headers(app, "don_vi", 12, version=report["version"]))
    assert edited.status_code == 200, edited.json
    assert edited.json["sections"]["difficulties"] == SECTIONS["difficulties"]
    assert edited.json["model_results"][0]["result"] == "Thu gom 2 tấn rác tái chế."
    foreign_model = client.patch(f"/reports/{rid}", json={"version": edited.json["version"], "model_results": [{"model_id": 43, "result": "x"}]},
                                 headers=officer)
    assert foreign_model.status_code == 422

    # Other units' officers see nothing of it; observers read but cannot write.
    assert client.get(f"/reports/{rid}", headers=kit.headers(app, "don_vi", 13)).status_code == 404
    assert client.get("/reports", headers=kit.headers(app, "don_vi", 13)).json == []
    assert client.get(f"/reports/{rid}", headers=kit.headers(app, "giam_sat")).status_code == 200
    assert client.post(f"/reports/{rid}/submit", json={"version": edited.json["version"]},
                       headers=kit.headers(app, "giam_sat")).status_code == 403

    clock.set("2026-06-08T03:00:00+00:00")
    submitted = client.post(f"/reports/{rid}/submit", json={"version": edited.json["version"]}, headers=officer)
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted" and submitted.json["late"] is False
    assert client.patch(f"/reports/{rid}", json=body, headers=kit.headers(app, "don_vi", 12, version=submitted.json["version"])).status_code == 409
    assert client.post(f"/reports/{rid}/return", json={"reason": "Thiếu số liệu."}, headers=officer).status_code == 403

    reviewer = kit.headers(app, "vhxh")
    no_reason = client.post(f"/reports/{rid}/return", json={"version": submitted.json["version"]}, headers=reviewer)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    returned = client.post(f"/reports/{rid}/return", json={"version": submitted.json["version"], "reason": "Bổ sung số hộ tham gia."},
                           headers=reviewer)
    assert returned.json["status"] == "returned" and returned.json["return_reason"] == "Bổ sung số hộ tham gia."

    wrong = client.post(f"/reports/{rid}/accept", json={"version": returned.json["version"]}, headers=reviewer)
    assert wrong.status_code == 409
    assert wrong.json["detail"] == "Trạng thái hiện tại: Trả lại để chỉnh sửa (returned)"

    # Resubmitted after the deadline: still on time, because the first submission was.
    clock.set("2026-06-12T03:00:00+00:00")
    fixed = client.patch(f"/reports/{rid}", json={"sections": {"effectiveness": "312 hộ (95%) tham gia."}},
                         headers=kit.headers(app, "don_vi", 12, version=returned.json["version"]))
    resubmitted = client.post(f"/reports/{rid}/submit", json={"version": fixed.json["version"]}, headers=officer)
    assert resubmitted.json["status"] == "resubmitted" and resubmitted.json["late"] is False
    accepted = client.post(f"/reports/{rid}/accept", headers=kit.headers(app, "vhxh", version=resubmitted.json["version"]))
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert client.post(f"/reports/{rid}/submit", json={"version": accepted.json["version"]}, headers=officer).status_code == 409

    history = client.get(f"/reports/{rid}/history", headers=officer).json
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("create", None, "draft"), ("submit", "draft", "submitted"), ("return", "submitted", "returned"),
        ("resubmit", "returned", "resubmitted"), ("accept", "resubmitted", "accepted"),
    ]
    assert history[2]["reason"] == "Bổ sung số hộ tham gia." and history[2]["actor_role"] == "vhxh"

    # Another unit submitting after the deadline is marked late.
    other = kit.headers(app, "don_vi", 13)
    late = client.post("/reports", json={"year": 2026, "period": "six_month", "sections": SECTIONS}, headers=other).json
    late = client.post(f"/reports/{late['id']}/submit", json={"version": late["version"]}, headers=other).json
    assert late["late"] is True

    rows = assert_outbox_matches_contract(app)
    assert [(r["type"].split(".")[3], r["payload"].get("report_id")) for r in rows] == [
        ("report-submitted", rid), ("report-returned", rid), ("report-resubmitted", rid), ("report-accepted", rid),
        ("report-submitted", late["id"]),
    ]
    assert rows[1]["payload"]["reason"] == "Bổ sung số hộ tham gia."
    assert rows[4]["payload"]["late"] is True and rows[4]["payload"]["due_date"] == "2026-06-10"


def test_deadline_set_for_a_year_decides_lateness(app, client, units, clock, kit):
    officer = kit.headers(app, "don_vi", 5)
    assert client.put("/deadlines/2026/six_month", json={"due_date": "2026-06-03"}, headers=officer).status_code == 403
    changed = client.put("/deadlines/2026/six_month", json={"due_date": "2026-06-03"}, headers=kit.headers(app, "vhxh"))
    assert changed.status_code == 200
    assert {d["period"]: d["due_date"] for d in changed.json} == {"six_month": "2026-06-03", "annual": "2026-11-15"}
    report = client.post("/reports", json={"year": 2026, "period": "six_month", "sections": SECTIONS}, headers=officer).json
    assert report["due_date"] == "2026-06-03"
    # 5 June 2026 in Minh Xuân, two days after the year's own deadline.
    submitted = client.post(f"/reports/{report['id']}/submit", json={"version": report["version"]}, headers=officer).json
    assert submitted["late"] is True
    bad = client.put("/deadlines/2026/annual", json={"due_date": "2027-01-10"}, headers=kit.headers(app, "vhxh"))
    assert bad.status_code == 422 and "due_date" in bad.json["errors"]


def test_a_moved_deadline_is_published_with_its_version(app, client, units, clock, kit):
    vhxh = kit.headers(app, "vhxh")

    def deadline_events():
        return [r for r in assert_outbox_matches_contract(app) if r["type"] == "vn.dvk.reporting.report-deadline-set.v1"]

    assert client.put("/deadlines/2026/six_month", json={"due_date": "2026-06-30"}, headers=vhxh).status_code == 200
    clock.set("2026-06-06T03:00:00+00:00")
    assert client.put("/deadlines/2026/six_month", json={"due_date": "2026-06-20"}, headers=vhxh).status_code == 200
    # the date already in force, a refused date and a refused role publish nothing
    assert client.put("/deadlines/2026/six_month", json={"due_date": "2026-06-20"}, headers=vhxh).status_code == 200
    assert client.put("/deadlines/2026/annual", json={"due_date": "2027-01-10"}, headers=vhxh).status_code == 422
    assert client.put("/deadlines/2026/annual", json={"due_date": "2026-12-01"},
                      headers=kit.headers(app, "don_vi", 12)).status_code == 403
    rows = deadline_events()
    assert [r["aggregateid"] for r in rows] == ["2026-six_month", "2026-six_month"]
    assert [r["payload"] for r in rows] == [
        {"year": 2026, "period": "six_month", "due_date": "2026-06-30", "previous_due_date": "2026-06-10", "version": 1,
         "occurred_at": "2026-06-05T09:00:00+00:00", "actor_role": "vhxh"},
        {"year": 2026, "period": "six_month", "due_date": "2026-06-20", "previous_due_date": "2026-06-30", "version": 2,
         "occurred_at": "2026-06-06T03:00:00+00:00", "actor_role": "vhxh"},
    ]
    annual = client.get("/deadlines", query_string={"year": 2026}, headers=vhxh).json
    assert {d["period"]: d["due_date"] for d in annual} == {"six_month": "2026-06-20", "annual": "2026-11-15"}
