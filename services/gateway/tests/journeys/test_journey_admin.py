"""The administrator sets the ward up: the staff's accounts, a password reset, an account locked, units imported
from a spreadsheet, the award catalogues confirmed and corrected; then the new accounts sign in."""
from __future__ import annotations

import os
import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from .conftest import said

NEW_PASSWORD = "MinhXuan@2026"
RESET_PASSWORD = "DatLai@2026x"
STAFF = [  # username, full name, role label, unit
    ("tdp3", "Đỗ Thị Thu", "Cán bộ đơn vị", "Tổ dân phố 3"),
    ("vhxh2", "Vũ Thị Lan", "Phòng Văn hóa - Xã hội", None),
    ("lanhdao2", "Đinh Văn Hùng", "Lãnh đạo UBND phường", None),
    ("giamsat2", "Mai Thị Hạnh", "Giám sát (MTTQ, Đảng ủy)", None),
    ("quantri2", "Lý Văn Toàn", "Quản trị hệ thống", None),
]
LAW = "Luật Thi đua, Khen thưởng năm 2022; Nghị định số 152/2025/NĐ-CP của Chính phủ (sửa đổi năm 2025)."


def units_file(path, rows) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return str(path)


def choose_file(page, button: str, path: str) -> None:
    """Open the file chooser from the field's button, as a person clicks it, pick the file, and see its name."""
    with page.expect_file_chooser() as chooser:
        page.get_by_text(button, exact=True).click()
    chooser.value.set_files(path)
    expect(page.get_by_text(f"Đã chọn 1 tệp: {os.path.basename(path)}.")).to_be_visible()


def open_account(page, username: str) -> None:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Người dùng").click()
    page.get_by_role("link", name=f"Sửa {username}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sửa tài khoản {username}")


