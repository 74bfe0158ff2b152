"""Marshmallow in Vietnamese: field errors are shown to ward staff as they are."""
from __future__ import annotations

import unicodedata
from typing import Any

from marshmallow import INCLUDE, Schema, fields, pre_load, validate

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


def nfc(value: Any) -> Any:
    """Normalise text to Unicode NFC (Vietnamese typed on different keyboards differs otherwise)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    return value


class BaseSchema(Schema):
    """Request schemas normalise every string to NFC before validation."""

    @pre_load
    def _normalise(self, data: Any, **_kwargs: Any) -> Any:
        return nfc(data)


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
