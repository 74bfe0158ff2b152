"""The officer of Tổ dân phố 1 does the unit's year: registers a model (seeing what is required before saving),
attaches photos and the minutes of a residents' meeting as evidence, sends it, reads that Phòng VH-XH (who opens
the photos) returned it, fixes it from the reason shown on the form, sends it again; writes and
sends the six-month (with a photo of the residents' meeting) and the annual report; reads the inbox; changes the
password. Phòng VH-XH rates the model Tốt and proposes it for an award; the council downloads the nomination's
dossier and finds the unit's files in it, byte for byte."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from PIL import Image
from playwright.sync_api import expect

from ..conftest import PASSWORD
from .conftest import said

TITLE = "Tổ dân phố 1 sạch, xanh, không rác thải nhựa"
REASON = "Đề nghị bổ sung chỉ tiêu đo được theo từng quý."
REQUIRED = ["Tên mô hình", "Lĩnh vực", "Mục tiêu", "Nội dung, giải pháp", "Đối tượng tác động", "Người phụ trách",
            "Kết quả dự kiến (chỉ tiêu đo được)", "Ngày bắt đầu", "Ngày kết thúc"]
SECTIONS = {
    "Công tác lãnh đạo, chỉ đạo": "Chi bộ ra nghị quyết chuyên đề; tổ họp dân hằng tháng.",
    "Hiệu quả mang lại": "62% hộ phân loại rác; đường ngõ sạch hơn.",
    "Cách làm hay, sáng tạo": "Đổi chai nhựa lấy cây xanh vào Chủ nhật cuối tháng.",
    "Khó khăn, vướng mắc": "Thiếu thùng rác phân loại.",
    "Kiến nghị, đề xuất": "Đề nghị phường hỗ trợ 20 bộ thùng rác.",
    "Phương hướng, nhiệm vụ thời gian tới": "Mở rộng sang tổ dân phố 2.",
}
NEW_PASSWORD = "ToDanPho1@Moi2026"


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name=name).click()


def heading(page):
    return page.get_by_role("heading", level=1)


def write_report(journey, page, period_title: str, shot: str, evidence: bool = False) -> None:
    """From "Báo cáo": draft the period's report, try to send it empty, then write every section and send it (with
    `evidence`: saved first, a photo and the minutes attached on the report's page, the minutes removed, then sent)."""
    nav(page, "Báo cáo")
    expect(heading(page)).to_have_text("Báo cáo năm 2026")
    journey.step(page, f"{shot}-bao-cao")
    page.get_by_role("button", name=f"Lập báo cáo {period_title}").click()
    expect(heading(page)).to_have_text(f"Báo cáo {period_title} — Tổ dân phố 1")
    expect(page.get_by_label(f"Kết quả: {TITLE}")).to_be_visible()  # the accepted model is already in it
    page.get_by_role("button", name="Lưu và gửi").click()
    expect(page.locator("#err-leadership")).to_be_visible()  # nothing sent while a section is empty
    expect(heading(page)).to_have_text(f"Báo cáo {period_title} — Tổ dân phố 1")
    journey.step(page, f"{shot}-thieu-noi-dung")
    for label, text in SECTIONS.items():
        page.get_by_label(label).fill(text)
    page.get_by_label(f"Kết quả: {TITLE}").fill("62% hộ phân loại rác tại nguồn.")
    if evidence:
        page.get_by_role("button", name="Lưu báo cáo").click()
        said(page, "Đã lưu báo cáo.")
        attach_report_evidence(journey, page, shot)
        page.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội").click()
    else:
        page.get_by_role("button", name="Lưu và gửi").click()
    said(page, "Đã gửi báo cáo tới Phòng Văn hóa - Xã hội.")
    expect(heading(page)).to_have_text(f"Báo cáo {period_title} — Tổ dân phố 1")
    expect(page.locator("#report-status")).to_have_text("Đã gửi, chờ tiếp nhận")
    expect(page.locator("#report-history")).to_contain_text("(Phạm Văn Nam, Cán bộ đơn vị)")
    expect(page.locator("main")).not_to_contain_text("năm năm")
    journey.step(page, f"{shot}-da-gui")


