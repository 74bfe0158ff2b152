"""The Word rendering of an `OfficialDocument` (the layout rules are described in `dvk_documents.official`)."""
from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

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
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    MOTTO,
    MOTTO_SIZE,
    NATIONAL_TITLE,
    PAGE_HEIGHT,
    PAGE_NUMBER_SIZE,
    PAGE_WIDTH,
    RECIPIENTS_SIZE,
    RECIPIENTS_TITLE_SIZE,
    RULE_WEIGHT,
    SHORT_RULE_SHARE,
    TABLE_SIZE,
    TEXT_WIDTH,
    TYPE_CODES,
    Block,
    OfficialDocument,
    Paragraph,
    Table,
    clean_text,
    date_line,
    filing_line,
    number_line,
    office_hours,
    signer_name,
    text_width_mm,
)

_ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}

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
    stamp = office_hours(document.issued_on)
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
