"""Official documents in the state format of Nghị định 30/2020/NĐ-CP (Phụ lục I): Word files and printed sheets.

This module is the one place where the decree's layout rules live; every document of every service (consolidated
reports, award decisions, proposal letters, the decisions register, the report's annex) is laid out here:

- A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm (the decree allows 20–25 / 30–35 / 15–20);
  Times New Roman, body 14 pt, header 13 pt.
- The header block as a two-column grid whose grid widths equal its cell widths (60 + 105 mm), so the national
  title and the motto each stay on one line. Row 1: the agency ("ỦY BAN NHÂN DÂN" / "PHƯỜNG MINH XUÂN", bold) with a
  short centred rule under it (about 2/5 of the name) | the national title over the motto, bold, with a rule as
  long as the motto under it. Row 2: "Số: 05/BC-UBND" | the place and date in italics, level with each other.
- The kind of document and its subject (trích yếu) in bold, centred, with a short centred rule under the subject.
- The body justified; "./." closes the last paragraph; the page number centred in the header from page 2 on.
- "Nơi nhận:" 12 pt bold italic with its list in 11 pt, beside the signature block (TM./KT., title, room for
  signature and seal, name in bold); the block never leaves the last body lines behind on another page.
- A draft carries "DỰ THẢO" above the header and no number; the file's properties name the agency as author,
  the document's date as its creation date and the document's title.

Code rules rather than a Word template: the rules' lengths follow the text they underline and the grid widths
must equal the cell widths, which a template edited by hand tends to lose; here every number is named once and a
LibreOffice rendering test measures the result.

Every piece of text passes through `clean_text` on its way into a file (NFC, no control characters).

    doc = OfficialDocument(
        type_code="BC", number=5, issued_on=date(2026, 6, 5), title="Báo cáo", subtitle="Sơ kết 6 tháng ...",
        body=[heading("I. KẾT QUẢ"), Paragraph("Đoạn văn ..."), bullet("Tổ dân phố 1: ..."),
              Table(columns=["STT", "Đơn vị"], rows=[["1", "Tổ dân phố 1"]])],
        signature=Signature(name="Nguyễn Văn A"), recipients=["UBND Thành phố (để b/c);"],
    )
    data: bytes = render_docx(doc)
"""
from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Literal

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from .text import document_text

FONT = "Times New Roman"
BODY_SIZE = 14
HEADER_SIZE = 13
MOTTO_SIZE = 14
TABLE_SIZE = 13
PAGE_NUMBER_SIZE = 13
RECIPIENTS_TITLE_SIZE = 12
RECIPIENTS_SIZE = 11
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DRAFT_MARK = "DỰ THẢO"
CLOSING_MARK = "./."

# Page (mm): A4, and margins inside the decree's ranges.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20, 20, 30, 15
HEADER_DISTANCE = 10  # the page number sits in the top margin
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 165
# Header grid (mm): the agency on the left, the national title and motto on the right; sums to TEXT_WIDTH.
HEADER_COLUMNS = (60.0, 105.0)
CLOSING_COLUMNS = (80.0, 85.0)
CELL_PADDING = 1.9  # LibreOffice and Word's default left and right cell margin (108 twips)
# A rule under the agency name or a subject line: this share of the line's length (the decree: 1/3 to 1/2).
SHORT_RULE_SHARE = 0.4
RULE_WEIGHT = 6  # eighths of a point: a 0.75 pt solid line

# Document type codes used in the number line (Appendix III of the decree).
TYPE_CODES = {"QĐ": "QUYẾT ĐỊNH", "TTr": "TỜ TRÌNH", "BC": "BÁO CÁO", "KH": "KẾ HOẠCH"}

_ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: Any) -> str:
    """Text as it may enter an official document: NFC (Vietnamese typed in NFD becomes NFC, so every diacritic
    sits on its letter in Times New Roman) and without control characters, which Word and Excel files cannot hold."""
    return document_text(_CONTROL.sub("", unicodedata.normalize("NFC", "" if text is None else str(text))))


@dataclass(frozen=True)
class Issuer:
    """The issuing agency as it appears in the header, number line, date line and signature."""

    parent: str = "ỦY BAN NHÂN DÂN"
    name: str = "PHƯỜNG MINH XUÂN"
    code: str = "UBND"
    place: str = "Minh Xuân"
    on_behalf: str = "TM. ỦY BAN NHÂN DÂN"

    @property
    def full_name(self) -> str:
        """"Ủy ban nhân dân phường Minh Xuân": the agency as an author and in running text."""
        return clean_text(f"{self.parent} {self.name}").strip()