def photo(colour: tuple[int, int, int], width: int = 3200, height: int = 2400) -> bytes:
    """A phone photo: large, with the place it was taken in its EXIF."""
    image = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (10.0, 45.0, 30.0), 3: "E", 4: (106.0, 40.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=70)
    return out.getvalue()


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (595, 842), (255, 255, 255)).save(out, "PDF")
    return out.getvalue()


EVIDENCE = [  # file name, caption, content, media type
    ("Ra quân Chủ nhật.jpg", "Ra quân thu gom rác sáng Chủ nhật", photo((46, 125, 50)), "image/jpeg"),
    ("Phân loại rác.jpg", "Hộ gia đình phân loại rác tại nguồn", photo((21, 101, 192)), "image/jpeg"),
    ("Đổi chai nhựa.jpg", "Đổi chai nhựa lấy cây xanh", photo((239, 108, 0)), "image/jpeg"),
    ("Biên bản họp tổ dân phố.pdf", "Biên bản họp dân ngày 25/01/2026", pdf(), "application/pdf"),
]


def expect_image(tab) -> None:
    """A tab opened on a photo shows the image (a preview at most 2,560 px wide, not the 3,200 px original)."""
    tab.wait_for_load_state()
    width = tab.evaluate("() => document.images.length ? document.images[0].naturalWidth : 0")
    assert 0 < width <= 2560, width
    tab.close()


def attach_evidence(journey, nam) -> None:
    """Three photos and the minutes of the residents' meeting, each with a caption, chosen in the file dialog and
    sent with a progress bar; the thumbnails, the PDF, the gallery; one photo removed again."""
    section = nam.locator("#minh-chung")
    expect(section.get_by_role("heading", name="Tệp minh chứng")).to_be_visible()
    nam.get_by_label("Chọn tệp minh chứng").set_input_files(
        [{"name": name, "mimeType": kind, "buffer": content} for name, _, content, kind in EVIDENCE])
    for name, caption, _, _ in EVIDENCE:
        nam.get_by_label(f"Chú thích cho {name}").fill(caption)
        expect(nam.get_by_role("progressbar", name=f"Tiến độ tải lên {name}")).to_be_visible()
    journey.step(nam, "chon-minh-chung")
    nam.get_by_role("button", name="Tải lên").click()
    said(nam, "Đã tải lên 4 tệp minh chứng.")
    for _, caption, _, kind in EVIDENCE:
        if kind.startswith("image/"):
            thumbnail = section.get_by_role("img", name=f"Ảnh: {caption}")
            expect(thumbnail).to_be_visible()
            thumbnail.scroll_into_view_if_needed()  # thumbnails load lazily, as the person scrolls to them
            nam.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
            assert nam.evaluate("(img) => img.naturalWidth", thumbnail.element_handle()) == 320
        else:
            expect(section).to_contain_text(caption)
    journey.step(nam, "da-tai-minh-chung")

    # The minutes open in the browser as a PDF; a thumbnail opens the photo.
    document = nam.context.expect_event("response", lambda r: "/minh-chung/" in r.url and r.request.resource_type == "document")
    with document as answer, nam.expect_popup() as opened:
        section.get_by_role("link", name="Mở Biên bản họp tổ dân phố.pdf").click()
    assert answer.value.headers["content-type"] == "application/pdf"
    assert answer.value.headers["content-disposition"].startswith("inline;")
    opened.value.close()
    with nam.expect_popup() as opened:
        section.get_by_role("link", name="Ảnh: Ra quân thu gom rác sáng Chủ nhật").click()
    expect_image(opened.value)

    # The gallery shows the three photos with their captions.
    section.get_by_role("link", name="Xem thư viện ảnh (3 ảnh)").click()
    expect(heading(nam)).to_have_text(f"Thư viện ảnh: {TITLE}")
    for _, caption, _, kind in EVIDENCE[:3]:
        expect(nam.get_by_role("figure").filter(has_text=caption)).to_be_visible()
    journey.step(nam, "thu-vien-anh")
    nam.get_by_role("link", name="Về trang mô hình").click()

    # One photo was chosen by mistake: removed while the model is still a draft.
    section.get_by_role("button", name="Gỡ tệp Đổi chai nhựa.jpg").click()
    said(nam, "Đã gỡ tệp minh chứng.")
    expect(section.get_by_role("img", name="Ảnh: Đổi chai nhựa lấy cây xanh")).to_have_count(0)
    expect(section.get_by_role("img")).to_have_count(2)
    journey.step(nam, "go-minh-chung")


