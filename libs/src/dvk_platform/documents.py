"""Official documents in the state format of Nghị định 30/2020/NĐ-CP (Appendix I), as Word files.

A document is described as data (`OfficialDocument`: issuer, number, date, title, body blocks, signature,
recipients) and `render_docx` lays it out: A4; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New
Roman 14 for the body; the agency name on the left and the national title with its motto on the right; the
number line and the place-and-date line under them; the title in bold capitals; a justified body; the
signature block and the "Nơi nhận:" list ending with the filing line.

Nothing here knows about awards or reports: the same API serves decisions, proposal letters, reports and plans.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
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
TABLE_SIZE = 13
RECIPIENTS_TITLE_SIZE = 12
RECIPIENTS_SIZE = 11
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Document type codes used in the number line (Appendix III of the decree).
TYPE_CODES = {"QĐ": "QUYẾT ĐỊNH", "TTr": "TỜ TRÌNH", "BC": "BÁO CÁO", "KH": "KẾ HOẠCH"}

_ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


@dataclass(frozen=True)
class Issuer:
    """The issuing agency as it appears in the header, number line, date line and signature."""

    parent: str = "ỦY BAN NHÂN DÂN"
    name: str = "PHƯỜNG MINH XUÂN"
    code: str = "UBND"
    place: str = "Minh Xuân"
    on_behalf: str = "TM. ỦY BAN NHÂN DÂN"


@dataclass(frozen=True)
class Signature:
    """The signer: the Chairman signs for the committee; a Vice-Chairman signs "KT. CHỦ TỊCH"."""

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
    """A bordered table with a bold header row; widths in millimetres (optional)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths_mm: Sequence[float] | None = None


Block = Paragraph | Table

# "aligned": a two-row header whose second row holds the number and the date lines side by side.
# "stacked": one row; the number line under the agency and the date line under the motto.
HeaderLayout = Literal["aligned", "stacked"]


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
    header: HeaderLayout = "aligned"


def number_line(type_code: str, number: int | None, issuer_code: str = "UBND") -> str:
    """"Số: 03/QĐ-UBND" — numbers under 10 take a leading zero; no number leaves room to write one."""
    if number is None:
        return f"Số:      /{type_code}-{issuer_code}"
    return f"Số: {document_number(type_code, number, issuer_code)}"


def document_number(type_code: str, number: int, issuer_code: str = "UBND") -> str:
    """The number as cited elsewhere: "03/QĐ-UBND"."""
    return f"{number:02d}/{type_code}-{issuer_code}"


def date_line(place: str, day: date | None) -> str:
    """"Minh Xuân, ngày 05 tháng 12 năm 2026": days under 10 and the months 1 and 2 take a leading zero."""
    if day is None:
        return f"{place}, ngày      tháng      năm      "
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def filing_line(filing: str) -> str:
    return f"- Lưu: {filing}."


def render_docx(document: OfficialDocument) -> bytes:
    """The document as a .docx file (bytes)."""
    doc = Document()
    _page_setup(doc)
    _header(doc, document)
    _title(doc, document)
    for block in document.body:
        if isinstance(block, Table):
            _table(doc, block)
        else:
            _paragraph(doc.add_paragraph(), block)
    _closing(doc, document)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _at_least(mm: float) -> Twips:
    """Word stores margins in twips; round up so 20 mm is never stored as 19.99 mm."""
    return Twips(math.ceil(Mm(mm) / Twips(1)))


def _page_setup(doc: Any) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = _at_least(20), _at_least(20)
    section.left_margin, section.right_margin = _at_least(30), _at_least(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_SIZE)
    _set_fonts(style.element)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.line_spacing = 1.15


