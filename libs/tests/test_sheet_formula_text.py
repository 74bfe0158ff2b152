"""Text that starts like a formula (OWASP "CSV Injection": =, +, -, @, tab, carriage return) is written into the
ward's Excel files as text: the clerk sees exactly what was typed — in openpyxl and in LibreOffice Calc — and no
formula is ever computed, whoever typed a unit's name or a model's title."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from dvk_documents import PrintedSheet, write_sheet

# what a unit could type as a model's title or its name, each a formula if an office suite read it as one
TYPED = ["=1+1", '=HYPERLINK("http://example.invalid/x","Bấm vào đây")', "+7+8", "-2+3", "@SUM(1,1)",
         "\t=4+4", "\r=5+5", "=cmd|' /C calc'!A0"]
PLAIN = ["Tổ dân phố 1", "- Ghi chú thường", "Mô hình “Dân vận khéo”"]


def sheet_bytes() -> bytes:
    book = Workbook()
    rows = [[index, text, 10 * index] for index, text in enumerate([*TYPED, *PLAIN], start=1)]
    write_sheet(book, PrintedSheet(name="Danh sách", heading="DANH SÁCH MÔ HÌNH", subheading=None, reference=None,
                                   columns=["STT", "Tên mô hình", "Số người"], rows=rows, widths=[6, 60, 12],
                                   totals=["", "=SUM(C1:C99)", 10], notes=["=1+2 ghi chú"], numeric_from=2),
                first=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_formula_like_text_is_stored_as_text_and_numbers_stay_numbers():
    sheet = load_workbook(io.BytesIO(sheet_bytes())).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value is not None}
    for text in [*TYPED, "=SUM(C1:C99)", "=1+2 ghi chú"]:
        cell = cells.get(text)
        assert cell is not None, f"{text!r} is not in the sheet as typed: {sorted(map(repr, cells))}"
        assert cell.data_type == "s", f"{text!r} is stored as {cell.data_type!r}, not as text"
        assert cell.quotePrefix, f"{text!r} has no quote prefix: Excel would read it as a formula once edited"
    for text in PLAIN:
        assert cells[text].data_type == "s"
    assert cells[30].data_type == "n", "a number is no longer a number"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"], "a formula was written"


def test_libreoffice_calc_shows_the_text_and_computes_nothing(office):
    rendered = office.render({"formula-text": (sheet_bytes(), "xlsx")})["formula-text"]
    shown = rendered.text
    for text in ["=1+1", "+7+8", "-2+3", "@SUM(1,1)", "=4+4", "=5+5", "=SUM(C1:C99)", "=1+2 ghi chú", "Bấm vào đây",
                 "=HYPERLINK(", "=cmd|' /C calc'!A0", *PLAIN]:
        assert text in shown, f"LibreOffice Calc does not show {text!r} as typed:\n{shown}"
