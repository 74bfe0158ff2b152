"""Official documents in the state format of Nghị định 30/2020/NĐ-CP, Appendix I, as Word files.

Independent of reporting's data: the awards service needs the same format for its decisions, so this
module only knows the document's parts (header, number, place and date, title, body, signature, recipients).

    doc = OfficialDocument(
        agency=("ỦY BAN NHÂN DÂN", "PHƯỜNG MINH XUÂN"), number=5, year=2026, code="BC-UBND",
        place="Minh Xuân", issued_on=date(2026, 6, 5), title="BÁO CÁO", subtitle="Sơ kết 6 tháng ...",
        body=[Heading("I. KẾT QUẢ"), "Đoạn văn ...", Bullet("Tổ dân phố 1: ...")],
        signature=Signature("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn A"),
        recipients=["UBND Thành phố (để b/c);"],
    )
    data: bytes = build_docx(doc)
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.table import _Cell
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
HEADER_SIZE = Pt(13)
RECIPIENTS_TITLE_SIZE = Pt(12)
RECIPIENTS_SIZE = Pt(11)
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
ARCHIVE_LINE = "- Lưu: VT, VHXH."


@dataclass(frozen=True)
class Heading:
    """A bold section heading inside the body (e.g. "I. KẾT QUẢ ĐẠT ĐƯỢC")."""

    text: str


@dataclass(frozen=True)
class Bullet:
    """A body line that starts with a dash, justified like the rest."""

    text: str


@dataclass(frozen=True)
class Signature:
    on_behalf: str = "TM. ỦY BAN NHÂN DÂN"  # thẩm quyền ký: TM., KT., Q.
    position: str = "CHỦ TỊCH"
    signer_name: str = ""


@dataclass
class OfficialDocument:
    agency: tuple[str, ...]  # the issuing agency's lines, capitals, e.g. ("ỦY BAN NHÂN DÂN", "PHƯỜNG MINH XUÂN")
    code: str  # ký hiệu, e.g. "BC-UBND", "QĐ-UBND"
    place: str  # địa danh, e.g. "Minh Xuân"
    title: str  # tên loại văn bản, e.g. "BÁO CÁO"
    number: int | None = None  # None while a draft: the number line is left blank for the clerk
    issued_on: date | None = None
    subtitle: str = ""  # trích yếu nội dung
    body: list[str | Heading | Bullet] = field(default_factory=list)
    signature: Signature = field(default_factory=Signature)
    recipients: list[str] = field(default_factory=list)  # "- Lưu: VT, VHXH." is added last if missing


def number_line(number: int | None, code: str) -> str:
    """"Số: 05/BC-UBND" — numbers under 10 carry a leading zero; a draft has a blank number."""
    return f"Số: {number:02d}/{code}" if number is not None else f"Số:      /{code}"


def date_line(place: str, issued_on: date | None) -> str:
    """"Minh Xuân, ngày 05 tháng 6 năm 2026" — days under 10 and the months 1 and 2 take a leading zero."""
    if issued_on is None:
        return f"{place}, ngày      tháng      năm"
    month = f"{issued_on.month:02d}" if issued_on.month < 3 else str(issued_on.month)
    return f"{place}, ngày {issued_on.day:02d} tháng {month} năm {issued_on.year}"


def _font(run, size: Pt, bold: bool = False, italic: bool = False, underline: bool = False) -> None:  # noqa: ANN001
    run.font.name = FONT
    run.font.size = size
    run.font.bold = bold
    run.font.italic = italic
    run.font.underline = underline
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _paragraph(target, text: str, size: Pt, *, align=WD_ALIGN_PARAGRAPH.CENTER, bold: bool = False,  # noqa: ANN001
               italic: bool = False, underline: bool = False, first: bool = False, before: Pt = Pt(0),
               after: Pt = Pt(0), indent: Mm | None = None) -> Paragraph:
    paragraph = target.paragraphs[0] if first else target.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = before, after
    if indent is not None:
        fmt.first_line_indent = indent
    _font(paragraph.add_run(text), size, bold, italic, underline)
    return paragraph


def _borderless(table) -> None:  # noqa: ANN001
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _two_columns(document, left: Mm, right: Mm) -> tuple[_Cell, _Cell]:  # noqa: ANN001
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borderless(table)
    cells = table.rows[0].cells
    cells[0].width, cells[1].width = left, right
    return cells[0], cells[1]


def _at_least(mm: float) -> Twips:
    """Word stores margins in twips; round up so 15 mm is never stored as 14.99 mm."""
    return Twips(math.ceil(Mm(mm) / Twips(1)))


def build_docx(doc: OfficialDocument) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = _at_least(20), _at_least(20)
    section.left_margin, section.right_margin = _at_least(30), _at_least(15)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)

    # Header block: agency and number on the left, national title, motto, place and date on the right.
    left, right = _two_columns(document, Mm(62), Mm(103))
    for i, line in enumerate(doc.agency):
        _paragraph(left, line, HEADER_SIZE, bold=True, first=i == 0)
    _paragraph(left, number_line(doc.number, doc.code), HEADER_SIZE, before=Pt(6))
    _paragraph(right, NATIONAL_TITLE, HEADER_SIZE, bold=True, first=True)
    _paragraph(right, MOTTO, BODY_SIZE, bold=True, underline=True)
    _paragraph(right, date_line(doc.place, doc.issued_on), BODY_SIZE, italic=True, before=Pt(6))

    _paragraph(document, doc.title, BODY_SIZE, bold=True, before=Pt(18))
    if doc.subtitle:
        _paragraph(document, doc.subtitle, BODY_SIZE, bold=True, after=Pt(12))

    for item in doc.body:
        if isinstance(item, Heading):
            _paragraph(document, item.text, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY, bold=True,
                       before=Pt(6), after=Pt(3), indent=Mm(10))
        else:
            text = f"- {item.text}" if isinstance(item, Bullet) else item
            _paragraph(document, text, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=Pt(6), indent=Mm(10))

    # Recipients on the left, signature block on the right.
    recipients_cell, signature_cell = _two_columns(document, Mm(80), Mm(85))
    _paragraph(recipients_cell, "Nơi nhận:", RECIPIENTS_TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, bold=True,
               italic=True, first=True, before=Pt(12))
    lines = [r if r.startswith("-") else f"- {r}" for r in doc.recipients]
    if not lines or lines[-1] != ARCHIVE_LINE:
        lines.append(ARCHIVE_LINE)
    for line in lines:
        _paragraph(recipients_cell, line, RECIPIENTS_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(signature_cell, doc.signature.on_behalf, BODY_SIZE, bold=True, first=True, before=Pt(12))
    _paragraph(signature_cell, doc.signature.position, BODY_SIZE, bold=True)
    _paragraph(signature_cell, doc.signature.signer_name, BODY_SIZE, bold=True, before=Pt(72))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