def issuer_from(config: Any) -> Issuer:
    """The ward's agency as its settings name it (DVK_WARD_AGENCY, DVK_WARD_AGENCY_PLACE, DVK_WARD_PLACE_NAME)."""
    return Issuer(parent=config.get("WARD_AGENCY") or Issuer.parent, name=config.get("WARD_AGENCY_PLACE") or Issuer.name,
                  place=config.get("WARD_PLACE_NAME") or Issuer.place)


@dataclass(frozen=True)
class Signature:
    """The signer: the Chairman signs for the committee; a Vice-Chairman signs "KT. CHỦ TỊCH".

    `name` is the person's name only; the title is printed above it by the block itself."""

    name: str
    position: str = "CHỦ TỊCH"
    deputy_for: str | None = None  # e.g. "CHỦ TỊCH" when a PHÓ CHỦ TỊCH signs

    def lines(self, issuer: Issuer) -> list[str]:
        lines = [issuer.on_behalf]
        if self.deputy_for:
            lines.append(f"KT. {self.deputy_for}")
        lines.append(self.position)
        return lines


ParagraphStyle = Literal["body", "heading", "bullet"]


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; `lead` is a bold lead-in such as "Điều 1." before the text.

    `style` "heading" is a bold section heading ("I. KẾT QUẢ ĐẠT ĐƯỢC") with a little space above it;
    "bullet" starts the line with a dash. Use `heading()` and `bullet()` to make them.
    """

    text: str
    lead: str | None = None
    bold: bool = False
    italic: bool = False
    align: str = "justify"
    indent: bool = True
    style: ParagraphStyle = "body"


def heading(text: str) -> Paragraph:
    """A bold section heading inside the body, justified and indented like the text."""
    return Paragraph(text, bold=True, style="heading")


def bullet(text: str) -> Paragraph:
    """A body line that starts with a dash, justified like the rest."""
    return Paragraph(text, style="bullet")


@dataclass(frozen=True)
class Table:
    """A bordered table with a bold header row repeated on each page; widths in millimetres (optional)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths_mm: Sequence[float] | None = None
    bold_last_row: bool = False  # a totals row


Block = Paragraph | Table


@dataclass
class OfficialDocument:
    type_code: str  # QĐ, TTr, BC, KH
    number: int | None  # None leaves the number blank for the registry (văn thư) to fill in
    issued_on: date | None
    title: str
    subtitle: str | None = None
    body: list[Block] = field(default_factory=list)
    signature: Signature | None = None
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận:" lines; a leading "- " is added if missing
    filing: str = "VT, VHXH"  # the "- Lưu: ..." line closing the recipients (not repeated if already last)
    issuer: Issuer = field(default_factory=Issuer)
    draft: bool = False  # "DỰ THẢO" above the header, no number, the day and month left blank


def number_line(type_code: str, number: int | None, issuer_code: str = "UBND") -> str:
    """"Số: 03/QĐ-UBND" — numbers under 10 take a leading zero; no number leaves room to write one."""
    if number is None:
        return f"Số:      /{type_code}-{issuer_code}"
    return f"Số: {document_number(type_code, number, issuer_code)}"


def document_number(type_code: str, number: int, issuer_code: str = "UBND") -> str:
    """The number as cited elsewhere: "03/QĐ-UBND"."""
    return f"{number:02d}/{type_code}-{issuer_code}"


def date_line(place: str, day: date | None, year: int | None = None) -> str:
    """"Minh Xuân, ngày 05 tháng 12 năm 2026": days under 10 and the months 1 and 2 take a leading zero.

    Without a day the day and month are left blank for the signer's office (the year, when known, is printed)."""
    if day is None:
        return f"{place}, ngày      tháng      năm {year if year else '     '}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def short_date(day: date | None) -> str:
    """"05/6/2026" as cited in running text and annex headings; months 1 and 2 with a leading zero."""
    if day is None:
        return "     /     /     "
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def filing_line(filing: str) -> str:
    return f"- Lưu: {filing}."


# --- text widths (for the short rules) ------------------------------------------------------------------
# Advance widths of Times New Roman (Liberation Serif has the same metrics), in 1/1000 em. Accented Vietnamese
# letters take the width of their base letter.
_UPPER = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722,
                                                 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611), strict=True))
_UPPER_BOLD = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944,
                                                      722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667),
                       strict=True))
