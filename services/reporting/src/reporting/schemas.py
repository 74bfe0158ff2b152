"""Request and response shapes of the reporting API."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from dvk_platform.history import WorkflowHistorySchema
from dvk_platform.schemas import BaseSchema, Boolean, Integer, QuerySchema

from .models import FIGURE_FIELDS, PERIODS, REPORT_STATUSES
from .services import figure_errors

YEAR = Integer(required=True, validate=validate.Range(min=2000, max=2100))
PERIOD = fields.String(required=True, validate=validate.OneOf(list(PERIODS)))
LONG_TEXT = validate.Length(max=20000)


class VersionedSchema(BaseSchema):
    """Edits and transitions carry the version the user saw (or send it as If-Match)."""

    version = Integer(load_default=None)


class SectionsSchema(BaseSchema):
    leadership = fields.String(validate=LONG_TEXT)
    effectiveness = fields.String(validate=LONG_TEXT)
    good_practices = fields.String(validate=LONG_TEXT)
    difficulties = fields.String(validate=LONG_TEXT)
    recommendations = fields.String(validate=LONG_TEXT)
    next_direction = fields.String(validate=LONG_TEXT)


class ModelResultInSchema(BaseSchema):
    model_id = Integer(required=True)
    result = fields.String(required=True, validate=LONG_TEXT)


class ModelResultSchema(BaseSchema):
    model_id = Integer()
    title = fields.String()
    field = fields.String()
    result = fields.String()


class ReportCreateSchema(BaseSchema):
    unit_id = Integer(load_default=None)
    year = YEAR
    period = PERIOD
    sections = fields.Nested(SectionsSchema)
    model_results = fields.List(fields.Nested(ModelResultInSchema))


class ReportUpdateSchema(VersionedSchema):
    sections = fields.Nested(SectionsSchema)
    model_results = fields.List(fields.Nested(ModelResultInSchema))


class ReturnSchema(VersionedSchema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class ReportQuerySchema(QuerySchema):
    year = Integer()
    period = fields.String(validate=validate.OneOf(list(PERIODS)))
    unit_id = Integer()
    status = fields.String(validate=validate.OneOf(list(REPORT_STATUSES)))


class ReportSchema(BaseSchema):
    id = Integer()
    unit_id = Integer()
    year = Integer()
    period = fields.String()
    status = fields.String()
    sections = fields.Dict()
    model_results = fields.List(fields.Nested(ModelResultSchema))
    due_date = fields.Date()
    late = Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    return_reason = fields.String(allow_none=True)
    version = Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class HistorySchema(WorkflowHistorySchema):
    """One step of a report's history; `reason` and `at` are the names earlier answers gave `note` and `occurred_at`."""

    reason = fields.String(attribute="note", allow_none=True, dump_only=True)
    at = fields.DateTime(attribute="occurred_at", dump_only=True)


class YearQuerySchema(QuerySchema):
    year = YEAR


class YearPeriodQuerySchema(QuerySchema):
    year = YEAR
    period = PERIOD


class DeadlineSchema(BaseSchema):
    year = Integer()
    period = fields.String()
    period_name = fields.String()
    due_date = fields.Date()
    configured = Boolean()


class DeadlineUpdateSchema(BaseSchema):
    due_date = fields.Date(required=True)


class FiguresInSchema(VersionedSchema):
    files_received = Integer(required=True, validate=validate.Range(min=0))
    files_resolved = Integer(required=True, validate=validate.Range(min=0))
    files_on_time = Integer(required=True, validate=validate.Range(min=0))
    online_files = Integer(required=True, validate=validate.Range(min=0))
    cashless_payments = Integer(required=True, validate=validate.Range(min=0))
    survey_responses = Integer(required=True, validate=validate.Range(min=0))
    satisfied_responses = Integer(required=True, validate=validate.Range(min=0))
    digital_literacy_participants = Integer(required=True, validate=validate.Range(min=0))
    officials_total = Integer(required=True, validate=validate.Range(min=0))
    officials_violating = Integer(required=True, validate=validate.Range(min=0))

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if all(name in data for name in FIGURE_FIELDS):
            errors = figure_errors(data)
            if errors:
                raise ValidationError({name: [message] for name, message in errors.items()})


