"""The ward's progress equals figures computed by hand for a small fixture ward, whatever the order in which
registration's and awards' events arrive and however often they are redelivered."""
from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import select

from dvk_platform.bus import Message
from dvk_platform.config import topic_name
from dvk_platform.worker import build_consumer
from dvk_testing.plugin import bus_for
from reporting.models import RegisteredModel

FRIENDLY = "Chính quyền  thân thiện, vì Nhân dân phục vụ"


def ward_events(kit):
    """Five active units (13 leaves), six 2026 models, one 2025 model, five nominations."""
    e, m = kit.event, kit.model_event
    units = [kit.unit_event(1, "vp-hdnd-ubnd", "Văn phòng HĐND-UBND", "co_quan"),
             kit.unit_event(3, "vhxh", "Phòng Văn hóa - Xã hội", "co_quan"),
             kit.unit_event(5, "cong-an", "Công an phường", "cong_an"),
             kit.unit_event(12, "tdp-1", "Tổ dân phố 1", "to_dan_pho"),
             kit.unit_event(13, "tdp-2", "Tổ dân phố 2", "to_dan_pho"),
             kit.unit_event(14, "tdp-3", "Tổ dân phố 3", "to_dan_pho")]
    units.append(kit.unit_event(13, "tdp-2", "Tổ dân phố 2 (sáp nhập)", "to_dan_pho", active=False, what="unit-deactivated"))
    models = [
        m("model-submitted", 1, 1, "submitted", "2026-02-01T02:00:00+00:00", field="chinh_quyen", title=FRIENDLY),
        m("model-accepted", 1, 1, "accepted", "2026-02-05T02:00:00+00:00", field="chinh_quyen", title=FRIENDLY),
        m("model-submitted", 2, 3, "submitted", "2026-02-02T02:00:00+00:00"),
        m("model-returned", 2, 3, "returned", "2026-02-06T02:00:00+00:00", reason="Bổ sung chỉ tiêu."),
        m("model-submitted", 3, 12, "submitted", "2026-02-03T02:00:00+00:00", field="kinh_te_do_thi", title="Tổ dân phố xanh"),
        m("model-accepted", 3, 12, "accepted", "2026-02-07T02:00:00+00:00", field="kinh_te_do_thi", title="Tổ dân phố xanh"),
        e("registration", "model-marked-typical", 3, {"model_id": 3, "unit_id": 12, "year": 2026, "title": "Tổ dân phố xanh",
                                                      "field": "kinh_te_do_thi", "occurred_at": "2026-08-01T03:00:00+00:00"}),
        e("registration", "model-inspected", 3, {"model_id": 3, "unit_id": 12, "year": 2026, "inspection_id": 7, "rating": "tot",
                                                 "inspected_on": "2026-07-20", "occurred_at": "2026-07-20T09:30:00+00:00"}),
        m("model-submitted", 4, 12, "submitted", "2026-02-03T03:00:00+00:00"),
        m("model-withdrawn", 4, 12, "withdrawn", "2026-02-09T03:00:00+00:00"),
        m("model-submitted", 5, 13, "submitted", "2026-02-04T02:00:00+00:00", field="quoc_phong_an_ninh"),
        m("model-accepted", 5, 13, "accepted", "2026-02-08T02:00:00+00:00", field="quoc_phong_an_ninh"),
        m("model-submitted", 6, 5, "submitted", "2026-02-14T02:00:00+00:00", field="quoc_phong_an_ninh"),
        m("model-accepted", 7, 14, "accepted", "2025-02-08T02:00:00+00:00", year=2025),
    ]

    def proposed(n, unit, kind, person=None):
        return e("awards", "nomination-proposed", n, {
            "nomination_id": n, "year": 2026, "movement": "dan_van_kheo", "nominee_kind": kind, "unit_id": unit,
            "person_name": person, "award_id": 2, "award_name": "Giấy khen của Chủ tịch UBND phường", "catalogue": "form",
            "occurred_at": "2026-11-20T02:00:00+00:00", "a_field_added_later": {"ignored": True}})

    def reviewed(n, unit, approved):
        return e("awards", "nomination-reviewed", n, {"nomination_id": n, "unit_id": unit, "year": 2026, "approved": approved,
                                                      "votes_for": 5, "votes_against": 0, "meeting_date": "2026-11-25",
                                                      "occurred_at": "2026-11-25T08:00:00+00:00"})

    def decided(n, unit, kind, person=None):
        return e("awards", "award-decided", f"d{n}", {
            "nomination_id": n, "decision_id": 100 + n, "decision_number": f"{n:02d}/QĐ-UBND", "decided_on": "2026-12-01",
            "unit_id": unit, "year": 2026, "award_name": "Giấy khen của Chủ tịch UBND phường", "nominee_kind": kind,
            "person_name": person, "occurred_at": "2026-12-01T02:00:00+00:00"})

    awards = [
        proposed(1, 12, "collective"), reviewed(1, 12, True), decided(1, 12, "collective"),
        proposed(2, 1, "individual", "Nguyễn Thị Hoa"), reviewed(2, 1, True), decided(2, 1, "individual", "Nguyễn Thị Hoa"),
        e("awards", "award-revoked", "d2", {"decision_id": 102, "nomination_id": 2, "unit_id": 1, "year": 2026,
                                            "reason": "Phát hiện hồ sơ không trung thực.", "occurred_at": "2026-12-10T02:00:00+00:00"}),
        proposed(3, 3, "collective"), reviewed(3, 3, False),
        proposed(4, 5, "individual", "Trần Văn Bình"), reviewed(4, 5, True),
        e("awards", "award-forwarded", 4, {"nomination_id": 4, "unit_id": 5, "year": 2026, "award_name": "Bằng khen của Chủ tịch UBND tỉnh",
                                           "letter_number": "12/TTr-UBND", "occurred_at": "2026-12-02T02:00:00+00:00"}),
        decided(5, 14, "collective"), proposed(5, 14, "collective"),
    ]
    return units + models + awards


