"""The year of the movement in a real browser (Debian's Chromium, headless), against all five services for real.

Registration, reporting, awards and notify are served over HTTP, each with its relay and consumer on one
embedded bus; the gateway is served too. A unit officer registers a model, Phòng VH-XH returns it, the officer
reads the notification, fixes and resends it, VH-XH accepts it; the six-month report goes the same way; a
unit's and one of its members' nominations (the second corrected through its edit form) are proposed, reviewed by the
council and decided by the leader in one decision; the dashboard and the public page
follow. Every step leaves a screenshot in test-artifacts/walkthrough-NN-<step>.png.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from .conftest import ARTIFACTS, PASSWORD

MODEL_TITLE = "Tổ dân phố 1 sạch, xanh, không rác thải nhựa"
RETURN_REASON = "Đề nghị bổ sung chỉ tiêu đo được theo từng quý."
MEMBER = "Nguyễn Thị Lan"



class Walk:
    """Browser tabs of the people of the ward, one signed-in context each, and the numbered screenshots."""

    def __init__(self, browser, base: str) -> None:
        self.browser = browser
        self.base = base
        self.contexts = []
        self.step = 0

    def person(self, username: str | None):
        context = self.browser.new_context(locale="vi-VN", viewport={"width": 1200, "height": 900})
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        tab = context.new_page()
        if username:
            tab.goto(f"{self.base}/dang-nhap")
            tab.get_by_label("Tên đăng nhập").fill(username)
            tab.get_by_label("Mật khẩu").fill(PASSWORD)
            tab.get_by_role("button", name="Đăng nhập").click()
            tab.wait_for_url("**/tong-quan")
        return tab

    def shot(self, tab, name: str) -> None:
        self.step += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"walkthrough-{self.step:02d}-{name}.png"), full_page=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def reload_until(tab, url: str, ready: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Open `url` again and again until the page shows the effect of an event, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        tab.goto(url)
        if ready():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:.0f} s the page {url} still does not show {what}")
        tab.wait_for_timeout(250)  # the next look, not a wait for a guessed duration


def text(tab, selector: str) -> str:
    return " ".join(tab.locator(selector).inner_text().split())


@pytest.mark.browser
def test_a_year_of_the_movement_from_registration_to_commendation(browser, stack, clock):
    clock.moment = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)  # 08:00 on 02/02/2026 in Minh Xuân, before 15/02
    base = stack.site.url
    walk = Walk(browser, base)
    try:
        hoa = walk.person("vhxh")  # Phòng Văn hóa - Xã hội
        # The services have taken in the ward's 21 units from registration's events.
        reload_until(hoa, f"{base}/tong-quan", lambda: text(hoa, "#units-registered") == "0 / 21", "21 units")
        assert text(hoa, "#reports-six_month") == "0 / 21"
        assert text(hoa, "#awards-decided") == "0"
        walk.shot(hoa, "tong-quan-dau-nam")

        # 1. The unit officer registers a model and sends it.
        nam = walk.person("tdp1")
        nam.goto(f"{base}/mo-hinh/moi")
        assert nam.get_by_label("Năm đăng ký").input_value() == "2026"
        nam.get_by_label("Tên mô hình").fill(MODEL_TITLE)
        nam.get_by_label("Lĩnh vực").select_option("van_hoa_xa_hoi")
        nam.get_by_label("Mục tiêu").fill("Giảm rác thải nhựa trong khu dân cư.")
        nam.get_by_label("Nội dung, giải pháp").fill("Tuyên truyền từng hộ, phân loại rác tại nguồn, đổi chai nhựa lấy cây xanh.")
        nam.get_by_label("Đối tượng tác động").fill("120 hộ gia đình của tổ")
        nam.get_by_label("Người phụ trách").fill("Phạm Văn Nam")
        nam.get_by_label("Kết quả dự kiến").fill("80% hộ phân loại rác.")
        nam.get_by_label("Ngày bắt đầu").fill("01/03/2026")
        nam.get_by_label("Ngày kết thúc").fill("30/11/2026")
        nam.get_by_role("button", name="Lưu bản nháp").click()
        nam.get_by_text("Đã lưu bản nháp mô hình.").wait_for()
        model_url = nam.url
        nam.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội").click()
        nam.get_by_text("Đã gửi mô hình tới Phòng Văn hóa - Xã hội.").wait_for()
        assert text(nam, ".page-head .tag") == "Đã gửi, chờ tiếp nhận"
        walk.shot(nam, "don-vi-gui-mo-hinh")

        # 2. Phòng VH-XH is told, opens the model from its inbox and returns it with a reason.
        reload_until(hoa, f"{base}/thong-bao", lambda: hoa.get_by_role("link", name=re.compile("gửi đăng ký mô hình")).count() > 0,
                     "the notice of the submitted model")
        hoa.get_by_role("link", name=re.compile("gửi đăng ký mô hình")).first.click()
        hoa.wait_for_url(model_url)
        hoa.get_by_label("Lý do trả lại").fill(RETURN_REASON)
        hoa.get_by_role("button", name="Trả lại", exact=True).click()
        hoa.get_by_text("Đã trả lại mô hình để đơn vị chỉnh sửa.").wait_for()
        walk.shot(hoa, "vhxh-tra-lai")

        # 3. The officer sees the notification: the unread badge in the header and the message in the inbox.
        notice = nam.locator(".inbox li.unread", has_text="được trả lại để chỉnh sửa")
        reload_until(nam, f"{base}/thong-bao", lambda: notice.count() == 1, "the notice of the returned model")
        assert RETURN_REASON in notice.inner_text()
        unread = nam.locator(".inbox li.unread").count()  # with the notice that registration opened
        assert text(nam, ".main-nav .badge") == str(unread)
        walk.shot(nam, "don-vi-co-thong-bao")
        notice.get_by_role("link").click()  # opening the message counts it as read
        nam.wait_for_url(model_url)
        assert RETURN_REASON in text(nam, "#return-reason")
        assert nam.locator(".main-nav .badge").count() == 0 if unread == 1 else text(nam, ".main-nav .badge") == str(unread - 1)

        # 4. The officer fixes the model and sends it again.
        nam.get_by_role("link", name="Sửa", exact=True).click()
        nam.get_by_label("Kết quả dự kiến").fill("Quý II: 50% hộ phân loại rác; quý IV: 80% hộ; giảm 30% rác thải nhựa.")
        nam.get_by_role("button", name="Lưu bản nháp").click()
        nam.get_by_text("Đã lưu thay đổi.").wait_for()
        nam.get_by_role("button", name="Gửi lại").click()
        nam.get_by_text("Đã gửi mô hình tới Phòng Văn hóa - Xã hội.").wait_for()
        walk.shot(nam, "don-vi-gui-lai")

        # 5. Phòng VH-XH accepts it.
        hoa.goto(model_url)
        hoa.get_by_role("button", name="Tiếp nhận").click()
        hoa.get_by_text("Đã tiếp nhận mô hình.").wait_for()
        assert text(hoa, ".page-head .tag") == "Đã tiếp nhận"
        walk.shot(hoa, "vhxh-tiep-nhan-mo-hinh")
        reload_until(hoa, f"{base}/tong-quan", lambda: text(hoa, "#units-accepted") == "1", "the accepted model")
        assert text(hoa, "#units-registered") == "1 / 21"
        walk.shot(hoa, "tong-quan-sau-tiep-nhan")

        # 6. June: the officer writes and sends the six-month report, before 10/06.
        clock.moment = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
        nam.goto(f"{base}/bao-cao")
        nam.get_by_role("button", name="Lập báo cáo sơ kết 6 tháng năm 2026").click()
        nam.get_by_label("Công tác lãnh đạo, chỉ đạo").fill("Chi bộ ra nghị quyết chuyên đề; tổ họp dân hằng tháng.")
        nam.get_by_label("Hiệu quả mang lại").fill("62% hộ phân loại rác; đường ngõ sạch hơn.")
        nam.get_by_label("Cách làm hay, sáng tạo").fill("Đổi chai nhựa lấy cây xanh vào Chủ nhật cuối tháng.")
        nam.get_by_label("Khó khăn, vướng mắc").fill("Thiếu thùng rác phân loại.")
        nam.get_by_label("Kiến nghị, đề xuất").fill("Đề nghị phường hỗ trợ 20 bộ thùng rác.")
        nam.get_by_label("Phương hướng, nhiệm vụ thời gian tới").fill("Mở rộng sang tổ dân phố 2.")
        nam.get_by_label(f"Kết quả: {MODEL_TITLE}").fill("62% hộ phân loại rác tại nguồn.")
        nam.get_by_role("button", name="Lưu và gửi").click()
        nam.get_by_text("Đã gửi báo cáo tới Phòng Văn hóa - Xã hội.").wait_for()
        assert text(nam, "#report-status") == "Đã gửi, chờ tiếp nhận"
        assert "(đúng hạn)" in nam.locator(".facts").inner_text()
        report_url = nam.url
        walk.shot(nam, "don-vi-gui-bao-cao")

        # 7. Phòng VH-XH accepts the report.
        hoa.goto(f"{base}/bao-cao")
        hoa.locator("#reports").get_by_role("link", name="Tổ dân phố 1").click()
        hoa.wait_for_url(report_url)
        hoa.get_by_role("button", name="Tiếp nhận báo cáo").click()
        hoa.get_by_text("Đã tiếp nhận báo cáo.").wait_for()
        assert text(hoa, "#report-status") == "Đã tiếp nhận"
        walk.shot(hoa, "vhxh-tiep-nhan-bao-cao")

        # 8. An inspection rates the model "Tốt"; the awards service suggests commending the unit.
        hoa.goto(model_url)
        hoa.get_by_label("Xếp loại").select_option("tot")
        hoa.get_by_label("Nhận xét, đánh giá").fill("Mô hình hiệu quả, người dân đồng tình hưởng ứng.")
        hoa.get_by_role("button", name="Ghi kết quả").click()
        hoa.get_by_text("Đã ghi kết quả kiểm tra.").wait_for()
        reload_until(hoa, f"{base}/khen-thuong", lambda: hoa.locator("#suggestions", has_text="Tổ dân phố 1").count() > 0,
                     "the suggestion to commend Tổ dân phố 1")
        walk.shot(hoa, "goi-y-khen-thuong")

        # 9. The admin confirms the legal basis of the ward's certificate of merit (revised rules of 2025).
        quantri = walk.person("quantri")
        quantri.goto(f"{base}/khen-thuong/danh-muc")
        quantri.get_by_role("button", name="Xác nhận căn cứ “Giấy khen của Chủ tịch UBND phường”").click()
        quantri.get_by_text("Đã xác nhận căn cứ pháp lý").wait_for()

        # 10. Phòng VH-XH drafts the nomination from the suggestion and proposes it to the council.
        hoa.locator("#suggestions li", has_text="Tổ dân phố 1").get_by_role("link", name="Lập đề nghị").first.click()
        assert hoa.get_by_label("Đơn vị").locator("option:checked").inner_text() == "Tổ dân phố 1"
        hoa.get_by_label("Hình thức khen thưởng", exact=True).select_option(label="Giấy khen của Chủ tịch UBND phường")
        hoa.get_by_label("Thành tích").fill("Tổ dân phố 1 có mô hình “Dân vận khéo” được kiểm tra xếp loại Tốt, "
                                            "62% hộ phân loại rác tại nguồn sau sáu tháng.")
        hoa.get_by_role("button", name="Lưu đề nghị").click()
        hoa.get_by_text("Đã lập đề nghị khen thưởng (bản nháp).").wait_for()
        nomination_url = hoa.url
        hoa.get_by_role("button", name="Đề nghị Hội đồng xét").click()
        hoa.get_by_text("Đã đề nghị Hội đồng Thi đua - Khen thưởng xét.").wait_for()
        walk.shot(hoa, "de-nghi-khen-thuong")

        # 10b. And one for a member of the unit: drafted, corrected through "Sửa đề nghị", proposed.
        hoa.goto(f"{base}/khen-thuong/de-nghi/moi")
        hoa.get_by_label("Đối tượng").select_option("individual")
        hoa.get_by_label("Đơn vị").select_option(label="Tổ dân phố 1")
        hoa.get_by_label("Họ và tên (khi đề nghị cho cá nhân)").fill(MEMBER)
        hoa.get_by_label("Chức vụ (cá nhân)").fill("Tổ viên")
        hoa.get_by_label("Hình thức khen thưởng", exact=True).select_option(label="Giấy khen của Chủ tịch UBND phường")
        hoa.get_by_label("Thành tích").fill("Vận động 40 hộ đổi chai nhựa lấy cây xanh.")
        hoa.get_by_role("button", name="Lưu đề nghị").click()
        hoa.get_by_text("Đã lập đề nghị khen thưởng (bản nháp).").wait_for()
        member_url = hoa.url
        hoa.get_by_role("link", name="Sửa đề nghị").click()
        assert hoa.get_by_label("Họ và tên").input_value() == MEMBER
        hoa.get_by_label("Chức vụ", exact=True).fill("Chi hội trưởng phụ nữ")
        hoa.get_by_role("button", name="Lưu thay đổi").click()
        hoa.get_by_text("Đã lưu thay đổi của đề nghị khen thưởng.").wait_for()
        assert f"{MEMBER}, Chi hội trưởng phụ nữ" in text(hoa, ".facts")
        hoa.get_by_role("button", name="Đề nghị Hội đồng xét").click()
        hoa.get_by_text("Đã đề nghị Hội đồng Thi đua - Khen thưởng xét.").wait_for()

        # 11. The council meets on both: date, votes and minutes.
        for url in (nomination_url, member_url):
            hoa.goto(url)
            hoa.get_by_label("Ngày họp").fill("01/06/2026")
            hoa.get_by_label("Số phiếu tán thành").fill("7")
            hoa.get_by_label("Số phiếu không tán thành").fill("0")
            hoa.get_by_label("Biên bản họp").fill("Hội đồng Thi đua - Khen thưởng phường họp ngày 01/06/2026, "
                                                  "7/7 thành viên tán thành đề nghị khen thưởng.")
            hoa.get_by_role("button", name="Ghi kết quả xét").click()
            hoa.get_by_text("Đã ghi kết quả xét của Hội đồng Thi đua - Khen thưởng.").wait_for()
            assert text(hoa, "#nomination-status") == "Hội đồng thống nhất đề nghị"
        walk.shot(hoa, "hoi-dong-xet")

        # 12. The leader signs one decision for both: from the unit's nomination, adding its member's.
        bao = walk.person("lanhdao")
        bao.goto(f"{base}/khen-thuong")
        bao.locator("#nominations").get_by_role("link", name="Tổ dân phố 1", exact=True).click()
        bao.wait_for_url(nomination_url)
        bao.get_by_role("link", name="chọn thêm đề nghị khác đã được Hội đồng thống nhất").click()
        assert bao.get_by_label("Tổ dân phố 1", exact=True).is_checked()
        assert not bao.get_by_label(MEMBER).is_checked()
        bao.get_by_label(MEMBER).check()
        assert bao.get_by_role("textbox", name="Người ký").input_value() == "Trần Quốc Bảo"
        walk.shot(bao, "lanh-dao-chon-de-nghi")
        bao.get_by_role("button", name="Ký quyết định khen thưởng").click()
        bao.get_by_text("Đã ban hành quyết định khen thưởng cho 2 đề nghị. Số 01/QĐ-UBND.").wait_for()
        awardees = bao.locator("#awardees").inner_text()
        assert "Giấy khen của Chủ tịch UBND phường" in awardees and "Tổ dân phố 1" in awardees and MEMBER in awardees
        walk.shot(bao, "lanh-dao-quyet-dinh")

        # 13. The dashboard has followed every step.
        reload_until(hoa, f"{base}/tong-quan", lambda: text(hoa, "#awards-decided") == "2", "the two decided awards")
        assert text(hoa, "#units-registered") == "1 / 21"
        assert text(hoa, "#units-accepted") == "1"
        assert text(hoa, "#reports-six_month") == "1 / 21"
        walk.shot(hoa, "tong-quan-cuoi-ky")

        # 14. Anyone, without an account, sees the accepted model and the decision on the public page.
        citizen = walk.person(None)
        citizen.goto(f"{base}/cong-khai")
        assert citizen.get_by_role("link", name="Đăng nhập").is_visible()
        models = text(citizen, "#public-models")
        assert MODEL_TITLE in models and "Tổ dân phố 1" in models
        decisions = text(citizen, "#public-decisions")
        assert "01/QĐ-UBND" in decisions and "Giấy khen của Chủ tịch UBND phường" in decisions
        assert "Phạm Văn Nam" not in citizen.locator("main").inner_text()  # the officer's name is not published
        walk.shot(citizen, "cong-khai")
    finally:
        walk.close()
