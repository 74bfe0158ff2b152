"""Phòng Văn hóa - Xã hội's year in the browser, and the Chairman's decision at its end.

Phòng VH-XH opens the year's registration period and moves its deadline; sees which units have not registered and
reminds them from that list; returns, accepts, inspects and marks typical a unit's model; sees which units have not
sent the six-month report, reminds them, reviews the report; enters target figures by hand (bad input first) and
downloads the import template; runs the award suggestions (one per model), builds a nomination (the two catalogues
in two lists) and records the council's review. The Chairman (lãnh đạo) then decides the nomination in one decision:
"Ký quyết định" only once the legal basis is confirmed, and the decision names the collective by its unit.
The unit officer of Tổ dân phố 1 does what Phòng VH-XH then reviews, in the same browser as a person would.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

MODEL_TITLE = "Ngõ xanh, không rác thải nhựa"
RETURN_REASON = "Đề nghị bổ sung chỉ tiêu đo được theo từng quý."
MOVE_REASON = "Tết Nguyên đán năm 2026 đến muộn, các tổ dân phố cần thêm thời gian họp dân."
CHAIRMAN = "Phạm Quốc Chương"
ACHIEVEMENTS = "Tổ dân phố 1 có mô hình “Ngõ xanh” xếp loại Tốt, được chọn điển hình; 120 hộ phân loại rác tại nguồn."
MINUTES = "Hội đồng Thi đua - Khen thưởng phường họp, 7/7 thành viên tán thành."
EFFECT = "Tổ dân phố 1: 62% hộ phân loại rác tại nguồn; đường ngõ sạch hơn."
SIGN_OFF_RETURN = "Bổ sung số liệu hồ sơ trực tuyến của Tổ dân phố 2."
# Tổ dân phố 2's figures as the ward's clerk types them into the downloaded template (by its Vietnamese headings).
TDP2_FIGURES = {"Hồ sơ TTHC tiếp nhận": 60, "Hồ sơ TTHC đã giải quyết": 50, "Hồ sơ giải quyết đúng và trước hạn": 55,
                "Hồ sơ dịch vụ công trực tuyến": 30, "Giao dịch thanh toán không dùng tiền mặt": 20,
                "Lượt đánh giá mức độ hài lòng": 25, "Lượt đánh giá hài lòng": 25,
                "Người tham gia “Bình dân học vụ số”": 40, "Cán bộ, công chức": 4,
                "Cán bộ, công chức vi phạm quy tắc ứng xử": 0}


def type_day(field, day: date) -> None:
    """Type a day into a date field as a person does: dd/mm/yyyy in a text field, the browser's own in a date input."""
    if field.get_attribute("type") == "date":
        field.fill(day.isoformat())
    else:
        field.fill(day.strftime("%d/%m/%Y"))


def council_review(page, votes_for: str, minutes: str, meeting_day: str) -> None:
    """Record the council's meeting on the nomination's page, as its secretary does."""
    page.get_by_label("Ngày họp").fill(meeting_day)
    page.get_by_label("Số phiếu tán thành").fill(votes_for)
    page.get_by_label("Số phiếu không tán thành").fill("0")
    page.get_by_label("Biên bản họp").fill(minutes)
    page.get_by_role("button", name="Ghi kết quả xét").click()


def new_individual_nomination(page, person: str, position: str, award: str, achievements: str) -> None:
    """A nomination for a person, typed from "Lập đề nghị khen thưởng" on Khen thưởng, then sent to the council."""
    page.get_by_role("link", name="Khen thưởng").click()
    page.get_by_role("link", name="Lập đề nghị khen thưởng").click()
    page.get_by_label("Đối tượng").select_option(label="Cá nhân")
    page.get_by_label("Đơn vị").select_option(label="Tổ dân phố 1")
    page.get_by_label("Họ và tên (khi đề nghị cho cá nhân)").fill(person)
    page.get_by_label("Chức vụ (cá nhân)").fill(position)
    page.get_by_label("Hình thức khen thưởng", exact=True).select_option(label=award)
    page.get_by_label("Thành tích").fill(achievements)
    page.get_by_role("button", name="Lưu đề nghị").click()
    expect(page.get_by_text("Đã lập đề nghị khen thưởng (bản nháp).")).to_be_visible()
    page.get_by_role("button", name="Đề nghị Hội đồng xét").click()
    expect(page.get_by_text("Đã đề nghị Hội đồng Thi đua - Khen thưởng xét.")).to_be_visible()


def open_pending(page, name: str) -> None:
    """Unfold the list of units that have not sent something (a <details> on Tổng quan)."""
    box = page.locator("details.pending", has=page.get_by_text(name))
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