def attach_report_evidence(journey, page, shot: str) -> None:
    """On the report's page: a photo of the meeting and the minutes, each with its caption; the photo's thumbnail,
    the minutes opened as a PDF, the photo opened larger; the minutes removed again while the report is a draft."""
    section = page.locator("#minh-chung")
    expect(section.get_by_role("heading", name="Tệp minh chứng")).to_be_visible()
    chosen = [EVIDENCE[0], EVIDENCE[3]]
    page.get_by_label("Chọn tệp minh chứng").set_input_files(
        [{"name": name, "mimeType": kind, "buffer": content} for name, _, content, kind in chosen])
    for name, caption, _, _ in chosen:
        page.get_by_label(f"Chú thích cho {name}").fill(caption)
    page.get_by_role("button", name="Tải lên").click()
    said(page, "Đã tải lên 2 tệp minh chứng.")
    thumbnail = section.get_by_role("img", name=f"Ảnh: {EVIDENCE[0][1]}")
    expect(thumbnail).to_be_visible()
    journey.step(page, f"{shot}-minh-chung")
    document = page.context.expect_event("response", lambda r: "/minh-chung/" in r.url and r.request.resource_type == "document")
    with document as answer, page.expect_popup() as opened:
        section.get_by_role("link", name=f"Mở {EVIDENCE[3][0]}").click()
    assert answer.value.headers["content-type"] == "application/pdf"
    opened.value.close()
    with page.expect_popup() as opened:
        section.get_by_role("link", name=f"Ảnh: {EVIDENCE[0][1]}").click()
    expect_image(opened.value)
    section.get_by_role("button", name=f"Gỡ tệp {EVIDENCE[3][0]}").click()
    said(page, "Đã gỡ tệp minh chứng.")
    expect(section.get_by_role("link", name=f"Mở {EVIDENCE[3][0]}")).to_have_count(0)
    expect(section.get_by_role("img")).to_have_count(1)


def council_downloads_the_dossier(journey, hoa) -> None:
    """Phòng VH-XH rates the accepted model Tốt and builds a nomination from the suggestion; the council (the
    Chairman) opens it, sees the model and its files listed, and clicks "Tải hồ sơ": one ZIP with the files the unit
    uploaded, byte for byte (SHA-256), the removed photo not among them, and the manifest naming each one's hash."""
    hoa.get_by_label("Xếp loại").select_option("tot")
    hoa.get_by_label("Nhận xét, đánh giá").fill("Mô hình hiệu quả, người dân đồng tình hưởng ứng.")
    hoa.get_by_role("button", name="Ghi kết quả").click()
    said(hoa, "Đã ghi kết quả kiểm tra.")
    nav(hoa, "Khen thưởng")
    suggestion = hoa.locator("#suggestions li", has_text=TITLE)
    journey.refresh_until(hoa, lambda: suggestion.count() > 0, "the suggestion for the model rated Tốt")
    journey.step(hoa, "vhxh-goi-y-khen-thuong")
    suggestion.get_by_role("link", name="Lập đề nghị").click()
    hoa.get_by_label("Hình thức khen thưởng", exact=True).select_option(label="Giấy khen của Chủ tịch UBND phường")
    hoa.get_by_label("Thành tích").fill("Tổ dân phố 1 có mô hình “Dân vận khéo” xếp loại Tốt.")
    journey.step(hoa, "vhxh-lap-de-nghi")
    hoa.get_by_role("button", name="Lưu đề nghị").click()
    said(hoa, "Đã lập đề nghị khen thưởng (bản nháp).")
    hoa.get_by_role("button", name="Đề nghị Hội đồng xét").click()
    said(hoa, "Đã đề nghị Hội đồng Thi đua - Khen thưởng xét.")

    kept = [item for item in EVIDENCE if item[0] != "Đổi chai nhựa.jpg"]  # the photo removed while a draft
    bao = journey.person("lanhdao")
    nav(bao, "Khen thưởng")
    bao.locator("#nominations").get_by_role("link", name="Tổ dân phố 1").click()
    expect(bao.locator("#cited-models").get_by_role("link", name=TITLE)).to_be_visible()
    dossier = bao.locator("#ho-so")
    for name, caption, _, _ in kept:
        expect(dossier.get_by_role("listitem").filter(has_text=caption).get_by_role("link", name=name)).to_be_visible()
    journey.step(bao, "hoi-dong-ho-so")
    with bao.expect_download() as got:
        dossier.get_by_role("link", name="Tải hồ sơ").click()
    download = got.value
    assert download.suggested_filename.startswith("Hồ sơ đề nghị khen thưởng") and download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as archive:
        names = archive.namelist()
        files = {name.rsplit("/", 1)[-1]: hashlib.sha256(archive.read(name)).hexdigest() for name in names
                 if name != "Danh mục hồ sơ.csv"}
        manifest = list(csv.reader(io.StringIO(archive.read("Danh mục hồ sơ.csv").decode("utf-8-sig"))))
    assert files == {name: hashlib.sha256(content).hexdigest() for name, _, content, _ in kept}
    listed = {row[0].rsplit("/", 1)[-1]: row[4] for row in manifest[2:]}
    assert listed == files


