"""The consolidated report's sign-off: the leaders are told of a submission for signature, Phòng VH-XH of an
approval or a return (with the leader's reason), each with a link to the report."""
from __future__ import annotations

from notify.routing import ROUTES, render, render_context

P = "vn.dvk.reporting."
PAYLOAD = {"consolidated_id": 3, "year": 2026, "period": "six_month", "actor_role": "vhxh",
           "title": "Sơ kết 6 tháng đầu năm 2026 thực hiện Phong trào thi đua “Dân vận khéo”",
           "occurred_at": "2026-06-08T03:00:00+00:00"}


def message(event: str, **extra):
    route = ROUTES[P + event + ".v1"]
    return route.audience, render(route, render_context({**PAYLOAD, **extra}, None), "https://dvk.example.vn", "Minh Xuân")


def test_each_side_hears_its_step_with_a_link_to_the_report():
    audience, sent = message("consolidated-report-submitted-for-signature")
    assert audience == ("lanh_dao",)
    assert sent.subject == "Trình ký: báo cáo sơ kết 6 tháng năm 2026 của phường" and sent.link == "/bao-cao/tong-hop/3"
    assert "duyệt hoặc trả lại kèm lý do" in sent.text

    audience, approved = message("consolidated-report-approved", actor_role="lanh_dao")
    assert audience == ("vhxh",) and approved.subject == "Lãnh đạo đã duyệt báo cáo sơ kết 6 tháng năm 2026 của phường"
    assert "ban hành (cấp số)" in approved.text

    audience, returned = message("consolidated-report-returned", actor_role="lanh_dao", reason="Bổ sung số liệu Tổ dân phố 2.")
    assert audience == ("vhxh",) and returned.subject == "Lãnh đạo trả lại báo cáo sơ kết 6 tháng năm 2026 của phường"
    assert "Lý do: Bổ sung số liệu Tổ dân phố 2." in returned.text

    audience, issued = message("consolidated-report-finalised", number=5)
    assert set(audience) == {"lanh_dao", "vhxh"}
    assert issued.subject == "Báo cáo sơ kết 6 tháng năm 2026 của phường đã ban hành" and "số 05/BC-UBND" in issued.text
