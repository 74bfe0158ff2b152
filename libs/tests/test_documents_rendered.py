"""The Nghị định 30/2020 layout as a clerk sees it: documents rendered by LibreOffice headless and measured in the PDF
(positions of lines, drawn rules, pages, fonts). PNG renders are kept in test-artifacts/documents/."""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime

from docx import Document

from dvk_platform.documents import (
    MOTTO,
    NATIONAL_TITLE,
    OfficialDocument,
    Paragraph,
    Signature,
    Table,
    bullet,
    clean_text,
    heading,
    render_docx,
)
from dvk_platform.testing.office import MM, Page, Rendered

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


def assert_nd30_page_one(page: Page, *, subject_fragment: str) -> None:
    """The header block, the number and date lines, the title block and the margins of a first page."""
    assert (round(page.width / MM), round(page.height / MM)) == (210, 297), "A4 portrait"
    agency, name = page.find("ỦY BAN NHÂN DÂN"), page.find("PHƯỜNG MINH XUÂN")
    national, motto = page.find("CỘNG HÒA"), page.find("Độc lập")
    assert agency and name and national and motto, [x.text for x in page.lines[:8]]
    assert national.text == NATIONAL_TITLE, f"the national title is one line: {national.text!r}"
    assert motto.text == MOTTO, f"the motto is one line: {motto.text!r}"
    # Side by side: the agency block on the left, the national block on the right, starting on the same line.
    assert abs(agency.top - national.top) < 2 and agency.x1 < national.x0 and name.x1 < motto.x0

    under_name = page.rule_under(name)
    assert under_name is not None, "a rule under the agency name"
    assert name.width / 2 >= under_name.width >= name.width / 3, (under_name.width, name.width)
    assert abs(under_name.centre - name.centre) < 3, "centred under the name"
    under_motto = page.rule_under(motto)
    assert under_motto is not None, "a rule under the motto"
    assert abs(under_motto.width - motto.width) < 0.06 * motto.width and abs(under_motto.centre - motto.centre) < 3

    number, dated = page.find("Số:"), page.find(", ngày")
    assert number and dated and abs(number.top - dated.top) < 1.5, "the date line level with the number line"
    assert number.top > name.bottom and dated.top > motto.bottom

    subject = page.find(subject_fragment)
    assert subject is not None
    under_subject = page.rule_under(subject)
    assert under_subject is not None, "a rule under the subject line"
    assert subject.width / 2 >= under_subject.width >= subject.width / 3 and abs(under_subject.centre - subject.centre) < 3

    # Margins: text within left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm (the page number excepted).
    body = [x for x in page.lines if x.top > 20 * MM - 1]
    assert min(x.x0 for x in body) >= 30 * MM - 1 and max(x.x1 for x in body) <= (210 - 15) * MM + 1
    assert min(x.top for x in body) >= 20 * MM - 1 and max(x.bottom for x in body) <= (297 - 20) * MM + 1
    assert min(x.x0 for x in body) <= 35 * MM and max(x.x1 for x in body) >= (210 - 20) * MM, "the text uses the width"


def assert_page_numbers(rendered: Rendered) -> None:
    """From page 2 on, the page number alone, centred in the top margin; none on page 1."""
    centre = (30 + (210 - 15)) / 2 * MM
    first = [x for x in rendered.pages[0].lines if x.bottom < 20 * MM and x.text.strip().isdigit()]
    assert first == [], "no page number on page 1"
    assert len(rendered.pages) >= 2
    for page in rendered.pages[1:]:
        top = [x for x in page.lines if x.bottom < 20 * MM]
        assert [x.text for x in top] == [str(page.number)], (page.number, [x.text for x in top])
        assert abs(top[0].centre - centre) < 3 * MM


def assert_signature_with_body(rendered: Rendered, signer: str, last_words: str) -> None:
    """The signer's name, "TM." and the body's last paragraph ("… ./.") on one page."""
    pages = {rendered.page_of(signer), rendered.page_of("TM. ỦY BAN NHÂN DÂN"), rendered.page_of(last_words)}
    assert len(pages) == 1 and None not in pages, (rendered.name, pages)


def assert_every_letter_renders(rendered: Rendered) -> None:
    """Only Liberation Serif (Times New Roman's metric twin) is embedded: no letter fell back to another face or to
    an empty box, and the text reads back in NFC."""
    for page in rendered.pages:
        assert page.fonts and all("LiberationSerif" in f for f in page.fonts), page.fonts
        assert "\ufffd" not in page.text and "□" not in page.text
        assert unicodedata.is_normalized("NFC", page.text)


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