EXPECTED_UNITS = {"active": 5, "with_registered_model": 4, "with_accepted_model": 2, "registered_percent": 80.0,
                  "accepted_percent": 40.0, "target_met": False,
                  "without_model": [{"unit_id": 14, "name": "Tổ dân phố 3", "kind": "to_dan_pho"}],
                  "by_kind": {"co_quan": {"active": 2, "registered": 2, "accepted": 1},
                              "cong_an": {"active": 1, "registered": 1, "accepted": 0},
                              "to_dan_pho": {"active": 2, "registered": 1, "accepted": 1}}}
EXPECTED_MODELS = {
    "total": 6,
    "by_status": {"draft": 0, "submitted": 1, "returned": 1, "resubmitted": 0, "accepted": 3, "withdrawn": 1},
    "field_totals": {"kinh_te_do_thi": 1, "van_hoa_xa_hoi": 2, "quoc_phong_an_ninh": 2, "xay_dung_dang": 0, "chinh_quyen": 1},
}
FIGURES = {
    1: {"files_received": 200, "files_resolved": 190, "files_on_time": 188, "online_files": 150, "cashless_payments": 40,
        "survey_responses": 100, "satisfied_responses": 95, "digital_literacy_participants": 30, "officials_total": 20,
        "officials_violating": 0},
    12: {"files_received": 50, "files_resolved": 50, "files_on_time": 47, "online_files": 10, "cashless_payments": 5,
         "survey_responses": 40, "satisfied_responses": 38, "digital_literacy_participants": 60, "officials_total": 5,
         "officials_violating": 1},
}
SECTIONS = {k: "Nội dung." for k in ("leadership", "effectiveness", "good_practices", "difficulties", "recommendations", "next_direction")}