_LOWER = dict(zip("abcdefghijklmnopqrstuvwxyz", (444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500,
                                                 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444), strict=True))
_LOWER_BOLD = dict(zip("abcdefghijklmnopqrstuvwxyz", (500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833,
                                                      556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444),
                       strict=True))
_OTHER = {" ": 250, "-": 333, ".": 250, ",": 250, ":": 333, ";": 333, "“": 500, "”": 500, "\"": 408, "(": 333,
          ")": 333, "/": 278}


def text_width_mm(text: str, size: float, *, bold: bool = False) -> float:
    """The printed width of one line of text in Times New Roman at `size` points."""
    total = 0
    for char in clean_text(text):
        base = unicodedata.normalize("NFD", char)[0].replace("Đ", "D").replace("đ", "d")
        if char in "Đđ":
            base = "D" if char == "Đ" else "d"
        if base.isupper():
            total += (_UPPER_BOLD if bold else _UPPER).get(base, 722)
        elif base.islower():
            total += (_LOWER_BOLD if bold else _LOWER).get(base, 500)
        elif base.isdigit():
            total += 500
        else:
            total += _OTHER.get(base, 333)
    return total / 1000 * size * 25.4 / 72


# --- Word --------------------------------------------------------------------------------------------------


def render_docx(document: OfficialDocument) -> bytes:
    """The document as a .docx file (bytes)."""
    if document.draft:
        document = replace(document, number=None)
    doc = Document()
    _page_setup(doc, document)
    _properties(doc, document)
    _header(doc, document)
    _title(doc, document)
    blocks = _closed(document.body)
    written: list[Any] = []
    for block in blocks:
        if isinstance(block, Table):
            written.append(_table(doc, block))
        else:
            paragraph = doc.add_paragraph()
            _paragraph(paragraph, block)
            written.append(paragraph)
    _keep_last_lines_with_signature(written)
    _closing(doc, document)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _closed(body: Sequence[Block]) -> list[Block]:
    """The body with "./." at the end of its last paragraph (added unless it is already there)."""
    blocks = list(body)
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        if isinstance(block, Paragraph):
            text = clean_text(block.text).rstrip()
            if not text.endswith(CLOSING_MARK):
                text = text.rstrip(".") + CLOSING_MARK
            blocks[index] = replace(block, text=text)
            return blocks
    return [*blocks, Paragraph(CLOSING_MARK)]


def _at_least(mm: float) -> Twips:
    """Word stores lengths in twips; round up so 20 mm is never stored as 19.99 mm."""
    return Twips(math.ceil(Mm(mm) / Twips(1)))


def _page_setup(doc: Any, document: OfficialDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = _at_least(MARGIN_TOP), _at_least(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = _at_least(MARGIN_LEFT), _at_least(MARGIN_RIGHT)
    section.header_distance = Mm(HEADER_DISTANCE)
    section.footer_distance = Mm(HEADER_DISTANCE)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_SIZE)
    _set_fonts(style.element)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.line_spacing = 1.15
    # Page numbers from page 2 on: the first page has its own header, empty or carrying "DỰ THẢO".
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(number)
    first = section.first_page_header.paragraphs[0]
    if document.draft:
        _line(first, DRAFT_MARK, bold=True, size=HEADER_SIZE, align="right")
        _box(first)


def _page_field(paragraph: DocxParagraph) -> None:
    run = paragraph.add_run()
    run.font.name, run.font.size = FONT, Pt(PAGE_NUMBER_SIZE)
    _set_fonts(run._element)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._element.append(element)


def _box(paragraph: DocxParagraph) -> None:
    borders = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "8"), ("space", "2"), ("color", "000000")):
            element.set(qn(f"w:{key}"), value)
        borders.append(element)
    _add_borders(paragraph, borders)
    paragraph.paragraph_format.left_indent = Mm(TEXT_WIDTH - 32)


def _properties(doc: Any, document: OfficialDocument) -> None:
    properties = doc.core_properties
    agency = document.issuer.full_name
    stamp = _office_hours(document.issued_on)
    properties.author = agency
    properties.last_modified_by = agency
    properties.created = stamp
    properties.modified = stamp
    properties.last_printed = stamp
    properties.revision = 1
    properties.title = clean_text(" ".join(p for p in (TYPE_CODES.get(document.type_code, document.title).capitalize()
                                                       if document.title.isupper() else document.title,
                                                       document.subtitle or "") if p)).strip()
    properties.subject = clean_text(document.subtitle or "")
    properties.keywords = ""
    properties.comments = ""
    properties.category = ""
    properties.content_status = DRAFT_MARK if document.draft else ""


