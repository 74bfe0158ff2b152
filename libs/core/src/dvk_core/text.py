"""One text policy: what characters free text may hold, checked where text comes in and cleaned where it goes into
a document.

Free text is Unicode scalar values other than control characters, except tab everywhere and newline where a
field is multi-line (a title or a name is one line; achievements, minutes, a report's sections are paragraphs).
Unicode's two non-characters U+FFFE and U+FFFF are refused too: XML (hence Word and Excel files) cannot hold them.
"""
from __future__ import annotations

import re

# C0 controls except tab (\x09) and newline (\x0a), DEL, C1 controls, lone surrogates, U+FFFE/U+FFFF
_REFUSED_MULTILINE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_REFUSED_ONE_LINE = "\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
REFUSED_IN_TEXT = re.compile(f"[{_REFUSED_ONE_LINE}]")
REFUSED_IN_MULTILINE_TEXT = re.compile(f"[{_REFUSED_MULTILINE}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_schema_class(refused: str) -> str:
    """The same character class written for JSON Schema's (ECMA-262) `pattern`. Surrogates are left out: JSON
    Schema speaks of characters, and a lone surrogate is none (the body policy refuses it before any schema)."""
    refused = refused.replace("\ud800-\udfff", "")
    out = []
    for char in refused:
        out.append(char if char == "-" else f"\\u{ord(char):04x}")
    return "".join(out)


# `pattern` of a free-text field in the OpenAPI documents: what a client may send (the same rule as above)
ONE_LINE_PATTERN = f"^[^{_json_schema_class(_REFUSED_ONE_LINE)}]*$"
MULTILINE_PATTERN = f"^[^{_json_schema_class(_REFUSED_MULTILINE)}]*$"
# the same, for a field that must not be blank once trimmed: at least one character that is not white space
ONE_LINE_FILLED_PATTERN = f"^[^{_json_schema_class(_REFUSED_ONE_LINE)}]*[^\\s{_json_schema_class(_REFUSED_ONE_LINE)}]" \
                          f"[^{_json_schema_class(_REFUSED_ONE_LINE)}]*$"
MULTILINE_FILLED_PATTERN = f"^[^{_json_schema_class(_REFUSED_MULTILINE)}]*[^\\s{_json_schema_class(_REFUSED_MULTILINE)}]" \
                           f"[^{_json_schema_class(_REFUSED_MULTILINE)}]*$"


def refused_character(text: str, multiline: bool) -> str | None:
    """The first character free text may not hold, or None."""
    found = (REFUSED_IN_MULTILINE_TEXT if multiline else REFUSED_IN_TEXT).search(text)
    return found.group() if found else None


def has_lone_surrogate(text: str) -> bool:
    """Whether the text holds a UTF-16 surrogate on its own (JSON "\\ud800"): not a character, cannot be stored."""
    return _SURROGATE.search(text) is not None


def describe_character(char: str) -> str:
    """U+0001 and the like, as a person reading a refusal can look it up."""
    return f"U+{ord(char):04X}"


# What XML 1.0 (inside .docx and .xlsx) cannot hold: C0 controls other than tab, newline and carriage return,
# surrogates and U+FFFE/U+FFFF. Stored text never holds them (the text policy), but a document is made from
# other services' events and older records too: it drops them rather than fail to render.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def document_text(value: object) -> str:
    """Text as it may go into a Word or Excel document: characters XML cannot hold removed. None is ''."""
    if value is None:
        return ""
    return _NOT_IN_XML.sub("", value if isinstance(value, str) else str(value))


def document_row(values: list[object]) -> list[object]:
    """A row for an Excel sheet: its texts as `document_text`, numbers and dates as they are."""
    return [document_text(v) if isinstance(v, str) else v for v in values]
