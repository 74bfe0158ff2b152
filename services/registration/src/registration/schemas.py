"""Request and response shapes of the registration API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from dvk_platform.history import WorkflowHistorySchema
from dvk_platform.schemas import MAX_PAGE, BaseSchema, Boolean, Integer, QuerySchema

from .models import FIELDS, RATINGS, STATUSES, UNIT_KINDS

CODE = [validate.Length(min=1, max=40), validate.Regexp(r"^[a-z0-9][a-z0-9-]*$", error="Chỉ gồm chữ thường không dấu, số và dấu gạch ngang.")]
YEAR = validate.Range(min=2000, max=2100)


def filled(max_length: int) -> list[validate.Validator]:
    """Text that must not be blank (BaseSchema has already trimmed it) and not too long."""
    return [validate.Length(min=1, error="Không được để trống."), validate.Length(max=max_length)]


def text(max_length: int, required: bool = True) -> fields.String:
    return fields.String(required=required, validate=filled(max_length))


class VersionSchema(BaseSchema):
    """Optional body version for clients that cannot send If-Match."""

    version = Integer(load_default=None)


# ---------------------------------------------------------------- units

class UnitCreateSchema(BaseSchema):
    code = fields.String(required=True, validate=CODE)
    name = text(200)
    kind = fields.String(required=True, validate=validate.OneOf(list(UNIT_KINDS)))
    active = Boolean(load_default=True)


class UnitUpdateSchema(VersionSchema):
    code = fields.String(validate=CODE)
    name = text(200, required=False)
    kind = fields.String(validate=validate.OneOf(list(UNIT_KINDS)))


class UnitQuerySchema(QuerySchema):
    kind = fields.String(validate=validate.OneOf(list(UNIT_KINDS)))
    active = Boolean()
    q = fields.String(validate=validate.Length(max=200))


class UnitSchema(Schema):
    id = Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    active = Boolean()
    version = Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ImportRowErrorSchema(Schema):
    row = Integer()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class UnitImportResultSchema(Schema):
    mode = fields.String()
    imported = Integer()
    message = fields.String()
    units = fields.List(fields.Nested(UnitSchema))


# ---------------------------------------------------------------- periods

class PeriodCreateSchema(BaseSchema):
    year = Integer(required=True, validate=YEAR)
    deadline = fields.Date(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class PeriodUpdateSchema(VersionSchema):
    """PATCH body: the new deadline and why (required); the version as If-Match or "version"."""

    deadline = fields.Date(required=True)
    reason = fields.String(required=True, validate=filled(2000))


class PeriodSchema(Schema):
    id = Integer()
    year = Integer()
    deadline = fields.Date()
    note = fields.String(allow_none=True)
    opened_by = fields.String()
    opened_at = fields.DateTime()
    version = Integer()
    updated_at = fields.DateTime(allow_none=True)


class PeriodChangeSchema(Schema):
    from_deadline = fields.Date()
    to_deadline = fields.Date()
    reason = fields.String()
    actor_id = fields.String()
    actor_name = fields.String()
    actor_role = fields.String()
    occurred_at = fields.DateTime()


class PeriodDetailSchema(PeriodSchema):
    history = fields.List(fields.Nested(PeriodChangeSchema))


# ---------------------------------------------------------------- model registrations

class IndicatorSchema(BaseSchema):
    """A measurable expected result, e.g. "Tỷ lệ hồ sơ trực tuyến" target 80 "%"."""

    name = text(300)
    target = fields.String(required=True, validate=validate.Length(min=1, max=100))
    unit = fields.String(load_default=None, validate=validate.Length(max=50))


class AttachmentSchema(BaseSchema):
    """Metadata of an attached file; the file itself lives in the ward's document store."""

    file_name = text(255)
    content_type = fields.String(load_default=None, validate=validate.Length(max=100))
    size = Integer(load_default=None, validate=validate.Range(min=0))
    url = fields.String(load_default=None, validate=validate.Length(max=1000))


class ModelFieldsSchema(BaseSchema):
    title = text(300)
    field = fields.String(required=True, validate=validate.OneOf(list(FIELDS)))
    goals = text(10_000)
    content = text(20_000)
    target_group = text(2_000)
    person_in_charge = text(200)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    expected_results = text(10_000)
    indicators = fields.List(fields.Nested(IndicatorSchema), load_default=list)
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list)


