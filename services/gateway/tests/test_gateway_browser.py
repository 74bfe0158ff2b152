"""In a real browser (Debian's Chromium, headless): sign-in, CSRF refusal, throttling, role navigation."""
from __future__ import annotations

import pytest

from .conftest import ARTIFACTS, PASSWORD, add_user


@pytest.fixture
def site(make_gateway, serve):
    app = make_gateway()
    add_user(app, "tdp1", "don_vi", unit_id=12, full_name="Phạm Văn Nam")
    add_user(app, "quantri", "admin", full_name="Quản trị hệ thống")
    return serve(app)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"gateway-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.mark.browser
def test_sign_in_by_keyboard_shows_the_navigation_of_the_role_and_sign_out(page, site):
    page.goto(f"{site.url}/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("tdp1")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/tong-quan")
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    assert nav.get_by_role("link", name="Mô hình").is_visible()
    assert nav.get_by_role("link", name="Người dùng").count() == 0
    assert page.locator(".who").inner_text().startswith("Phạm Văn Nam")
    shot(page, "01-dang-nhap-thanh-cong")

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/dang-nhap")
    assert page.get_by_text("Bạn đã đăng xuất.").is_visible()
    page.goto(f"{site.url}/tong-quan")
    assert "/dang-nhap" in page.url


@pytest.mark.browser
def test_a_form_whose_csrf_token_was_removed_is_refused(page, site):
    sign_in(page, site.url, "tdp1")
    page.wait_for_url("**/tong-quan")
    page.goto(f"{site.url}/tai-khoan/mat-khau")
    page.evaluate("document.querySelectorAll('main input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    page.locator("#f-new_password").fill("DoiMoi@2027x")
    page.get_by_label("Nhập lại mật khẩu mới").fill("DoiMoi@2027x")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    refused = page.locator("#csrf-refused")
    refused.wait_for()
    assert "thiếu mã bảo vệ" in refused.inner_text()
    shot(page, "02-csrf-tu-choi")

    # The password did not change: the old one still signs in.
    page.get_by_role("button", name="Đăng xuất").click()
    sign_in(page, site.url, "tdp1")
    page.wait_for_url("**/tong-quan")


@pytest.mark.browser
def test_five_wrong_passwords_make_the_browser_wait(page, site):
    for _ in range(5):
        sign_in(page, site.url, "quantri", "doan-sai-mat-khau")
    message = page.locator("#login-error")
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 30 giây." in message.inner_text()
    shot(page, "03-dang-nhap-bi-cham")

    sign_in(page, site.url, "quantri")  # the right password waits too
    assert "/dang-nhap" in page.url
    assert "Đăng nhập sai quá nhiều lần" in page.locator("#login-error").inner_text()
