"""The Nghị định 30/2020 layout as a clerk sees it: documents rendered by LibreOffice headless and measured in the PDF
(positions of lines, drawn rules, pages, fonts). PNG renders are kept in test-artifacts/documents/."""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime

from docx import Document

from dvk_documents import (
    OfficialDocument,
    Paragraph,
    Signature,
    Table,
    bullet,
    clean_text,
    heading,
    render_docx,
)
from dvk_testing.office import (
    MM,
    assert_every_letter_renders,
    assert_nd30_page_one,
    assert_page_numbers,
    assert_signature_with_body,
)

FILLER = ("Các cơ quan, đơn vị, tổ dân phố đã triển khai mô hình “Dân vận khéo” gắn với nhiệm vụ chuyên môn, "
          "lấy sự hài lòng của người dân làm thước đo, tuyên truyền trên hệ thống truyền thanh của phường.")
SUBJECT = "Sơ kết 6 tháng đầu năm 2026 thực hiện Phong trào thi đua “Dân vận khéo”"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def report(paragraphs: int, *, draft: bool = False, signer: str = "Phạm Quốc Chương") -> OfficialDocument:
    body = [heading(nfd("I. KẾT QUẢ THỰC HIỆN"))]
    body += [Paragraph(nfd(f"{i + 1}. {FILLER}")) for i in range(paragraphs)]
    body += [bullet(nfd("Tổ dân phố 1: mô hình “Camera an ninh”.")),
             Table(columns=["STT", "Lĩnh vực", "Số mô hình"], rows=[["1", nfd("Kinh tế - đô thị"), "3"]],
                   widths_mm=[15, 110, 40]),
             Paragraph(nfd("Trên đây là báo cáo sơ kết 6 tháng đầu năm 2026 của Ủy ban nhân dân phường Minh Xuân"))]
    return OfficialDocument(type_code="BC", number=5, issued_on=date(2026, 6, 5), title="Báo cáo", subtitle=nfd(SUBJECT),
                            body=body, signature=Signature(name=nfd(signer)),
                            recipients=[nfd("Đảng ủy phường (để báo cáo);"), "Lưu: VT, VHXH."], draft=draft)


def test_report_layout_page_numbers_draft_mark_and_nfd_text(office):
    final, draft = report(24), report(24, draft=True)
    rendered = office.render({"nd30-report": (render_docx(final), "docx"), "nd30-report-draft": (render_docx(draft), "docx")})
    issued, drafted = rendered["nd30-report"], rendered["nd30-report-draft"]

    for document in (issued, drafted):
        assert_nd30_page_one(document.pages[0], subject_fragment="Sơ kết 6 tháng đầu năm 2026")
        assert_page_numbers(document)
        assert_every_letter_renders(document)
        assert_signature_with_body(document, "Phạm Quốc Chương", "Minh Xuân./.")
        assert "Trên đây là báo cáo sơ kết 6 tháng đầu năm 2026" in document.text
        for page in document.pages:
            for line in page.lines:
                assert line.x1 <= page.width - 15 * MM + 1

    assert issued.pages[0].find("Số:").text == "Số: 05/BC-UBND"
    assert "DỰ THẢO" not in issued.text
    assert drafted.page_of("DỰ THẢO") == 1 and drafted.text.count("DỰ THẢO") == 1
    mark, header = drafted.pages[0].find("DỰ THẢO"), drafted.pages[0].find("CỘNG HÒA")
    assert mark.bottom < header.top, "the draft mark above the header"
    number = drafted.pages[0].find("Số:").text
    assert not any(c.isdigit() for c in number), f"a draft carries no number: {number!r}"
    assert re.search(r"Minh Xuân, ngày\s+tháng\s+năm 2026", drafted.pages[0].text), "a draft's day left blank"

    # Nơi nhận: 12 pt bold italic, its list 11 pt; the filing line once.
    assert issued.text.count("- Lưu: VT, VHXH.") == 1


def test_signature_block_never_leaves_the_body_behind(office):
    """The closing is pushed across the page boundary step by step: wherever the page breaks, "TM.", the title, the
    signer's name and the body's last lines stay together."""
    documents = {f"nd30-signature-{n}": (render_docx(report(n, signer="Nguyễn Thị Hoa")), "docx") for n in range(9, 16)}
    rendered = office.render(documents)
    moved = 0
    for document in rendered.values():
        assert_signature_with_body(document, "Nguyễn Thị Hoa", "Minh Xuân./.")
        moved += document.page_of("Nguyễn Thị Hoa") == 2
    assert moved, "the sweep reached the page boundary"


def test_text_enters_as_nfc_and_properties_name_the_agency():
    data = render_docx(report(1))
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    assert unicodedata.normalize("NFC", SUBJECT) in texts and all(unicodedata.is_normalized("NFC", t) for t in texts)
    properties = doc.core_properties
    assert properties.author == "ỦY BAN NHÂN DÂN PHƯỜNG MINH XUÂN"
    assert properties.created == datetime(2026, 6, 5, 1, 0, tzinfo=UTC)  # 08:00 in Minh Xuân
    assert properties.title == f"Báo cáo {SUBJECT}"
    assert clean_text("a\x00b\x1fc\u0301") == "abć"
