"""Machine endpoints for the other services (bearer service token, JSON, no session), in the gateway's OpenAPI
document (/openapi.json)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import select

from dvk_platform.app import Blueprint, refusals
from dvk_platform.auth import require_roles
from dvk_platform.db import get_db

from ..models import ROLE_LABELS, User

blp = Blueprint("internal", __name__, url_prefix="/internal", description="Cho các dịch vụ khác (mã xác thực dịch vụ)")


class RecipientSchema(Schema):
    user_id = fields.String(required=True, metadata={"description": "the `sub` of the user's service tokens"})
    name = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, metadata={"enum": list(ROLE_LABELS)})
    unit_id = fields.Integer(required=True, allow_none=True, metadata={"description": "the unit of a don_vi, else usually null"})
    active = fields.Boolean(required=True)


@blp.route("/recipients")
class Recipients(MethodView):
    @require_roles("admin")
    @blp.response(200, RecipientSchema(many=True))
    @refusals(blp, {401: "no service token, or an invalid or expired one (a session cookie is not enough)",
                    403: "a role other than admin, or a token of another ward"})
    def get(self) -> Any:
        """Mọi người dùng mà notify có thể gửi thông báo (kể cả tài khoản đã khóa, `active`: false)."""
        with get_db().transaction() as s:
            users = s.scalars(select(User).order_by(User.id)).all()
        return [
            {"user_id": str(u.id), "name": u.full_name, "email": u.email, "role": u.role, "unit_id": u.unit_id,
             "active": u.active}
            for u in users
        ]
