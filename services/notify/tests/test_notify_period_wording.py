"""Subjects built from a report period read as Vietnamese: "báo cáo tổng kết năm 2026", never "năm năm 2026"."""
from __future__ import annotations

from notify.routing import DEADLINE_LABELS, REMINDER_OVERDUE, ROUTES, render, render_context, with_year


def test_every_report_notice_names_the_period_and_year_once():
    for period, expected in (("annual", "báo cáo tổng kết năm 2026"), ("six_month", "báo cáo sơ kết 6 tháng năm 2026")):
        ctx = render_context({"unit_id": 12, "year": 2026, "period": period, "report_id": 5, "reason": "Bổ sung số liệu."},
                             "Tổ dân phố 1")
        for event_type, route in ROUTES.items():
            if ".report-" not in event_type:
                continue
            message = render(route, ctx, "http://127.0.0.1:8000", "Minh Xuân")
            text = f"{message.subject}\n{message.text}"
            assert "năm năm" not in text, (event_type, text)
            assert expected in text.lower(), (event_type, text)


def test_deadline_reminders_name_the_annual_report_once():
    ctx = render_context({"unit_id": 12, "year": 2026, "due_date": "2026-11-15"}, "Tổ dân phố 1")
    ctx["deadline_label_year"] = with_year(DEADLINE_LABELS["annual_report"], 2026)
    message = render(REMINDER_OVERDUE, ctx, "http://127.0.0.1:8000", "Minh Xuân")
    assert message.subject == "Quá hạn: Tổ dân phố 1 chưa gửi báo cáo tổng kết năm 2026"
    assert "năm năm" not in message.text
