"""Bad input in every form of the gateway, typed in Debian's Chromium as a ward clerk would mistype it: the person sees
a Vietnamese message beside the field (tied to it by aria-describedby), finds what they typed still in the fields,
and nothing is saved.

BAD_INPUT lists, for every route of the gateway accepting POST, the step of the browser test that sends it bad input;
NO_TYPED_INPUT lists the routes that are a single button with nothing typed (there is nothing to get wrong). The
table test fails when the gateway has a POST route in neither; the browser test fails when a listed step did not
send its form.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import ARTIFACTS, PASSWORD, Stack
from .journeys.conftest import page_routes, route_of

TIMEOUT_MS = 30_000

# POST route -> the step of test_bad_input_in_every_form that sends it bad input.
BAD_INPUT: dict[str, str] = {
    "POST /dang-nhap": "login",
    "POST /tai-khoan/mat-khau": "password",
    "POST /quan-tri/nguoi-dung/moi": "new_user",
    "POST /quan-tri/nguoi-dung/<int:user_id>": "edit_user",
    "POST /quan-tri/nguoi-dung/<int:user_id>/dat-lai-mat-khau": "reset_password",
    "POST /don-vi/nhap": "import_units",
    "POST /mo-hinh/moi": "new_model",
    "POST /mo-hinh/<int:model_id>/sua": "edit_model",
    "POST /mo-hinh/<int:record_id>/minh-chung": "evidence",
    "POST /bao-cao/<int:record_id>/minh-chung": "report_evidence",
    "POST /mo-hinh/<int:model_id>/<action>": "return_model",
    "POST /mo-hinh/<int:model_id>/kiem-tra": "inspect_model",
    "POST /bao-cao/<int:report_id>/sua": "edit_report",
    "POST /bao-cao/<int:report_id>/<action>": "return_report",
    "POST /bao-cao/tong-hop": "new_consolidated",
    "POST /bao-cao/tong-hop/<int:consolidated_id>/sua": "edit_consolidated",
    "POST /bao-cao/tong-hop/<int:consolidated_id>/tra-lai": "return_consolidated",
    "POST /bao-cao/tong-hop/<int:consolidated_id>/ban-hanh": "finalise_consolidated",
    "POST /tong-quan/ky-dang-ky/<int:year>": "move_period",
    "POST /tong-quan/ky-dang-ky": "open_period",
    "POST /tong-quan/nhac-han": "remind",
    "POST /bao-cao/chi-tieu/so-lieu": "save_figures",
    "POST /bao-cao/chi-tieu/nhap": "import_figures",
    "POST /khen-thuong/de-nghi/moi": "new_nomination",
    "POST /khen-thuong/danh-muc/<catalogue>/<int:entry_id>/sua": "edit_catalogue_entry",
    "POST /khen-thuong/de-nghi/<int:nomination_id>/sua": "edit_nomination",
    "POST /khen-thuong/de-nghi/<int:nomination_id>/<action>": "review_nomination",
    "POST /khen-thuong/quyet-dinh/moi": "sign_decision",
    "POST /khen-thuong/to-trinh/moi": "sign_letter",
}

# POST routes that are one button, nothing typed: no bad input to give them (refusals of state are other tests').
NO_TYPED_INPUT: dict[str, str] = {
    "POST /dang-xuat": "Đăng xuất: one button",
    "POST /bao-cao/moi": "Lập báo cáo …: one button per report not yet begun (year and period are the button's)",
    "POST /thong-bao/<int:item_id>/da-doc": "Đánh dấu đã đọc: one button",
    "POST /thong-bao/da-doc-tat-ca": "Đánh dấu tất cả đã đọc: one button",
    "POST /mo-hinh/<int:record_id>/minh-chung/<int:file_id>/go": "Gỡ tệp: one button",
    "POST /bao-cao/<int:record_id>/minh-chung/<int:file_id>/go": "Gỡ tệp: one button",
    "POST /khen-thuong/danh-muc/<catalogue>/<int:entry_id>/xac-nhan": "Xác nhận căn cứ: one button",
    "POST /bao-cao/tong-hop/<int:consolidated_id>/trinh-ky": "Trình ký: one button",
    "POST /bao-cao/tong-hop/<int:consolidated_id>/duyet": "Duyệt: one button",
}


def test_every_form_of_the_gateway_has_a_bad_input_case(make_gateway):
    posted = {route for route in page_routes(make_gateway()) if route.startswith("POST ")}
    listed = set(BAD_INPUT) | set(NO_TYPED_INPUT)
    assert not (set(BAD_INPUT) & set(NO_TYPED_INPUT)), "a route is both a form and a single button"
    assert not (listed - posted), f"listed but not a POST route of the gateway: {sorted(listed - posted)}"
    missing = posted - listed
    assert not missing, f"forms of the gateway with no bad-input step: {sorted(missing)}"


# --- what the person sees ---------------------------------------------------------------------------------------


def refused_beside(page: Any, label: str | re.Pattern[str], says: str, kept: str | None = None) -> None:
    """The field labelled `label` is marked invalid, a visible message saying `says` is tied to it (aria-describedby)
    and sits in the field's own group, and the field still holds `kept`."""
    from playwright.sync_api import expect

    field = labelled(page, label)
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    assert described, f"the field “{label}” has no message tied to it"
    message = page.locator(", ".join(f"[id='{d}'][role=alert]" for d in described)).filter(has_text=says)
    expect(message).to_be_visible()
    group = field.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' field ')][1]")
    expect(group.filter(has=message)).to_have_count(1)
    if kept is not None:
        expect(field).to_have_value(kept)