def _office_hours(day: date | None) -> datetime:
    """The document's date as a file timestamp: 08:00 in Vietnam (UTC+7) that day, written in UTC."""
    return datetime.combine(day or date.today(), time(1, 0))


def _set_fonts(element: Any) -> None:
    """Name the font for every script so Vietnamese text never falls back to another face."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _run(paragraph: DocxParagraph, text: str, *, size: float = BODY_SIZE, bold: bool = False, italic: bool = False,
         underline: bool = False) -> None:
    run = paragraph.add_run(clean_text(text))
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.name = FONT
    run.font.size = Pt(size)
    _set_fonts(run._element)


def _line(paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False, underline: bool = False,
          size: float = BODY_SIZE, align: str = "center") -> DocxParagraph:
    _run(paragraph, text, size=size, bold=bold, italic=italic, underline=underline)
    paragraph.alignment = _ALIGN[align]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    return paragraph


def _rule(paragraph: DocxParagraph, length_mm: float, room_mm: float) -> DocxParagraph:
    """A solid line `length_mm` long, centred in `room_mm`: the bottom border of an empty, indented paragraph."""
    side = max(0.0, (room_mm - length_mm) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.right_indent = Mm(side), Mm(side)
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), Pt(3)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", str(RULE_WEIGHT)), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    _add_borders(paragraph, borders)
    return paragraph


# Children of w:pPr that come after w:pBdr in the schema's order (Word refuses a file that breaks it).
_AFTER_BORDERS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                  "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                  "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                  "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                  "w:rPr", "w:sectPr", "w:pPrChange")


def _add_borders(paragraph: DocxParagraph, borders: Any) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    successor = next((child for child in p_pr if child.tag in {qn(tag) for tag in _AFTER_BORDERS}), None)
    if successor is None:
        p_pr.append(borders)
    else:
        successor.addprevious(borders)


def _cell_lines(cell: _Cell, lines: Sequence[tuple[str, dict]]) -> list[DocxParagraph]:
    written = []
    for index, (text, style) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        written.append(_line(paragraph, text, **style))
    return written


def _borderless(table: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _widths(table: Any, widths_mm: Sequence[float]) -> None:
    """Grid and cells of the same widths: LibreOffice lays a table out by its grid, Word by its cells."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        column.w = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _layout_table(doc: Any, rows: int, widths: Sequence[float]) -> Any:
    table = doc.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borderless(table)
    _widths(table, widths)
    return table


def _header(doc: Any, document: OfficialDocument) -> None:
    issuer = document.issuer
    left_room, right_room = (width - 2 * CELL_PADDING for width in HEADER_COLUMNS)
    table = _layout_table(doc, 2, HEADER_COLUMNS)
    _cell_lines(table.cell(0, 0), [(issuer.parent, {"bold": True, "size": HEADER_SIZE}),
                                   (issuer.name, {"bold": True, "size": HEADER_SIZE})])
    name_width = max(text_width_mm(line, HEADER_SIZE, bold=True) for line in (issuer.parent, issuer.name))
    _rule(table.cell(0, 0).add_paragraph(), SHORT_RULE_SHARE * name_width, left_room)
    _cell_lines(table.cell(0, 1), [(NATIONAL_TITLE, {"bold": True, "size": HEADER_SIZE}),
                                   (MOTTO, {"bold": True, "size": MOTTO_SIZE})])
    _rule(table.cell(0, 1).add_paragraph(), text_width_mm(MOTTO, MOTTO_SIZE, bold=True), right_room)
    number = number_line(document.type_code, document.number, issuer.code)
    year = document.issued_on.year if document.issued_on else None
    dated = date_line(issuer.place, None if document.draft else document.issued_on, year)
    for cell, text, style in ((table.cell(1, 0), number, {"size": HEADER_SIZE}),
                              (table.cell(1, 1), dated, {"italic": True, "size": HEADER_SIZE})):
        paragraph = _line(cell.paragraphs[0], text, **style)
        paragraph.paragraph_format.space_before = Pt(6)
    for row in table.rows:
        _cant_split(row)


