"""A resident, without an account, reads the public page of this year and of another year."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_journey_public(journey):
    resident = journey.person()
    resident.goto(f"{journey.base}/cong-khai")
    expect(resident.get_by_role("heading", level=1)).to_have_text("Công khai kết quả phong trào “Dân vận khéo” năm 2026")
    expect(resident.get_by_role("link", name="Đăng nhập")).to_be_visible()
    expect(resident.get_by_role("heading", name="Mô hình đã được tiếp nhận")).to_be_visible()
    journey.step(resident, "cong-khai-2026")

    resident.goto(f"{journey.base}/cong-khai?year=2027")  # the address of another year, typed or shared
    expect(resident.get_by_role("heading", level=1)).to_have_text("Công khai kết quả phong trào “Dân vận khéo” năm 2027")
    journey.step(resident, "cong-khai-2027")

    resident.get_by_role("link", name="Đăng nhập").first.click()
    expect(resident.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(resident.get_by_label("Tên đăng nhập")).to_be_visible()
    journey.step(resident, "dang-nhap")

    resident.get_by_role("link", name="Dân Vận Khéo Phường Minh Xuân").click()  # the site's name leads home
    expect(resident.get_by_role("heading", level=1)).to_have_text("Công khai kết quả phong trào “Dân vận khéo” năm 2026")

# every journey and the route coverage judged after them run in one process: the journeys group
pytestmark = pytest.mark.journeys