def labelled(page: Any, label: str | re.Pattern[str]) -> Any:
    """The field whose label reads exactly `label` (a required field's label ends with its “*”)."""
    if isinstance(label, re.Pattern):
        return page.get_by_label(label)
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}( \*)?\s*$"))


class Steps:
    """The browser test's state: one tab, what each step posted."""

    def __init__(self, page: Any, stack: Stack) -> None:
        self.page = page
        self.base = stack.site.url
        self.app = stack.gateway
        self.posted: dict[str, list[int]] = {}  # route -> the statuses the gateway answered
        page.on("response", self._answered)
        self.shots = 0
        self.report = ""  # the address of the unit's report the steps write
        self.consolidated = ""  # the address of the ward's consolidated report
        self.nominations: list[str] = []  # addresses of the nominations the award steps make

    def _answered(self, response: Any) -> None:
        request = response.request
        if request.method == "POST" and (request.is_navigation_request() or request.resource_type in ("xhr", "fetch")):
            route = route_of(self.app, "POST", request.url)
            if route:
                self.posted.setdefault(route, []).append(response.status)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        folder = ARTIFACTS / "bad-input"
        folder.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        self.page.screenshot(path=str(folder / f"{self.shots:02d}-{name}.png"), full_page=True)

    def sign_in(self, username: str) -> None:
        from playwright.sync_api import expect

        page = self.page
        if page.get_by_role("button", name="Đăng xuất").count():
            page.get_by_role("button", name="Đăng xuất").click()
        self.go("/dang-nhap")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def login(s: Steps) -> None:
    """Signing in with the password left empty: said beside the password, the username kept."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("tdp1")
    page.get_by_role("button", name="Đăng nhập").click()
    refused_beside(page, "Mật khẩu", "Vui lòng nhập mật khẩu.")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("tdp1")
    expect(page.get_by_role("button", name="Đăng xuất")).to_have_count(0)
    s.shot("dang-nhap-thieu-mat-khau")


def password(s: Steps) -> None:
    """A new password too short: said beside it; the old password still signs in."""
    page = s.page
    s.sign_in("tdp1")
    s.go("/tai-khoan/mat-khau")
    page.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    labelled(page, "Mật khẩu mới").fill("abc1")
    page.get_by_label("Nhập lại mật khẩu mới").fill("abc1")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    refused_beside(page, "Mật khẩu mới", "Mật khẩu phải có ít nhất 10 ký tự.")
    s.shot("mat-khau-qua-ngan")
    s.sign_in("tdp1")  # nothing changed: the old password signs in


def new_user(s: Steps) -> None:
    """A new account with no role and a short password: both said beside their fields, the typed name kept, no
    account in the list."""
    from playwright.sync_api import expect

    page = s.page
    s.sign_in("quantri")
    s.go("/quan-tri/nguoi-dung/moi")
    page.get_by_label("Tên đăng nhập").fill("tdp9")
    page.get_by_label("Họ và tên").fill("Đỗ Thị Mai")
    page.get_by_label("Thư điện tử").fill("mai@")
    page.get_by_label("Mật khẩu ban đầu").fill("123")
    page.get_by_role("button", name="Lưu").click()
    refused_beside(page, "Vai trò", "vai trò")
    refused_beside(page, "Mật khẩu ban đầu", "Mật khẩu phải có ít nhất 10 ký tự.")
    refused_beside(page, "Thư điện tử", "thư điện tử", kept="mai@")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("tdp9")
    expect(page.get_by_label("Họ và tên")).to_have_value("Đỗ Thị Mai")
    s.shot("tai-khoan-moi-sai")
    s.go("/quan-tri/nguoi-dung")
    expect(page.get_by_text("tdp9")).to_have_count(0)


def edit_user(s: Steps) -> None:
    """An account's full name emptied: said beside it; the list keeps the old name."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/quan-tri/nguoi-dung")
    page.get_by_role("link", name="Sửa giamsat").click()
    page.get_by_label("Họ và tên").fill("")
    page.get_by_label("Thư điện tử").fill("giamsat.minhxuan")
    page.get_by_role("button", name="Lưu").click()
    refused_beside(page, "Họ và tên", "họ và tên", kept="")
    refused_beside(page, "Thư điện tử", "thư điện tử", kept="giamsat.minhxuan")
    s.shot("sua-tai-khoan-sai")
    s.go("/quan-tri/nguoi-dung")
    expect(page.get_by_text("Lê Minh Giám")).to_be_visible()


