"""Marshmallow in Vietnamese: field errors are shown to ward staff as they are."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, pre_load, validate

from dvk_core import text

_FIELD_MESSAGES: dict[type, dict[str, str]] = {
    fields.Field: {
        "required": "Trường này là bắt buộc.",
        "null": "Trường này không được để trống.",
        "validator_failed": "Giá trị không hợp lệ.",
    },
    fields.String: {"invalid": "Phải là chuỗi ký tự.", "invalid_utf8": "Chuỗi ký tự không đúng mã UTF-8."},
    fields.Integer: {"invalid": "Phải là số nguyên."},
    fields.Number: {"invalid": "Phải là số.", "too_large": "Số quá lớn."},
    fields.Float: {"special": "Không chấp nhận giá trị NaN hoặc vô cực."},
    fields.Decimal: {"special": "Không chấp nhận giá trị NaN hoặc vô cực."},
    fields.Boolean: {"invalid": "Phải là đúng/sai (true/false)."},
    fields.Date: {"invalid": "Ngày không hợp lệ (định dạng YYYY-MM-DD).", "format": "Không định dạng được ngày."},
    fields.DateTime: {"invalid": "Thời điểm không hợp lệ (định dạng ISO 8601)."},
    fields.Email: {"invalid": "Địa chỉ thư điện tử không hợp lệ."},
    fields.URL: {"invalid": "Địa chỉ URL không hợp lệ."},
    fields.List: {"invalid": "Phải là danh sách."},
    fields.Dict: {"invalid": "Phải là đối tượng JSON."},
    fields.Nested: {"type": "Kiểu dữ liệu không hợp lệ."},
    fields.UUID: {"invalid_uuid": "Mã UUID không hợp lệ."},
    fields.Enum: {"unknown": "Phải là một trong: {choices}."},
}


def use_vietnamese_messages() -> None:
    """Replace marshmallow's English defaults once, for every schema of the service."""
    for field_class, messages in _FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    Schema._default_error_messages = {"type": "Kiểu dữ liệu không hợp lệ.", "unknown": "Trường không được phép."}
    validate.Length.message_min = "Phải có ít nhất {min} ký tự."
    validate.Length.message_max = "Không được dài quá {max} ký tự."
    validate.Length.message_all = "Độ dài phải từ {min} đến {max} ký tự."
    validate.Length.message_equal = "Độ dài phải đúng {equal} ký tự."
    validate.Range.message_min = "Phải {min_op} {{min}}."
    validate.Range.message_max = "Phải {max_op} {{max}}."
    validate.Range.message_all = "Phải {min_op} {{min}} và {max_op} {{max}}."
    validate.Range.message_gte = "lớn hơn hoặc bằng"
    validate.Range.message_gt = "lớn hơn"
    validate.Range.message_lte = "nhỏ hơn hoặc bằng"
    validate.Range.message_lt = "nhỏ hơn"
    validate.OneOf.default_message = "Phải là một trong: {choices}."
    validate.Regexp.default_message = "Không đúng định dạng."
    validate.Email.default_message = "Địa chỉ thư điện tử không hợp lệ."


# At import, before any service defines a schema: a field takes its messages when it is made, which is when the
# service's schema module is imported (a ServiceSpec imports its blueprints, hence its schemas, before create_app
# runs), so calling this from create_app alone would leave those fields English.
use_vietnamese_messages()


# How deep a request body may nest objects and lists: the deepest body of any service is four levels.
MAX_DEPTH = 10
# The furthest page (or offset) a list may be asked for: far beyond any ward's records, and within what the database takes.
MAX_PAGE = 100_000


def nfc(value: Any) -> Any:
    """Normalise text to Unicode NFC (Vietnamese typed on different keyboards differs otherwise), trimmed, with the
    line breaks of a browser's text area (CR LF) as one newline. Walks at most MAX_DEPTH levels of lists and objects
    (the body policy has refused deeper ones already); deeper values are left as they are for validation to refuse."""
    return _nfc(value, 0)


