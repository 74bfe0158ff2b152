"""Phòng VH-XH moves an opened period's deadline (PATCH /periods/<year>): the period, its history, the audit log
and one period-updated event change together; lateness already judged stays, later submissions follow the new
deadline; anything refused changes nothing."""
from __future__ import annotations

from dvk_testing.contract import assert_outbox_matches_contract

TDP_1, TDP_2, TDP_3, TDP_4 = 12, 13, 14, 15
UPDATED = "vn.dvk.registration.period-updated.v1"
REASON = "Tết Nguyên đán đến muộn (17/02); gia hạn để các tổ dân phố kịp họp dân."


def updated_events(app) -> list[dict]:
    return [r for r in assert_outbox_matches_contract(app) if r["type"] == UPDATED]


def test_extension_moves_the_deadline_for_later_submissions_and_keeps_earlier_late_flags(app, http, clock, wf):
    # the seeded 2026 period was opened on 10/02 with the default deadline 15/02
    first = wf.act(http, wf.draft(http, TDP_1), "submit", "don_vi", TDP_1)
    clock.set(2026, 2, 17)
    late = wf.act(http, wf.draft(http, TDP_2), "submit", "don_vi", TDP_2)
    assert (first["late"], late["late"]) == (False, True)

    seen = http("GET", "/periods/2026", "vhxh")
    assert (seen.json["deadline"], seen.json["version"], seen.json["history"], seen.headers["ETag"]) == ("2026-02-15", 1, [], '"1"')
    clock.set(2026, 2, 17, 10, 30)
    changed = http("PATCH", "/periods/2026", "vhxh", json={"deadline": "2026-02-28", "reason": REASON}, if_match=1)
    assert changed.status_code == 200, changed.json
    assert (changed.json["deadline"], changed.json["version"], changed.headers["ETag"]) == ("2026-02-28", 2, '"2"')
    assert changed.json["updated_at"] == "2026-02-17T03:30:00+00:00"
    assert [(h["from_deadline"], h["to_deadline"], h["reason"], h["actor_role"]) for h in changed.json["history"]] == [
        ("2026-02-15", "2026-02-28", REASON, "vhxh")]
    assert http("GET", "/periods", "don_vi", TDP_1).json[0]["deadline"] == "2026-02-28"

    # judged once, at the first submission: the model sent late before the extension stays late,
    # even when it is returned and sent again within the new deadline
    clock.set(2026, 2, 20)
    returned = wf.act(http, late, "return", "vhxh", reason="Bổ sung chỉ tiêu.")
    assert wf.act(http, returned, "submit", "don_vi", TDP_2)["late"] is True
    assert http("GET", f"/models/{first['id']}", "vhxh").json["late"] is False
    # sent after the extension but by the new deadline (the day itself, ward time): on time; after it: late
    clock.set(2026, 2, 28, 23, 30)
    on_time = wf.act(http, wf.draft(http, TDP_3), "submit", "don_vi", TDP_3)
    clock.set(2026, 3, 1, 0, 30)
    after = wf.act(http, wf.draft(http, TDP_4), "submit", "don_vi", TDP_4)
    assert (on_time["late"], after["late"]) == (False, True)
    compliance = http("GET", "/compliance/2026", "vhxh").json
    assert compliance["deadline"] == "2026-02-28"
    assert [u["unit_id"] for u in compliance["late_units"]] == [TDP_2, TDP_4]

    # one event, valid against its contract, in the change's transaction
    events = updated_events(app)
    assert len(events) == 1
    assert (events[0]["aggregatetype"], events[0]["aggregateid"]) == ("period", str(changed.json["id"]))
    assert events[0]["payload"] == {
        "period_id": changed.json["id"], "year": 2026, "deadline": "2026-02-28", "previous_deadline": "2026-02-15",
        "reason": REASON, "version": 2, "occurred_at": "2026-02-17T03:30:00+00:00", "actor_role": "vhxh"}

    # the audit log has the change of the period and the history row with its reason
    audit = http("GET", "/audit", "giam_sat", query_string={"entity": "registration_periods"}).json["items"]
    update = next(a for a in audit if a["action"] == "update")
    assert update["changes"]["deadline"] == ["2026-02-15", "2026-02-28"]
    assert (update["actor_id"], update["actor_role"]) == ("vhxh-0", "vhxh")
    history = http("GET", "/audit", "giam_sat", query_string={"entity": "registration_period_changes"}).json["items"]
    assert [a["changes"]["reason"][1] for a in history] == [REASON]


