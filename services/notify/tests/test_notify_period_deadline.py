"""A registration deadline moved after the period opened (period-updated): reminders follow the new date, the
change is told once, a redelivery changes nothing and an older period event never brings the old date back."""
from __future__ import annotations

from sqlalchemy import select

from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import bearer
from notify.dispatcher import dispatch_due
from notify.models import InboxMessage, RegistrationPeriod
from notify.reminders import run_reminders

OPENED = "vn.dvk.registration.period-opened.v1"
UPDATED = "vn.dvk.registration.period-updated.v1"
REASON = "Tết Nguyên đán đến muộn; gia hạn để các tổ dân phố kịp họp dân."


def opened(kit, deadline: str = "2026-02-15"):
    return kit.event(OPENED, {"period_id": 1, "year": 2026, "deadline": deadline}, "1", "2026-01-05T02:00:00.000Z")


def updated(kit, deadline: str, previous: str, version: int, time_: str = "2026-02-10T03:00:00.000Z"):
    return kit.event(UPDATED, {"period_id": 1, "year": 2026, "deadline": deadline, "previous_deadline": previous, "reason": REASON,
                               "version": version, "occurred_at": time_, "actor_role": "vhxh"}, "1", time_)


def units(kit):
    """Units 12 and 14 have not registered; 13 has."""
    made = [kit.event("vn.dvk.registration.unit-created.v1", {"unit_id": u, "code": f"tdp-{u - 11}", "name": f"Tổ dân phố {u - 11}",
                                                             "kind": "to_dan_pho", "active": True}, str(u)) for u in (12, 13, 14)]
    submitted = kit.event("vn.dvk.registration.model-submitted.v1", {
        "model_id": 31, "unit_id": 13, "year": 2026, "title": "Dân vận khéo trong vận động vệ sinh môi trường", "field": "van_hoa_xa_hoi",
        "status": "submitted", "late": False, "occurred_at": "2026-01-20T02:00:00+00:00", "actor_role": "don_vi", "reason": None}, "31")
    return [*made, submitted]


def period(app) -> tuple[str, int]:
    with app.extensions["dvk_db"].transaction() as session:
        row = session.get(RegistrationPeriod, 2026)
        return row.deadline.isoformat(), row.version


def told(app, user_id: str) -> list[str]:
    with app.extensions["dvk_db"].transaction() as session:
        return list(session.scalars(select(InboxMessage.subject).where(InboxMessage.user_id == user_id).order_by(InboxMessage.id)))


def test_reminders_follow_the_moved_deadline_and_the_change_is_told(kit, notify, smtp_server):
    kit.handle(notify, *units(kit), opened(kit))
    assert [(r.unit_id, r.offset_days, str(r.due_date)) for r in run_reminders(notify, kit.at("2026-02-01 08:00"))] == [
        (12, 14, "2026-02-15"), (14, 14, "2026-02-15")]
    kit.handle(notify, updated(kit, "2026-02-28", "2026-02-15", 2))
    assert period(notify) == ("2026-02-28", 2)

    # the new date gets its reminders, once each; the old date's 1-day reminder and overdue notice are not sent
    assert [(r.unit_id, r.offset_days, str(r.due_date)) for r in run_reminders(notify, kit.at("2026-02-14 08:00"))] == [
        (12, 14, "2026-02-28"), (14, 14, "2026-02-28")]
    assert run_reminders(notify, kit.at("2026-02-14 09:00")) == []
    assert run_reminders(notify, kit.at("2026-02-16 08:00")) == []
    assert [(r.unit_id, r.offset_days) for r in run_reminders(notify, kit.at("2026-02-21 08:00"))] == [(12, 7), (14, 7)]
    assert [(r.unit_id, r.offset_days) for r in run_reminders(notify, kit.at("2026-02-27 08:00"))] == [(12, 1), (14, 1)]
    assert run_reminders(notify, kit.at("2026-02-28 23:00")) == []  # the deadline day itself
    overdue = run_reminders(notify, kit.at("2026-03-01 08:00"))
    assert [(r.unit_id, r.offset_days, str(r.due_date)) for r in overdue] == [(12, -1, "2026-02-28"), (14, -1, "2026-02-28")]
    assert run_reminders(notify, kit.at("2026-03-02 08:00")) == []

    sent = [r["payload"] for r in assert_outbox_matches_contract(notify) if r["type"] == "vn.dvk.notify.reminder-sent.v1"]
    assert sorted({(p["due_date"], p["offset_days"]) for p in sent}) == [
        ("2026-02-15", 14), ("2026-02-28", -1), ("2026-02-28", 1), ("2026-02-28", 7), ("2026-02-28", 14)]
    assert not any(p["unit_id"] == 13 for p in sent)  # unit 13 registered: never reminded

    # everyone concerned heard of the change, with the reason
    assert told(notify, "tdp2-lan") == [
        "Mở đợt đăng ký mô hình “Dân vận khéo” năm 2026",
        "Điều chỉnh hạn đăng ký mô hình “Dân vận khéo” năm 2026: đến hết ngày 28/02/2026"]
    inbox = notify.test_client().get("/inbox", headers=bearer(notify, "vhxh", user_id="vhxh-hoa")).get_json()
    change = next(m for m in inbox["items"] if m["event_type"] == UPDATED)
    assert "từ ngày 15/02/2026 thành ngày 28/02/2026" in change["body"] and REASON in change["body"]
    dispatch_due(notify, kit.at("2026-03-02 09:00"))
    mails = [m for r, m in smtp_server.received if r == ["tam.tdp1@minhxuan.gov.vn"]]
    overdue_mail = next(m for m in mails if m["Subject"].startswith("Quá hạn"))
    assert "28/02/2026" in overdue_mail.get_body(("plain",)).get_content()


