"""A report deadline moved by Phòng VH-XH in reporting (PUT /deadlines/<year>/<period>) reaches notify as
report-deadline-set: reminders count down to the new date, no overdue notice is sent against the old one, the
change is told once, and an older change delivered later never brings the old date back."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dvk_platform.worker import build_relay
from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import bearer
from notify.models import InboxMessage, ReportDeadline
from notify.reminders import run_reminders

DEADLINE_SET = "vn.dvk.reporting.report-deadline-set.v1"


def units_and_one_report(kit):
    """Units 12, 13 and 14; only 13 has sent its six-month report."""
    made = [kit.event("vn.dvk.registration.unit-created.v1", {"unit_id": u, "code": f"tdp-{u - 11}", "name": f"Tổ dân phố {u - 11}",
                                                             "kind": "to_dan_pho", "active": True}, str(u)) for u in (12, 13, 14)]
    report = kit.event("vn.dvk.reporting.report-submitted.v1", {
        "report_id": 7, "unit_id": 13, "year": 2026, "period": "six_month", "status": "submitted", "late": False,
        "due_date": "2026-06-10", "occurred_at": "2026-05-25T02:00:00+00:00", "reason": None}, "7")
    return [*made, report]


def deadline_set(kit, due: str, previous: str, version: int, time_: str = "2026-05-28T03:00:00+00:00"):
    return kit.event(DEADLINE_SET, {"year": 2026, "period": "six_month", "due_date": due, "previous_due_date": previous,
                                    "version": version, "occurred_at": time_, "actor_role": "vhxh"}, "2026-six_month", time_)


def sent(reminders) -> list[tuple[int, int, str]]:
    return [(r.unit_id, r.offset_days, str(r.due_date)) for r in reminders]


def told(app, user_id: str) -> list[str]:
    with app.extensions["dvk_db"].transaction() as session:
        return list(session.scalars(select(InboxMessage.subject).where(InboxMessage.user_id == user_id).order_by(InboxMessage.id)))


def test_a_deadline_moved_in_reporting_moves_notifys_reminders(kit, make_service, database_kind, bus_config, notify_config):
    reporting = make_service("reporting", database_kind, **bus_config,
                             CLOCK=lambda: datetime(2026, 5, 28, 3, 0, tzinfo=UTC))
    notify = make_service("notify", database_kind, **bus_config, **notify_config)
    kit.handle(notify, *units_and_one_report(kit))
    # before the change: the plan's 10/06
    assert sent(run_reminders(notify, kit.at("2026-05-27 08:00"))) == [(12, 14, "2026-06-10"), (14, 14, "2026-06-10")]

    # Phòng VH-XH moves the six-month deadline to 30/06; the change travels reporting's outbox, relay and bus
    moved = reporting.test_client().put("/deadlines/2026/six_month", json={"due_date": "2026-06-30"},
                                        headers=bearer(reporting, "vhxh"))
    assert moved.status_code == 200
    relay = build_relay(reporting)
    relay.bus.ensure_topics([relay.topic])
    try:
        assert relay.publish_pending() == 1
    finally:
        relay.bus.close()
    assert kit.consume(notify, 1).handled == 1
    with notify.extensions["dvk_db"].transaction() as session:
        row = session.get(ReportDeadline, (2026, "six_month_report"))
        assert (str(row.due_date), row.version) == ("2026-06-30", 1)

    # the old date's 7-day and 1-day reminders and its overdue notice are not sent; the new date's are, once each
    assert run_reminders(notify, kit.at("2026-06-03 08:00")) == []
    assert run_reminders(notify, kit.at("2026-06-09 08:00")) == []
    assert run_reminders(notify, kit.at("2026-06-11 08:00")) == []
    assert sent(run_reminders(notify, kit.at("2026-06-16 08:00"))) == [(12, 14, "2026-06-30"), (14, 14, "2026-06-30")]
    assert run_reminders(notify, kit.at("2026-06-16 09:00")) == []
    assert sent(run_reminders(notify, kit.at("2026-06-29 08:00"))) == [(12, 1, "2026-06-30"), (14, 1, "2026-06-30")]
    assert run_reminders(notify, kit.at("2026-06-30 23:00")) == []  # the deadline day itself
    assert sent(run_reminders(notify, kit.at("2026-07-01 08:00"))) == [(12, -1, "2026-06-30"), (14, -1, "2026-06-30")]

    reminded = [r["payload"] for r in assert_outbox_matches_contract(notify) if r["type"] == "vn.dvk.notify.reminder-sent.v1"]
    assert sorted({(p["due_date"], p["offset_days"]) for p in reminded}) == [
        ("2026-06-10", 14), ("2026-06-30", -1), ("2026-06-30", 1), ("2026-06-30", 14)]
    assert not any(p["unit_id"] == 13 for p in reminded)  # unit 13 sent its report: never reminded
    # the officers of every unit heard of the change; the overdue notice names the new date only
    change = "Điều chỉnh hạn gửi báo cáo sơ kết 6 tháng năm 2026: đến hết ngày 30/06/2026"
    assert change in told(notify, "tdp2-lan")
    assert [s for s in told(notify, "tdp1-tam") if s.startswith("Quá hạn")] == [
        "Quá hạn: Tổ dân phố 1 chưa gửi báo cáo sơ kết 6 tháng năm 2026"]
    inbox = notify.test_client().get("/inbox", headers=bearer(notify, "don_vi", 12, user_id="tdp1-tam")).get_json()
    overdue = next(m for m in inbox["items"] if m["subject"].startswith("Quá hạn"))
    assert "30/06/2026" in overdue["body"] and "10/06/2026" not in overdue["body"]
    moved_note = next(m for m in inbox["items"] if m["subject"] == change)
    assert "từ ngày 10/06/2026 thành ngày 30/06/2026" in moved_note["body"]


def test_an_older_deadline_change_arriving_later_does_not_bring_the_old_date_back(kit, notify):
    kit.handle(notify, *units_and_one_report(kit))
    kit.handle(notify, deadline_set(kit, "2026-06-20", "2026-06-30", 2, "2026-06-01T03:00:00+00:00"),
               deadline_set(kit, "2026-06-30", "2026-06-10", 1))
    with notify.extensions["dvk_db"].transaction() as session:
        row = session.get(ReportDeadline, (2026, "six_month_report"))
        assert (str(row.due_date), row.version) == ("2026-06-20", 2)
    # only the change applied is told; the stale one is not announced
    assert [s for s in told(notify, "tdp1-tam") if s.startswith("Điều chỉnh")] == [
        "Điều chỉnh hạn gửi báo cáo sơ kết 6 tháng năm 2026: đến hết ngày 20/06/2026"]
    assert sent(run_reminders(notify, kit.at("2026-06-13 08:00"))) == [(12, 7, "2026-06-20"), (14, 7, "2026-06-20")]
    # the annual report keeps the plan's 15/11
    assert sent(run_reminders(notify, kit.at("2026-11-01 08:00"))) == [
        (12, 14, "2026-11-15"), (13, 14, "2026-11-15"), (14, 14, "2026-11-15")]
