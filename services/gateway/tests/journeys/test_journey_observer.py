"""Giám sát (the Front's and the Party committee's observers) read everything and change nothing: no button that
changes anything is offered, and a change forced past the page is refused."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from .conftest import said

TITLE = "Tổ dân phố 1 thắp sáng ngõ xóm"
READING_BUTTONS = {"Lọc", "Xem", "Mở lịch"}  # filters and year selectors change nothing


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name=name).click()


def heading(page):
    return page.get_by_role("heading", level=1)


def only_reading(page) -> None:
    """The page's content offers no button that changes anything."""
    names = {" ".join(b.inner_text().split()) for b in page.locator("main").get_by_role("button").all()}
    assert names <= READING_BUTTONS, f"{page.url} offers {sorted(names - READING_BUTTONS)} to an observer"


@pytest.mark.browser
def test_journey_observer(journey, clock):
    clock.moment = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
    # Something to read: the officer of Tổ dân phố 1 registers and sends a model.
    nam = journey.person("tdp1")
    nav(nam, "Mô hình")
    nam.get_by_role("link", name="Đăng ký mô hình mới").click()
    journey.step(nam, "dang-ky-mo-hinh")
    nam.get_by_label("Tên mô hình").fill(TITLE)
    nam.get_by_label("Lĩnh vực").select_option(label="Kinh tế - đô thị")
    nam.get_by_label("Mục tiêu").fill("Mỗi ngõ có đèn chiếu sáng.")
    nam.get_by_label("Nội dung, giải pháp").fill("Vận động hộ dân góp công lắp đèn năng lượng mặt trời.")
    nam.get_by_label("Đối tượng tác động").fill("Các hộ của tổ")
    nam.get_by_label("Người phụ trách").fill("Phạm Văn Nam")
    nam.get_by_label("Kết quả dự kiến").fill("40 đèn trong năm.")
    nam.get_by_label("Ngày bắt đầu").fill("01/03/2026")
    nam.get_by_label("Ngày kết thúc").fill("30/11/2026")
    nam.get_by_role("button", name="Lưu bản nháp").click()
    said(nam, "Đã lưu bản nháp mô hình.")
    nam.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội").click()
    said(nam, "Đã gửi mô hình tới Phòng Văn hóa - Xã hội.")
    journey.step(nam, "don-vi-gui-mo-hinh")

    observer = journey.person("giamsat")
    expect(heading(observer)).to_have_text("Tổng quan năm 2026")
    only_reading(observer)
    journey.step(observer, "tong-quan")

    nav(observer, "Mô hình")
    expect(observer.get_by_role("link", name="Đăng ký mô hình mới")).to_have_count(0)
    only_reading(observer)
    journey.step(observer, "mo-hinh")
    observer.get_by_role("link", name=TITLE).click()
    expect(heading(observer)).to_have_text(TITLE)
    expect(observer.locator(".page-head .tag")).to_have_text("Đã gửi, chờ tiếp nhận")
    expect(observer.get_by_role("link", name="Sửa", exact=True)).to_have_count(0)
    expect(observer.get_by_label("Lý do trả lại")).to_have_count(0)
    only_reading(observer)
    journey.step(observer, "xem-mo-hinh")

    # Forcing the acceptance past the page (the session's own CSRF token, as the page's scripts would send it)
    # is refused, and the model stays as it was.
    token = json.loads(observer.locator("body").get_attribute("hx-headers"))["X-CSRF-Token"]
    model_path = observer.url.removeprefix(journey.base)
    forced = observer.request.post(f"{journey.base}{model_path}/accept", headers={"X-CSRF-Token": token},
                                   form={"version": "2"}, max_redirects=0)
    assert forced.status == 403, forced.status
    assert "không có quyền" in forced.text().lower() or "Không có quyền" in forced.text()
    forced_user = observer.request.post(f"{journey.base}/quan-tri/nguoi-dung/moi", headers={"X-CSRF-Token": token},
                                        form={"username": "giamsat-them", "full_name": "Ai đó", "role": "admin",
                                              "password": "ThuThem@2026"}, max_redirects=0)
    assert forced_user.status == 403, forced_user.status
    assert "Bạn không có quyền xem trang này." in forced_user.text()
    observer.reload()
    expect(observer.locator(".page-head .tag")).to_have_text("Đã gửi, chờ tiếp nhận")

    nav(observer, "Báo cáo")
    expect(heading(observer)).to_have_text("Báo cáo năm 2026")
    expect(observer.locator("#report-create")).to_have_count(0)
    only_reading(observer)
    journey.step(observer, "bao-cao")
    observer.get_by_role("link", name="Báo cáo tổng hợp").click()
    expect(observer.get_by_role("form", name="Lập báo cáo tổng hợp")).to_have_count(0)
    only_reading(observer)
    journey.step(observer, "bao-cao-tong-hop")

    nav(observer, "Khen thưởng")
    expect(heading(observer)).to_have_text("Khen thưởng năm 2026")
    for offer in ("Lập đề nghị khen thưởng", "Ký quyết định khen thưởng", "Lập tờ trình đề nghị cấp trên"):
        expect(observer.get_by_role("link", name=offer)).to_have_count(0)
    only_reading(observer)
    journey.step(observer, "khen-thuong")
    observer.get_by_role("link", name="Danh mục danh hiệu, hình thức").click()
    expect(observer.locator("#catalogue")).to_contain_text("Giấy khen của Chủ tịch UBND phường")
    expect(observer.locator("#catalogue").get_by_role("link", name=re.compile("^Sửa"))).to_have_count(0)
    only_reading(observer)
    journey.step(observer, "danh-muc")

    nav(observer, "Thông báo")
    expect(heading(observer)).to_have_text("Thông báo")
    journey.step(observer, "thong-bao")

    nav(observer, "Đơn vị")
    expect(observer.get_by_role("cell", name="Tổ dân phố 1", exact=True)).to_be_visible()
    expect(observer.get_by_role("link", name="Nhập đơn vị từ tệp")).to_have_count(0)
    only_reading(observer)
    journey.step(observer, "don-vi")
    expect(observer.get_by_role("link", name="Người dùng")).to_have_count(0)

    # The event contract is the administrator's business: no footer link to it for an observer.
    expect(observer.get_by_role("link", name="Tích hợp: sự kiện cho hệ thống của tỉnh")).to_have_count(0)
    nav(observer, "Công khai")
    expect(heading(observer)).to_have_text("Công khai kết quả phong trào “Dân vận khéo” năm 2026")
    journey.step(observer, "cong-khai")

# every journey and the route coverage judged after them run in one process: the journeys group
pytestmark = pytest.mark.journeys
