"""Printed sheets (XLSX) laid out as a clerk prints them, and cells that never run as formulas."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .official import (
    FONT,
    clean_text,
    office_hours,
)

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
    stamp = office_hours(created)
    book.properties.creator = clean_text(author)
    book.properties.lastModifiedBy = clean_text(author)
    book.properties.title = clean_text(title)
    book.properties.created = stamp
    book.properties.modified = stamp