@pytest.mark.browser
def test_journey_phong_vhxh(journey, stack, clock, tmp_path):
    base = journey.base
    # The stack opened 2026's period on 02/03/2026 (its clock's day): Tết came late, the deadline of 15/02 has passed.
    assert clock.moment == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    # 1. Tổng quan of the year: its own deadlines, the five targets as bars, the units that have not registered.
    hoa = journey.person()
    hoa.goto(f"{base}/dang-nhap")
    expect(hoa.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    journey.step(hoa, "dang-nhap")
    journey.sign_in(hoa, "vhxh")
    expect(hoa.get_by_role("heading", level=1)).to_have_text("Tổng quan năm 2026")
    journey.refresh_until(hoa, lambda: "21 đơn vị" in hoa.locator("#chua-gui-registration summary").inner_text(),
                          "the ward's 21 units not yet registered")
    deadlines = hoa.locator("#han-nam")
    expect(deadlines).to_contain_text("Đăng ký mô hình: hạn ngày 15/02/2026 — đã qua hạn 15 ngày")
    expect(deadlines).to_contain_text("Báo cáo sơ kết 6 tháng: hạn ngày 10/06/2026")
    expect(deadlines).to_contain_text("Báo cáo tổng kết năm: hạn ngày 15/11/2026")
    expect(deadlines).not_to_contain_text("2027")
    targets = hoa.locator("#chi-tieu-ke-hoach")
    expect(targets.get_by_role("heading")).to_have_text("Năm chỉ tiêu của Kế hoạch — năm 2026")
    expect(targets.locator("#chi-tieu-3")).to_contain_text("0/21 đơn vị (0,0%) — chỉ tiêu 100% đơn vị, tổ dân phố.")
    expect(targets.locator("#chi-tieu-3 .tag")).to_have_text("chưa đạt")
    expect(targets.locator("#chi-tieu-4")).to_contain_text("Chưa có số liệu — chỉ tiêu ≥ 98%")
    expect(targets.locator("#chi-tieu-5")).to_contain_text("“Bình dân học vụ số”")
    expect(hoa.locator("#theo-loai-don-vi figcaption")).to_contain_text("theo loại đơn vị")
    expect(hoa.locator("#kinds-table").get_by_role("row", name=re.compile("^Tổ dân phố"))).to_contain_text("0/10")
    journey.step(hoa, "tong-quan-2026")

    # Another year shows that year's deadlines.
    hoa.get_by_label("Năm", exact=True).select_option("2027")
    hoa.get_by_role("button", name="Xem").click()
    expect(hoa.get_by_role("heading", level=1)).to_have_text("Tổng quan năm 2027")
    expect(hoa.locator("#han-nam")).to_contain_text("Báo cáo sơ kết 6 tháng: hạn ngày 10/06/2027")
    journey.step(hoa, "tong-quan-2027")

    # 2. The year's registration period: moving its deadline, a bad date first; then next year's period is opened.
    hoa.get_by_label("Năm", exact=True).select_option("2026")
    hoa.get_by_role("button", name="Xem").click()
    hoa.get_by_role("link", name="Mở hoặc điều chỉnh kỳ đăng ký năm 2026").click()
    expect(hoa.get_by_role("heading", level=1)).to_have_text("Kỳ đăng ký mô hình năm 2026")
    expect(hoa.locator("#period-deadline")).to_have_text("15/02/2026")
    hoa.get_by_label("Hạn mới (ngày/tháng/năm)").fill("30/02/2026")
    hoa.get_by_role("button", name="Điều chỉnh hạn").click()
    expect(hoa.locator("#err-deadline")).to_have_text("Ngày không hợp lệ: nhập ngày/tháng/năm, ví dụ 05/03/2026.")
    expect(hoa.locator("#err-reason")).to_have_text("Ghi lý do điều chỉnh hạn: các đơn vị được thông báo lý do này.")
    expect(hoa.get_by_label("Hạn mới (ngày/tháng/năm)")).to_have_value("30/02/2026")
    expect(hoa.locator("#period-deadline")).to_have_text("15/02/2026")
    journey.step(hoa, "ky-dang-ky-sai-ngay")
    hoa.get_by_label("Hạn mới (ngày/tháng/năm)").fill("01/03/2026")  # a real day, but before the period opened
    hoa.get_by_label("Lý do điều chỉnh").fill(MOVE_REASON)
    hoa.get_by_role("button", name="Điều chỉnh hạn").click()
    expect(hoa.locator("#err-deadline")).to_have_text("Hạn đăng ký không được trước ngày mở kỳ đăng ký (02/03/2026).")
    expect(hoa.get_by_label("Lý do điều chỉnh")).to_have_value(MOVE_REASON)
    hoa.get_by_label("Hạn mới (ngày/tháng/năm)").fill("16/03/2026")
    hoa.get_by_role("button", name="Điều chỉnh hạn").click()
    expect(hoa.get_by_text("Đã điều chỉnh hạn đăng ký mô hình năm 2026 thành ngày 16/03/2026")).to_be_visible()
    expect(hoa.locator("#period-deadline")).to_have_text("16/03/2026")
    expect(hoa.locator("#period-history")).to_contain_text(f"từ 15/02/2026 thành 16/03/2026 (Nguyễn Thị Hoa): {MOVE_REASON}")
    journey.step(hoa, "ky-dang-ky-doi-han")
    hoa.get_by_label("Năm", exact=True).select_option("2027")
    hoa.get_by_role("button", name="Xem").click()
    expect(hoa.get_by_role("heading", name="Chưa mở kỳ đăng ký năm 2027")).to_be_visible()
    hoa.get_by_role("button", name="Mở kỳ đăng ký năm 2027").click()
    expect(hoa.get_by_text("Đã mở kỳ đăng ký mô hình năm 2027, hạn đăng ký ngày 15/02/2027")).to_be_visible()
    expect(hoa.locator("#period-deadline")).to_have_text("15/02/2027")
    journey.step(hoa, "ky-dang-ky-2027")

    # 3. The units that have not registered, reminded from the list: none ticked is refused beside the list.
    hoa.get_by_role("link", name="Về Tổng quan năm 2027").click()
    hoa.get_by_label("Năm", exact=True).select_option("2026")
    hoa.get_by_role("button", name="Xem").click()
    expect(hoa.locator("#han-nam")).to_contain_text("Đăng ký mô hình: hạn ngày 16/03/2026 — còn 14 ngày")
    pending = open_pending(hoa, "Đơn vị chưa đăng ký mô hình")
    for box in pending.get_by_role("checkbox").all():
        box.uncheck()
    pending.get_by_role("button", name="Nhắc các đơn vị đã chọn").click()
    pending = hoa.locator("#chua-gui-registration")
    expect(pending.locator("#err-registration")).to_have_text(
        "Chưa chọn đơn vị nào để nhắc: đánh dấu ít nhất một đơn vị trong danh sách.")
    expect(pending.get_by_role("checkbox", checked=True)).to_have_count(0)
    journey.step(hoa, "nhac-chua-chon")
    pending.get_by_label("Tổ dân phố 1", exact=True).check()
    pending.get_by_label("Tổ dân phố 2", exact=True).check()
    pending.get_by_role("button", name="Nhắc các đơn vị đã chọn").click()
    expect(hoa.get_by_text("Đã nhắc 2 đơn vị chưa gửi đăng ký mô hình năm 2026 (1 cán bộ nhận thông báo).")).to_be_visible()
    journey.step(hoa, "nhac-dang-ky")

    # The officer of Tổ dân phố 1 reads the reminder, then registers a model and sends it.
    nam = journey.person("tdp1")
    nam.get_by_role("link", name=re.compile("^Thông báo")).click()
    expect(nam.locator(".inbox")).to_contain_text(
        "Nhắc hạn: còn 14 ngày để gửi đăng ký mô hình “Dân vận khéo” năm 2026")
    journey.step(nam, "don-vi-doc-nhac-han")
    # The link of an older e-mail (the address the models list had before) still lands on the models list.
    nam.goto(f"{base}/dang-ky")
    expect(nam.get_by_role("heading", level=1)).to_contain_text("Mô hình")
    journey.step(nam, "don-vi-mo-hinh")
    nam.get_by_role("link", name=re.compile("Đăng ký mô hình")).first.click()
    nam.get_by_label("Tên mô hình").fill(MODEL_TITLE)
    nam.get_by_label("Lĩnh vực").select_option("van_hoa_xa_hoi")
    nam.get_by_label("Mục tiêu").fill("Giảm rác thải nhựa trong khu dân cư.")
    nam.get_by_label("Nội dung, giải pháp").fill("Tuyên truyền từng hộ, phân loại rác tại nguồn, đổi chai nhựa lấy cây.")
    nam.get_by_label("Đối tượng tác động").fill("120 hộ gia đình của tổ")
    nam.get_by_label("Người phụ trách").fill("Phạm Văn Nam")
    nam.get_by_label("Kết quả dự kiến").fill("80% hộ phân loại rác.")
    type_day(nam.get_by_label("Ngày bắt đầu"), date(2026, 3, 1))
    type_day(nam.get_by_label("Ngày kết thúc"), date(2026, 11, 30))
    journey.step(nam, "don-vi-dang-ky-mo-hinh")
    nam.get_by_role("button", name="Lưu bản nháp").click()
    expect(nam.get_by_text("Đã lưu bản nháp mô hình.")).to_be_visible()
    model_url = nam.url
    nam.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội").click()
    expect(nam.get_by_text("Đã gửi mô hình tới Phòng Văn hóa - Xã hội.")).to_be_visible()
    journey.step(nam, "don-vi-gui-mo-hinh")

    # 4. Phòng VH-XH returns it with a reason; the officer fixes it and sends it again; Phòng VH-XH accepts, inspects
    # and marks it typical.
    hoa.goto(model_url)
    hoa.get_by_label("Lý do trả lại").fill(RETURN_REASON)
    hoa.get_by_role("button", name="Trả lại", exact=True).click()
    expect(hoa.get_by_text("Đã trả lại mô hình để đơn vị chỉnh sửa.")).to_be_visible()
    journey.step(hoa, "tra-lai-mo-hinh")
    nam.goto(model_url)
    nam.get_by_role("link", name="Sửa", exact=True).click()
    nam.get_by_label("Kết quả dự kiến").fill("Quý II: 50% hộ phân loại rác; quý IV: 80% hộ.")
    journey.step(nam, "don-vi-sua-mo-hinh")
    nam.get_by_role("button", name="Lưu bản nháp").click()
    nam.get_by_role("button", name="Gửi lại").click()
    expect(nam.get_by_text("Đã gửi mô hình tới Phòng Văn hóa - Xã hội.")).to_be_visible()
    hoa.goto(model_url)
    hoa.get_by_role("button", name="Tiếp nhận").click()
    expect(hoa.get_by_text("Đã tiếp nhận mô hình.")).to_be_visible()
    clock.moment = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
    hoa.reload()
    hoa.get_by_label("Xếp loại").select_option("tot")
    hoa.get_by_label("Nhận xét, đánh giá").fill("Mô hình hiệu quả, người dân đồng tình hưởng ứng.")
    hoa.get_by_role("button", name="Ghi kết quả").click()
    expect(hoa.get_by_text("Đã ghi kết quả kiểm tra.")).to_be_visible()
    hoa.get_by_role("button", name="Chọn làm điển hình").click()
    expect(hoa.get_by_text("Đã chọn mô hình làm điển hình để nhân rộng.")).to_be_visible()
    expect(hoa.locator(".tag-typical")).to_have_text("Mô hình điển hình")
    journey.step(hoa, "mo-hinh-dien-hinh")

    # 5. June: Tổ dân phố 1 sends its six-month report; Phòng VH-XH sees who has not, reminds them, reviews it.
    clock.moment = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)
    nam.get_by_role("link", name="Báo cáo", exact=True).click()
    journey.step(nam, "don-vi-bao-cao")
    nam.get_by_role("button", name="Lập báo cáo sơ kết 6 tháng năm 2026").click()
    for label, text in (("Công tác lãnh đạo, chỉ đạo", "Chi bộ ra nghị quyết chuyên đề; tổ họp dân hằng tháng."),
                        ("Hiệu quả mang lại", "62% hộ phân loại rác; đường ngõ sạch hơn."),
                        ("Cách làm hay, sáng tạo", "Đổi chai nhựa lấy cây xanh vào Chủ nhật cuối tháng."),
                        ("Khó khăn, vướng mắc", "Thiếu thùng rác phân loại."),
                        ("Kiến nghị, đề xuất", "Đề nghị phường hỗ trợ 20 bộ thùng rác."),
                        ("Phương hướng, nhiệm vụ thời gian tới", "Mở rộng sang tổ dân phố 2.")):
        nam.get_by_label(label).fill(text)
    nam.get_by_label(f"Kết quả: {MODEL_TITLE}").fill("62% hộ phân loại rác tại nguồn.")
    journey.step(nam, "don-vi-viet-bao-cao")
    nam.get_by_role("button", name="Lưu và gửi").click()
    expect(nam.get_by_text("Đã gửi báo cáo tới Phòng Văn hóa - Xã hội.")).to_be_visible()
    report_url = nam.url

    hoa.get_by_role("link", name="Tổng quan").click()
    journey.refresh_until(hoa, lambda: "20 đơn vị" in hoa.locator("#chua-gui-six_month summary").inner_text(),
                          "20 units without their six-month report")
    expect(hoa.locator("#han-nam")).to_contain_text("Báo cáo sơ kết 6 tháng: hạn ngày 10/06/2026 — còn 7 ngày")
    pending = open_pending(hoa, "Đơn vị chưa nộp báo cáo sơ kết 6 tháng")
    expect(pending.get_by_label("Tổ dân phố 1", exact=True)).to_have_count(0)
    expect(pending.get_by_role("checkbox", checked=True)).to_have_count(20)
    pending.get_by_role("button", name="Nhắc các đơn vị đã chọn").click()
    expect(hoa.get_by_text("Đã nhắc 20 đơn vị chưa gửi báo cáo sơ kết 6 tháng năm 2026 (0 cán bộ nhận thông báo).")
           ).to_be_visible()
    journey.step(hoa, "nhac-bao-cao")
    hoa.get_by_role("link", name="Báo cáo", exact=True).click()
    hoa.locator("#reports").get_by_role("link", name="Tổ dân phố 1").click()
    expect(hoa).to_have_url(report_url)
    hoa.get_by_role("button", name="Tiếp nhận báo cáo").click()
    expect(hoa.get_by_text("Đã tiếp nhận báo cáo.")).to_be_visible()
    expect(hoa.locator("#report-status")).to_have_text("Đã tiếp nhận")
    journey.step(hoa, "tiep-nhan-bao-cao")

    # 6. Target figures by hand: a word and an impossible count are refused beside their fields, nothing saved.
    hoa.get_by_role("link", name="Báo cáo", exact=True).click()
    hoa.get_by_role("link", name="Số liệu chỉ tiêu").click()
    expect(hoa.get_by_role("heading", level=1)).to_have_text("Số liệu chỉ tiêu — Sơ kết 6 tháng năm 2026")
    form = hoa.locator("#nhap-tay")
    form.get_by_label("Đơn vị").select_option(label="Tổ dân phố 1")
    figures = {"Hồ sơ TTHC tiếp nhận": "120", "Đã giải quyết": "100", "Đúng và trước hạn": "mười",
               "Trực tuyến": "70", "Thanh toán không tiền mặt": "35", "Lượt đánh giá": "40", "Hài lòng": "38",
               "“Bình dân học vụ số”": "60", "Cán bộ, công chức": "5", "Vi phạm quy tắc ứng xử": "0"}
    for label, value in figures.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Lưu số liệu").click()
    form = hoa.locator("#nhap-tay")
    expect(form.locator("#err-files_on_time")).to_have_text("Nhập số nguyên không âm (ví dụ 120).")
    expect(form.get_by_label("Đúng và trước hạn")).to_have_value("mười")
    expect(form.get_by_label("Hồ sơ TTHC tiếp nhận")).to_have_value("120")
    expect(hoa.locator("#figures")).to_contain_text("Chưa có số liệu cho kỳ này.")
    journey.step(hoa, "chi-tieu-nhap-sai")
    form.get_by_label("Đúng và trước hạn").fill("101")
    form.get_by_role("button", name="Lưu số liệu").click()
    form = hoa.locator("#nhap-tay")
    expect(form.locator("#err-files_on_time")).to_have_text(
        "Số hồ sơ đúng và trước hạn không được lớn hơn số hồ sơ đã giải quyết.")
    expect(hoa.locator("#figures")).to_contain_text("Chưa có số liệu cho kỳ này.")
    form.get_by_label("Đúng và trước hạn").fill("97")
    form.get_by_role("button", name="Lưu số liệu").click()
    expect(hoa.get_by_text("Đã lưu số liệu chỉ tiêu của Tổ dân phố 1 (sơ kết 6 tháng năm 2026).")).to_be_visible()
    total = hoa.locator("#figures-total")
    expect(total).to_contain_text("Tổng cộng (1 đơn vị)")
    expect(total).to_contain_text("97,0% chưa đạt")
    expect(total).to_contain_text("100,0% đạt")
    expect(hoa.locator("#figures-summary")).to_contain_text("97,0% (97/100 hồ sơ) — chỉ tiêu ≥ 98%")
    journey.step(hoa, "chi-tieu-da-luu")
    with hoa.expect_download() as got:
        hoa.get_by_role("link", name="Tải tệp mẫu (.xlsx)").click()
    assert got.value.suggested_filename == "mau-so-lieu-chi-tieu-so-ket-6-thang-2026.xlsx"
    # Corrected by hand: "Sửa" opens the form with the unit's figures.
    hoa.locator("#figures").get_by_role("link", name="Sửa số liệu của Tổ dân phố 1").click()
    form = hoa.locator("#nhap-tay")
    expect(form.get_by_label("Đúng và trước hạn")).to_have_value("97")
    form.get_by_label("Đúng và trước hạn").fill("99")
    form.get_by_role("button", name="Lưu số liệu").click()
    expect(hoa.locator("#figures-total")).to_contain_text("99,0% đạt")
    hoa.get_by_role("link", name="Tổng quan").click()
    expect(hoa.locator("#chi-tieu-4")).to_contain_text("99,0% — chỉ tiêu ≥ 98% (số liệu sơ kết 6 tháng)")
    expect(hoa.locator("#chi-tieu-4 .tag")).to_have_text("đạt")
    expect(hoa.locator("#chi-tieu-3")).to_contain_text("1/21 đơn vị")
    journey.step(hoa, "tong-quan-chi-tieu")

    # The import file: the template downloaded again and Tổ dân phố 2's row filled in, as a clerk does in Excel (the
    # rows of units without figures deleted). A mistake first: the file is refused with its row and column, nothing
    # written; corrected, both units' rows are imported.
    hoa.get_by_role("link", name="Báo cáo", exact=True).click()
    hoa.get_by_role("link", name="Số liệu chỉ tiêu").click()
    with hoa.expect_download() as got:
        hoa.get_by_role("link", name="Tải tệp mẫu (.xlsx)").click()
    template = tmp_path / got.value.suggested_filename
    got.value.save_as(template)
    book = load_workbook(template)
    sheet = book.active
    headings = [cell.value for cell in sheet[1]]
    assert headings[:3] == ["Mã đơn vị", "Tên đơn vị", "Hồ sơ TTHC tiếp nhận"]
    for row in range(sheet.max_row, 1, -1):
        if sheet.cell(row, 2).value not in ("Tổ dân phố 1", "Tổ dân phố 2"):
            sheet.delete_rows(row)
    tdp2 = next(row for row in range(2, sheet.max_row + 1) if sheet.cell(row, 2).value == "Tổ dân phố 2")
    for heading, value in TDP2_FIGURES.items():
        sheet.cell(tdp2, headings.index(heading) + 1, value)
    book.save(template)
    hoa.get_by_label("Chọn tệp số liệu").set_input_files(template)
    hoa.get_by_role("button", name="Nhập số liệu").click()
    expect(hoa.locator("#import-refused")).to_contain_text(f"Dòng {tdp2}, cột “Hồ sơ giải quyết đúng và trước hạn”")
    expect(hoa.locator("#figures-total")).to_contain_text("Tổng cộng (1 đơn vị)")
    journey.step(hoa, "chi-tieu-tep-loi")
    sheet.cell(tdp2, headings.index("Hồ sơ giải quyết đúng và trước hạn") + 1, 50)
    book.save(template)
    hoa.get_by_label("Chọn tệp số liệu").set_input_files(template)
    hoa.get_by_role("button", name="Nhập số liệu").click()
    expect(hoa.get_by_text("Đã nhập số liệu chỉ tiêu của 2 đơn vị.")).to_be_visible()
    expect(hoa.locator("#figures-total")).to_contain_text("Tổng cộng (2 đơn vị)")
    journey.step(hoa, "chi-tieu-nhap-tep")

    # 7. 12 June: the ward's consolidated six-month report, drafted from the accepted unit reports (a date typed wrong
    # first: refused beside its field, what was typed kept, nothing saved) and submitted for signature. The Chairman
    # finds it in the inbox and returns it with a reason (none given first: asked for beside the field); Phòng VH-XH
    # reads why, submits it again; the Chairman approves it; only then Phòng VH-XH issues it, after confirming.
    clock.moment = datetime(2026, 6, 12, 2, 0, tzinfo=UTC)
    stack.apps["reporting"].config["CHAIRMAN_NAME"] = CHAIRMAN  # the ward's settings name the signer
    hoa.get_by_role("link", name="Báo cáo", exact=True).click()
    hoa.get_by_role("link", name="Báo cáo tổng hợp").click()
    expect(hoa.get_by_role("heading", level=1)).to_have_text("Báo cáo tổng hợp của phường")
    journey.step(hoa, "tong-hop-danh-sach")
    form = hoa.get_by_role("form", name="Lập báo cáo tổng hợp")
    form.get_by_label("Kỳ báo cáo").select_option(label="Sơ kết 6 tháng")
    form.get_by_role("button", name="Lập dự thảo").click()
    expect(hoa.get_by_text("Đã lập dự thảo báo cáo tổng hợp")).to_be_visible()
    consolidated_url = hoa.url
    expect(hoa.locator("#consolidated-status")).to_have_text("Dự thảo")
    expect(hoa.get_by_label(re.compile("^Người ký"))).to_have_value(CHAIRMAN)
    expect(hoa.get_by_label("Ngày văn bản")).to_have_value("12/06/2026")
    journey.step(hoa, "tong-hop-du-thao")
    hoa.get_by_label("Ngày văn bản").fill("31/06/2026")
    hoa.get_by_label("Hiệu quả", exact=True).fill(EFFECT)
    hoa.get_by_role("button", name="Lưu dự thảo").click()
    expect(hoa.locator("#err-document_date")).to_have_text("Ngày không hợp lệ: nhập ngày/tháng/năm, ví dụ 05/03/2026.")
    expect(hoa.get_by_label("Ngày văn bản")).to_have_value("31/06/2026")
    expect(hoa.get_by_label("Hiệu quả", exact=True)).to_have_value(EFFECT)
    journey.step(hoa, "tong-hop-sai-ngay")
    hoa.get_by_role("link", name="Báo cáo", exact=True).click()
    hoa.get_by_role("link", name="Báo cáo tổng hợp").click()
    hoa.locator("#consolidated-reports").get_by_role("link", name=re.compile("6 tháng")).click()
    expect(hoa.get_by_label("Hiệu quả", exact=True)).not_to_have_value(EFFECT)  # nothing was saved
    hoa.get_by_label("Ngày văn bản").fill("11/06/2026")
    hoa.get_by_label("Hiệu quả", exact=True).fill(EFFECT)
    hoa.get_by_role("button", name="Lưu dự thảo").click()
    expect(hoa.get_by_text("Đã lưu dự thảo báo cáo tổng hợp.")).to_be_visible()
    expect(hoa.get_by_label("Ngày văn bản")).to_have_value("11/06/2026")
    expect(hoa.get_by_label("Hiệu quả", exact=True)).to_have_value(EFFECT)
    hoa.get_by_role("button", name="Trình ký").click()
    expect(hoa.get_by_text("Đã trình ký báo cáo tổng hợp")).to_be_visible()
    expect(hoa.locator("#consolidated-status")).to_have_text("Đang trình ký")
    expect(hoa.get_by_role("button", name="Lưu dự thảo")).to_have_count(0)
    journey.step(hoa, "tong-hop-trinh-ky")

    bao = journey.person("lanhdao")
    bao.get_by_role("link", name=re.compile("^Thông báo")).click()
    submitted = bao.get_by_role("link", name="Trình ký: báo cáo sơ kết 6 tháng năm 2026 của phường")
    journey.refresh_until(bao, lambda: submitted.count() == 1, "the report submitted for signature")
    journey.step(bao, "lanh-dao-hop-thu")
    submitted.click()
    expect(bao).to_have_url(consolidated_url)
    expect(bao.locator("#consolidated-status")).to_have_text("Đang trình ký")
    with bao.expect_download() as got:
        bao.get_by_role("link", name="Tải văn bản Word (.docx)").click()
    assert got.value.suggested_filename == "bao-cao-so-ket-6-thang-2026-du-thao.docx"
    journey.step(bao, "lanh-dao-doc-trinh-ky")
    bao.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    expect(bao.locator("#err-reason")).to_have_text("Ghi lý do trả lại để Phòng Văn hóa - Xã hội biết cần sửa gì.")
    expect(bao.locator("#consolidated-status")).to_have_text("Đang trình ký")
    journey.step(bao, "lanh-dao-tra-lai-thieu-ly-do")
    bao.get_by_label("Lý do trả lại").fill(SIGN_OFF_RETURN)
    bao.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    expect(bao.get_by_text("Đã trả lại báo cáo tổng hợp cho Phòng Văn hóa - Xã hội.")).to_be_visible()
    expect(bao.locator("#consolidated-status")).to_have_text("Dự thảo")
    journey.step(bao, "lanh-dao-tra-lai")

    returned = hoa.get_by_role("link", name="Lãnh đạo trả lại báo cáo sơ kết 6 tháng năm 2026 của phường")
    hoa.get_by_role("link", name=re.compile("^Thông báo")).click()
    journey.refresh_until(hoa, lambda: returned.count() == 1, "the leader's return")
    journey.step(hoa, "tong-hop-bi-tra-lai")
    returned.click()
    expect(hoa.locator("#consolidated-returned")).to_contain_text(f"Lý do: {SIGN_OFF_RETURN}")
    hoa.get_by_label("Hiệu quả", exact=True).fill(EFFECT + " Tổ dân phố 2: 30 hồ sơ trực tuyến.")
    hoa.get_by_role("button", name="Lưu dự thảo").click()
    expect(hoa.get_by_text("Đã lưu dự thảo báo cáo tổng hợp.")).to_be_visible()
    hoa.get_by_role("button", name="Trình ký").click()
    expect(hoa.get_by_text("Đã trình ký báo cáo tổng hợp")).to_be_visible()

    again = bao.get_by_role("link", name="Trình ký: báo cáo sơ kết 6 tháng năm 2026 của phường")
    bao.get_by_role("link", name=re.compile("^Thông báo")).click()
    journey.refresh_until(bao, lambda: again.count() == 2, "the second submission")
    again.first.click()
    bao.get_by_role("button", name="Duyệt báo cáo").click()
    expect(bao.get_by_text("Đã duyệt báo cáo tổng hợp")).to_be_visible()
    expect(bao.locator("#consolidated-status")).to_have_text("Lãnh đạo đã duyệt, chờ ban hành")
    expect(bao.get_by_role("button", name="Ban hành báo cáo")).to_have_count(0)
    journey.step(bao, "lanh-dao-duyet")

    hoa.get_by_role("link", name="Báo cáo", exact=True).click()
    hoa.get_by_role("link", name="Báo cáo tổng hợp").click()
    hoa.locator("#consolidated-reports").get_by_role("link", name=re.compile("6 tháng")).click()
    hoa.get_by_role("button", name="Ban hành báo cáo").click()
    expect(hoa.locator("#err-confirm")).to_contain_text("Đánh dấu ô xác nhận trước khi ban hành")
    expect(hoa.locator("#consolidated-status")).to_have_text("Lãnh đạo đã duyệt, chờ ban hành")
    journey.step(hoa, "tong-hop-chua-xac-nhan")
    hoa.get_by_label("Tôi xác nhận ban hành: cấp số và chốt số liệu, không sửa lại được").check()
    hoa.get_by_role("button", name="Ban hành báo cáo").click()
    expect(hoa.get_by_text("Đã ban hành báo cáo tổng hợp; số liệu đã được chốt.")).to_be_visible()
    expect(hoa.locator("#consolidated-status")).to_have_text("Đã ban hành — Số 01/BC-UBND")
    journey.step(hoa, "tong-hop-ban-hanh")
    with hoa.expect_download() as got:
        hoa.get_by_role("link", name="Tải văn bản Word (.docx)").click()
    assert got.value.suggested_filename == "bao-cao-so-ket-6-thang-2026-01.docx"
    with hoa.expect_download() as got:
        hoa.get_by_role("link", name="Tải phụ lục số liệu (.xlsx)").click()
    assert got.value.suggested_filename == "bao-cao-so-ket-6-thang-2026-01-phu-luc.xlsx"
    hoa.get_by_role("link", name="Báo cáo", exact=True).click()
    hoa.get_by_role("link", name="Báo cáo tổng hợp").click()
    issued = hoa.locator("#consolidated-reports").get_by_role("row", name=re.compile("6 tháng"))
    expect(issued.get_by_role("cell", name="01/BC-UBND")).to_have_count(1)
    expect(issued.get_by_role("cell", name="Đã ban hành")).to_have_count(1)
    journey.step(hoa, "tong-hop-da-ban-hanh")

    # 8. Awards: one suggestion for the model (rated Tốt and typical), a nomination from it, the council's review.
    hoa.get_by_role("link", name="Khen thưởng").click()
    journey.refresh_until(hoa, lambda: hoa.locator("#suggestions li", has_text=MODEL_TITLE).count() > 0,
                          "the suggestion for the typical model")
    suggestion = hoa.locator("#suggestions li", has_text=MODEL_TITLE)
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("xếp loại Tốt; được công nhận là mô hình, điển hình tiêu biểu năm 2026")
    journey.step(hoa, "goi-y-khen-thuong")
    suggestion.get_by_role("link", name="Lập đề nghị").click()
    expect(hoa.get_by_role("group", name=re.compile("Danh hiệu thi đua hoặc hình thức khen thưởng"))).to_be_visible()
    hoa.get_by_label("Danh hiệu thi đua", exact=True).select_option(label="Tập thể lao động tiên tiến")
    hoa.get_by_label("Hình thức khen thưởng", exact=True).select_option(label="Giấy khen của Chủ tịch UBND phường")
    hoa.get_by_label("Thành tích").fill("Tổ dân phố 1 có mô hình “Dân vận khéo” xếp loại Tốt, được chọn điển hình.")
    hoa.get_by_role("button", name="Lưu đề nghị").click()
    expect(hoa.locator("#err-award")).to_have_text(
        "Chỉ chọn một: danh hiệu thi đua hoặc hình thức khen thưởng (mỗi đề nghị một danh hiệu hoặc một hình thức).")
    expect(hoa.get_by_label("Thành tích")).to_have_value(
        "Tổ dân phố 1 có mô hình “Dân vận khéo” xếp loại Tốt, được chọn điển hình.")
    journey.step(hoa, "de-nghi-chon-ca-hai")
    hoa.get_by_label("Danh hiệu thi đua", exact=True).select_option("")
    hoa.get_by_role("button", name="Lưu đề nghị").click()
    expect(hoa.get_by_text("Đã lập đề nghị khen thưởng (bản nháp).")).to_be_visible()
    expect(hoa.locator("#cited-models").get_by_role("link", name=MODEL_TITLE)).to_be_visible()
    nomination_url = hoa.url
    journey.step(hoa, "de-nghi-ban-nhap")
    # The draft corrected before the council sees it: an achievement left empty is refused beside its field.
    hoa.get_by_role("link", name="Sửa đề nghị").click()
    expect(hoa.get_by_role("heading", level=1)).to_have_text("Sửa đề nghị khen thưởng (bản nháp)")
    hoa.get_by_label("Thành tích").fill("")
    hoa.get_by_role("button", name="Lưu thay đổi").click()
    expect(hoa.locator("#err-achievements")).to_have_text("Độ dài phải từ 10 đến 8000 ký tự.")
    journey.step(hoa, "de-nghi-sua-thieu")
    hoa.get_by_label("Thành tích").fill(ACHIEVEMENTS)
    hoa.get_by_role("button", name="Lưu thay đổi").click()
    expect(hoa.get_by_text("Đã lưu thay đổi của đề nghị khen thưởng.")).to_be_visible()
    expect(hoa.get_by_text(ACHIEVEMENTS)).to_be_visible()
    hoa.get_by_role("button", name="Đề nghị Hội đồng xét").click()
    expect(hoa.get_by_text("Đã đề nghị Hội đồng Thi đua - Khen thưởng xét.")).to_be_visible()
    # The council's meeting day typed wrong: refused beside it, the votes and minutes typed are kept.
    council_review(hoa, "7", MINUTES, "32/06/2026")
    expect(hoa.locator("#err-meeting_date")).to_have_text("Ngày không hợp lệ: nhập ngày/tháng/năm, ví dụ 05/03/2026.")
    expect(hoa.get_by_label("Ngày họp")).to_have_value("32/06/2026")
    expect(hoa.get_by_label("Biên bản họp")).to_have_value(MINUTES)
    expect(hoa.locator("#nomination-status")).to_have_text("Đã đề nghị, chờ Hội đồng xét")
    journey.step(hoa, "hoi-dong-sai-ngay")
    council_review(hoa, "7", MINUTES, "11/06/2026")
    expect(hoa.get_by_text("Đã ghi kết quả xét của Hội đồng Thi đua - Khen thưởng.")).to_be_visible()
    expect(hoa.locator("#nomination-status")).to_have_text("Hội đồng thống nhất đề nghị")
    expect(hoa.locator("dd", has_text="11/06/2026: tán thành 7")).to_be_visible()
    journey.step(hoa, "hoi-dong-xet")
    # Two people of the tổ: the officer who led the model (a ward Giấy khen, decided with the tổ in one decision) and
    # a resident proposed to the province (Bằng khen of the provincial Chairman, in a proposal letter).
    new_individual_nomination(hoa, "Phạm Văn Nam", "Tổ trưởng Tổ dân phố 1", "Giấy khen của Chủ tịch UBND phường",
                              "Trực tiếp chỉ đạo mô hình “Ngõ xanh”, vận động 120 hộ phân loại rác.")
    council_review(hoa, "7", MINUTES, "11/06/2026")
    expect(hoa.locator("#nomination-status")).to_have_text("Hội đồng thống nhất đề nghị")
    new_individual_nomination(hoa, "Nguyễn Văn An", "Người dân Tổ dân phố 1", "Bằng khen của Chủ tịch UBND tỉnh (cấp trên)",
                              "Hiến 30 m² đất mở ngõ, vận động 40 hộ cùng hiến đất làm đường.")
    council_review(hoa, "7", MINUTES, "11/06/2026")
    expect(hoa.locator("#nomination-status")).to_have_text("Hội đồng thống nhất đề nghị")
    journey.step(hoa, "hoi-dong-xet-ca-nhan")

    # 9. The Chairman: no "Ký quyết định" while the legal basis is unconfirmed; once the administrator confirms it,
    # one decision, naming the collective by its unit.
    bao.goto(nomination_url)
    expect(bao.locator("#basis-unconfirmed")).to_contain_text("chưa thể ký quyết định")
    expect(bao.get_by_role("button", name="Ký quyết định khen thưởng")).to_have_count(0)
    journey.step(bao, "lanh-dao-chua-xac-nhan")
    quantri = journey.person("quantri")
    quantri.get_by_role("link", name="Khen thưởng").click()
    quantri.get_by_role("link", name="Danh mục danh hiệu, hình thức").click()
    expect(quantri.get_by_role("heading", level=1)).to_have_text("Danh hiệu thi đua và hình thức khen thưởng")
    journey.step(quantri, "danh-muc-chua-xac-nhan")
    quantri.get_by_role("button", name="Xác nhận căn cứ “Giấy khen của Chủ tịch UBND phường”").click()
    expect(quantri.get_by_text("Đã xác nhận căn cứ pháp lý")).to_be_visible()
    quantri.get_by_role("button", name="Xác nhận căn cứ “Bằng khen của Chủ tịch UBND tỉnh”").click()
    expect(quantri.get_by_text("Đã xác nhận căn cứ pháp lý")).to_be_visible()
    bao.get_by_role("link", name="Khen thưởng").click()
    bao.get_by_role("link", name="Ký quyết định khen thưởng").click()
    expect(bao.get_by_label("Ngày ký")).to_have_value("12/06/2026")
    bao.get_by_label("Tổ dân phố 1", exact=True).check()
    bao.get_by_label("Phạm Văn Nam", exact=True).check()
    bao.get_by_label("Ngày ký").fill("31/06/2026")  # a day that does not exist: nothing is signed, the ticks kept
    bao.get_by_role("button", name="Ký quyết định khen thưởng").click()
    expect(bao.locator("#err-decided_on")).to_have_text("Ngày không hợp lệ: nhập ngày/tháng/năm, ví dụ 05/03/2026.")
    expect(bao.get_by_label("Phạm Văn Nam", exact=True)).to_be_checked()
    expect(bao.get_by_label("Ngày ký")).to_have_value("31/06/2026")
    journey.step(bao, "lanh-dao-sai-ngay-ky")
    bao.get_by_label("Ngày ký").fill("12/06/2026")
    journey.step(bao, "lanh-dao-chon-de-nghi")
    bao.get_by_role("button", name="Ký quyết định khen thưởng").click()
    expect(bao.get_by_text("Đã ban hành quyết định khen thưởng cho 2 đề nghị. Số 01/QĐ-UBND.")).to_be_visible()
    awardees = bao.locator("#awardees")
    expect(awardees.get_by_role("link", name="Tổ dân phố 1")).to_be_visible()
    expect(awardees.get_by_role("link", name="Phạm Văn Nam")).to_be_visible()
    expect(awardees).to_contain_text("Giấy khen của Chủ tịch UBND phường")
    journey.step(bao, "lanh-dao-quyet-dinh")
    with bao.expect_download() as got:
        bao.get_by_role("link", name="Tải quyết định (.docx)").click()
    assert got.value.suggested_filename.endswith(".docx")
    # The resident's Bằng khen is the province's to give: the Chairman proposes it in a letter.
    bao.get_by_role("link", name="Khen thưởng").click()
    bao.get_by_role("link", name="Lập tờ trình đề nghị cấp trên").click()
    bao.get_by_label("Nguyễn Văn An", exact=True).check()
    journey.step(bao, "lanh-dao-to-trinh")
    bao.get_by_role("button", name="Lập tờ trình").click()
    expect(bao.get_by_text("Đã lập tờ trình đề nghị cấp trên khen thưởng cho 1 đề nghị. Số 01/TTr-UBND.")).to_be_visible()
    expect(bao.locator("#decisions")).to_contain_text("Tổ dân phố 1 (Giấy khen của Chủ tịch UBND phường)")
    expect(bao.locator("#decisions")).to_contain_text("Phạm Văn Nam")
    journey.step(bao, "khen-thuong-quyet-dinh")
    with bao.expect_download() as got:
        bao.locator("#letters").get_by_role("link", name="Word").click()
    assert got.value.suggested_filename.endswith(".docx")
    with bao.expect_download() as got:
        bao.get_by_role("link", name="Tải danh sách quyết định (.xlsx)").click()
    assert got.value.suggested_filename.endswith(".xlsx")

# every journey and the route coverage judged after them run in one process: the journeys group
pytestmark = pytest.mark.journeys
