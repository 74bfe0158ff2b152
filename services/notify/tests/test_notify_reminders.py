"""Deadline reminders: once per unit, deadline and offset, only to units that have not sent what is due."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from dvk_core.envelope import CloudEvent
from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import bearer
from notify.dispatcher import dispatch_due
from notify.models import Delivery, InboxMessage, ReminderSent
from notify.reminders import run_reminders

VN = timezone(timedelta(hours=7))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def event(event_type: str, data: dict, subject: str = "1") -> CloudEvent:
    return CloudEvent(type=event_type, source=f"/wards/minh-xuan/{event_type.split('.')[2]}", subject=subject, ward="minh-xuan", data=data)


def unit(unit_id: int, name: str, kind: str = "to_dan_pho", change: str = "created") -> CloudEvent:
    return event(f"vn.dvk.registration.unit-{change}.v1",
                 {"unit_id": unit_id, "code": f"u-{unit_id}", "name": name, "kind": kind, "active": change != "deactivated"}, str(unit_id))


def model(change: str, model_id: int, unit_id: int, occurred_at: str) -> CloudEvent:
    return event(f"vn.dvk.registration.model-{change}.v1", {
        "model_id": model_id, "unit_id": unit_id, "year": 2026, "title": "Dân vận khéo trong vận động vệ sinh môi trường",
        "field": "van_hoa_xa_hoi", "status": "submitted" if change == "resubmitted" else change, "late": False,
        "occurred_at": occurred_at, "actor_role": "don_vi", "reason": None,
    }, str(model_id))


def report_submitted(report_id: int, unit_id: int, period: str) -> CloudEvent:
    return event("vn.dvk.reporting.report-submitted.v1", {
        "report_id": report_id, "unit_id": unit_id, "year": 2026, "period": period, "status": "submitted", "late": False,
        "due_date": "2026-06-10", "occurred_at": "2026-06-01T03:00:00+00:00", "reason": None,
    }, str(report_id))


def ward_units(kit, app) -> None:
    """Units 12, 13, 14 active (13 has registered), 15 deactivated; 14 registered and then withdrew."""
    kit.handle(app, unit(12, "Tổ dân phố 1"), unit(13, "Tổ dân phố 2"), unit(14, "Tổ dân phố 3"), unit(15, "Tổ dân phố 4"),
               unit(15, "Tổ dân phố 4", change="deactivated"),
               model("submitted", 31, 13, "2026-01-20T02:00:00+00:00"),
               model("submitted", 32, 14, "2026-01-21T02:00:00+00:00"),
               model("withdrawn", 32, 14, "2026-01-25T02:00:00+00:00"),
               # a stale redelivery from before the withdrawal must not count 14 as registered again
               model("resubmitted", 32, 14, "2026-01-22T02:00:00+00:00"))


def reminders(app) -> list[tuple[int, str, int]]:
    with app.extensions["dvk_db"].transaction() as session:
        rows = session.scalars(select(ReminderSent).order_by(ReminderSent.deadline_kind, ReminderSent.offset_days, ReminderSent.unit_id))
        return [(r.unit_id, r.deadline_kind, r.offset_days) for r in rows]


def test_a_reminder_run_repeated_three_times_reminds_each_unit_once(kit, notify, smtp_server):
    ward_units(kit, notify)
    assert run_reminders(notify, at("2026-01-31 23:59")) == []  # 23:59 in Hà Nội is not yet 14 days before 15/02
    first = run_reminders(notify, at("2026-02-01 00:05"))  # 17:05 UTC on 31/01: the Vietnamese calendar counts
    assert run_reminders(notify, at("2026-02-01 12:00")) == []
    assert run_reminders(notify, at("2026-02-01 23:30")) == []

    assert sorted((r.unit_id, r.offset_days, r.due_date.isoformat()) for r in first) == [(12, 14, "2026-02-15"), (14, 14, "2026-02-15")]
    assert reminders(notify) == [(12, "registration", 14), (14, "registration", 14)]
    dispatch_due(notify, at("2026-02-01 12:00"))
    assert sorted(r[0] for r, _ in smtp_server.received) == ["duc.tdp3@minhxuan.gov.vn", "tam.tdp1@minhxuan.gov.vn"]
    mail = next(m for r, m in smtp_server.received if r == ["tam.tdp1@minhxuan.gov.vn"])
    assert mail["Subject"] == "Nhắc hạn: còn 14 ngày để gửi đăng ký mô hình “Dân vận khéo” năm 2026"
    assert "Kính gửi Tổ dân phố 1" in mail.get_body(("plain",)).get_content()
    assert "15/02/2026" in mail.get_body(("plain",)).get_content()

    inbox = notify.test_client().get("/inbox/unread-count", headers=bearer(notify, "don_vi", 13, user_id="tdp2-lan")).get_json()
    assert inbox == {"unread": 0}  # unit 13 registered in time: not reminded
    sent_events = [r for r in assert_outbox_matches_contract(notify) if r["type"] == "vn.dvk.notify.reminder-sent.v1"]
    assert sorted((e["payload"]["unit_id"], e["payload"]["deadline_kind"], e["payload"]["offset_days"]) for e in sent_events) == [
        (12, "registration", 14), (14, "registration", 14)]


def test_two_processes_at_once_still_remind_once(kit, notify):
    ward_units(kit, notify)
    run_reminders(notify, at("2026-02-01 08:00"))
    barrier = threading.Barrier(3)
    results: list[list] = []

    def run() -> None:
        barrier.wait()
        results.append(run_reminders(notify, at("2026-02-08 08:00")))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted((r.unit_id, r.offset_days) for batch in results for r in batch) == [(12, 7), (14, 7)]
    assert reminders(notify) == [(12, "registration", 7), (14, "registration", 7), (12, "registration", 14), (14, "registration", 14)]
    with notify.extensions["dvk_db"].transaction() as session:
        inbox = session.scalars(select(InboxMessage.subject).where(InboxMessage.user_id == "tdp1-tam")).all()
    assert sorted(inbox) == ["Nhắc hạn: còn 14 ngày để gửi đăng ký mô hình “Dân vận khéo” năm 2026",
                             "Nhắc hạn: còn 7 ngày để gửi đăng ký mô hình “Dân vận khéo” năm 2026"]


def test_a_missed_day_is_caught_up_once_and_the_overdue_notice_follows(kit, notify):
    ward_units(kit, notify)
    # The scheduler was down from 01/02 to 09/02: one catch-up reminder (7 days), not two at once.
    assert sorted((r.unit_id, r.offset_days) for r in run_reminders(notify, at("2026-02-10 09:00"))) == [(12, 7), (14, 7)]
    assert run_reminders(notify, at("2026-02-13 09:00")) == []
    kit.handle(notify, model("submitted", 40, 12, "2026-02-13T03:00:00+00:00"))  # unit 12 registers in time
    assert [(r.unit_id, r.offset_days) for r in run_reminders(notify, at("2026-02-14 09:00"))] == [(14, 1)]
    assert run_reminders(notify, at("2026-02-15 09:00")) == []  # the deadline day itself
    overdue = run_reminders(notify, at("2026-02-16 07:00"))
    assert [(r.unit_id, r.offset_days) for r in overdue] == [(14, -1)]
    assert run_reminders(notify, at("2026-02-20 07:00")) == []
    with notify.extensions["dvk_db"].transaction() as session:
        subjects = session.scalars(select(Delivery.subject).where(Delivery.channel == "email", Delivery.recipient == "duc.tdp3@minhxuan.gov.vn")
                                   .order_by(Delivery.id)).all()
    assert subjects[-1] == "Quá hạn: Tổ dân phố 3 chưa gửi đăng ký mô hình “Dân vận khéo” năm 2026"
    assert len(subjects) == 3


def test_report_reminders_follow_what_each_unit_still_owes(kit, notify):
    ward_units(kit, notify)
    kit.handle(notify, report_submitted(5, 12, "six_month"), report_submitted(6, 13, "annual"))
    sent = run_reminders(notify, at("2026-06-09 08:00"))
    # unit 13's annual report is not its six-month report: it is reminded too
    assert sorted((r.unit_id, r.deadline_kind, r.offset_days) for r in sent) == [(13, "six_month_report", 1), (14, "six_month_report", 1)]


def test_a_registration_period_with_its_own_deadline_moves_the_reminders(kit, notify):
    ward_units(kit, notify)
    kit.handle(notify, event("vn.dvk.registration.period-opened.v1", {"period_id": 3, "year": 2026, "deadline": "2026-02-28"}))
    assert run_reminders(notify, at("2026-02-01 08:00")) == []
    assert sorted(r.due_date.isoformat() for r in run_reminders(notify, at("2026-02-14 08:00"))) == ["2026-02-28", "2026-02-28"]