def reset_password(s: Steps) -> None:
    """A reset with a too short password: said beside it; the account still signs in with its password."""
    page = s.page
    s.go("/quan-tri/nguoi-dung")
    page.get_by_role("link", name="Sửa giamsat").click()
    page.get_by_label("Mật khẩu mới cho giamsat").fill("12345")
    page.get_by_label("Tôi xác nhận đặt lại mật khẩu của giamsat").check()
    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    refused_beside(page, "Mật khẩu mới cho giamsat", "Mật khẩu phải có ít nhất 10 ký tự.")
    s.shot("dat-lai-mat-khau-ngan")
    s.sign_in("giamsat")


def import_units(s: Steps) -> None:
    """A photo renamed .xlsx chosen as the units' spreadsheet: said beside the file field; no unit added."""
    from playwright.sync_api import expect

    page = s.page
    s.sign_in("quantri")
    s.go("/don-vi/nhap")
    page.get_by_label("Chọn tệp danh sách đơn vị").set_input_files(
        {"name": "danh-sach-don-vi.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": b"\xff\xd8\xff\xe0 not a spreadsheet"})
    page.get_by_role("button", name="Nhập đơn vị").click()
    units_file = re.compile(r"^\s*Tệp danh sách đơn vị \(XLSX hoặc CSV\)\s*\*?\s*Chọn tệp danh sách đơn vị\s*$")
    refused_beside(page, units_file, "Không đọc được tệp Excel (.xlsx).")
    expect(page.get_by_text("Tệp vừa gửi: danh-sach-don-vi.xlsx")).to_be_visible()
    expect(page.get_by_text("zip")).to_have_count(0)  # the reader's own English words stay out of the message
    s.shot("nhap-don-vi-sai-tep")
    s.go("/don-vi")
    expect(page.locator("main tbody tr")).to_have_count(21)


MODEL_TITLE = "Ngày Chủ nhật xanh"


def new_model(s: Steps) -> None:
    """A model with 31/02/2026 as its start, "15-02" as its end and no field chosen: each said beside its field,
    everything typed kept, no model in the list."""
    from playwright.sync_api import expect

    page = s.page
    s.sign_in("tdp1")
    s.go("/mo-hinh/moi")
    page.get_by_label("Tên mô hình").fill(MODEL_TITLE)
    page.get_by_label("Mục tiêu").fill("Phố sạch, không rác thải nhựa")
    page.get_by_label("Nội dung, giải pháp").fill("Ra quân mỗi sáng Chủ nhật")
    page.get_by_label("Đối tượng tác động").fill("Hộ gia đình")
    page.get_by_label("Người phụ trách").fill("Phạm Văn Nam")
    page.get_by_label("Kết quả dự kiến (chỉ tiêu đo được)").fill("100 % hộ tham gia")
    page.get_by_label("Ngày bắt đầu").fill("31/02/2026")
    page.get_by_label("Ngày kết thúc").fill("15-02")
    page.get_by_role("button", name="Lưu bản nháp").click()
    refused_beside(page, "Ngày bắt đầu", "Ngày không hợp lệ", kept="31/02/2026")
    refused_beside(page, "Ngày kết thúc", "Ngày không hợp lệ", kept="15/02")  # the mask puts a slash
    expect(page.get_by_label("Tên mô hình")).to_have_value(MODEL_TITLE)
    expect(page.get_by_label("Người phụ trách")).to_have_value("Phạm Văn Nam")
    s.shot("mo-hinh-ngay-sai")
    # the dates put right, the field still not chosen: the service's refusal is said beside "Lĩnh vực"
    page.get_by_label("Ngày bắt đầu").fill("01/03/2026")
    page.get_by_label("Ngày kết thúc").fill("30/11/2026")
    page.get_by_role("button", name="Lưu bản nháp").click()
    refused_beside(page, "Lĩnh vực", "")
    expect(page.get_by_label("Ngày bắt đầu")).to_have_value("01/03/2026")
    expect(page.get_by_label("Mục tiêu")).to_have_value("Phố sạch, không rác thải nhựa")
    s.shot("mo-hinh-thieu-linh-vuc")
    s.go("/mo-hinh")
    expect(page.get_by_text(MODEL_TITLE)).to_have_count(0)
    # put right, it is saved (the draft the next steps edit)
    s.go("/mo-hinh/moi")
    for label, text in (("Tên mô hình", MODEL_TITLE), ("Mục tiêu", "Phố sạch"), ("Nội dung, giải pháp", "Ra quân"),
                        ("Đối tượng tác động", "Hộ gia đình"), ("Người phụ trách", "Phạm Văn Nam"),
                        ("Kết quả dự kiến (chỉ tiêu đo được)", "100 % hộ tham gia"),
                        ("Ngày bắt đầu", "01/03/2026"), ("Ngày kết thúc", "30/11/2026")):
        page.get_by_label(label).fill(text)
    page.get_by_label("Lĩnh vực").select_option(index=1)
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu bản nháp mô hình.")).to_be_visible()


