"""Official documents of the ward in the state format of Nghị định 30/2020/NĐ-CP: the document model
(`official`), its Word rendering (`word`) and printed sheets (`sheets`). Installed by the images of the services
that write documents (reporting, awards, the gateway) and by the province's roll-up; the runtime never imports it."""

from __future__ import annotations

from .official import (
    BODY_SIZE,
    CELL_PADDING,
    CLOSING_COLUMNS,
    CLOSING_MARK,
    DRAFT_MARK,
    FONT,
    HEADER_COLUMNS,
    HEADER_DISTANCE,
    HEADER_SIZE,
    MOTTO,
    MOTTO_SIZE,
    NATIONAL_TITLE,
    PAGE_NUMBER_SIZE,
    RECIPIENTS_SIZE,
    RECIPIENTS_TITLE_SIZE,
    RULE_WEIGHT,
    SHORT_RULE_SHARE,
    TABLE_SIZE,
    TEXT_WIDTH,
    TYPE_CODES,
    Block,
    Issuer,
    OfficialDocument,
    Paragraph,
    ParagraphStyle,
    Signature,
    Table,
    bullet,
    clean_text,
    date_line,
    document_number,
    filing_line,
    heading,
    issuer_from,
    number_line,
    office_hours,
    short_date,
    signer_name,
    text_width_mm,
)
from .sheets import (
    FORMULA_START,
    SHEET_FONT_SIZE,
    PrintedSheet,
    sheet_cell,
    workbook_properties,
    write_sheet,
)
from .word import (
    render_docx,
)

__all__ = [
    'BODY_SIZE', 'Block', 'CELL_PADDING', 'CLOSING_COLUMNS', 'CLOSING_MARK', 'DRAFT_MARK', 'FONT',
    'FORMULA_START', 'HEADER_COLUMNS', 'HEADER_DISTANCE', 'HEADER_SIZE', 'Issuer', 'MOTTO', 'MOTTO_SIZE',
    'NATIONAL_TITLE', 'OfficialDocument', 'PAGE_NUMBER_SIZE', 'Paragraph', 'ParagraphStyle', 'PrintedSheet',
    'RECIPIENTS_SIZE', 'RECIPIENTS_TITLE_SIZE', 'RULE_WEIGHT', 'SHEET_FONT_SIZE', 'SHORT_RULE_SHARE', 'Signature',
    'TABLE_SIZE', 'TEXT_WIDTH', 'TYPE_CODES', 'Table', 'bullet', 'clean_text', 'date_line', 'document_number',
    'filing_line', 'heading', 'issuer_from', 'number_line', 'office_hours', 'render_docx', 'sheet_cell',
    'short_date', 'signer_name', 'text_width_mm', 'workbook_properties', 'write_sheet',
]