def test_progress_equals_hand_computed_figures_after_duplicated_out_of_order_delivery(app, client, clock, kit):
    events = ward_events(kit)
    first = events[:]
    random.Random(20260610).shuffle(first)  # across and within aggregates
    outcome = kit.deliver(app, first + events[::-1])
    assert (outcome.handled, outcome.duplicates, outcome.dead_lettered) == (len(events), len(events), 0)

    # Reports: unit 1 on time, unit 12 late; the check runs after the deadline.
    for unit_id, when in ((1, "2026-06-09T16:59:00+00:00"), (12, "2026-06-10T17:00:00+00:00")):
        clock.set(when)
        officer = kit.headers(app, "don_vi", unit_id)
        report = client.post("/reports", json={"year": 2026, "period": "six_month", "sections": SECTIONS}, headers=officer).json
        client.post(f"/reports/{report['id']}/submit", json={"version": report["version"]}, headers=officer)
        assert client.put(f"/target-figures/{unit_id}/2026/six_month", json=FIGURES[unit_id], headers=officer).status_code == 200

    progress = client.get("/progress?year=2026", headers=kit.headers(app, "giam_sat"))
    assert progress.status_code == 200
    body = progress.json
    assert body["units"] == EXPECTED_UNITS
    assert body["models"]["total"] == EXPECTED_MODELS["total"]
    assert body["models"]["by_status"] == EXPECTED_MODELS["by_status"]
    assert {f: v["total"] for f, v in body["models"]["by_field"].items()} == EXPECTED_MODELS["field_totals"]
    assert body["models"]["by_field"]["quoc_phong_an_ninh"]["by_status"]["accepted"] == 1
    assert body["typical_models"] == [{"model_id": 3, "unit_id": 12, "unit_name": "Tổ dân phố 1", "title": "Tổ dân phố xanh",
                                       "field": "kinh_te_do_thi"}]
    # 10/06 17:00 UTC is already 11/06 in Minh Xuân: late. Three active units never reported: overdue.
    assert body["reports"]["six_month"] == {
        "due_date": "2026-06-10", "expected": 5, "submitted": 2, "on_time": 1, "late": 1, "accepted": 0, "overdue": 3,
        "on_time_percent": 20.0,
        "by_kind": {"co_quan": {"expected": 2, "submitted": 1, "on_time": 1}, "cong_an": {"expected": 1, "submitted": 0, "on_time": 0},
                    "to_dan_pho": {"expected": 2, "submitted": 1, "on_time": 0}},
        "missing": [{"unit_id": 3, "name": "Phòng Văn hóa - Xã hội", "kind": "co_quan"},
                    {"unit_id": 5, "name": "Công an phường", "kind": "cong_an"},
                    {"unit_id": 14, "name": "Tổ dân phố 3", "kind": "to_dan_pho"}]}
    assert body["reports"]["annual"]["overdue"] == 0 and body["reports"]["annual"]["due_date"] == "2026-11-15"
    targets = body["targets"]["six_month"]
    assert targets["totals"]["files_resolved"] == 240 and targets["totals"]["files_on_time"] == 235
    assert targets["on_time_rate"] == 97.92 and targets["on_time_met"] is False  # 235/240, below the 98% target
    assert targets["satisfaction_rate"] == 95.0  # 133/140
    assert targets["conduct_rate"] == 96.0 and targets["conduct_met"] is False  # 24 of 25 officials
    assert body["targets"]["annual"]["on_time_rate"] is None
    # The plan's five targets, read from the six-month figures (no annual ones yet); nothing from 2025 to compare with.
    five = {t["number"]: t for t in body["plan_targets"]}
    assert (five[1]["value"], five[1]["met"], five[1]["models"]) == (1, True, [{"model_id": 1, "title": FRIENDLY}])
    assert (five[2]["value"], five[2]["threshold"], five[2]["met"], five[2]["period"]) == (96.0, 100.0, False, "six_month")
    assert (five[3]["value"], five[3]["met"], five[3]["count"], five[3]["of"]) == (40.0, False, 2, 5)
    assert (five[4]["value"], five[4]["threshold"], five[4]["met"], five[4]["satisfaction_rate"]) == (97.92, 98.0, False, 95.0)
    assert five[5]["value"] == 64.0 and five[5]["met"] is None  # 160 online of 250 received
    assert five[5]["figures"]["cashless_payments"] == {"value": 45, "before": None, "grew": None}
    commendations = body["commendations"]
    assert {k: commendations[k] for k in ("proposed", "decided", "collective", "individual", "forwarded", "revoked")} == {
        "proposed": 5, "decided": 2, "collective": 2, "individual": 0, "forwarded": 1, "revoked": 1}
    assert [(d["nomination_id"], d["unit_name"], d["decision_number"]) for d in commendations["decisions"]] == [
        (1, "Tổ dân phố 1", "01/QĐ-UBND"), (5, "Tổ dân phố 3", "05/QĐ-UBND")]