class ModelCreateSchema(ModelFieldsSchema):
    year = Integer(load_default=None, validate=YEAR)


class ModelUpdateSchema(ModelFieldsSchema):
    """PATCH body (loaded with partial=True): absent fields keep their value."""

    indicators = fields.List(fields.Nested(IndicatorSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    version = Integer(load_default=None)


class ReturnSchema(VersionSchema):
    reason = fields.String(required=True, validate=filled(5000))


class NoteSchema(VersionSchema):
    note = fields.String(load_default=None, validate=validate.Length(max=5000))


class ModelQuerySchema(QuerySchema):
    year = Integer(validate=YEAR)
    unit_id = Integer()
    field = fields.String(validate=validate.OneOf(list(FIELDS)))
    status = fields.String(validate=validate.OneOf(list(STATUSES)))
    late = Boolean()
    typical = Boolean()
    q = fields.String(validate=validate.Length(max=200))
    page = Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = Integer(load_default=20, validate=validate.Range(min=1, max=100))


class TransitionSchema(WorkflowHistorySchema):
    """One step of a model's workflow history."""


class InspectionCreateSchema(BaseSchema):
    inspected_on = fields.Date(required=True)
    inspector = text(200)
    rating = fields.String(required=True, validate=validate.OneOf(list(RATINGS)))
    findings = text(20_000)
    follow_up = fields.String(load_default=None, validate=validate.Length(max=20_000))


class InspectionSchema(Schema):
    id = Integer()
    model_id = Integer()
    inspected_on = fields.Date()
    inspector = fields.String()
    rating = fields.String()
    findings = fields.String()
    follow_up = fields.String(allow_none=True)
    recorded_by = fields.String()
    created_at = fields.DateTime()


class ModelSchema(Schema):
    id = Integer()
    unit_id = Integer()
    year = Integer()
    title = fields.String()
    field = fields.String()
    goals = fields.String()
    content = fields.String()
    target_group = fields.String()
    person_in_charge = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    expected_results = fields.String()
    indicators = fields.List(fields.Dict())
    attachments = fields.List(fields.Dict())
    status = fields.String()
    late = Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    typical = Boolean()
    typical_at = fields.DateTime(allow_none=True)
    typical_note = fields.String(allow_none=True)
    version = Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ModelFileSchema(Schema):
    """An evidence file of a model: what it is, never its bytes (GET …/files/{file_id} serves those)."""

    id = Integer()
    model_id = Integer()
    name = fields.String(metadata={"description": "tên tệp như người tải lên đặt (NFC)"})
    caption = fields.String()
    media_type = fields.String(metadata={"description": "loại tệp xét theo nội dung"})
    size = Integer(metadata={"description": "số byte"})
    sha256 = fields.String(metadata={"description": "mã băm SHA-256 của nội dung, dạng hex"})
    width = Integer(allow_none=True)
    height = Integer(allow_none=True)
    has_preview = Boolean(metadata={"description": "ảnh: có bản xem trước (tối đa 2560 px) và ảnh nhỏ"})
    uploaded_by_name = fields.String()
    uploaded_at = fields.DateTime()


class ModelDetailSchema(ModelSchema):
    history = fields.List(fields.Nested(TransitionSchema))
    files = fields.List(fields.Nested(ModelFileSchema))
    inspections = fields.List(fields.Nested(InspectionSchema))


class ModelPageSchema(Schema):
    items = fields.List(fields.Nested(ModelSchema))
    total = Integer()
    page = Integer()
    per_page = Integer()


# ---------------------------------------------------------------- compliance

class ComplianceUnitSchema(Schema):
    unit_id = Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    submitted = Integer()
    accepted = Integer()
    registered = Boolean()
    late = Boolean()


class UnitRefSchema(Schema):
    unit_id = Integer()
    name = fields.String()


class ComplianceSchema(Schema):
    year = Integer()
    deadline = fields.Date(allow_none=True)
    active_units = Integer()
    registered_units = Integer()
    accepted_units = Integer()
    percentage = fields.Float()
    accepted_percentage = fields.Float()
    missing_units = fields.List(fields.Nested(UnitRefSchema))
    late_units = fields.List(fields.Nested(UnitRefSchema))
    units = fields.List(fields.Nested(ComplianceUnitSchema))
