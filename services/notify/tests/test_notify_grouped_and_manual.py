"""Overdue notices come in one wording: each unit's officers get theirs, Phòng VH-XH gets ONE notice per deadline
listing the units; reporting's report-overdue events tell no one a second time. And Phòng VH-XH reminds units by
hand from the list of those that have not sent what is due."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from dvk_core.envelope import CloudEvent
from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import bearer
from notify.models import InboxMessage, ManualReminder
from notify.reminders import run_reminders

VN = timezone(timedelta(hours=7))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def event(event_type: str, data: dict, subject: str = "1") -> CloudEvent:
    return CloudEvent(type=event_type, source=f"/wards/minh-xuan/{event_type.split('.')[2]}", subject=subject,
                      ward="minh-xuan", data=data)


def unit(unit_id: int, name: str) -> CloudEvent:
    return event("vn.dvk.registration.unit-created.v1",
                 {"unit_id": unit_id, "code": f"u-{unit_id}", "name": name, "kind": "to_dan_pho", "active": True}, str(unit_id))


def report_submitted(report_id: int, unit_id: int) -> CloudEvent:
    return event("vn.dvk.reporting.report-submitted.v1", {
        "report_id": report_id, "unit_id": unit_id, "year": 2026, "period": "six_month", "status": "submitted",
        "late": False, "due_date": "2026-06-10", "occurred_at": "2026-06-01T03:00:00+00:00", "reason": None}, str(report_id))


def report_overdue(unit_id: int) -> CloudEvent:
    return event("vn.dvk.reporting.report-overdue.v1", {
        "unit_id": unit_id, "year": 2026, "period": "six_month", "due_date": "2026-06-10",
        "occurred_at": "2026-06-11T00:05:00+00:00"}, f"{unit_id}-2026-six_month")


def inbox(app, user_id: str) -> list[tuple[str, str]]:
    with app.extensions["dvk_db"].transaction() as session:
        rows = session.scalars(select(InboxMessage).where(InboxMessage.user_id == user_id).order_by(InboxMessage.id))
        return [(m.subject, m.body) for m in rows]


def ward(kit, app) -> None:
    """Tổ dân phố 1, 2, 3; only Tổ dân phố 2 sent its six-month report."""
    kit.handle(app, unit(12, "Tổ dân phố 1"), unit(13, "Tổ dân phố 2"), unit(14, "Tổ dân phố 3"), report_submitted(5, 13))


def test_phong_vhxh_gets_one_overdue_notice_per_deadline_listing_the_units(kit, notify):
    ward(kit, notify)
    before = inbox(notify, "vhxh-hoa")
    # reporting's overdue check announces each unit: webhook subscribers hear it, nobody's inbox does
    kit.handle(notify, report_overdue(12), report_overdue(14))
    assert inbox(notify, "vhxh-hoa") == before and inbox(notify, "tdp1-tam") == []

    sent = run_reminders(notify, at("2026-06-11 08:00"))
    assert sorted((r.unit_id, r.deadline_kind, r.offset_days) for r in sent if r.deadline_kind == "six_month_report") == [
        (12, "six_month_report", -1), (14, "six_month_report", -1)]
    grouped = [m for m in inbox(notify, "vhxh-hoa") if m not in before]
    assert [subject for subject, _ in grouped] == ["2 đơn vị chưa gửi báo cáo sơ kết 6 tháng năm 2026 (quá hạn 10/06/2026)"]
    assert grouped[0][1] == (
        "Đã quá hạn 10/06/2026, 2 đơn vị chưa gửi báo cáo sơ kết 6 tháng năm 2026: Tổ dân phố 1, Tổ dân phố 3.\n"
        "Hệ thống đã gửi thông báo quá hạn tới cán bộ của từng đơn vị.\n\n"
        "Xem chi tiết: https://dvk.minhxuan.gov.vn/tong-quan?year=2026")
    # each unit's officer: one notice, about their own unit, in the one wording
    assert [s for s, _ in inbox(notify, "tdp1-tam")] == ["Quá hạn: Tổ dân phố 1 chưa gửi báo cáo sơ kết 6 tháng năm 2026"]
    assert inbox(notify, "tdp2-lan") == []
    assert inbox(notify, "ld-minh") == []

    # the next runs (and the same events redelivered under new ids) add nothing
    kit.handle(notify, report_overdue(12))
    assert run_reminders(notify, at("2026-06-12 08:00")) == []
    assert [m for m in inbox(notify, "vhxh-hoa") if m not in before] == grouped
    assert len(inbox(notify, "tdp1-tam")) == 1


def remind(app, body: dict, role: str = "vhxh"):
    return app.test_client().post("/reminders", json=body,
                                  headers=bearer(app, role, None, user_id=f"{role}-hoa", name="Trần Thị Hoa"))


def test_phong_vhxh_reminds_the_units_from_the_list_and_may_remind_again(kit, notify):
    ward(kit, notify)
    notify.config["CLOCK"] = lambda: at("2026-06-03 09:00")
    body = {"deadline_kind": "six_month_report", "year": 2026, "unit_ids": [12, 13, 14]}
    first = remind(notify, body)
    assert first.status_code == 201, first.get_json()
    # Tổ dân phố 2 has sent its report meanwhile: skipped
    assert first.get_json() == {"reminded": [12, 14], "skipped": [13], "recipients": 2}
    subject, text = inbox(notify, "tdp1-tam")[0]
    assert subject == "Nhắc hạn: còn 7 ngày để gửi báo cáo sơ kết 6 tháng năm 2026"
    assert text.startswith("Kính gửi Tổ dân phố 1,\nHạn gửi báo cáo sơ kết 6 tháng năm 2026 là ngày 10/06/2026 (còn 7 ngày).")
    assert inbox(notify, "tdp2-lan") == []
    events = [e for e in assert_outbox_matches_contract(notify) if e["type"] == "vn.dvk.notify.reminder-sent.v1"]
    assert sorted((e["payload"]["unit_id"], e["payload"]["offset_days"], e["payload"]["manual"]) for e in events) == [
        (12, 7, True), (14, 7, True)]

    # A second click is a second reminder; after the deadline it is the overdue notice; a year's own due date is used.
    notify.config["CLOCK"] = lambda: at("2026-06-20 09:00")
    again = remind(notify, {**body, "unit_ids": [12], "due_date": "2026-06-15"})
    assert again.status_code == 201 and again.get_json()["reminded"] == [12]
    assert inbox(notify, "tdp1-tam")[-1][0] == "Quá hạn: Tổ dân phố 1 chưa gửi báo cáo sơ kết 6 tháng năm 2026"
    assert "Đã quá hạn 15/06/2026" in inbox(notify, "tdp1-tam")[-1][1]
    with notify.extensions["dvk_db"].transaction() as session:
        rows = session.scalars(select(ManualReminder).order_by(ManualReminder.id)).all()
        assert [(r.unit_id, r.days_left, r.requested_by_name) for r in rows] == [
            (12, 7, "Trần Thị Hoa"), (14, 7, "Trần Thị Hoa"), (12, -5, "Trần Thị Hoa")]


def test_a_bad_reminder_request_is_refused_in_vietnamese_and_sends_nothing(kit, notify):
    ward(kit, notify)
    unknown = remind(notify, {"deadline_kind": "annual_report", "year": 2026, "unit_ids": [12, 99]})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"unit_ids": ["Không có đơn vị đang tham gia mã 99."]}
    wrong_kind = remind(notify, {"deadline_kind": "bao_cao", "year": 2026, "unit_ids": [12]})
    assert wrong_kind.status_code == 422 and "deadline_kind" in wrong_kind.get_json()["errors"]
    assert remind(notify, {"deadline_kind": "annual_report", "year": 2026, "unit_ids": [12]}, role="lanh_dao").status_code == 403
    assert inbox(notify, "tdp1-tam") == []
    with notify.extensions["dvk_db"].transaction() as session:
        assert session.scalars(select(ManualReminder)).all() == []