def edit_model(s: Steps) -> None:
    """The draft's title emptied and its end before its start: said beside the fields; the draft keeps its title."""
    from playwright.sync_api import expect

    page = s.page
    page.get_by_role("link", name="Sửa").first.click()
    page.get_by_label("Tên mô hình").fill("")
    page.get_by_label("Người phụ trách").fill("Trần Văn B")
    page.get_by_role("button", name="Lưu bản nháp").click()
    refused_beside(page, "Tên mô hình", "", kept="")
    expect(page.get_by_label("Người phụ trách")).to_have_value("Trần Văn B")
    s.shot("sua-mo-hinh-thieu-ten")
    page.get_by_role("link", name="Hủy").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(MODEL_TITLE)
    expect(page.get_by_text("Trần Văn B")).to_have_count(0)


def evidence(s: Steps) -> None:
    """The evidence picker speaks Vietnamese (its own button, the chosen names listed), is reached by the keyboard;
    a program renamed .jpg is refused in Vietnamese beside its name and nothing is kept."""
    from playwright.sync_api import expect

    page = s.page
    section = page.locator("#minh-chung")
    expect(section.get_by_text("Chọn tệp minh chứng")).to_be_visible()
    expect(section.get_by_text("Chưa chọn tệp nào.")).to_be_visible()
    picker = page.get_by_label("Chọn tệp minh chứng")
    picker.focus()
    assert page.evaluate("() => document.activeElement.id") == "evidence-files"
    picker.set_input_files({"name": "anh-dep.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00 a program"})
    expect(section.get_by_text("Đã chọn 1 tệp: anh-dep.jpg.")).to_be_visible()
    s.shot("minh-chung-da-chon")
    page.get_by_role("button", name="Tải lên").click()
    chosen = section.get_by_role("listitem").filter(has_text="anh-dep.jpg (1 KB)")
    expect(chosen.get_by_role("alert")).to_contain_text("Loại tệp không được nhận.")
    s.shot("minh-chung-sai-tep")
    page.reload()
    expect(section.get_by_text("Chưa có tệp minh chứng nào.")).to_be_visible()


def report_evidence(s: Steps) -> None:
    """On the draft report's page (where edit_report left the person): the same section, the same refusal."""
    evidence(s)


def open_model(s: Steps) -> None:
    s.go("/mo-hinh")
    s.page.get_by_role("link", name=MODEL_TITLE).first.click()


def return_model(s: Steps) -> None:
    """The draft sent; Phòng VH-XH presses “Trả lại” with no reason: said beside the reason; still awaiting review."""
    from playwright.sync_api import expect

    page = s.page
    page.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội").click()
    expect(page.get_by_role("status").filter(has_text="Đã gửi mô hình")).to_be_visible()
    s.sign_in("vhxh")
    open_model(s)
    labelled(page, "Lý do trả lại").fill("   ")
    page.get_by_role("button", name="Trả lại", exact=True).click()
    refused_beside(page, "Lý do trả lại", "")
    s.shot("tra-lai-khong-ly-do")
    open_model(s)
    expect(page.get_by_role("button", name="Tiếp nhận")).to_be_visible()  # still submitted, not returned


def inspect_model(s: Steps) -> None:
    """An inspection dated 31/02/2026: said beside the date; the findings typed kept; no inspection recorded."""
    from playwright.sync_api import expect

    page = s.page
    page.get_by_role("button", name="Tiếp nhận").click()
    expect(page.get_by_role("status").filter(has_text="Đã tiếp nhận mô hình.")).to_be_visible()
    labelled(page, "Ngày kiểm tra").fill("31/02/2026")
    labelled(page, "Xếp loại").select_option(index=1)
    labelled(page, "Nhận xét, đánh giá").fill("Tổ dân phố ra quân đều đặn, phố sạch.")
    page.get_by_role("button", name="Ghi kết quả").click()
    refused_beside(page, "Ngày kiểm tra", "Ngày không hợp lệ", kept="31/02/2026")
    expect(labelled(page, "Nhận xét, đánh giá")).to_have_value("Tổ dân phố ra quân đều đặn, phố sạch.")
    s.shot("kiem-tra-ngay-sai")
    open_model(s)
    expect(page.get_by_text("Chưa có lần kiểm tra nào.")).to_be_visible()


SECTION_TEXTS = [("Công tác lãnh đạo, chỉ đạo", "Chi bộ chỉ đạo sát sao từng tổ."),
                 ("Hiệu quả mang lại", "Phố sạch hơn."), ("Cách làm hay, sáng tạo", "Đổi rác lấy cây."),
                 ("Khó khăn, vướng mắc", "Kinh phí ít."), ("Kiến nghị, đề xuất", "Thêm thùng rác."),
                 ("Phương hướng, nhiệm vụ thời gian tới", "Nhân rộng ra cả phường.")]