def _title(doc: Any, document: OfficialDocument) -> None:
    title = _line(doc.add_paragraph(), document.title.upper(), bold=True)
    title.paragraph_format.space_before = Pt(18)
    title.paragraph_format.keep_with_next = True
    subject = document.subtitle
    if subject:
        line = _line(doc.add_paragraph(), subject, bold=True)
        line.paragraph_format.keep_with_next = True
        width = min(text_width_mm(subject, BODY_SIZE, bold=True), TEXT_WIDTH * 0.9)
    else:
        width = text_width_mm(document.title.upper(), BODY_SIZE, bold=True)
    _rule(doc.add_paragraph(), SHORT_RULE_SHARE * width, TEXT_WIDTH)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _paragraph(paragraph: DocxParagraph, block: Paragraph) -> None:
    if block.lead:
        _run(paragraph, block.lead + " ", bold=True, italic=block.italic)
    text = f"- {block.text}" if block.style == "bullet" else block.text
    _run(paragraph, text, bold=block.bold, italic=block.italic)
    paragraph.alignment = _ALIGN[block.align]
    if block.indent and block.align == "justify":
        paragraph.paragraph_format.first_line_indent = Mm(10)
    if block.style == "heading":
        paragraph.paragraph_format.space_before = Pt(6)
        paragraph.paragraph_format.space_after = Pt(3)
        paragraph.paragraph_format.keep_with_next = True


