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

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from dvk_core.text import document_text

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


_TITLE_IN_NAME = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*$")


def signer_name(name: str) -> str:
    """The signer's name only: a title written after it in brackets ("Trần Văn Minh (Chủ tịch UBND)") is dropped,
    since the block prints the title above the name."""
    return _TITLE_IN_NAME.sub("", clean_text(name)).strip()


def office_hours(day: date | None) -> datetime:
    """The document's date as a file timestamp: 08:00 in Vietnam (UTC+7) that day, written in UTC."""
    return datetime.combine(day or date.today(), time(1, 0))
