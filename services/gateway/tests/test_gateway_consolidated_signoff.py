"""The ward's consolidated report signed off in a real browser (Debian's Chromium, headless), against the services
for real: Phòng VH-XH drafts it and submits it for signature, the leader finds it in the inbox and returns it with a
reason, Phòng VH-XH reads why and submits it again, the leader approves it, and only then Phòng VH-XH issues it,
after ticking the confirmation. Screenshots in test-artifacts/signoff-NN-<step>.png."""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .conftest import PASSWORD

RETURN_REASON = "Bổ sung kết quả mô hình của Tổ dân phố 2 và số liệu hồ sơ trực tuyến."
CHAIRMAN = "Phạm Quốc Chương"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


class People:
    def __init__(self, browser, base: str, artifacts: Path) -> None:
        self.browser, self.base, self.artifacts = browser, base, artifacts
        self.contexts: list = []
        self.step = 0

    def sign_in(self, username: str):
        context = self.browser.new_context(locale="vi-VN", viewport={"width": 1200, "height": 900}, accept_downloads=True)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        tab = context.new_page()
        tab.goto(f"{self.base}/dang-nhap")
        tab.get_by_label("Tên đăng nhập").fill(username)
        tab.get_by_label("Mật khẩu").fill(PASSWORD)
        tab.get_by_role("button", name="Đăng nhập").click()
        tab.wait_for_url("**/tong-quan")
        return tab

    def shot(self, tab, name: str) -> None:
        self.step += 1
        self.artifacts.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(self.artifacts / f"signoff-{self.step:02d}-{name}.png"), full_page=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def reload_until(tab, url: str, ready: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Open `url` again until the page shows the effect of an event (notify hears it from the bus)."""
    deadline = time.monotonic() + timeout
    while True:
        tab.goto(url)
        if ready():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:.0f} s the page {url} still does not show {what}")
        tab.wait_for_timeout(250)


def status(tab) -> str:
    return " ".join(tab.locator("#consolidated-status").inner_text().split())


@pytest.mark.browser
def test_leader_returns_with_a_reason_then_approves_and_only_then_the_report_is_issued(browser, stack, clock, request):
    clock.moment = datetime(2026, 6, 12, 2, 0, tzinfo=UTC)  # 09:00 on 12/06/2026 in Minh Xuân
    stack.apps["reporting"].config["CHAIRMAN_NAME"] = CHAIRMAN  # the ward's settings name the signer
    base = stack.site.url
    people = People(browser, base, Path(request.config.rootpath) / "test-artifacts")
    try:
        hoa = people.sign_in("vhxh")
        hoa.goto(f"{base}/bao-cao/tong-hop")
        form = hoa.get_by_role("form", name="Lập báo cáo tổng hợp")
        form.get_by_label("Năm").fill("2026")
        form.get_by_label("Kỳ báo cáo").select_option(label="Sơ kết 6 tháng")
        form.get_by_role("button", name="Lập dự thảo").click()
        hoa.get_by_text("Đã lập dự thảo báo cáo tổng hợp").wait_for()
        report_url = hoa.url
        assert status(hoa) == "Dự thảo"
        assert hoa.get_by_label(re.compile("^Người ký")).input_value() == CHAIRMAN
        hoa.get_by_role("button", name="Trình ký").click()
        hoa.get_by_text("Đã trình ký báo cáo tổng hợp").wait_for()
        assert status(hoa) == "Đang trình ký"
        assert hoa.get_by_role("button", name="Lưu dự thảo").count() == 0, "no editing while the leader reads it"
        assert hoa.get_by_role("button", name="Ban hành báo cáo").count() == 0
        people.shot(hoa, "vhxh-trinh-ky")

        # The leader finds it in the inbox, opens it and returns it with a reason.
        bao = people.sign_in("lanhdao")
        notice = bao.get_by_role("link", name="Trình ký: báo cáo sơ kết 6 tháng năm 2026 của phường")
        reload_until(bao, f"{base}/thong-bao", lambda: notice.count() == 1, "the submission for signature")
        people.shot(bao, "lanh-dao-hop-thu")
        notice.click()
        bao.wait_for_url(report_url)
        assert status(bao) == "Đang trình ký"
        bao.get_by_role("button", name="Trả lại để chỉnh sửa").click()
        assert status(bao) == "Đang trình ký", "a return without a reason changes nothing"
        bao.get_by_label("Lý do trả lại").fill(RETURN_REASON)
        bao.get_by_role("button", name="Trả lại để chỉnh sửa").click()
        bao.get_by_text("Đã trả lại báo cáo tổng hợp cho Phòng Văn hóa - Xã hội.").wait_for()
        assert status(bao) == "Dự thảo"
        people.shot(bao, "lanh-dao-tra-lai")

        # Phòng VH-XH is told why, fixes the draft and submits it again.
        returned = hoa.get_by_role("link", name="Lãnh đạo trả lại báo cáo sơ kết 6 tháng năm 2026 của phường")
        reload_until(hoa, f"{base}/thong-bao", lambda: returned.count() == 1, "the return")
        assert hoa.get_by_text(f"Lý do: {RETURN_REASON}").count() == 1
        returned.click()
        hoa.wait_for_url(report_url)
        assert hoa.get_by_text(f"Lý do: {RETURN_REASON}").is_visible()
        hoa.get_by_label("Hiệu quả").fill("Tổ dân phố 2: 35 hộ nộp hồ sơ trực tuyến lần đầu.")
        hoa.get_by_role("button", name="Lưu dự thảo").click()
        hoa.get_by_text("Đã lưu dự thảo báo cáo tổng hợp.").wait_for()
        hoa.get_by_role("button", name="Trình ký").click()
        hoa.get_by_text("Đã trình ký báo cáo tổng hợp").wait_for()
        people.shot(hoa, "vhxh-trinh-ky-lai")

        # The leader approves it.
        again = bao.get_by_role("link", name="Trình ký: báo cáo sơ kết 6 tháng năm 2026 của phường")
        reload_until(bao, f"{base}/thong-bao", lambda: again.count() == 2, "the second submission")
        again.first.click()
        bao.wait_for_url(report_url)
        bao.get_by_role("button", name="Duyệt báo cáo").click()
        bao.get_by_text("Đã duyệt báo cáo tổng hợp").wait_for()
        assert status(bao) == "Lãnh đạo đã duyệt, chờ ban hành"
        assert bao.get_by_role("button", name="Ban hành báo cáo").count() == 0, "Phòng VH-XH issues it, not the leader"
        people.shot(bao, "lanh-dao-duyet")

        # Only now can Phòng VH-XH issue it, and only after confirming.
        approved = hoa.get_by_role("link", name="Lãnh đạo đã duyệt báo cáo sơ kết 6 tháng năm 2026 của phường")
        reload_until(hoa, f"{base}/thong-bao", lambda: approved.count() == 1, "the approval")
        approved.click()
        hoa.wait_for_url(report_url)
        hoa.get_by_role("button", name="Ban hành báo cáo").click()
        hoa.get_by_text("Đánh dấu ô xác nhận trước khi ban hành").wait_for()
        assert status(hoa) == "Lãnh đạo đã duyệt, chờ ban hành"
        hoa.get_by_label("Tôi xác nhận ban hành: cấp số và chốt số liệu, không sửa lại được").check()
        hoa.get_by_role("button", name="Ban hành báo cáo").click()
        hoa.get_by_text("Đã ban hành báo cáo tổng hợp; số liệu đã được chốt.").wait_for()
        assert status(hoa) == "Đã ban hành — Số 01/BC-UBND"
        people.shot(hoa, "vhxh-ban-hanh")
        with hoa.expect_download() as download:
            hoa.get_by_role("link", name="Tải văn bản Word (.docx)").click()
        assert download.value.suggested_filename == "bao-cao-so-ket-6-thang-2026-01.docx"

        hoa.goto(f"{base}/bao-cao/tong-hop")
        row = hoa.get_by_role("row", name=re.compile("Sơ kết 6 tháng đầu năm 2026"))
        assert row.get_by_role("cell", name="01/BC-UBND").count() == 1
        assert row.get_by_role("cell", name="Đã ban hành").count() == 1
        people.shot(hoa, "danh-sach-bao-cao-tong-hop")
    finally:
        people.close()
