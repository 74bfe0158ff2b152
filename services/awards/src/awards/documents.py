"""Official documents in the state format of Nghị định 30/2020/NĐ-CP (Appendix I), as Word files.

A document is described as data (`OfficialDocument`: issuer, number, date, title, body blocks, signature,
recipients) and `render_docx` lays it out: A4; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New
Roman 14 for the body; the agency name on the left and the national title with its motto on the right; the
number line and the place-and-date line under them; the title in bold capitals; a justified body; the
signature block and the "Nơi nhận:" list ending with the filing line.

Nothing here knows about awards: the same API fits reports, plans and proposal letters.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

FONT = "Times New Roman"
BODY_SIZE = 14
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


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; `lead` is a bold lead-in such as "Điều 1." before the text."""

    text: str
    lead: str | None = None
    bold: bool = False
    italic: bool = False
    align: str = "justify"
    indent: bool = True


@dataclass(frozen=True)
class Table:
    """A bordered table with a bold header row; widths in millimetres (optional)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths_mm: Sequence[float] | None = None


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
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận:" lines before the filing line
    filing: str = "VT, VHXH"
    issuer: Issuer = field(default_factory=Issuer)


def number_line(type_code: str, number: int | None, issuer_code: str = "UBND") -> str:
    """"Số: 03/QĐ-UBND" — numbers under 10 take a leading zero; no number leaves room to write one."""
    shown = f"{number:02d}" if number is not None else "      "
    return f"Số: {shown}/{type_code}-{issuer_code}"


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


def _page_setup(doc: Document) -> None:  # type: ignore[valid-type]
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_SIZE)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.line_spacing = 1.15


def _line(paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False,
          underline: bool = False, size: float | None = None, align: str = "center") -> DocxParagraph:
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    if size:
        run.font.size = Pt(size)
    paragraph.alignment = _ALIGN[align]
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _cell_lines(cell: _Cell, lines: Sequence[tuple[str, dict]]) -> None:
    first = True
    for text, style in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        _line(paragraph, text, **style)


def _header(doc: Document, document: OfficialDocument) -> None:  # type: ignore[valid-type]
    issuer = document.issuer
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Mm(65), Mm(100)
    _cell_lines(table.cell(0, 0), [(issuer.parent, {"bold": True, "size": 13}), (issuer.name, {"bold": True, "size": 13})])
    _cell_lines(table.cell(0, 1), [(NATIONAL_TITLE, {"bold": True, "size": 12}), (MOTTO, {"bold": True, "underline": True, "size": 13})])
    _cell_lines(table.cell(1, 0), [(number_line(document.type_code, document.number, issuer.code), {"size": 13})])
    _cell_lines(table.cell(1, 1), [(date_line(issuer.place, document.issued_on), {"italic": True, "size": 13})])


def _title(doc: Document, document: OfficialDocument) -> None:  # type: ignore[valid-type]
    title = _line(doc.add_paragraph(), document.title.upper(), bold=True, size=BODY_SIZE)
    title.paragraph_format.space_before = Pt(18)
    if document.subtitle:
        _line(doc.add_paragraph(), document.subtitle, bold=True, size=BODY_SIZE)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _paragraph(paragraph: DocxParagraph, block: Paragraph) -> None:
    if block.lead:
        lead = paragraph.add_run(block.lead + " ")
        lead.bold = True
        lead.italic = block.italic
    run = paragraph.add_run(block.text)
    run.bold, run.italic = block.bold, block.italic
    paragraph.alignment = _ALIGN[block.align]
    if block.indent and block.align == "justify":
        paragraph.paragraph_format.first_line_indent = Mm(10)


def _table(doc: Document, block: Table) -> None:  # type: ignore[valid-type]
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, heading in enumerate(block.columns):
        _line(table.cell(0, index).paragraphs[0], heading, bold=True, size=13)
    for row_index, row in enumerate(block.rows, start=1):
        for index, value in enumerate(row):
            align = "center" if index == 0 else "left"
            _line(table.cell(row_index, index).paragraphs[0], str(value), size=13, align=align)
    if block.widths_mm:
        for row in table.rows:
            for cell, width in zip(row.cells, block.widths_mm, strict=False):
                cell.width = Mm(width)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _closing(doc: Document, document: OfficialDocument) -> None:  # type: ignore[valid-type]
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Mm(80), Mm(85)
    recipients = [(r, {"size": 11, "align": "left"}) for r in document.recipients]
    recipients.append((filing_line(document.filing), {"size": 11, "align": "left"}))
    _cell_lines(left, [("Nơi nhận:", {"bold": True, "italic": True, "size": 12, "align": "left"}), *recipients])
    if document.signature is not None:
        lines = [(text, {"bold": True, "size": BODY_SIZE}) for text in document.signature.lines(document.issuer)]
        lines += [("", {})] * 4  # room for the signature and the seal
        lines.append((document.signature.name, {"bold": True, "size": BODY_SIZE}))
        _cell_lines(right, lines)
