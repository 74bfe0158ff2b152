"""Suggestions come from registration and reporting events: they appear only once the matching events arrive,
and redelivered or re-emitted events leave them exactly as they were."""
from __future__ import annotations

import json
import time

import pytest

from awards import events
from awards.spec import SPEC
from dvk_platform.bus import Message, create_bus
from dvk_platform.config import topic_name
from dvk_platform.consumer import ConsumerRunner

REG = "vn.dvk.registration."
REP = "vn.dvk.reporting."
MODEL = {"model_id": 41, "unit_id": 12, "year": 2026, "title": "Tổ dân phố tự quản “Sáng - Xanh - Sạch - Đẹp”",
         "field": "kinh_te_do_thi"}


def model_status(status: str, at: str) -> tuple[str, dict]:
    return REG + f"model-{status}.v1", {**MODEL, "status": status, "late": False, "occurred_at": at, "actor_role": "vhxh",
                                        "reason": None}


def inspected(inspection_id: int, rating: str, on: str) -> tuple[str, dict]:
    return REG + "model-inspected.v1", {"model_id": 41, "unit_id": 12, "year": 2026, "inspection_id": inspection_id,
                                        "rating": rating, "inspected_on": on, "occurred_at": on + "T02:00:00+00:00"}


def report(status: str, report_id: int, period: str, late: bool, at: str) -> tuple[str, dict]:
    return REP + f"report-{status}.v1", {"report_id": report_id, "unit_id": 13, "year": 2026, "period": period,
                                         "status": status, "late": late, "occurred_at": at, "reason": None,
                                         "due_date": "2026-06-10" if period == "six_month" else "2026-11-15"}


def suggestions(app, as_role, year: int = 2026) -> list[dict]:
    response = app.test_client().get(f"/suggestions?year={year}", headers=as_role(app, "vhxh"))
    assert response.status_code == 200, response.json
    return response.json


def test_model_suggestions_appear_only_after_the_matching_events(awards, deliver, as_role):
    deliver.units(12)
    deliver.send(*model_status("accepted", "2026-02-20T02:00:00+00:00"))
    deliver.send(*inspected(7, "kha", "2026-06-01"))
    assert suggestions(awards, as_role) == [], "an accepted model rated Khá is not a candidate"

    deliver.send(*inspected(8, "tot", "2026-07-20"))
    [good] = suggestions(awards, as_role)
    assert good["basis"] == "model_rated_good" and good["unit_id"] == 12 and good["model_id"] == 41
    assert good["why"] == ("Mô hình “Tổ dân phố tự quản “Sáng - Xanh - Sạch - Đẹp”” của Tổ dân phố 1 được kiểm tra "
                           "ngày 20/07/2026, xếp loại Tốt.")
    assert good["evidence"] == {"inspection_id": 8, "inspected_on": "2026-07-20"}

    deliver.send(REG + "model-marked-typical.v1", {**MODEL, "occurred_at": "2026-08-01T03:00:00+00:00"})
    [both] = suggestions(awards, as_role)  # one suggestion per model, with both reasons
    assert both["basis"] == "model_typical" and both["bases"] == ["model_rated_good", "model_typical"]
    assert both["model_id"] == 41 and both["evidence"] == {"inspection_id": 8, "inspected_on": "2026-07-20"}
    assert both["why"] == ("Mô hình “Tổ dân phố tự quản “Sáng - Xanh - Sạch - Đẹp”” của Tổ dân phố 1 được kiểm tra "
                           "ngày 20/07/2026, xếp loại Tốt; được công nhận là mô hình, điển hình tiêu biểu năm 2026.")
    assert suggestions(awards, as_role, year=2027) == []

    # Every record again (the bus redelivers after a crash): the inbox skips them, nothing changes.
    before = suggestions(awards, as_role)
    records = list(deliver.records)
    for record in records:
        deliver.process(record)
    assert deliver.runner.outcome.duplicates == len(records)
    assert suggestions(awards, as_role) == before
    # The same facts re-emitted under new event ids (a republished stream): still nothing changes.
    for record in records:
        deliver.send(record.header("ce_type").decode(), json.loads(record.value))
    assert suggestions(awards, as_role) == before

    # Withdrawn, the model is no longer suggested; a stale "accepted" arriving late does not bring it back.
    deliver.send(*model_status("withdrawn", "2026-09-01T02:00:00+00:00"))
    deliver.send(*model_status("accepted", "2026-02-20T02:00:00+00:00"))
    assert suggestions(awards, as_role) == []