def _nfc(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [_nfc(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v, depth + 1) for k, v in value.items()}
    return value


# What an integer column holds: an integer without a Range of its own is a count or an id, 0 … 2^31 - 1.
INTEGER_RANGE = (0, 2**31 - 1)


class Integer(fields.Integer):
    """An integer as JSON Schema defines one (2026, or 2026.0) and nothing else: not 2026.5, not "2028", not true
    (a query string's digits are read by QuerySchema); bounded like every number (INTEGER_RANGE unless the field
    says otherwise), and the bounds are documented."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)

    def __init__(self, **kwargs: Any) -> None:
        kwargs["strict"] = True
        validators = kwargs.get("validate") or []
        validators = list(validators) if isinstance(validators, list | tuple) else [validators]
        ranges = [v for v in validators if isinstance(v, validate.Range)]
        if not any(r.min is not None for r in ranges):
            validators.append(validate.Range(min=INTEGER_RANGE[0]))
        if not any(r.max is not None for r in ranges):
            validators.append(validate.Range(max=INTEGER_RANGE[1]))
        kwargs["validate"] = validators
        super().__init__(**kwargs)


class Boolean(fields.Boolean):
    """true or false and nothing else: not 0, not "yes" (a query string's "true"/"false" are read by QuerySchema)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


# Free text of this many characters or more is paragraphs (newlines allowed); shorter text is one line.
MULTILINE_FROM_LENGTH = 2000


def _max_length(field: fields.Field) -> int | None:
    lengths = [v.max for v in field.validators if isinstance(v, validate.Length) and v.max is not None]
    return min(lengths) if lengths else None


def _must_be_filled(field: fields.Field) -> bool:
    return any(isinstance(v, validate.Length) and (v.min or 0) >= 1 for v in field.validators)


def _apply_text_policy(field: fields.Field, name: str) -> None:
    """Give a free-text field the text policy: its validator, and its `pattern` in the OpenAPI document."""
    if isinstance(field, fields.List):
        _apply_text_policy(field.inner, name)
        return
    if isinstance(field, fields.Dict):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                _apply_text_policy(inner, name)
        return
    if not isinstance(field, fields.String) or getattr(field, "_dvk_text_policy", False):
        return
    field._dvk_text_policy = True  # type: ignore[attr-defined]
    multiline = field.metadata.get("multiline")
    if multiline is None:
        max_length = _max_length(field)
        multiline = max_length is not None and max_length >= MULTILINE_FROM_LENGTH
    # a new list: marshmallow's copies of a declared field share the class's list of validators
    field.validators = [*field.validators, ControlCharacters(multiline)]
    if not any(isinstance(v, validate.Regexp) for v in field.validators) and "pattern" not in field.metadata:
        if _must_be_filled(field):
            pattern = text.MULTILINE_FILLED_PATTERN if multiline else text.ONE_LINE_FILLED_PATTERN
        else:
            pattern = text.MULTILINE_PATTERN if multiline else text.ONE_LINE_PATTERN
        field.metadata = {**field.metadata, "pattern": pattern}


class ControlCharacters(validate.Validator):
    """The text policy (dvk_core.text): no control characters but tab, and newline in multi-line text."""

    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            char = text.refused_character(value, self.multiline)
            if char is not None:
                what = "ký tự điều khiển" if char not in "\n" else "xuống dòng (trường này chỉ gồm một dòng)"
                raise ValidationError(f"Không được chứa {what} ({text.describe_character(char)}).")
        return value


class BaseSchema(Schema):
    """Request schemas normalise every string to NFC before validation, and hold free text to the text policy."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        _apply_text_policy(field_obj, field_name)

    @pre_load
    def _normalise(self, data: Any, **_kwargs: Any) -> Any:
        return nfc(data)


_TRUE, _FALSE = {"true", "1"}, {"false", "0"}


class QuerySchema(BaseSchema):
    """A query string's schema: its text is read into the strict fields' types first (ASCII digits for an Integer,
    true/false/1/0 for a Boolean); anything else stays text, which the field then refuses."""

    @pre_load
    def _normalise(self, data: Any, **_kwargs: Any) -> Any:
        if not hasattr(data, "keys"):
            return data
        typed = {}
        for key in data.keys():  # noqa: SIM118 - webargs' MultiDictProxy gives lists for List fields by key
            field = self.fields.get(key)
            typed[key] = _typed(field.inner if isinstance(field, fields.List) else field, nfc(data[key]))
        return typed


def _typed(field: fields.Field | None, value: Any) -> Any:
    if isinstance(value, list):
        return [_typed(field, v) for v in value]
    if not isinstance(value, str):
        return value
    if isinstance(field, fields.Integer) and _ASCII_INTEGER.fullmatch(value):
        return int(value)
    if isinstance(field, fields.Boolean):
        lowered = value.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    return value


_ASCII_INTEGER = re.compile(r"-?[0-9]{1,18}")


# Messages of one field: a list of texts, or (a nested object, a list's items) messages by member or index.
_FIELD_ERRORS = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]}


class ProblemDetailsSchema(Schema):
    """application/problem+json (RFC 9457), the shape of every refusal and error of every service: what
    dvk_platform.errors writes. Some problems carry more members (e.g. `current_status` for a refused
    transition, `existing_nomination_id` for a duplicate), hence additional properties are allowed."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "urn:dvk:problem:<slug>", "pattern": r"^urn:dvk:problem:[a-z0-9-]+$"})
    title = fields.String(required=True, validate=validate.Length(min=1), metadata={"description": "in Vietnamese, for people"})
    status = fields.Integer(required=True, validate=validate.Range(min=400, max=599), metadata={"description": "the HTTP status"})
    detail = fields.String(metadata={"description": "this occurrence, in Vietnamese"})
    instance = fields.String(required=True, metadata={"description": "the path that was asked for"})
    errors = fields.Raw(metadata={
        "description": "what was wrong: field → messages (a 422 of a body, query or form), or one entry per wrong "
                       "row of an imported file",
        "oneOf": [
            {"type": "object", "additionalProperties": _FIELD_ERRORS},
            {"type": "array", "items": {"type": "object", "required": ["row", "message"], "properties": {
                "row": {"type": "integer"}, "column": {"type": ["string", "null"]}, "message": {"type": "string"}}}},
        ],
    })
    allowed = fields.List(fields.String(), metadata={"description": "for a 405: the methods the address takes"})
    current_status = fields.String(metadata={"description": "for a refused transition: the record's status now"})
    current_version = fields.Integer(metadata={"description": "for a 412 or 428: the record's version now"})
