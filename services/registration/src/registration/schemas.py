"""Request and response shapes of the registration API."""
from __future__ import annotations

from dvk_platform.schemas import BaseSchema
from marshmallow import fields, validate

from .models import UNIT_KINDS


class UnitCreateSchema(BaseSchema):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=40), validate.Regexp(r"^[a-z0-9][a-z0-9-]*$")])
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(list(UNIT_KINDS)))
    active = fields.Boolean(load_default=True)


class UnitSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    active = fields.Boolean()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
