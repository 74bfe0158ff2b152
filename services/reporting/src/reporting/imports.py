"""Import of target figures from the administrative-procedure system's CSV or XLSX export.

All or nothing: every row is checked first; a single error rejects the file and nothing is written.
Errors name the spreadsheet row (the header is row 1) and the column, in Vietnamese.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_platform.errors import Invalid

from .models import TargetFigures, Unit
from .services import figure_errors, put_figures

UNIT_COLUMN = "ma_don_vi"
# File column -> figure field.
COLUMNS = {
    "ho_so_tiep_nhan": "files_received",
    "ho_so_da_giai_quyet": "files_resolved",
    "ho_so_dung_han": "files_on_time",
    "ho_so_truc_tuyen": "online_files",
    "thanh_toan_khong_tien_mat": "cashless_payments",
    "luot_danh_gia": "survey_responses",
    "luot_hai_long": "satisfied_responses",
    "binh_dan_hoc_vu_so": "digital_literacy_participants",
    "so_can_bo": "officials_total",
    "can_bo_vi_pham": "officials_violating",
}
FIELD_COLUMNS = {field: column for column, field in COLUMNS.items()}
EXPECTED = [UNIT_COLUMN, *COLUMNS]
NAME_COLUMN = "ten_don_vi"  # optional, for the person filling the file in; never read
# The headings of the template a person downloads (and may type): each column accepts its ASCII name or this heading.
HEADINGS = {
    UNIT_COLUMN: "Mã đơn vị",
    NAME_COLUMN: "Tên đơn vị",
    "ho_so_tiep_nhan": "Hồ sơ TTHC tiếp nhận",
    "ho_so_da_giai_quyet": "Hồ sơ TTHC đã giải quyết",
    "ho_so_dung_han": "Hồ sơ giải quyết đúng và trước hạn",
    "ho_so_truc_tuyen": "Hồ sơ dịch vụ công trực tuyến",
    "thanh_toan_khong_tien_mat": "Giao dịch thanh toán không dùng tiền mặt",
    "luot_danh_gia": "Lượt đánh giá mức độ hài lòng",
    "luot_hai_long": "Lượt đánh giá hài lòng",
    "binh_dan_hoc_vu_so": "Người tham gia “Bình dân học vụ số”",
    "so_can_bo": "Cán bộ, công chức",
    "can_bo_vi_pham": "Cán bộ, công chức vi phạm quy tắc ứng xử",
}
TEMPLATE_COLUMNS = [UNIT_COLUMN, NAME_COLUMN, *COLUMNS]


def _folded(text: str) -> str:
    """A heading as compared: NFC, case and spacing aside, any kind of quotes aside."""
    text = unicodedata.normalize("NFC", text).casefold()
    for quote in "\"'“”‘’":
        text = text.replace(quote, "")
    return " ".join(text.split())


BY_HEADING = {_folded(heading): column for column, heading in HEADINGS.items()}


class ImportRejected(Invalid):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors, f"{len(errors)} lỗi. Sửa tệp rồi nhập lại.",
                         slug="import-rejected", title="Tệp số liệu có lỗi; chưa ghi dữ liệu nào.")


def _error(row: int, column: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


def read_rows(filename: str, content: bytes) -> list[list[Any]]:
    """The file's rows as lists of cell values (XLSX: the first sheet)."""
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ImportRejected([_error(1, None, "Không đọc được tệp Excel (.xlsx).")]) from exc
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected([_error(1, None, "Tệp CSV phải dùng bảng mã UTF-8.")]) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _count(value: Any) -> int | str:
    """A non-negative whole number, or the Vietnamese reason it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "Thiếu giá trị."
    if isinstance(value, bool):
        return "Phải là số nguyên."
    if isinstance(value, float):
        if not value.is_integer():
            return "Phải là số nguyên."
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            return f"Phải là số nguyên (đang là '{value.strip()}')."
    if not isinstance(value, int):
        return "Phải là số nguyên."
    if value < 0:
        return "Không được âm."
    return value


def parse_figures(rows: list[list[Any]], units_by_code: Mapping[str, Unit]) -> list[tuple[int, dict[str, int]]]:
    """[(unit_id, figures)] or ImportRejected listing every error found."""
    if not rows:
        raise ImportRejected([_error(1, None, "Tệp không có dữ liệu.")])
    written = [str(h).strip() if h is not None else "" for h in rows[0]]
    while written and written[-1] == "":
        written.pop()
    # Each column by its ASCII name or by the template's Vietnamese heading.
    header = [BY_HEADING.get(_folded(h), h.lower()) for h in written]
    vietnamese = any(_folded(h) in BY_HEADING and h.lower() not in HEADINGS for h in written)

    def named(column: str) -> str:
        return HEADINGS[column] if vietnamese else column

    allowed = {*EXPECTED, NAME_COLUMN}
    errors = [_error(1, named(c), f"Thiếu cột '{named(c)}'.") for c in EXPECTED if c not in header]
    errors += [_error(1, w or f"cột {i + 1}", "Cột không được phép (không có trong mẫu).")
               for i, (c, w) in enumerate(zip(header, written, strict=True)) if c not in allowed]
    errors += [_error(1, named(c), "Cột bị lặp.") for i, c in enumerate(header) if c in allowed and c in header[:i]]
    if errors:
        raise ImportRejected(errors)
    position = {c: header.index(c) for c in EXPECTED}
    label = {c: (written[position[c]] if vietnamese else c) for c in EXPECTED}
    parsed: list[tuple[int, dict[str, int]]] = []
    seen: dict[int, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [*row, *([None] * (len(header) - len(row)))]
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        code = str(cells[position[UNIT_COLUMN]] or "").strip()
        unit = units_by_code.get(code)
        if not code:
            errors.append(_error(number, label[UNIT_COLUMN], "Thiếu mã đơn vị."))
        elif unit is None:
            errors.append(_error(number, label[UNIT_COLUMN], f"Mã đơn vị '{code}' không có trong danh sách đơn vị đang tham gia."))
        elif unit.unit_id in seen:
            errors.append(_error(number, label[UNIT_COLUMN], f"Đơn vị '{code}' đã có ở dòng {seen[unit.unit_id]}."))
        figures: dict[str, int] = {}
        for column, field in COLUMNS.items():
            value = _count(cells[position[column]])
            if isinstance(value, str):
                errors.append(_error(number, label[column], value))
            else:
                figures[field] = value
        if len(figures) == len(COLUMNS):
            errors += [_error(number, label[FIELD_COLUMNS[f]], m) for f, m in figure_errors(figures).items()]
        if unit is not None and unit.unit_id not in seen:
            seen[unit.unit_id] = number
            parsed.append((unit.unit_id, figures))
    if errors:
        raise ImportRejected(errors)
    if not parsed:
        raise ImportRejected([_error(2, None, "Tệp không có dòng số liệu nào.")])
    return parsed


def import_figures(session: Session, year: int, period: str, filename: str, content: bytes,
                   now: datetime) -> list[TargetFigures]:
    units = {u.code: u for u in session.scalars(select(Unit).where(Unit.active.is_(True)))}
    parsed = parse_figures(read_rows(filename, content), units)
    # The system's export is the source of truth: it replaces what was typed, without If-Match.
    return [put_figures(session, unit_id, year, period, figures, "import", now, check=False) for unit_id, figures in parsed]


def template_workbook(session: Session, year: int, period: str, period_label: str) -> bytes:
    """The import template: the Vietnamese headings, one row per active unit (code and name), each prefilled with the
    figures already held for the year and period, so a person corrects rather than retypes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from dvk_documents import sheet_cell

    held = {f.unit_id: f.figures() for f in session.scalars(
        select(TargetFigures).where(TargetFigures.year == year, TargetFigures.period == period))}
    book = Workbook()
    sheet = book.active
    sheet.title = "So lieu chi tieu"
    sheet.append([HEADINGS[c] for c in TEMPLATE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for unit in session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.unit_id)):
        figures = held.get(unit.unit_id, {})
        row = sheet.max_row + 1
        for column, item in enumerate([unit.code, unit.name, *(figures.get(field) for field in COLUMNS.values())], 1):
            sheet_cell(sheet, row, column, item)  # a unit named "=…" stays text
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = 34 if column == NAME_COLUMN else 18
    sheet.freeze_panes = "C2"
    notes = book.create_sheet("Huong dan")
    for line in (
        f"Số liệu chỉ tiêu — {period_label} năm {year}",
        "Mỗi dòng một đơn vị; giữ nguyên cột “Mã đơn vị”. Cột “Tên đơn vị” chỉ để đối chiếu, không được đọc.",
        "Các số là số nguyên không âm; đúng và trước hạn ≤ đã giải quyết; hài lòng ≤ lượt đánh giá; vi phạm ≤ cán bộ.",
        "Tệp có bất kỳ lỗi nào thì không dòng nào được ghi. Tên cột kiểu ma_don_vi, ho_so_tiep_nhan… cũng được chấp nhận.",
    ):
        notes.append([line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
