"""Pages against the real registration service served over HTTP: unit isolation, refusals, a service down."""
from __future__ import annotations

import re

import pytest

from .conftest import add_user, csrf_from, form_post, login

MODEL_FORM = {
    "year": "2026", "title": "Tổ dân phố không rác thải nhựa", "field": "van_hoa_xa_hoi",
    "goals": "Giảm rác thải nhựa trong khu dân cư.", "content": "Tuyên truyền, phân loại rác tại nguồn.",
    "target_group": "Các hộ gia đình trong tổ", "person_in_charge": "Phạm Văn Nam",
    "start_date": "2026-03-01", "end_date": "2026-11-30", "expected_results": "80% hộ phân loại rác.",
}


@pytest.fixture
def registration(make_service, serve, clock):
    from registration.seed import seed

    app = make_service("registration", CLOCK=clock)
    seed(app)  # units 1–21 of Minh Xuân (12 = Tổ dân phố 1, 13 = Tổ dân phố 2) and this year's period
    return serve(app)


@pytest.fixture
def gateway(make_gateway, registration):
    app = make_gateway(REGISTRATION_URL=registration.url)
    add_user(app, "tdp1", "don_vi", unit_id=12, full_name="Phạm Văn Nam")
    add_user(app, "tdp2", "don_vi", unit_id=13, full_name="Hoàng Thị Mai")
    add_user(app, "vhxh", "vhxh", full_name="Nguyễn Thị Hoa")
    return app


def _signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _create_model(client, **changes):
    created = form_post(client, "/mo-hinh/moi", "/mo-hinh/moi", {**MODEL_FORM, **changes})
    assert created.status_code == 302, created.get_data(as_text=True)
    return int(created.headers["Location"].rsplit("/", 1)[1])


def _version(client, model_id):
    page = client.get(f"/mo-hinh/{model_id}").get_data(as_text=True)
    return re.search(r'name="version" value="(\d+)"', page).group(1), csrf_from(page)


def test_a_unit_officer_cannot_open_another_units_model_by_url(gateway):
    mai = _signed_in(gateway, "tdp2")
    model_id = _create_model(mai, title="Camera an ninh khu phố")
    assert "Camera an ninh khu phố" in mai.get(f"/mo-hinh/{model_id}").get_data(as_text=True)

    nam = _signed_in(gateway, "tdp1")
    refused = nam.get(f"/mo-hinh/{model_id}")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 404
    assert "Không tìm thấy mô hình." in page  # the registration service's own words
    assert "Camera an ninh khu phố" not in page
    assert "Camera an ninh khu phố" not in nam.get("/mo-hinh?year=2026").get_data(as_text=True)
    assert "Camera an ninh khu phố" in _signed_in(gateway, "vhxh").get("/mo-hinh?year=2026").get_data(as_text=True)


def test_review_refusals_from_the_service_appear_next_to_the_form(gateway):
    nam = _signed_in(gateway, "tdp1")
    incomplete = form_post(nam, "/mo-hinh/moi", "/mo-hinh/moi", {**MODEL_FORM, "goals": ""})
    assert incomplete.status_code == 422
    assert re.search(r'id="err-goals"[^>]*>Trường này là bắt buộc\.<', incomplete.get_data(as_text=True))
    backwards = form_post(nam, "/mo-hinh/moi", "/mo-hinh/moi", {**MODEL_FORM, "end_date": "2026-01-01"})
    assert re.search(r'id="err-end_date"[^>]*>Ngày kết thúc phải bằng hoặc sau ngày bắt đầu\.<', backwards.get_data(as_text=True))

    model_id = _create_model(nam)
    version, token = _version(nam, model_id)
    assert nam.post(f"/mo-hinh/{model_id}/submit", data={"version": version, "csrf_token": token}).status_code == 302

    hoa = _signed_in(gateway, "vhxh")
    version, token = _version(hoa, model_id)
    no_reason = hoa.post(f"/mo-hinh/{model_id}/return", data={"version": version, "csrf_token": token, "reason": ""})
    assert no_reason.status_code == 422
    assert "Không được để trống." in no_reason.get_data(as_text=True)

    returned = hoa.post(f"/mo-hinh/{model_id}/return", data={
        "version": version, "csrf_token": token, "reason": "Bổ sung chỉ tiêu đo được cho từng quý."})
    assert returned.status_code == 302
    stale = hoa.post(f"/mo-hinh/{model_id}/accept", data={"version": version, "csrf_token": token})
    assert stale.status_code == 409
    assert "Trạng thái hiện tại" in stale.get_data(as_text=True)

    officer_view = nam.get(f"/mo-hinh/{model_id}").get_data(as_text=True)
    assert "Bổ sung chỉ tiêu đo được cho từng quý." in officer_view
    assert "Trả lại để chỉnh sửa" in officer_view
    # Two people editing: the second save, made on an older version, is refused, never silently applied.
    version, token = _version(nam, model_id)
    assert nam.post(f"/mo-hinh/{model_id}/submit", data={"version": version, "csrf_token": token}).status_code == 302
    late = nam.post(f"/mo-hinh/{model_id}/submit", data={"version": version, "csrf_token": token})
    assert late.status_code in (409, 412)