def _cant_split(row: Any, *, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _table(doc: Any, block: Table) -> Any:
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, column in enumerate(block.columns):
        _line(table.cell(0, index).paragraphs[0], column, bold=True, size=TABLE_SIZE)
    last = len(block.rows)
    for row_index, row in enumerate(block.rows, start=1):
        for index, value in enumerate(row):
            align = "center" if index == 0 else "left"
            _line(table.cell(row_index, index).paragraphs[0], str(value), size=TABLE_SIZE, align=align,
                  bold=block.bold_last_row and row_index == last)
    for index, row in enumerate(table.rows):
        _cant_split(row, header=index == 0)
    if block.widths_mm:
        _widths(table, block.widths_mm)
    spacer = doc.add_paragraph()
    spacer.paragraph_format.space_after = Pt(0)
    return table


def _keep_last_lines_with_signature(written: list[Any]) -> None:
    """The last body paragraphs travel with the signature block: never a signature alone on a page."""
    paragraphs = [item for item in written if isinstance(item, DocxParagraph)]
    for paragraph in paragraphs[-2:]:
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.widow_control = True


def _recipient_lines(document: OfficialDocument) -> list[str]:
    lines = [r if r.startswith("-") else f"- {r}" for r in (clean_text(r).strip() for r in document.recipients) if r]
    filing = filing_line(document.filing)
    if not lines or lines[-1] != filing:
        lines.append(filing)
    return lines


def _closing(doc: Any, document: OfficialDocument) -> None:
    table = _layout_table(doc, 1, CLOSING_COLUMNS)
    _cant_split(table.rows[0])
    left, right = table.rows[0].cells
    recipients = [(line, {"size": RECIPIENTS_SIZE, "align": "left"}) for line in _recipient_lines(document)]
    written = _cell_lines(left, [("Nơi nhận:", {"bold": True, "italic": True, "size": RECIPIENTS_TITLE_SIZE,
                                                "align": "left"}), *recipients])
    written[0].paragraph_format.space_before = Pt(12)
    if document.signature is not None:
        lines = [(text, {"bold": True}) for text in document.signature.lines(document.issuer)]
        lines += [("", {})] * 4  # room for the signature and the seal
        lines.append((signer_name(document.signature.name), {"bold": True}))
        written += _cell_lines(right, lines)
        right.paragraphs[0].paragraph_format.space_before = Pt(12)
    for paragraph in written:
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.keep_together = True


_TITLE_IN_NAME = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*$")


def signer_name(name: str) -> str:
    """The signer's name only: a title written after it in brackets ("Trần Văn Minh (Chủ tịch UBND)") is dropped,
    since the block prints the title above the name."""
    return _TITLE_IN_NAME.sub("", clean_text(name)).strip()


# --- printed sheets (Excel) ---------------------------------------------------------------------------------


@dataclass
class PrintedSheet:
    """A table as a clerk prints it: a heading over it, a bold header row repeated on each page, borders,
    dd/mm/yyyy dates (given as text), a totals row, landscape A4 fitted to one page wide."""

    name: str  # the sheet's tab
    heading: str  # "PHỤ LỤC I" or the register's title
    subheading: str | None  # "SỐ LIỆU CHỈ TIÊU …"
    reference: str | None  # "(Kèm theo Báo cáo số 05/BC-UBND ngày 05/6/2026 của Ủy ban nhân dân phường Minh Xuân)"
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[float]  # in Excel's character units
    totals: Sequence[Any] | None = None
    notes: Sequence[str] = ()  # lines printed under the table
    agency: str | None = None  # printed top-left when the sheet stands alone (the register)
    numeric_from: int = 99  # columns from this index on are numbers, right-aligned


SHEET_FONT_SIZE = 12
# What an office suite would read as the start of a formula when a cell is typed or a sheet is saved as CSV
# (OWASP, "CSV Injection"): such text is written as text, quote-prefixed, so it shows as typed and never runs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sheet_cell(sheet: Any, row: int, column: int, item: Any) -> Any:
    """The cell at (row, column) holding `item`: text cleaned (NFC, no control characters) and, when it starts like
    a formula ("=HYPERLINK(…)", "+1", "@SUM(…)", "-2+3"), stored as text with Excel's quote prefix, as a clerk
    typing '= would; numbers stay numbers."""
    cell = sheet.cell(row=row, column=column)
    value = clean_text(item) if isinstance(item, str) else item
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def write_sheet(book: Any, spec: PrintedSheet, *, first: bool = False) -> Any:
    """Adds (or fills the workbook's first) sheet laid out as `spec` says."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet = book.active if first else book.create_sheet()
    sheet.title = clean_text(spec.name)[:31]
    width = len(spec.columns)
    last = get_column_letter(width)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    plain, bold, italic = (Font(name=FONT, size=SHEET_FONT_SIZE), Font(name=FONT, size=SHEET_FONT_SIZE, bold=True),
                           Font(name=FONT, size=SHEET_FONT_SIZE, italic=True))

    row = 1
    lines = [(spec.agency, bold), (spec.heading, bold), (spec.subheading, bold), (spec.reference, italic)]
    for text, font in lines:
        if not text:
            continue
        sheet_cell(sheet, row, 1, text).font = font
        if text is spec.agency:
            sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left")
        else:
            sheet.merge_cells(f"A{row}:{last}{row}")
            sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            sheet.row_dimensions[row].height = 18 if font is not italic or len(text) < 120 else 34
        row += 1
    row += 1
    header_row = row
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet_cell(sheet, row, index, column)
        cell.font, cell.border = bold, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[row].height = _row_height(spec.columns, spec.widths, bold=True)
    body = [*spec.rows, *([spec.totals] if spec.totals is not None else [])]
    for offset, values in enumerate(body, start=1):
        is_total = spec.totals is not None and offset == len(body)
        for index, item in enumerate(values, start=1):
            cell = sheet_cell(sheet, row + offset, index, item)
            cell.font, cell.border = (bold if is_total else plain), border
            numeric = index - 1 >= spec.numeric_from or index == 1
            cell.alignment = Alignment(horizontal="center" if index == 1 else ("right" if numeric else "left"),
                                       vertical="top", wrap_text=True)
        sheet.row_dimensions[row + offset].height = _row_height(values, spec.widths, bold=is_total)
    row += len(body) + 2
    for note in spec.notes:
        sheet_cell(sheet, row, 1, note).font = plain
        row += 1
    for index, size in enumerate(spec.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = size
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    margins = sheet.page_margins
    margins.left, margins.right, margins.top, margins.bottom = 0.6, 0.4, 0.6, 0.6  # inches
    sheet.oddFooter.center.text = "Trang &P/&N"
    sheet.oddFooter.center.font = FONT
    return sheet


def _row_height(values: Sequence[Any], widths: Sequence[float], *, bold: bool = False) -> float:
    """Room for the wrapped lines of the fullest cell: office suites do not grow a row on their own when printing."""
    per_unit = 0.95 if bold else 1.1  # characters of 12 pt Times per unit of Excel column width
    lines = 1
    for item, width in zip(values, widths, strict=False):
        text = clean_text(item)
        if text:
            words, count, used = text.split(), 1, 0.0
            room = max(1.0, width * per_unit - 1)
            for word in words:
                if used and used + 1 + len(word) > room:
                    count, used = count + 1, float(len(word))
                else:
                    used += (1 if used else 0) + len(word)
            lines = max(lines, count)
    return 16.0 * lines + 2


def workbook_properties(book: Any, *, author: str, title: str, created: date | None) -> None:
    stamp = _office_hours(created)
    book.properties.creator = clean_text(author)
    book.properties.lastModifiedBy = clean_text(author)
    book.properties.title = clean_text(title)
    book.properties.created = stamp
    book.properties.modified = stamp