def edit_report(s: Steps) -> None:
    """A six-month report sent with only its first part written: each empty part said beside it, the first part
    kept; the report neither sent nor saved."""
    from playwright.sync_api import expect

    page = s.page
    s.sign_in("tdp1")
    s.go("/bao-cao")
    page.get_by_role("button", name=re.compile("^Lập báo cáo sơ kết 6 tháng")).click()
    labelled(page, SECTION_TEXTS[0][0]).fill(SECTION_TEXTS[0][1])
    page.get_by_role("button", name="Lưu và gửi").click()
    for label, _ in SECTION_TEXTS[1:]:
        refused_beside(page, label, "Chưa nhập mục này; báo cáo cần đủ các mục trước khi gửi.", kept="")
    expect(labelled(page, SECTION_TEXTS[0][0])).to_have_value(SECTION_TEXTS[0][1])
    s.shot("bao-cao-thieu-muc")
    s.report = page.url.removesuffix("/sua")
    page.get_by_role("link", name="Hủy").click()
    expect(page.get_by_text(SECTION_TEXTS[0][1])).to_have_count(0)  # not saved
    expect(page.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội")).to_be_visible()  # not sent


def return_report(s: Steps) -> None:
    """The report written and sent; Phòng VH-XH returns it with no reason: said beside the reason; still sent."""
    from playwright.sync_api import expect

    page = s.page
    s.go(s.report.removeprefix(s.base) + "/sua")
    for label, text in SECTION_TEXTS:
        labelled(page, label).fill(text)
    page.get_by_role("button", name="Lưu và gửi").click()
    expect(page.get_by_role("status").filter(has_text="Đã gửi báo cáo")).to_be_visible()
    s.sign_in("vhxh")
    s.go(s.report.removeprefix(s.base))
    page.get_by_role("button", name="Trả lại báo cáo").click()
    refused_beside(page, "Lý do trả lại", "")
    s.shot("tra-lai-bao-cao-khong-ly-do")
    s.go(s.report.removeprefix(s.base))
    expect(page.get_by_role("button", name="Tiếp nhận")).to_be_visible()  # still awaiting review


def new_consolidated(s: Steps) -> None:
    """A consolidated report for 2035, a year outside the movement: said beside the year, 2035 kept, no draft."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/bao-cao/tong-hop")
    form = page.get_by_role("form", name="Lập báo cáo tổng hợp")
    labelled(form, "Năm").fill("2035")
    form.get_by_role("button", name="Lập dự thảo").click()
    refused_beside(page, "Năm", "Năm là một năm của phong trào, từ 2026 đến 2030.", kept="2035")
    s.shot("tong-hop-nam-sai")
    expect(page.get_by_text("Chưa có báo cáo tổng hợp nào.")).to_be_visible()


def edit_consolidated(s: Steps) -> None:
    """The 2026 six-month draft with its summary emptied and dated 31/02/2026: said beside both, what was typed kept;
    the draft keeps its summary."""
    from playwright.sync_api import expect

    page = s.page
    form = page.get_by_role("form", name="Lập báo cáo tổng hợp")
    labelled(form, "Năm").fill("2026")
    form.get_by_role("button", name="Lập dự thảo").click()
    expect(page.get_by_role("status").filter(has_text="Đã lập dự thảo báo cáo tổng hợp")).to_be_visible()
    s.consolidated = page.url.removeprefix(s.base)
    title = page.get_by_role("heading", level=1).inner_text()
    labelled(page, "Trích yếu").fill("")
    labelled(page, "Ngày văn bản").fill("31/02/2026")
    labelled(page, "Nơi nhận (mỗi dòng một nơi)").fill("Đảng ủy phường\nLưu: VT")
    page.get_by_role("button", name="Lưu dự thảo").click()
    refused_beside(page, "Ngày văn bản", "Ngày không hợp lệ", kept="31/02/2026")
    expect(labelled(page, "Trích yếu")).to_have_value("")
    expect(labelled(page, "Nơi nhận (mỗi dòng một nơi)")).to_have_value("Đảng ủy phường\nLưu: VT")
    s.shot("tong-hop-ngay-sai")
    labelled(page, "Ngày văn bản").fill("30/06/2026")
    page.get_by_role("button", name="Lưu dự thảo").click()
    refused_beside(page, "Trích yếu", "", kept="")
    expect(labelled(page, "Ngày văn bản")).to_have_value("30/06/2026")
    s.shot("tong-hop-thieu-trich-yeu")
    s.go(s.consolidated)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def return_consolidated(s: Steps) -> None:
    """The draft sent for signature; the Chairman returns it with no reason: said beside the reason; still awaiting
    his signature."""
    from playwright.sync_api import expect

    page = s.page
    page.get_by_role("button", name="Trình ký").click()
    expect(page.get_by_role("status").filter(has_text="Đã trình ký")).to_be_visible()
    s.sign_in("lanhdao")
    s.go(s.consolidated)
    page.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    refused_beside(page, "Lý do trả lại", "Ghi lý do trả lại để Phòng Văn hóa - Xã hội biết cần sửa gì.", kept="")
    s.shot("tong-hop-tra-lai-khong-ly-do")
    s.go(s.consolidated)
    expect(page.get_by_role("button", name="Duyệt báo cáo")).to_be_visible()


def finalise_consolidated(s: Steps) -> None:
    """Approved; “Ban hành” pressed with number 7 typed but the confirmation not ticked: said beside the box, the
    number kept; the report not issued."""
    from playwright.sync_api import expect

    page = s.page
    page.get_by_role("button", name="Duyệt báo cáo").click()
    expect(page.get_by_role("status").filter(has_text="Đã duyệt báo cáo tổng hợp")).to_be_visible()
    s.sign_in("vhxh")
    s.go(s.consolidated)
    labelled(page, "Số văn bản (để trống để lấy số tiếp theo)").fill("7")
    page.get_by_role("button", name="Ban hành báo cáo").click()
    refused_beside(page, "Tôi xác nhận ban hành: cấp số và chốt số liệu, không sửa lại được",
                   "Đánh dấu ô xác nhận trước khi ban hành")
    expect(labelled(page, "Số văn bản (để trống để lấy số tiếp theo)")).to_have_value("7")
    s.shot("ban-hanh-chua-xac-nhan")
    s.go(s.consolidated)
    expect(page.locator("#consolidated-status")).not_to_contain_text("Đã ban hành")


def move_period(s: Steps) -> None:
    """The registration deadline moved to 31/02/2026 with no reason: both said beside their fields, the date kept;
    the deadline stays 15/02/2026."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/tong-quan/ky-dang-ky?year=2026")
    labelled(page, "Hạn mới (ngày/tháng/năm)").fill("31/02/2026")
    page.get_by_role("button", name="Điều chỉnh hạn").click()
    refused_beside(page, "Hạn mới (ngày/tháng/năm)", "Ngày không hợp lệ", kept="31/02/2026")
    refused_beside(page, "Lý do điều chỉnh", "Ghi lý do điều chỉnh hạn", kept="")
    s.shot("doi-han-ngay-sai")
    s.go("/tong-quan/ky-dang-ky?year=2026")
    expect(page.locator("#period-deadline")).to_have_text("15/02/2026")