@pytest.mark.browser
def test_journey_admin(journey, tmp_path):
    admin = journey.person("quantri")
    journey.step(admin, "dang-nhap-quan-tri")

    # The add-user page says what it is and asks for a username and a password.
    admin.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Người dùng").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Người dùng")
    journey.step(admin, "nguoi-dung")
    admin.get_by_role("link", name="Thêm người dùng").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Thêm người dùng")
    expect(admin.get_by_label("Tên đăng nhập")).to_be_visible()
    expect(admin.get_by_label("Mật khẩu ban đầu")).to_be_visible()
    journey.step(admin, "them-nguoi-dung")

    # A unit officer without a unit, then a too short password: told beside the field, what was typed kept.
    username, full_name, role, unit = STAFF[0]
    admin.get_by_label("Tên đăng nhập").fill(username)
    admin.get_by_label("Họ và tên").fill(full_name)
    admin.get_by_label("Vai trò").select_option(label=role)
    admin.get_by_label("Mật khẩu ban đầu").fill(NEW_PASSWORD)
    admin.get_by_role("button", name="Lưu").click()
    expect(admin.locator("#err-unit_id")).to_have_text("Cán bộ đơn vị phải gắn với một đơn vị.")
    expect(admin.get_by_label("Tên đăng nhập")).to_have_value(username)
    expect(admin.get_by_label("Họ và tên")).to_have_value(full_name)
    journey.step(admin, "thieu-don-vi")
    admin.get_by_label("Đơn vị (bắt buộc với cán bộ đơn vị)").select_option(label=unit)
    admin.get_by_label("Mật khẩu ban đầu").fill("ngan1")
    admin.get_by_role("button", name="Lưu").click()
    expect(admin.locator("#err-password")).to_contain_text("Mật khẩu phải có ít nhất 10 ký tự.")
    expect(admin.get_by_label("Đơn vị (bắt buộc với cán bộ đơn vị)").locator("option:checked")).to_have_text(unit)
    journey.step(admin, "mat-khau-ngan")
    admin.get_by_label("Mật khẩu ban đầu").fill(NEW_PASSWORD)
    admin.get_by_role("button", name="Lưu").click()
    said(admin, f"Đã tạo tài khoản {username}.")

    # One account of each other role.
    for username, full_name, role, _ in STAFF[1:]:
        admin.get_by_role("link", name="Thêm người dùng").click()
        expect(admin.get_by_role("heading", level=1)).to_have_text("Thêm người dùng")
        admin.get_by_label("Tên đăng nhập").fill(username)
        admin.get_by_label("Họ và tên").fill(full_name)
        admin.get_by_label("Thư điện tử").fill(f"{username}@minhxuan.example.vn")
        admin.get_by_label("Vai trò").select_option(label=role)
        admin.get_by_label("Mật khẩu ban đầu").fill(NEW_PASSWORD)
        admin.get_by_role("button", name="Lưu").click()
        said(admin, f"Đã tạo tài khoản {username}.")
    accounts = admin.locator("table tbody")
    for username, full_name, role, unit in STAFF:
        row = accounts.get_by_role("row").filter(has=admin.get_by_role("cell", name=username, exact=True))
        expect(row).to_contain_text(full_name)
        expect(row).to_contain_text(role)
        if unit:
            expect(row).to_contain_text(unit)
    journey.step(admin, "da-tao-tai-khoan")

    # Resetting another account's password: that account's, after a confirmation.
    open_account(admin, "giamsat2")
    reset = admin.locator("#reset-password")
    reset.get_by_label("Mật khẩu mới cho giamsat2").fill(RESET_PASSWORD)
    reset.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(admin.locator("#err-confirm")).to_have_text("Hãy đánh dấu xác nhận đặt lại mật khẩu cho tài khoản giamsat2.")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Sửa tài khoản giamsat2")
    journey.step(admin, "dat-lai-mat-khau-can-xac-nhan")
    reset.get_by_label("Mật khẩu mới cho giamsat2").fill(RESET_PASSWORD)
    reset.get_by_label("Tôi xác nhận đặt lại mật khẩu của giamsat2").check()
    reset.get_by_role("button", name="Đặt lại mật khẩu").click()
    said(admin, "Đã đặt lại mật khẩu cho giamsat2")

    # The administrator's own password is not reset here: the page points to "Đổi mật khẩu".
    open_account(admin, "quantri")
    expect(admin.locator("#reset-password")).to_contain_text("Mật khẩu của chính bạn đổi ở trang Đổi mật khẩu")
    expect(admin.locator("#reset-password").get_by_role("button")).to_have_count(0)
    journey.step(admin, "tai-khoan-cua-minh")

    # Locking an account that is no longer used.
    open_account(admin, "lanhdao2")
    admin.get_by_label("Tài khoản đang hoạt động").uncheck()
    admin.get_by_role("button", name="Lưu", exact=True).click()
    said(admin, "Đã lưu tài khoản lanhdao2.")
    locked = accounts.get_by_role("row").filter(has=admin.get_by_role("cell", name="lanhdao2", exact=True))
    expect(locked).to_contain_text("Đã khóa")
    journey.step(admin, "da-khoa-tai-khoan")

    # Units from a spreadsheet: a file with a bad row imports nothing and says which row; the corrected file imports.
    admin.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Đơn vị").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Đơn vị tham gia phong trào")
    journey.step(admin, "don-vi")
    admin.get_by_role("link", name="Nhập đơn vị từ tệp").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Nhập đơn vị từ tệp")
    admin.get_by_role("button", name="Nhập đơn vị").click()
    expect(admin.locator("#err-file")).to_have_text("Hãy chọn tệp XLSX hoặc CSV danh sách đơn vị.")
    journey.step(admin, "nhap-don-vi-chua-chon-tep")
    bad = units_file(tmp_path / "don-vi-loi.xlsx", [("to-dan-pho-22", "Tổ dân phố 22", "Tổ dân phố"),
                                                     ("chi-hoi-nguoi-cao-tuoi", "Chi hội Người cao tuổi", "Câu lạc bộ")])
    choose_file(admin, "Chọn tệp danh sách đơn vị", bad)
    admin.get_by_role("button", name="Nhập đơn vị").click()
    expect(admin.locator("#err-file")).to_contain_text("Không nhập đơn vị nào")
    bad_row = admin.locator("#import-errors").get_by_role("row").filter(has_text="Loại đơn vị")
    expect(bad_row).to_have_text(re.compile(r"^\s*3\s*Loại đơn vị\s*Loại đơn vị phải là một trong: Cơ quan, Tổ dân phố"))
    journey.step(admin, "nhap-don-vi-tep-loi")
    good = units_file(tmp_path / "don-vi.xlsx", [("to-dan-pho-22", "Tổ dân phố 22", "Tổ dân phố"),
                                                 ("hoi-nguoi-cao-tuoi", "Hội Người cao tuổi phường", "Đoàn thể")])
    choose_file(admin, "Chọn tệp danh sách đơn vị", good)
    admin.get_by_role("button", name="Nhập đơn vị").click()
    said(admin, "Đã nhập 2 đơn vị từ tệp don-vi.xlsx.")
    expect(admin.get_by_role("row", name=re.compile("Tổ dân phố 22"))).to_contain_text("Tổ dân phố")
    expect(admin.get_by_role("row", name=re.compile("Hội Người cao tuổi phường"))).to_be_visible()
    journey.step(admin, "da-nhap-don-vi")

    # The award catalogues: confirm an entry's legal basis, correct another (a blank name is refused beside it).
    admin.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Khen thưởng").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Khen thưởng năm 2026")
    journey.step(admin, "khen-thuong")
    admin.get_by_role("link", name="Danh mục danh hiệu, hình thức").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Danh hiệu thi đua và hình thức khen thưởng")
    journey.step(admin, "danh-muc")
    admin.get_by_role("button", name="Xác nhận căn cứ “Giấy khen của Chủ tịch UBND phường”").click()
    said(admin, "Đã xác nhận căn cứ pháp lý")
    row = admin.locator("#catalogue").get_by_role("row", name=re.compile("Giấy khen của Chủ tịch UBND phường"))
    expect(row).to_contain_text("Đã xác nhận")
    admin.get_by_role("link", name="Sửa “Lao động tiên tiến”").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Sửa danh hiệu thi đua “Lao động tiên tiến”")
    admin.get_by_label("Tên").fill("")
    admin.get_by_label("Căn cứ pháp lý").fill(LAW)
    admin.get_by_role("button", name="Lưu").click()
    expect(admin.locator("#err-name")).to_have_text("Không được để trống.")
    expect(admin.get_by_label("Căn cứ pháp lý")).to_have_value(LAW)
    journey.step(admin, "sua-danh-muc-thieu-ten")
    admin.get_by_label("Tên").fill("Lao động tiên tiến")
    admin.get_by_role("button", name="Lưu").click()
    said(admin, "Đã lưu mục “Lao động tiên tiến” của danh mục danh hiệu thi đua.")
    expect(admin.locator("#catalogue").get_by_role("row", name=re.compile("Lao động tiên tiến"))).to_contain_text("152/2025/NĐ-CP")
    journey.step(admin, "da-sua-danh-muc")
    # The event contract for the province's integration team: linked in the footer, for the administrator only.
    admin.get_by_role("link", name="Tích hợp: sự kiện cho hệ thống của tỉnh").click()
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    journey.step(admin, "su-kien")

    # The new accounts sign in; the locked one is refused, the reset one signs in with its new password.
    for username, full_name, role, _ in STAFF:
        if username == "lanhdao2":
            continue
        person = journey.person(username, RESET_PASSWORD if username == "giamsat2" else NEW_PASSWORD)
        expect(person.locator(".account .who")).to_have_text(f"{full_name} ({role})")
        if username == "tdp3":
            journey.step(person, "can-bo-don-vi-moi-dang-nhap")
    locked_out = journey.person()
    locked_out.goto(f"{journey.base}/dang-nhap")
    locked_out.get_by_label("Tên đăng nhập").fill("lanhdao2")
    locked_out.get_by_label("Mật khẩu").fill(NEW_PASSWORD)
    locked_out.get_by_role("button", name="Đăng nhập").click()
    expect(locked_out.get_by_role("alert")).to_have_text("Tài khoản đã bị khóa. Vui lòng liên hệ quản trị hệ thống.")
    journey.step(locked_out, "tai-khoan-bi-khoa")

# every journey and the route coverage judged after them run in one process: the journeys group
pytestmark = pytest.mark.journeys
