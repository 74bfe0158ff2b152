"""Request and response shapes of the notify API."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from dvk_core import webhooks
from dvk_platform.schemas import MAX_PAGE, BaseSchema, Boolean, Integer, QuerySchema

from .models import CHANNELS, DEADLINE_KINDS, DELIVERY_STATUSES, as_utc


class UtcDateTime(fields.DateTime):
    """Instants always leave with their UTC offset (SQLite hands them back naive)."""

    def _serialize(self, value, attr, obj, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's signature
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class PageQuerySchema(QuerySchema):
    limit = Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = Integer(load_default=0, validate=validate.Range(min=0, max=MAX_PAGE * 100))


class InboxQuerySchema(PageQuerySchema):
    unread = Boolean(load_default=False)


class InboxMessageSchema(BaseSchema):
    id = Integer()
    subject = fields.String()
    body = fields.String(metadata={"multiline": True})  # several lines: what happened, the reason, what to do
    link = fields.String(allow_none=True)
    event_type = fields.String()
    unit_id = Integer(allow_none=True)
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)
    read = fields.Function(lambda m: m.read_at is not None)


class InboxPageSchema(BaseSchema):
    items = fields.List(fields.Nested(InboxMessageSchema))
    total = Integer()
    unread = Integer()


class UnreadCountSchema(BaseSchema):
    unread = Integer()


class MarkedSchema(BaseSchema):
    marked = Integer()


class DeliveryQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    event_type = fields.String(validate=validate.Length(max=160))


class DeliverySchema(BaseSchema):
    id = Integer()
    channel = fields.String()
    recipient = fields.String()
    recipient_name = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    subject = fields.String()
    status = fields.String()
    attempts = Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime()
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)


class DeliveryPageSchema(BaseSchema):
    items = fields.List(fields.Nested(DeliverySchema))
    total = Integer()


def signing_secret(value: str) -> None:
    """A webhook secret: `whsec_<base64>` (Standard Webhooks) or any other string of 16 characters or more."""
    try:
        webhooks.secret_key(value)
    except ValueError as exc:
        raise ValidationError(f"Khóa ký không hợp lệ: {exc}.") from None


class SubscriberCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.URL(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    secret = fields.String(validate=[validate.Length(min=16, max=200), signing_secret])
    event_types = fields.List(fields.String(validate=validate.Regexp(r"^vn\.dvk\.[a-z0-9.*-]+$")), load_default=list)
    active = Boolean(load_default=True)


class SubscriberUpdateSchema(BaseSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    url = fields.URL(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    secret = fields.String(validate=[validate.Length(min=16, max=200), signing_secret])
    event_types = fields.List(fields.String(validate=validate.Regexp(r"^vn\.dvk\.[a-z0-9.*-]+$")))
    active = Boolean()
    version = Integer()


class SubscriberSchema(BaseSchema):
    id = Integer()
    name = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    active = Boolean()
    previous_secret_until = UtcDateTime(allow_none=True, metadata={"description": "the replaced secret still signs until then"})
    version = Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class SubscriberCreatedSchema(SubscriberSchema):
    secret = fields.String()  # shown once, when the subscriber is added


class ReminderSchema(BaseSchema):
    id = Integer()
    unit_id = Integer()
    deadline_kind = fields.String()
    year = Integer()
    due_date = fields.Date()
    offset_days = Integer()
    recipients = Integer()
    sent_at = UtcDateTime()


class ReminderQuerySchema(PageQuerySchema):
    year = Integer(validate=validate.Range(min=2000, max=2100))
    unit_id = Integer()


class ManualReminderInSchema(BaseSchema):
    deadline_kind = fields.String(required=True, validate=validate.OneOf(DEADLINE_KINDS),
                                  metadata={"description": "registration | six_month_report | annual_report"})
    year = Integer(required=True, validate=validate.Range(min=2000, max=2100))
    unit_ids = fields.List(Integer(), required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "the units to remind (those the list showed as not having sent it)",
                                    "example": [12, 13]})
    due_date = fields.Date(load_default=None, metadata={
        "description": "the deadline as the service that owns it holds it; else notify's own"})


class ManualReminderResultSchema(BaseSchema):
    reminded = fields.List(Integer())
    skipped = fields.List(Integer(), metadata={"description": "units that have sent it meanwhile"})
    recipients = Integer(metadata={"description": "officers told"})