def test_a_second_change_builds_on_the_first_and_the_latest_day_of_the_bound_is_allowed(app, http, clock):
    assert http("PATCH", "/periods/2026", "vhxh", json={"deadline": "2026-03-15", "reason": REASON}, if_match=1).status_code == 200
    clock.set(2026, 3, 10)
    again = http("PATCH", "/periods/2026", "vhxh", json={"deadline": "2027-01-31", "reason": "Kéo dài theo chỉ đạo của Đảng ủy."},
                 if_match=2)
    assert again.status_code == 200, again.json
    assert (again.json["deadline"], again.json["version"]) == ("2027-01-31", 3)
    assert [(h["from_deadline"], h["to_deadline"]) for h in again.json["history"]] == [
        ("2026-02-15", "2026-03-15"), ("2026-03-15", "2027-01-31")]
    assert [(e["payload"]["previous_deadline"], e["payload"]["deadline"], e["payload"]["version"]) for e in updated_events(app)] == [
        ("2026-02-15", "2026-03-15", 2), ("2026-03-15", "2027-01-31", 3)]


def test_refused_changes_answer_in_vietnamese_and_change_nothing(sqlite_app, sqlite_http):
    http = sqlite_http

    def patch(body, if_match=1, role="vhxh", unit=None, year=2026):
        return http("PATCH", f"/periods/{year}", role, unit, json=body, if_match=if_match)

    cases = [
        ({"deadline": "2026-02-28"}, {"reason": ["Trường này là bắt buộc."]}),
        ({"deadline": "2026-02-28", "reason": "   "}, {"reason": ["Không được để trống."]}),
        ({"reason": REASON}, {"deadline": ["Trường này là bắt buộc."]}),
        ({"deadline": "28/02/2026", "reason": REASON}, {"deadline": ["Ngày không hợp lệ (định dạng YYYY-MM-DD)."]}),
        ({"deadline": "2026-02-28", "reason": REASON, "year": 2027}, {"year": ["Trường không được phép."]}),
        # the period was opened on 10/02/2026
        ({"deadline": "2026-02-09", "reason": REASON}, {"deadline": ["Hạn đăng ký không được trước ngày mở kỳ đăng ký (10/02/2026)."]}),
        ({"deadline": "2027-02-01", "reason": REASON}, {"deadline": ["Hạn đăng ký phải thuộc năm 2026, chậm nhất ngày 31/01/2027."]}),
        ({"deadline": "2026-02-15", "reason": REASON}, {"deadline": ["Hạn đăng ký mới trùng với hạn hiện tại (15/02/2026)."]}),
    ]
    for body, errors in cases:
        response = patch(body)
        assert response.status_code == 422, body
        assert response.headers["Content-Type"] == "application/problem+json"
        assert (response.json["title"], response.json["errors"]) == ("Dữ liệu không hợp lệ.", errors), body

    good = {"deadline": "2026-02-28", "reason": REASON}
    stale = patch(good, if_match=7)
    assert (stale.status_code, stale.json["detail"]) == (412, "Phiên bản bạn gửi: 7; phiên bản hiện tại: 1.")
    assert patch(good, if_match=None).status_code == 428
    assert patch(good, if_match="W/\"abc\"").status_code == 412
    for role, unit in [("admin", None), ("lanh_dao", None), ("giam_sat", None), ("don_vi", TDP_1)]:
        refused = patch(good, role=role, unit=unit)
        assert refused.status_code == 403, role
        assert refused.headers["Content-Type"] == "application/problem+json"
    missing = patch(good, year=2031)
    assert (missing.status_code, missing.json["title"]) == (404, "Chưa mở kỳ đăng ký cho năm này.")

    period = http("GET", "/periods/2026", "vhxh")
    assert (period.json["deadline"], period.json["version"], period.json["updated_at"], period.json["history"]) == ("2026-02-15", 1, None, [])
    assert updated_events(sqlite_app) == []
    audit = http("GET", "/audit", "admin", query_string={"entity": "registration_periods"}).json["items"]
    assert [a["action"] for a in audit] == ["insert"]
    assert http("GET", "/audit", "admin", query_string={"entity": "registration_period_changes"}).json["total"] == 0