def test_an_older_unit_event_never_overwrites_a_newer_one(app, client, kit):
    newer = kit.unit_event(12, "tdp-1", "Tổ dân phố 1", "to_dan_pho", active=False, what="unit-deactivated")
    older = kit.event("registration", "unit-updated", 12, {"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1 cũ",
                                                            "kind": "to_dan_pho", "active": True}, time="2025-12-01T00:00:00.000+00:00")
    kit.deliver(app, [newer, older])
    units = client.get("/progress?year=2026", headers=kit.headers(app, "vhxh")).json["units"]
    assert units["active"] == 0


def test_an_event_breaking_its_contract_goes_to_the_dlq_and_changes_nothing(app, client, kit):
    """A model-accepted whose unit id is text, not a number, goes to the DLQ at once (the handler would have taken
    it); the good event after it is counted."""
    kit.deliver(app, [kit.unit_event(*u) for u in kit.UNITS])
    broken = kit.model_event("model-accepted", 7, 12, "accepted", "2026-02-11T09:00:00+07:00")
    broken = kit.event("registration", "model-accepted", 7, {**broken.data, "unit_id": "12"})
    good = kit.model_event("model-accepted", 8, 13, "accepted", "2026-02-11T09:05:00+07:00")
    outcome = kit.deliver(app, [broken, good])
    assert (outcome.handled, outcome.dead_lettered) == (1, 1)
    with app.extensions["dvk_db"].transaction() as session:
        assert session.scalars(select(RegisteredModel.model_id)).all() == [8]


@pytest.mark.parametrize("database_kind", ["sqlite"])
def test_events_published_on_the_bus_reach_the_progress(make_service, bus_config, clock, kit, database_kind):
    app = make_service("reporting", database_kind, CLOCK=clock, **bus_config)
    events = ward_events(kit)
    bus = bus_for(bus_config)
    try:
        for service in ("registration", "awards"):
            mine = [e for e in events if e.type.split(".")[2] == service]
            bus.publish(topic_name(app.config, service), [Message(e.key.encode(), e.value(), e.headers()) for e in mine])
    finally:
        bus.close()
    runner = build_consumer(app)
    try:
        deadline = time.monotonic() + 60
        while runner.outcome.handled < len(events) and time.monotonic() < deadline:
            runner.run_once(timeout=1.0)
    finally:
        runner.close()
    assert runner.outcome.handled == len(events)
    body = app.test_client().get("/progress?year=2026", headers=kit.headers(app, "lanh_dao")).json
    assert body["units"] == EXPECTED_UNITS
    assert body["commendations"]["decided"] == 2


def test_target_five_grows_against_the_same_period_of_the_year_before(app, client, kit):
    """Chỉ tiêu 5 ("grow"): online share, cashless payments and "Bình dân học vụ số" each above last year's."""
    kit.deliver(app, [kit.unit_event(12, "tdp-1", "Tổ dân phố 1", "to_dan_pho")])
    staff = kit.headers(app, "vhxh")
    base = {"files_received": 100, "files_resolved": 100, "files_on_time": 99, "online_files": 40, "cashless_payments": 10,
            "survey_responses": 10, "satisfied_responses": 9, "digital_literacy_participants": 20, "officials_total": 4,
            "officials_violating": 0}
    for year, changes in ((2025, {}), (2026, {"online_files": 55, "cashless_payments": 12, "digital_literacy_participants": 20})):
        assert client.put(f"/target-figures/12/{year}/annual", json={**base, **changes}, headers=staff).status_code == 200
    five = {t["number"]: t for t in client.get("/progress?year=2026", headers=staff).json["plan_targets"]}
    assert five[5]["period"] == "annual" and five[5]["value"] == 55.0
    assert five[5]["figures"] == {"online_rate": {"value": 55.0, "before": 40.0, "grew": True},
                                  "cashless_payments": {"value": 12, "before": 10, "grew": True},
                                  "digital_literacy_participants": {"value": 20, "before": 20, "grew": False}}
    assert five[5]["met"] is False  # "Bình dân học vụ số" did not grow
    assert five[4]["met"] is True and five[2]["met"] is True  # 99% on time, no official in breach