def open_period(s: Steps) -> None:
    """The 2027 period opened with “15-02” as its deadline: said beside it, kept; the period not opened."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/tong-quan/ky-dang-ky?year=2027")
    label = "Hạn đăng ký (ngày/tháng/năm; để trống là hạn theo Kế hoạch)"
    labelled(page, label).fill("15-02")
    labelled(page, "Ghi chú").fill("Theo kế hoạch của Đảng ủy")
    page.get_by_role("button", name="Mở kỳ đăng ký năm 2027").click()
    refused_beside(page, label, "Ngày không hợp lệ", kept="15/02")  # the mask puts a slash
    expect(labelled(page, "Ghi chú")).to_have_value("Theo kế hoạch của Đảng ủy")
    s.shot("mo-ky-ngay-sai")
    s.go("/tong-quan/ky-dang-ky?year=2027")
    expect(page.get_by_role("heading", name="Chưa mở kỳ đăng ký năm 2027")).to_be_visible()


def remind(s: Steps) -> None:
    """“Nhắc” with every unit unticked: said in the list of units, which stays unticked; nobody reminded."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/tong-quan?year=2026")
    pending = page.locator("details#chua-gui-registration")
    pending.locator("summary").click()
    boxes = pending.get_by_role("checkbox")
    for index in range(boxes.count()):
        boxes.nth(index).uncheck()
    pending.get_by_role("button", name="Nhắc các đơn vị đã chọn").click()
    pending = page.locator("details#chua-gui-registration")
    group = pending.get_by_role("group", name="Chọn đơn vị cần nhắc")
    expect(group).to_have_attribute("aria-describedby", "err-registration")
    expect(page.locator("#err-registration")).to_have_text(
        "Chưa chọn đơn vị nào để nhắc: đánh dấu ít nhất một đơn vị trong danh sách.")
    expect(group.get_by_role("checkbox", checked=True)).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Đã nhắc")).to_have_count(0)
    s.shot("nhac-han-chua-chon")


FIGURE_LABELS = ["Hồ sơ TTHC tiếp nhận", "Đã giải quyết", "Đúng và trước hạn", "Trực tuyến", "Thanh toán không tiền mặt",
                 "Lượt đánh giá", "Hài lòng", "“Bình dân học vụ số”", "Cán bộ, công chức", "Vi phạm quy tắc ứng xử"]


