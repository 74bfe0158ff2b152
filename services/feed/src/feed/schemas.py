"""marshmallow shapes of the feed's API."""
from __future__ import annotations

import re

from flask import current_app
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates

from dvk_platform.schemas import BaseSchema

WARD_CODE = re.compile(r"^(\*|[a-z0-9][a-z0-9-]{0,62})$")
TYPE_GLOB = re.compile(r"^[a-z0-9.*?-]{1,160}$")


class FeedQuerySchema(BaseSchema):
    after = fields.String(load_default=None, metadata={"description": "next_cursor of the previous page; empty = from the start"})
    limit = fields.Integer(load_default=None, metadata={"description": "events per page (≤ DVK_FEED_PAGE_SIZE_MAX)"})
    ward = fields.String(load_default=None, validate=validate.Regexp(WARD_CODE, error="Mã phường không hợp lệ."))
    type = fields.List(fields.String(validate=validate.Regexp(TYPE_GLOB, error="Loại sự kiện không hợp lệ (chỉ dùng * và ?).")),
                       load_default=list, metadata={"description": "event type or glob, repeatable"})

    @validates("limit")
    def _limit(self, value: int | None, **_kwargs: object) -> None:
        largest = int(current_app.config["FEED_PAGE_SIZE_MAX"])
        if value is not None and not 1 <= value <= largest:
            raise ValidationError(f"Số sự kiện mỗi trang phải từ 1 đến {largest}.")


class KeyCreateSchema(BaseSchema):
    subscriber = fields.String(required=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "who holds the key, e.g. Văn phòng UBND tỉnh — hệ thống LGSP"})
    wards = fields.List(fields.String(validate=validate.Regexp(WARD_CODE, error="Mã phường không hợp lệ.")),
                        required=True, validate=validate.Length(min=1, error="Cần ít nhất một phường."),
                        metadata={"description": "ward codes this key may read; [\"*\"] = every ward"})
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class KeySchema(BaseSchema):
    id = fields.Integer()
    subscriber = fields.String()
    wards = fields.List(fields.String())
    key_prefix = fields.String()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()
    revoked_at = fields.DateTime(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()


class KeyCreatedSchema(KeySchema):
    api_key = fields.String(metadata={"description": "shown once; only its SHA-256 is kept"})
    signing_secret = fields.String(metadata={"description": "shown once; verifies X-DVK-Signature of each response"})


class VersionSchema(BaseSchema):
    version = fields.Integer(load_default=None)


class FeedEventSchema(Schema):
    """One event of a page: the structured CloudEvent as the source published it, plus its place in the feed."""

    class Meta:
        unknown = INCLUDE  # CloudEvents may carry further extension attributes

    specversion = fields.String(required=True)
    id = fields.String(required=True)
    source = fields.String(required=True)
    type = fields.String(required=True)
    subject = fields.String()
    time = fields.String()
    ward = fields.String(required=True)
    datacontenttype = fields.String()
    data = fields.Dict(required=True)
    dvkcursor = fields.String(required=True, metadata={"description": "the event's position in the feed (extension attribute)"})


class FeedPageSchema(Schema):
    events = fields.List(fields.Nested(FeedEventSchema), required=True)
    next_cursor = fields.String(required=True, metadata={"description": "`after` of the next page (the same cursor when the page is empty)"})
    has_more = fields.Boolean(required=True)
