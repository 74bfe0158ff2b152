"""Reading a units spreadsheet (CSV or XLSX) into rows for the all-or-nothing import."""
from __future__ import annotations

import csv
import io
import warnings
from typing import Any

from marshmallow import ValidationError

from dvk_platform.errors import Invalid

from .models import UNIT_KINDS
from .schemas import UnitCreateSchema
from .services import fold

# Column headings ward staff write, accent-folded, and the field each one fills.
HEADINGS = {
    "code": "code", "ma": "code", "ma don vi": "code",
    "name": "name", "ten": "name", "ten don vi": "name",
    "kind": "kind", "loai": "kind", "loai don vi": "kind", "khoi": "kind",
    "active": "active", "hoat dong": "active", "dang hoat dong": "active",
}
KIND_WORDS = {fold(label): code for code, label in UNIT_KINDS.items()} | {
    "co quan": "co_quan", "to dan pho": "to_dan_pho", "cong an": "cong_an", "quan su": "quan_su",
    "mttq": "mttq_doan_the", "doan the": "mttq_doan_the", "mttq doan the": "mttq_doan_the",
}
YES = {"1", "true", "co", "x", "yes", "dang hoat dong", "hoat dong"}
NO = {"0", "false", "khong", "no", "ngung", "ngung hoat dong"}


def read_table(file_name: str, content: bytes) -> list[list[Any]]:
    if file_name.lower().endswith(".xlsx") or content[:2] == b"PK":
        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles it does not read
                book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same problem to the user
            raise Invalid(slug="unreadable-file", title="Không đọc được tệp Excel (.xlsx).",
                          detail="Tệp không phải bảng tính Excel: hãy mở tệp bằng Excel hoặc LibreOffice và lưu lại "
                                 "dạng .xlsx.") from exc
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(slug="unreadable-file", title="Tệp CSV phải dùng bảng mã UTF-8.") from exc
    first_line = decoded.splitlines()[0] if decoded else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return [list(row) for row in csv.reader(io.StringIO(decoded), delimiter=delimiter)]


def rows_from_table(table: list[list[Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Rows numbered as the spreadsheet shows them (heading = row 1); blank rows are skipped."""
    if not table:
        raise Invalid(slug="empty-file", title="Tệp không có dữ liệu.")
    columns = [HEADINGS.get(fold(str(h)) if h is not None else "") for h in table[0]]
    missing = {"code", "name", "kind"} - set(columns)
    if missing:
        raise Invalid(slug="bad-headings", title="Thiếu cột bắt buộc trong dòng tiêu đề.",
                      detail="Cần các cột: Mã đơn vị, Tên đơn vị, Loại đơn vị (hoặc code, name, kind).",
                      missing=sorted(missing))
    rows = []
    for number, values in enumerate(table[1:], start=2):
        raw = {col: ("" if v is None else str(v)) for col, v in zip(columns, values, strict=False) if col}
        if any(v.strip() for v in raw.values()):
            rows.append((number, raw))
    return rows


def validate_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Apply the same rules as POST /units; kinds and yes/no may be written in Vietnamese."""
    values = dict(raw)
    kind = fold(values.get("kind"))
    values["kind"] = KIND_WORDS.get(kind, values.get("kind", "").strip())
    active = fold(values.get("active"))
    if not active:
        values.pop("active", None)
    elif active in YES or active in NO:
        values["active"] = active in YES
    try:
        return UnitCreateSchema().load(values), {}
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        return {}, {k: list(v) if isinstance(v, list) else [str(v)] for k, v in messages.items()}