def test_a_service_that_stops_answering_gives_a_vietnamese_message_not_a_stack_trace(gateway, registration):
    hoa = _signed_in(gateway, "vhxh")
    listed = hoa.get("/don-vi")
    assert listed.status_code == 200
    assert "Tổ dân phố 1" in listed.get_data(as_text=True)

    registration.stop()
    down = hoa.get("/don-vi")
    page = down.get_data(as_text=True)
    assert down.status_code == 503
    assert "Dịch vụ Đăng ký mô hình tạm thời không phản hồi" in page
    assert "Traceback" not in page and "ConnectionError" not in page
    # Pages that need nothing from the service keep working.
    assert hoa.get("/tai-khoan/mat-khau").status_code == 200


def test_links_in_notifications_open_the_page_they_name_and_never_another_site(gateway):
    nam = _signed_in(gateway, "tdp1")
    # Notify's messages (and e-mails already sent) link to /dang-ky/mo-hinh/<id>.
    old = nam.get("/dang-ky/mo-hinh/7")
    assert old.status_code == 301 and old.headers["Location"].endswith("/mo-hinh/7")
    assert nam.get("/dang-ky").headers["Location"].endswith("/mo-hinh")
    # Opening a message goes to its page even while the notify service is down.
    opened = nam.get("/thong-bao/5/mo?den=/mo-hinh/7")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/mo-hinh/7")
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\t/evil.example", "/\\evil.example"):
        refused = nam.get("/thong-bao/5/mo", query_string={"den": elsewhere})
        assert refused.headers["Location"].endswith("/thong-bao"), elsewhere


def test_the_dashboard_shows_the_registration_deadline_phong_vhxh_moved(gateway, registration, clock):
    """The deadlines come from the services: a period's deadline moved by Phòng VH-XH shows at once; a deadline a
    service cannot give shows as such, never as a date of the gateway's own (a reminder would cite a wrong date)."""
    from datetime import UTC, datetime

    from dvk_testing.plugin import bearer

    # The period was opened on 02/03/2026 with the plan's 15/02 deadline, already past: the 2026 dashboard shows
    # 2026's deadline as passed (never next year's date); 2027's period is not opened yet.
    clock.moment = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # 05/03/2026, 09:00 in the ward
    vhxh = _signed_in(gateway, "vhxh")
    page = vhxh.get("/tong-quan").get_data(as_text=True)
    assert "Đăng ký mô hình</strong>: hạn ngày 15/02/2026 — đã qua hạn 18 ngày" in page and "/2027" not in page
    # the movement's years are one setting: the year choices and the footer follow it
    assert "giai đoạn 2026–2030" in page and '<option value="2030"' in page and '<option value="2031"' not in page
    gateway.config["MOVEMENT_LAST_YEAR"] = 2031
    try:
        longer = vhxh.get("/tong-quan").get_data(as_text=True)
        assert "giai đoạn 2026–2031" in longer and '<option value="2031"' in longer
    finally:
        gateway.config["MOVEMENT_LAST_YEAR"] = 2030
    assert "Đăng ký mô hình</strong>: chưa mở kỳ đăng ký năm 2027" in vhxh.get("/tong-quan?year=2027").get_data(as_text=True)
    service = registration.app.test_client()
    period = service.get("/periods/2026", headers=bearer(registration.app, "vhxh"))
    moved = service.patch("/periods/2026", json={"deadline": "2026-03-20", "reason": "Gia hạn cho các tổ dân phố mới sáp nhập."},
                          headers={**bearer(registration.app, "vhxh"), "If-Match": period.headers["ETag"]})
    assert moved.status_code == 200, moved.json
    page = vhxh.get("/tong-quan").get_data(as_text=True)
    assert "Đăng ký mô hình</strong>: hạn ngày 20/03/2026 — còn 15 ngày" in page
    # reporting is not running here: its two deadlines are not known, and no plan date stands in for them
    assert "Báo cáo sơ kết 6 tháng</strong>: không lấy được hạn" in page
    assert "Báo cáo tổng kết năm</strong>: không lấy được hạn" in page
    assert "10/06/2026" not in page and "15/11/2026" not in page
    registration.stop()
    page = vhxh.get("/tong-quan").get_data(as_text=True)
    assert "Đăng ký mô hình</strong>: không lấy được hạn" in page
    assert "20/03/2026" not in page and "15/02/2026" not in page
    assert 'name="due_date"' not in page  # a reminder sent now cites no date