def save_figures(s: Steps) -> None:
    """A unit's figures with “mười hai” in one box and another left empty: said beside each, everything typed kept;
    no figures saved."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/bao-cao/chi-tieu?year=2026&period=six_month")
    form = page.locator("#nhap-tay")
    labelled(form, "Đơn vị").select_option(label="Tổ dân phố 1")
    for label in FIGURE_LABELS:
        labelled(form, label).fill("12")
    labelled(form, "Đã giải quyết").fill("mười hai")
    labelled(form, "Hài lòng").fill("")
    form.get_by_role("button", name="Lưu số liệu").click()
    refused_beside(page, "Đã giải quyết", "Nhập số nguyên không âm (ví dụ 120).", kept="mười hai")
    refused_beside(page, "Hài lòng", "Chưa nhập số liệu.", kept="")
    expect(labelled(page, "Hồ sơ TTHC tiếp nhận")).to_have_value("12")
    expect(labelled(page, "Đơn vị")).to_have_value("12")
    s.shot("so-lieu-chu")
    s.go("/bao-cao/chi-tieu?year=2026&period=six_month")
    expect(page.locator("#figures").get_by_text("Chưa có số liệu cho kỳ này.")).to_be_visible()


def import_figures(s: Steps) -> None:
    """A photo renamed .xlsx chosen as the figures' spreadsheet: said beside the file field; no figures saved."""
    from playwright.sync_api import expect

    page = s.page
    page.get_by_label("Chọn tệp số liệu").set_input_files(
        {"name": "so-lieu.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": b"\xff\xd8\xff\xe0 not a spreadsheet"})
    expect(page.get_by_text("Đã chọn 1 tệp: so-lieu.xlsx.")).to_be_visible()
    page.get_by_role("button", name="Nhập số liệu").click()
    refused_beside(page, re.compile(r"^\s*Tệp số liệu \(XLSX hoặc CSV\)\s*\*?\s*Chọn tệp số liệu\s*$"), "")
    expect(page.locator("#import-refused")).to_contain_text("Không đọc được tệp Excel (.xlsx).")
    s.shot("nhap-so-lieu-sai-tep")
    s.go("/bao-cao/chi-tieu?year=2026&period=six_month")
    expect(page.locator("#figures").get_by_text("Chưa có số liệu cho kỳ này.")).to_be_visible()


def new_nomination(s: Steps) -> None:
    """A nomination with neither a title nor a form of award chosen: said in the award lists' group, the
    achievements typed kept; no nomination in the list."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/khen-thuong/de-nghi/moi")
    labelled(page, "Đơn vị").select_option(label="Tổ dân phố 1")
    labelled(page, "Thành tích").fill("Ra quân đều đặn mỗi sáng Chủ nhật, phố sạch.")
    page.get_by_role("button", name="Lưu đề nghị").click()
    group = page.get_by_role("group", name=re.compile("^Danh hiệu thi đua hoặc hình thức khen thưởng"))
    expect(group).to_have_attribute("aria-describedby", "err-award")
    expect(group.locator("#err-award")).to_be_visible()
    expect(labelled(page, "Danh hiệu thi đua")).to_have_attribute("aria-invalid", "true")
    expect(labelled(page, "Thành tích")).to_have_value("Ra quân đều đặn mỗi sáng Chủ nhật, phố sạch.")
    expect(labelled(page, "Đơn vị")).to_have_value("12")
    s.shot("de-nghi-chua-chon-danh-hieu")
    s.go("/khen-thuong")
    expect(page.get_by_text("Ra quân đều đặn mỗi sáng Chủ nhật")).to_have_count(0)


def nominate(s: Steps, award: str, achievements: str) -> str:
    """A nomination of Tổ dân phố 1 for `award` (a form of award, as the list names it), saved as a draft; its
    address."""
    from playwright.sync_api import expect

    page = s.page
    s.go("/khen-thuong/de-nghi/moi")
    labelled(page, "Đơn vị").select_option(label="Tổ dân phố 1")
    labelled(page, "Hình thức khen thưởng").select_option(label=award)
    labelled(page, "Thành tích").fill(achievements)
    page.get_by_role("button", name="Lưu đề nghị").click()
    expect(page.get_by_role("status").filter(has_text="Đã lập đề nghị khen thưởng")).to_be_visible()
    return page.url.removeprefix(s.base)


def edit_nomination(s: Steps) -> None:
    """A draft nomination's achievements emptied: said beside them; the nomination keeps its achievements."""
    from playwright.sync_api import expect

    page = s.page
    s.nominations = [nominate(s, "Giấy khen của Chủ tịch UBND phường", "Phố sạch, không rác thải nhựa."),
                     nominate(s, "Bằng khen của Chủ tịch UBND tỉnh (cấp trên)", "Ba năm liền dẫn đầu phong trào.")]
    s.go(s.nominations[0])
    page.get_by_role("link", name="Sửa đề nghị").click()
    labelled(page, "Thành tích").fill("")
    labelled(page, "Tài liệu kèm theo (mỗi dòng một đường dẫn)").fill("https://minhxuan.example.vn/bien-ban.pdf")
    page.get_by_role("button", name="Lưu thay đổi").click()
    refused_beside(page, "Thành tích", "", kept="")
    expect(labelled(page, "Tài liệu kèm theo (mỗi dòng một đường dẫn)")).to_have_value(
        "https://minhxuan.example.vn/bien-ban.pdf")
    s.shot("sua-de-nghi-thieu-thanh-tich")
    s.go(s.nominations[0])
    expect(page.get_by_text("Phố sạch, không rác thải nhựa.")).to_be_visible()