@pytest.mark.browser
@pytest.mark.timeout(900)  # a whole year of a unit, with the council's dossier: minutes on a shared machine
def test_journey_unit_officer(journey, clock):
    clock.moment = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)  # 08:00 on 02/02/2026, before the 15/02 deadline
    nam = journey.person("tdp1")
    journey.step(nam, "tong-quan")

    # The registration form says which fields are required before anything is saved.
    nav(nam, "Mô hình")
    expect(heading(nam)).to_have_text("Mô hình “Dân vận khéo” năm 2026")
    nam.get_by_role("link", name="Đăng ký mô hình mới").click()
    expect(heading(nam)).to_have_text("Đăng ký mô hình “Dân vận khéo”")
    for label in REQUIRED:
        expect(nam.locator("label", has_text=label).first).to_have_text(re.compile(r"\*\s*$"))
    expect(nam.get_by_label("Ngày bắt đầu")).to_have_attribute("placeholder", "dd/mm/yyyy")
    journey.step(nam, "dang-ky-mo-hinh")

    # An impossible date and missing fields: told beside each field, nothing saved, what was typed kept.
    nam.get_by_label("Tên mô hình").fill(TITLE)
    nam.get_by_label("Lĩnh vực").select_option(label="Văn hóa - xã hội")
    nam.get_by_label("Mục tiêu").fill("Giảm rác thải nhựa trong khu dân cư.")
    nam.get_by_label("Ngày bắt đầu").fill("31/02/2026")
    nam.get_by_role("button", name="Lưu bản nháp").click()
    expect(nam.locator("#err-start_date")).to_have_text("Ngày không hợp lệ: nhập ngày/tháng/năm, ví dụ 05/03/2026.")
    expect(nam.get_by_label("Ngày bắt đầu")).to_have_value("31/02/2026")
    expect(nam.get_by_label("Tên mô hình")).to_have_value(TITLE)
    journey.step(nam, "ngay-khong-hop-le")
    nam.get_by_label("Ngày bắt đầu").fill("01/03/2026")
    nam.get_by_role("button", name="Lưu bản nháp").click()
    for field in ("content", "target_group", "person_in_charge", "expected_results", "end_date"):
        expect(nam.locator(f"#err-{field}")).to_be_visible()
    expect(nam.get_by_label("Mục tiêu")).to_have_value("Giảm rác thải nhựa trong khu dân cư.")
    expect(nam.get_by_label("Ngày bắt đầu")).to_have_value("01/03/2026")
    journey.step(nam, "thieu-muc-bat-buoc")

    # The calendar beside a date field writes dd/mm/yyyy too (the browser is English on the desktop run).
    start = nam.locator(".field", has=nam.get_by_role("textbox", name="Ngày bắt đầu"))
    start.get_by_role("button", name="Mở lịch").click()
    nam.get_by_label("Tháng ba 2, 2026").click()
    expect(nam.get_by_label("Ngày bắt đầu")).to_have_value("02/03/2026")
    nam.get_by_label("Nội dung, giải pháp").fill("Tuyên truyền từng hộ, phân loại rác tại nguồn, đổi chai nhựa lấy cây xanh.")
    nam.get_by_label("Đối tượng tác động").fill("120 hộ gia đình của tổ")
    nam.get_by_label("Người phụ trách").fill("Phạm Văn Nam")
    nam.get_by_label("Kết quả dự kiến").fill("80% hộ phân loại rác.")
    nam.get_by_label("Ngày kết thúc").fill("30112026")  # typed without slashes: the field puts them in
    expect(nam.get_by_label("Ngày kết thúc")).to_have_value("30/11/2026")
    nam.get_by_role("button", name="Lưu bản nháp").click()
    said(nam, "Đã lưu bản nháp mô hình.")
    expect(heading(nam)).to_have_text(TITLE)
    expect(nam.locator(".facts")).to_contain_text("02/03/2026 – 30/11/2026")
    expect(nam.get_by_role("button", name="Rút mô hình")).to_have_count(0)  # a draft is not withdrawn
    expect(nam.locator("#draft-hint")).to_contain_text("Bản nháp chưa gửi Phòng Văn hóa - Xã hội")
    journey.step(nam, "ban-nhap")
    attach_evidence(journey, nam)
    nam.get_by_role("button", name="Gửi Phòng Văn hóa - Xã hội").click()
    said(nam, "Đã gửi mô hình tới Phòng Văn hóa - Xã hội.")
    expect(nam.locator(".page-head .tag")).to_have_text("Đã gửi, chờ tiếp nhận")
    expect(nam.locator("#withdraw-hint")).to_contain_text("Rút mô hình: đơn vị thôi đăng ký")
    journey.step(nam, "da-gui-mo-hinh")

    # Phòng VH-XH returns it with a reason (signing in through the page like anyone).
    hoa = journey.person("vhxh")
    nav(hoa, "Mô hình")
    hoa.get_by_role("link", name=TITLE).click()
    hoa.get_by_label("Lý do trả lại").fill(REASON)
    hoa.get_by_role("button", name="Trả lại", exact=True).click()
    said(hoa, "Đã trả lại mô hình để đơn vị chỉnh sửa.")
    journey.step(hoa, "vhxh-tra-lai")
    # Phòng VH-XH sees the unit's evidence too and opens a photo.
    expect(hoa.get_by_role("img", name="Ảnh: Ra quân thu gom rác sáng Chủ nhật")).to_be_visible()
    with hoa.expect_popup() as opened:
        hoa.get_by_role("link", name="Ảnh: Hộ gia đình phân loại rác tại nguồn").click()
    expect_image(opened.value)
    document = hoa.context.expect_event("response", lambda r: "/minh-chung/" in r.url and r.request.resource_type == "document")
    with document as answer, hoa.expect_popup() as opened:
        hoa.get_by_role("link", name="Mở Biên bản họp tổ dân phố.pdf").click()
    assert answer.value.headers["content-type"] == "application/pdf"
    opened.value.close()

    # The officer reads the notice, opens it, and finds the reason on the edit form too.
    nav(nam, "Thông báo")
    notice = nam.locator(".inbox li.unread", has_text="được trả lại để chỉnh sửa")
    journey.refresh_until(nam, lambda: notice.count() == 1, "the notice of the returned model")
    expect(notice).to_contain_text(REASON)
    journey.step(nam, "thong-bao-tra-lai")
    notice.get_by_role("link").click()
    expect(heading(nam)).to_have_text(TITLE)
    expect(nam.locator("#return-reason")).to_contain_text(REASON)
    nam.get_by_role("link", name="Sửa", exact=True).click()
    expect(heading(nam)).to_have_text(f"Sửa mô hình “{TITLE}”")
    expect(nam.locator("#return-reason")).to_contain_text(REASON)
    expect(nam.get_by_label("Ngày bắt đầu")).to_have_value("02/03/2026")
    journey.step(nam, "sua-theo-ly-do")
    nam.get_by_label("Kết quả dự kiến").fill("Quý II: 50% hộ phân loại rác; quý IV: 80% hộ; giảm 30% rác thải nhựa.")
    nam.get_by_role("button", name="Lưu bản nháp").click()
    said(nam, "Đã lưu thay đổi.")
    nam.get_by_role("button", name="Gửi lại").click()
    said(nam, "Đã gửi mô hình tới Phòng Văn hóa - Xã hội.")
    journey.step(nam, "da-gui-lai")

    # Phòng VH-XH accepts it; rated Tốt, it is proposed for an award, and the council downloads its dossier.
    hoa.reload()
    hoa.get_by_role("button", name="Tiếp nhận").click()
    said(hoa, "Đã tiếp nhận mô hình.")
    council_downloads_the_dossier(journey, hoa)

    # The list's total follows the filter.
    nav(nam, "Mô hình")
    nam.get_by_label("Trạng thái").select_option(label="Bản nháp")
    nam.get_by_role("button", name="Lọc").click()
    expect(nam.locator("#model-rows")).to_contain_text("Không có mô hình nào phù hợp.")
    expect(nam.locator("#model-total")).to_contain_text("Tổng số: 0 mô hình.")
    nam.get_by_label("Trạng thái").select_option(label="Đã tiếp nhận")
    nam.get_by_role("button", name="Lọc").click()
    expect(nam.locator("#model-rows").get_by_role("row")).to_have_count(1)
    expect(nam.locator("#model-total")).to_contain_text("Tổng số: 1 mô hình.")
    journey.step(nam, "loc-mo-hinh")

    # The inbox: one message marked read, then all.
    nav(nam, "Thông báo")
    expect(heading(nam)).to_have_text("Thông báo")
    journey.refresh_until(nam, lambda: nam.locator(".inbox li.unread").count() >= 1, "an unread message")
    unread = nam.locator(".inbox li.unread").count()
    nam.locator(".inbox li.unread").first.get_by_role("button", name="Đánh dấu đã đọc").click()
    expect(nam.locator(".inbox li.unread")).to_have_count(unread - 1)
    nam.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    expect(nam.locator(".inbox li.unread")).to_have_count(0)
    expect(nam.locator(".main-nav .badge")).to_have_count(0)
    journey.step(nam, "da-doc-thong-bao")

    # June: the six-month report; November: the annual report.
    clock.moment = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    write_report(journey, nam, "sơ kết 6 tháng năm 2026", "so-ket", evidence=True)
    clock.moment = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    write_report(journey, nam, "tổng kết năm 2026", "tong-ket")

    # The officer changes the password: a wrong current one is refused beside it; then it works for the next sign-in.
    nam.get_by_role("link", name="Đổi mật khẩu").click()
    expect(heading(nam)).to_have_text("Đổi mật khẩu")
    nam.get_by_label("Mật khẩu hiện tại").fill("SaiMatKhau@1")
    nam.get_by_label(re.compile(r"^Mật khẩu mới")).fill(NEW_PASSWORD)
    nam.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    nam.get_by_role("button", name="Đổi mật khẩu").click()
    expect(nam.locator("#err-current_password")).to_have_text("Mật khẩu hiện tại không đúng.")
    journey.step(nam, "doi-mat-khau-sai")
    nam.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    nam.get_by_label(re.compile(r"^Mật khẩu mới")).fill(NEW_PASSWORD)
    nam.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    nam.get_by_role("button", name="Đổi mật khẩu").click()
    said(nam, "Đã đổi mật khẩu.")
    journey.sign_out(nam)
    journey.step(nam, "da-dang-xuat")
    journey.sign_in(nam, "tdp1", NEW_PASSWORD)
    expect(nam.locator(".account .who")).to_have_text("Phạm Văn Nam (Cán bộ đơn vị)")

# every journey and the route coverage judged after them run in one process: the journeys group
pytestmark = pytest.mark.journeys
