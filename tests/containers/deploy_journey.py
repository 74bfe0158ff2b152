"""The journey `make test-deploy` walks through the gateway's published port once docker-compose.yml is up in
podman: the ward's administrator (made by `dvk-worker create-admin` in the gateway container) signs in and opens the
accounts of Tổ dân phố 1's officer and of Phòng VH-XH in the web UI; the officer registers a model and sends it;
the event goes through Kafka to VH-XH's inbox and, by the notify dispatcher, to the SMTP stand-in's mailbox.

Usage: python deploy_journey.py <gateway base URL> accounts | model|inbox|listed <title>; the admin password comes from
DVK_ADMIN_PASSWORD. Prints what it saw; exits non-zero with the reason otherwise."""
from __future__ import annotations

import os
import re
import sys
import time

from playwright.sync_api import Page, sync_playwright

PASSWORDS = {"vhxh": "Van-Hoa#Phuong-2026x", "tdp1": "To-Dan-Pho#1-2026x"}


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Đăng xuất").wait_for()


def accounts(page: Page, base: str) -> None:
    sign_in(page, base, "quantri", os.environ["DVK_ADMIN_PASSWORD"])
    for username, name, role, unit in (("tdp1", "Phạm Văn Nam", "Cán bộ đơn vị", "Tổ dân phố 1"),
                                       ("vhxh", "Nguyễn Thị Hoa", "Phòng Văn hóa - Xã hội", None)):
        page.goto(f"{base}/quan-tri/nguoi-dung")
        page.get_by_role("link", name=re.compile("Thêm người dùng")).first.click()
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Họ và tên").fill(name)
        page.get_by_label("Thư điện tử").fill(f"{username}@minhxuan.example.vn")
        page.get_by_label("Vai trò").select_option(label=role)
        if unit:
            page.get_by_label(re.compile("Đơn vị")).select_option(label=unit)
        page.get_by_label("Mật khẩu ban đầu").fill(PASSWORDS[username])
        page.get_by_label("Tài khoản đang hoạt động").check()
        page.get_by_role("button", name="Lưu").click()
        page.get_by_role("cell", name=username, exact=True).wait_for()
        print(f"account {username} ({role}) created in the web UI", flush=True)


def model(page: Page, base: str, title: str) -> None:
    sign_in(page, base, "tdp1", PASSWORDS["tdp1"])
    page.goto(f"{base}/mo-hinh/moi")
    page.get_by_label("Tên mô hình").fill(title)
    page.get_by_label("Lĩnh vực").select_option(label="Văn hóa - xã hội")
    page.get_by_label("Mục tiêu").fill("Khu phố sạch, người dân tự giác phân loại rác.")
    page.get_by_label("Nội dung, giải pháp").fill("Vận động từng hộ, tổ tự quản.")
    page.get_by_label("Đối tượng tác động").fill("Hộ dân Tổ dân phố 1")
    page.get_by_label("Người phụ trách").fill("Phạm Văn Nam")
    page.get_by_label("Kết quả dự kiến").fill("100% hộ phân loại rác tại nguồn")
    page.get_by_label("Ngày bắt đầu").fill("01/03/2026")
    page.get_by_label("Ngày kết thúc").fill("31/12/2026")
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.get_by_text("Đã lưu bản nháp mô hình.").wait_for()
    page.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội").click()
    page.get_by_text("Đã gửi mô hình tới Phòng Văn hóa - Xã hội.").wait_for()
    print(f"model {title!r} sent by tdp1", flush=True)


def inbox(page: Page, base: str, title: str) -> None:
    sign_in(page, base, "vhxh", PASSWORDS["vhxh"])
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        page.goto(f"{base}/thong-bao")
        if page.get_by_text(title).count() > 0:
            print(f"VH-XH's inbox shows {title!r}", flush=True)
            return
        time.sleep(3)
    raise SystemExit(f"VH-XH's inbox never showed {title!r}")


def listed(page: Page, base: str, title: str) -> None:
    sign_in(page, base, "tdp1", PASSWORDS["tdp1"])
    page.goto(f"{base}/mo-hinh")
    page.get_by_role("link", name=title).wait_for()
    page.get_by_role("link", name=title).click()
    page.get_by_text("Đã gửi, chờ tiếp nhận").first.wait_for()
    print(f"tdp1 still sees {title!r}, sent", flush=True)


def main() -> None:
    base, step = sys.argv[1], sys.argv[2]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        page.set_default_timeout(30_000)
        try:
            if step == "accounts":
                accounts(page, base)
            elif step == "model":
                model(page, base, sys.argv[3])
            elif step == "inbox":
                inbox(page, base, sys.argv[3])
            elif step == "listed":
                listed(page, base, sys.argv[3])
            else:
                raise SystemExit(f"unknown step {step}")
        except Exception:
            page.screenshot(path=os.environ.get("DVK_JOURNEY_SHOT", "deploy-journey-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


if __name__ == "__main__":
    main()