def review_nomination(s: Steps) -> None:
    """The council's meeting recorded as held on 31/02/2026: said beside the date, the votes and minutes typed kept;
    the nomination still awaits the council. Put right, both nominations are approved (for the signing steps)."""
    from playwright.sync_api import expect

    page = s.page
    for index, address in enumerate(s.nominations):
        s.go(address)
        page.get_by_role("button", name="Đề nghị Hội đồng xét").click()
        form = page.locator("#review-form")
        labelled(form, "Số phiếu tán thành").fill("7")
        labelled(form, "Biên bản họp").fill("Hội đồng họp, 7/7 thành viên tán thành.")
        if index == 0:
            labelled(form, "Ngày họp").fill("31/02/2026")
            form.get_by_role("button", name="Ghi kết quả xét").click()
            refused_beside(page, "Ngày họp", "Ngày không hợp lệ", kept="31/02/2026")
            expect(labelled(page, "Số phiếu tán thành")).to_have_value("7")
            expect(labelled(page, "Biên bản họp")).to_have_value("Hội đồng họp, 7/7 thành viên tán thành.")
            s.shot("hoi-dong-ngay-sai")
            s.go(address)
            expect(page.locator("#review-form")).to_be_visible()  # still awaiting the council
            form = page.locator("#review-form")
            labelled(form, "Số phiếu tán thành").fill("7")
            labelled(form, "Biên bản họp").fill("Hội đồng họp, 7/7 thành viên tán thành.")
        labelled(form, "Ngày họp").fill("27/02/2026")
        form.get_by_role("button", name="Ghi kết quả xét").click()
        expect(page.locator("#review-form")).to_have_count(0)


def _sign_nothing(s: Steps, path: str, button: str, shot: str) -> None:
    from playwright.sync_api import expect

    page = s.page
    s.go(path)
    labelled(page, "Ngày ký").fill("31/02/2026")
    page.get_by_role("button", name=button).click()
    group = page.get_by_role("group", name=re.compile("^Đề nghị đưa vào"))
    expect(group).to_have_attribute("aria-describedby", "err-nominations")
    expect(group.locator("#err-nominations")).to_have_text("Chọn ít nhất một đề nghị khen thưởng.")
    expect(labelled(page, "Ngày ký")).to_have_value("31/02/2026")
    s.shot(shot)
    s.go(path)
    expect(page.locator("#signing-nominations").get_by_role("checkbox")).to_have_count(1)  # still awaiting


def sign_decision(s: Steps) -> None:
    """The Chairman presses “Ký quyết định” with no nomination ticked: said in the list; nothing signed."""
    s.sign_in("lanhdao")
    _sign_nothing(s, "/khen-thuong/quyet-dinh/moi?year=2026", "Ký quyết định khen thưởng", "quyet-dinh-chua-chon")


def sign_letter(s: Steps) -> None:
    """The same for a proposal letter to the province: said in the list; no letter made."""
    _sign_nothing(s, "/khen-thuong/to-trinh/moi?year=2026", "Lập tờ trình", "to-trinh-chua-chon")


def edit_catalogue_entry(s: Steps) -> None:
    """An award's name emptied: said beside it, the legal basis typed kept; the catalogue keeps the name."""
    from playwright.sync_api import expect

    page = s.page
    s.sign_in("quantri")
    s.go("/khen-thuong/danh-muc")
    page.get_by_role("link", name="Sửa “Lao động tiên tiến”").click()
    labelled(page, "Tên").fill("")
    labelled(page, "Căn cứ pháp lý").fill("Điều 26 Luật Thi đua, khen thưởng 2022")
    page.get_by_role("button", name="Lưu").click()
    refused_beside(page, "Tên", "", kept="")
    expect(labelled(page, "Căn cứ pháp lý")).to_have_value("Điều 26 Luật Thi đua, khen thưởng 2022")
    s.shot("danh-muc-thieu-ten")
    s.go("/khen-thuong/danh-muc")
    expect(page.locator("#catalogue").get_by_role("link", name="Sửa “Lao động tiên tiến”")).to_be_visible()
    expect(page.get_by_text("Điều 26 Luật Thi đua")).to_have_count(0)


STEPS: list[Callable[[Steps], None]] = [login, password, new_user, edit_user, reset_password, import_units, new_model,
                                         edit_model, evidence, return_model, inspect_model, edit_report, report_evidence,
                                         return_report, new_consolidated, edit_consolidated,
                                         return_consolidated, finalise_consolidated, move_period, open_period, remind,
                                         save_figures, import_figures, new_nomination,
                                         edit_nomination, review_nomination, sign_decision, sign_letter,
                                         edit_catalogue_entry]


@pytest.mark.browser
@pytest.mark.timeout(900)  # some thirty forms in one browser: minutes when the machine is shared with other workers
def test_bad_input_in_every_form(stack: Stack, browser) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        steps = Steps(context.new_page(), stack)
        for step in STEPS:
            step(steps)
        steps.page.close()
    finally:
        context.close()
    assert {step.__name__ for step in STEPS} == set(BAD_INPUT.values())
    unsent = {route for route in BAD_INPUT if route not in steps.posted}
    assert not unsent, f"steps that never sent their form: {sorted(unsent)}"
    unrefused = {route: steps.posted[route] for route in BAD_INPUT
                 if not any(400 <= status < 500 for status in steps.posted[route])}
    assert not unrefused, f"bad input not refused with a 4xx answer: {unrefused}"

