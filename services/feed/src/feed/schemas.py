"""marshmallow shapes of the feed's API."""
from __future__ import annotations

import re

from flask import current_app
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates

from dvk_platform.schemas import BaseSchema, Boolean, Integer, QuerySchema

WARD_CODE = re.compile(r"^(\*|[a-z0-9][a-z0-9-]{0,62})$")
TYPE_GLOB = re.compile(r"^[a-z0-9.*?-]{1,100}$")
CURSOR_ERROR = "Con trỏ phải là số (next_cursor của trang trước) hoặc để trống."
# the most events one page may ask for; a deployment may send fewer (DVK_FEED_PAGE_SIZE_MAX)
PAGE_SIZE_LIMIT = 500


class FeedQuerySchema(QuerySchema):
    after = fields.String(load_default=None, validate=[validate.Length(max=18), validate.Regexp(r"^[0-9]*$", error=CURSOR_ERROR)],
                          metadata={"description": "next_cursor of the previous page; empty = from the start"})
    limit = Integer(load_default=None, validate=validate.Range(min=1, max=PAGE_SIZE_LIMIT),
                    metadata={"description": "events per page (at most DVK_FEED_PAGE_SIZE_MAX, 500 by default)"})
    ward = fields.String(load_default=None, validate=[validate.Length(max=63), validate.Regexp(WARD_CODE, error="Mã phường không hợp lệ.")])
    type = fields.List(fields.String(validate=[validate.Length(max=100),
                                               validate.Regexp(TYPE_GLOB, error="Loại sự kiện không hợp lệ (chỉ dùng * và ?).")]),
                       load_default=list, validate=validate.Length(max=10, error="Tối đa {max} loại sự kiện."),
                       metadata={"description": "event type or glob, repeatable (at most 10)"})

    @validates("limit")
    def _limit(self, value: int | None, **_kwargs: object) -> None:
        largest = int(current_app.config["FEED_PAGE_SIZE_MAX"])  # a deployment may allow fewer than PAGE_SIZE_LIMIT
        if value is not None and value > largest:
            raise ValidationError(f"Số sự kiện mỗi trang phải từ 1 đến {largest}.")


class KeyCreateSchema(BaseSchema):
    subscriber = fields.String(required=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "who holds the key, e.g. Văn phòng UBND tỉnh — hệ thống LGSP"})
    wards = fields.List(fields.String(validate=validate.Regexp(WARD_CODE, error="Mã phường không hợp lệ.")),
                        required=True, validate=validate.Length(min=1, error="Cần ít nhất một phường."),
                        metadata={"description": "ward codes this key may read; [\"*\"] = every ward"})
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class KeySchema(BaseSchema):
    id = Integer()
    subscriber = fields.String()
    wards = fields.List(fields.String())
    key_prefix = fields.String()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()
    revoked_at = fields.DateTime(allow_none=True)
    previous_secret_until = fields.DateTime(allow_none=True, attribute="previous_salt_until", metadata={
        "description": "after a rotation, the replaced signing secret still signs pages until then"})
    active = Boolean()
    version = Integer()


class KeyCreatedSchema(KeySchema):
    api_key = fields.String(metadata={"description": "shown once; only its SHA-256 is kept"})
    signing_secret = fields.String(metadata={"description": "shown once; verifies webhook-signature of each response"})


class KeyRotatedSchema(KeySchema):
    signing_secret = fields.String(metadata={"description": "the new secret, shown once"})


class VersionSchema(BaseSchema):
    version = Integer(load_default=None)


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
    has_more = Boolean(required=True)