class FiguresSchema(BaseSchema):
    unit_id = Integer()
    year = Integer()
    period = fields.String()
    files_received = Integer()
    files_resolved = Integer()
    files_on_time = Integer()
    online_files = Integer()
    cashless_payments = Integer()
    survey_responses = Integer()
    satisfied_responses = Integer()
    digital_literacy_participants = Integer()
    officials_total = Integer()
    officials_violating = Integer()
    source = fields.String()
    version = Integer()
    updated_at = fields.DateTime()


class ImportResultSchema(BaseSchema):
    imported = Integer()
    figures = fields.List(fields.Nested(FiguresSchema))


class ListItemSchema(BaseSchema):
    unit_id = Integer(allow_none=True, load_default=None)
    unit_name = fields.String(required=True, validate=validate.Length(max=200))
    text = fields.String(required=True, validate=LONG_TEXT)


class ConsolidatedContentSchema(BaseSchema):
    intro = fields.String(validate=LONG_TEXT)
    leadership = fields.String(validate=LONG_TEXT)
    results = fields.String(validate=LONG_TEXT)
    effectiveness = fields.String(validate=LONG_TEXT)
    next_direction = fields.String(validate=LONG_TEXT)
    good_practices = fields.List(fields.Nested(ListItemSchema))
    difficulties = fields.List(fields.Nested(ListItemSchema))
    recommendations = fields.List(fields.Nested(ListItemSchema))


class ConsolidatedCreateSchema(BaseSchema):
    year = YEAR
    period = PERIOD


class ConsolidatedUpdateSchema(VersionedSchema):
    title = fields.String(validate=validate.Length(min=1, max=500))
    document_date = fields.Date(allow_none=True)
    recipients = fields.List(fields.String(validate=validate.Length(min=1, max=300)))
    signer_name = fields.String(validate=validate.Length(max=200))
    content = fields.Nested(ConsolidatedContentSchema)


class FinaliseSchema(VersionedSchema):
    number = Integer(load_default=None, validate=validate.Range(min=1, max=9999))


class SignoffSchema(VersionedSchema):
    """Trình ký or approve: only the version the caller saw."""


class ConsolidatedSummarySchema(BaseSchema):
    id = Integer()
    year = Integer()
    period = fields.String()
    status = fields.String()
    number = Integer(allow_none=True)
    number_cited = fields.String(allow_none=True, metadata={"description": "\"05/BC-UBND\" once issued"})
    title = fields.String()
    document_date = fields.Date(allow_none=True)
    version = Integer()


class ConsolidatedSchema(BaseSchema):
    id = Integer()
    year = Integer()
    period = fields.String()
    status = fields.String()
    number = Integer(allow_none=True)
    number_text = fields.String()
    number_cited = fields.String(allow_none=True, metadata={"description": "\"05/BC-UBND\" once issued"})
    title = fields.String()
    document_date = fields.Date(allow_none=True)
    content = fields.Dict()
    recipients = fields.List(fields.String())
    signer_name = fields.String()
    figures = fields.Dict()
    finalised_at = fields.DateTime(allow_none=True)
    submitted_for_signature_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    version = Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SnapshotRequestSchema(BaseSchema):
    year = YEAR
    period = PERIOD


class ReportFileSchema(Schema):
    """An evidence file of a unit report: what it is, never its bytes (GET …/files/{file_id} serves those)."""

    id = fields.Integer()
    report_id = fields.Integer()
    name = fields.String(metadata={"description": "tên tệp như người tải lên đặt (NFC)"})
    caption = fields.String()
    media_type = fields.String(metadata={"description": "loại tệp xét theo nội dung"})
    size = fields.Integer(metadata={"description": "số byte"})
    sha256 = fields.String(metadata={"description": "mã băm SHA-256 của nội dung, dạng hex"})
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    has_preview = fields.Boolean(metadata={"description": "ảnh: có bản xem trước (tối đa 2560 px) và ảnh nhỏ"})
    uploaded_by_name = fields.String()
    uploaded_at = fields.DateTime()