def test_unit_with_every_report_accepted_on_time_is_suggested(awards, deliver, as_role):
    deliver.units(13)
    deliver.send(*report("submitted", 51, "six_month", False, "2026-06-05T02:00:00+00:00"))
    deliver.send(*report("accepted", 51, "six_month", False, "2026-06-08T02:00:00+00:00"))
    assert suggestions(awards, as_role) == [], "the annual report is still missing"
    deliver.send(*report("submitted", 52, "annual", False, "2026-11-10T02:00:00+00:00"))
    assert suggestions(awards, as_role) == [], "submitted is not yet accepted"
    deliver.send(*report("accepted", 52, "annual", False, "2026-11-12T02:00:00+00:00"))
    [on_time] = suggestions(awards, as_role)
    assert on_time["basis"] == "reports_on_time" and on_time["unit_name"] == "Tổ dân phố 2"
    assert on_time["why"] == ("Tổ dân phố 2 gửi đủ báo cáo sơ kết 6 tháng và báo cáo tổng kết năm 2026; cả hai báo cáo "
                              "đều đúng hạn và đã được Phòng Văn hóa - Xã hội tiếp nhận.")
    assert on_time["evidence"] == {"report_ids": [51, 52]}
    # A submission arriving after the acceptance (out of order) does not undo it.
    deliver.send(*report("submitted", 52, "annual", False, "2026-11-10T02:00:00+00:00"))
    assert suggestions(awards, as_role) == [on_time]


def test_late_or_overdue_reports_are_not_on_time(awards, deliver, as_role):
    deliver.units(12, 13)
    for unit_id, late in ((12, True), (13, False)):
        for report_id, period in ((unit_id * 10, "six_month"), (unit_id * 10 + 1, "annual")):
            kind, data = report("accepted", report_id, period, late and period == "annual", "2026-11-20T02:00:00+00:00")
            deliver.send(kind, {**data, "unit_id": unit_id})
    deliver.send(REP + "report-overdue.v1", {"unit_id": 13, "year": 2026, "period": "six_month", "due_date": "2026-06-10",
                                             "occurred_at": "2026-06-11T00:05:00+00:00"})
    assert suggestions(awards, as_role) == []


def test_suggestions_are_for_ward_staff_only(awards, as_role):
    response = awards.test_client().get("/suggestions?year=2026", headers=as_role(awards, "don_vi", unit_id=12))
    assert response.status_code == 403
    missing = awards.test_client().get("/suggestions", headers=as_role(awards, "vhxh"))
    assert missing.status_code == 422 and missing.json["errors"]["year"] == ["Trường này là bắt buộc."]


@pytest.mark.parametrize("database_kind", ["sqlite"])
def test_suggestions_from_events_on_the_bus(bus_config, database_kind, awards_on, deliver_to, as_role):
    """The real path: events on the registration and reporting topics, read by the awards consumer group."""
    app = awards_on(database_kind, **bus_config)
    producer = deliver_to(app)  # only used to build well-formed, contract-checked records
    batch = [producer.record(*inspected(8, "tot", "2026-07-20")), producer.record(*report("accepted", 51, "six_month", False,
             "2026-06-08T02:00:00+00:00")), producer.record(*report("accepted", 52, "annual", False, "2026-11-12T02:00:00+00:00"))]
    bus = create_bus({**app.config, "KAFKA_PARTITIONS": 1}, client_id="registration-test")
    try:
        for record in batch:
            bus.publish(record.topic, [Message(record.key, record.value, record.headers)])
        assert suggestions(app, as_role) == []

        def consume(group: str) -> ConsumerRunner:
            runner = ConsumerRunner(app.extensions["dvk_db"], create_bus(app.config, client_id=group), group=group,
                                    topics=[topic_name(app.config, s) for s in SPEC.subscribes], handlers=events.HANDLERS)
            deadline = time.monotonic() + 30
            try:
                while runner.outcome.handled + runner.outcome.duplicates < len(batch) and time.monotonic() < deadline:
                    runner.run_once(timeout=0.5)
            finally:
                runner.close()
                runner.bus.close()
            return runner

        first = consume("awards-a")
        assert first.outcome.handled == 3 and first.outcome.dead_lettered == 0
        found = suggestions(app, as_role)
        assert [(s["basis"], s["unit_id"]) for s in found] == [("model_rated_good", 12), ("reports_on_time", 13)]
        # A new consumer group reads the whole topics again: every event is a duplicate, nothing changes.
        second = consume("awards-b")
        assert second.outcome.duplicates == 3 and second.outcome.handled == 0
        assert suggestions(app, as_role) == found
    finally:
        bus.close()


def test_unit_read_model_ignores_unknown_fields_and_stale_events(awards, deliver, as_role):
    created = deliver.record("vn.dvk.registration.unit-created.v1",
                             {"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho", "active": True},
                             time="2026-01-05T02:00:00.000+00:00")
    renamed = deliver.record("vn.dvk.registration.unit-updated.v1",
                             {"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1 (Khu phố Đông)", "kind": "to_dan_pho",
                              "active": True, "leader_phone": "0912 345 678"},
                             time="2026-03-01T02:00:00.000+00:00")
    deliver.process(renamed)
    deliver.process(created)  # the older event arrives last
    units = awards.test_client().get("/units", headers=as_role(awards, "don_vi", unit_id=12)).json
    assert units == [{"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1 (Khu phố Đông)", "kind": "to_dan_pho", "active": True}]