def test_an_older_period_event_arriving_later_does_not_bring_the_old_deadline_back(kit, notify):
    kit.handle(notify, *units(kit))
    # the change is handled before the opening (a replay from the dead-letter topic, say)
    kit.handle(notify, updated(kit, "2026-02-28", "2026-02-15", 2), opened(kit))
    assert period(notify) == ("2026-02-28", 2)
    # a later change, then an older one delivered after it
    kit.handle(notify, updated(kit, "2026-03-10", "2026-02-28", 3, "2026-02-20T03:00:00.000Z"),
               updated(kit, "2026-02-28", "2026-02-15", 2), opened(kit))
    assert period(notify) == ("2026-03-10", 3)
    # no one is told an outdated date: one message per change applied, none for the stale events
    assert told(notify, "tdp1-tam") == [
        "Điều chỉnh hạn đăng ký mô hình “Dân vận khéo” năm 2026: đến hết ngày 28/02/2026",
        "Điều chỉnh hạn đăng ký mô hình “Dân vận khéo” năm 2026: đến hết ngày 10/03/2026"]
    # reminders count down to the newest deadline
    assert {str(r.due_date) for r in run_reminders(notify, kit.at("2026-02-25 08:00"))} == {"2026-03-10"}


def test_the_update_redelivered_through_the_bus_changes_nothing(kit, make_service, database_kind, bus_config, notify_config):
    from dvk_testing.plugin import bus_for

    app = make_service("notify", database_kind, **bus_config, **notify_config)
    first, change = opened(kit), updated(kit, "2026-02-28", "2026-02-15", 2)
    bus = bus_for(bus_config)
    try:
        # the same key (the period): one partition, in this order; the change and the opening come again
        kit.publish(app, bus, *units(kit), first, change, change, first)
    finally:
        bus.close()
    outcome = kit.consume(app, 8)
    assert (outcome.handled, outcome.duplicates) == (6, 2)
    assert period(app) == ("2026-02-28", 2)
    assert told(app, "tdp1-tam") == [
        "Mở đợt đăng ký mô hình “Dân vận khéo” năm 2026",
        "Điều chỉnh hạn đăng ký mô hình “Dân vận khéo” năm 2026: đến hết ngày 28/02/2026"]
    assert [(r.unit_id, str(r.due_date)) for r in run_reminders(app, kit.at("2026-02-14 08:00"))] == [(12, "2026-02-28"), (14, "2026-02-28")]


def test_a_deadline_moved_into_next_january_is_still_reminded_beside_the_new_year(kit, notify):
    kit.handle(notify, *units(kit), opened(kit), updated(kit, "2027-01-31", "2026-02-15", 2))
    assert [(r.unit_id, r.year, r.offset_days) for r in run_reminders(notify, kit.at("2027-01-17 08:00"))] == [
        (12, 2026, 14), (14, 2026, 14)]
    # 01/02/2027: the 2026 registration is overdue, and 2027's own (default 15/02) is 14 days away for everyone
    due = run_reminders(notify, kit.at("2027-02-01 08:00"))
    assert sorted((r.year, r.unit_id, r.offset_days, str(r.due_date)) for r in due) == [
        (2026, 12, -1, "2027-01-31"), (2026, 14, -1, "2027-01-31"),
        (2027, 12, 14, "2027-02-15"), (2027, 13, 14, "2027-02-15"), (2027, 14, 14, "2027-02-15")]
    sent = [r["payload"] for r in assert_outbox_matches_contract(notify) if r["type"] == "vn.dvk.notify.reminder-sent.v1"]
    assert {(p["year"], p["due_date"]) for p in sent} == {(2026, "2027-01-31"), (2027, "2027-02-15")}