def _set_fonts(element: Any) -> None:
    """Name the font for every script so Vietnamese text never falls back to another face."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _run(paragraph: DocxParagraph, text: str, *, size: float = BODY_SIZE, bold: bool = False, italic: bool = False,
         underline: bool = False) -> None:
    run = paragraph.add_run(document_text(text))  # never a character XML cannot hold
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.name = FONT
    run.font.size = Pt(size)
    _set_fonts(run._element)


def _line(paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False, underline: bool = False,
          size: float = BODY_SIZE, align: str = "center") -> DocxParagraph:
    _run(paragraph, text, size=size, bold=bold, italic=italic, underline=underline)
    paragraph.alignment = _ALIGN[align]
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _cell_lines(cell: _Cell, lines: Sequence[tuple[str, dict]]) -> None:
    for index, (text, style) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        _line(paragraph, text, **style)


def _borderless(table: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _layout_table(doc: Any, rows: int, widths: tuple[Mm, Mm]) -> Any:
    table = doc.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borderless(table)
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = widths
    return table


def _header(doc: Any, document: OfficialDocument) -> None:
    issuer = document.issuer
    agency = [(issuer.parent, {"bold": True, "size": HEADER_SIZE}), (issuer.name, {"bold": True, "size": HEADER_SIZE})]
    national = [(NATIONAL_TITLE, {"bold": True, "size": HEADER_SIZE}), (MOTTO, {"bold": True, "underline": True, "size": HEADER_SIZE})]
    number = [(number_line(document.type_code, document.number, issuer.code), {"size": HEADER_SIZE})]
    dated = [(date_line(issuer.place, document.issued_on), {"italic": True, "size": HEADER_SIZE})]
    if document.header == "stacked":
        table = _layout_table(doc, 1, (Mm(65), Mm(100)))
        _cell_lines(table.cell(0, 0), [*agency, *number])
        _cell_lines(table.cell(0, 1), [*national, *dated])
        return
    table = _layout_table(doc, 2, (Mm(65), Mm(100)))
    _cell_lines(table.cell(0, 0), agency)
    _cell_lines(table.cell(0, 1), national)
    _cell_lines(table.cell(1, 0), number)
    _cell_lines(table.cell(1, 1), dated)


def _title(doc: Any, document: OfficialDocument) -> None:
    title = _line(doc.add_paragraph(), document.title.upper(), bold=True)
    title.paragraph_format.space_before = Pt(18)
    if document.subtitle:
        _line(doc.add_paragraph(), document.subtitle, bold=True)
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


def _table(doc: Any, block: Table) -> None:
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, column in enumerate(block.columns):
        _line(table.cell(0, index).paragraphs[0], column, bold=True, size=TABLE_SIZE)
    for row_index, row in enumerate(block.rows, start=1):
        for index, value in enumerate(row):
            align = "center" if index == 0 else "left"
            _line(table.cell(row_index, index).paragraphs[0], str(value), size=TABLE_SIZE, align=align)
    if block.widths_mm:
        for row in table.rows:
            for cell, width in zip(row.cells, block.widths_mm, strict=False):
                cell.width = Mm(width)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _recipient_lines(document: OfficialDocument) -> list[str]:
    lines = [r if r.startswith("-") else f"- {r}" for r in document.recipients]
    filing = filing_line(document.filing)
    if not lines or lines[-1] != filing:
        lines.append(filing)
    return lines


def _closing(doc: Any, document: OfficialDocument) -> None:
    table = _layout_table(doc, 1, (Mm(80), Mm(85)))
    left, right = table.rows[0].cells
    recipients = [(line, {"size": RECIPIENTS_SIZE, "align": "left"}) for line in _recipient_lines(document)]
    _cell_lines(left, [("Nơi nhận:", {"bold": True, "italic": True, "size": RECIPIENTS_TITLE_SIZE, "align": "left"}), *recipients])
    left.paragraphs[0].paragraph_format.space_before = Pt(12)
    if document.signature is not None:
        lines = [(text, {"bold": True}) for text in document.signature.lines(document.issuer)]
        lines += [("", {})] * 4  # room for the signature and the seal
        lines.append((document.signature.name, {"bold": True}))
        _cell_lines(right, lines)
        right.paragraphs[0].paragraph_format.space_before = Pt(12)
