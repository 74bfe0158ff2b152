"""Admin endpoints for subscribers' API keys (the gateway's service token, role admin)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint, refusals
from dvk_platform.auth import current_principal, require_roles
from dvk_platform.db import get_db
from dvk_platform.versioning import etag, requested_version

from .. import services
from ..models import ApiKey
from ..schemas import KeyCreatedSchema, KeyCreateSchema, KeyRotatedSchema, KeySchema, VersionSchema

WITHOUT_CREDENTIAL = "no service token, or an invalid or expired one (an API key does not manage keys)"
NOT_ADMIN = "a role other than admin, or a token of another ward"

blp = Blueprint("keys", __name__, url_prefix="/keys", description="Khóa API của các hệ thống nhận sự kiện")


@blp.route("")
class Keys(MethodView):
    @require_roles("admin")
    @blp.response(200, KeySchema(many=True))
    @refusals(blp, {401: WITHOUT_CREDENTIAL, 403: NOT_ADMIN})
    def get(self):
        """Các khóa đã cấp (không bao giờ hiện lại khóa hay bí mật ký)."""
        with get_db().transaction() as session:
            return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()

    @require_roles("admin")
    @blp.arguments(KeyCreateSchema)
    @blp.response(201, KeyCreatedSchema)
    @refusals(blp, {401: WITHOUT_CREDENTIAL, 403: NOT_ADMIN,
                    422: "a bad body: subscriber missing or too long, no ward, a malformed ward code"})
    def post(self, data):
        """Cấp khóa mới cho một bên nhận, với phạm vi phường; khóa và bí mật ký chỉ hiện một lần này."""
        with get_db().transaction() as session:
            key, raw, secret = services.create_key(session, current_principal(), data["subscriber"], data["wards"],
                                                   data["note"], current_app.config["FEED_SIGNING_KEY"])
        key.api_key, key.signing_secret = raw, secret  # answered this once, never stored
        return key


@blp.route("/<int:key_id>/revoke")
class Revoke(MethodView):
    @require_roles("admin")
    @blp.arguments(VersionSchema)
    @blp.response(200, KeySchema)
    @refusals(blp, {401: WITHOUT_CREDENTIAL, 403: NOT_ADMIN, 404: "no such key", 409: "the key is already revoked",
                    412: "the version is not the key's current one", 422: "a bad body or version",
                    428: "no version (If-Match or `version`)"})
    def post(self, data, key_id):
        """Thu hồi khóa (If-Match: phiên bản); khóa thu hồi nhận 401."""
        with get_db().transaction() as session:
            key = services.revoke_key(session, key_id, requested_version(data))
            return key, 200, etag(key.version)


@blp.route("/<int:key_id>/rotate-secret")
class RotateSecret(MethodView):
    @require_roles("admin")
    @blp.arguments(VersionSchema)
    @blp.response(200, KeyRotatedSchema)
    @refusals(blp, {401: WITHOUT_CREDENTIAL, 403: NOT_ADMIN, 404: "no such key", 409: "the key is revoked",
                    412: "the version is not the key's current one", 422: "a bad body or version",
                    428: "no version (If-Match or `version`)"})
    def post(self, data, key_id):
        """Bí mật ký mới (chỉ hiện lần này); bí mật cũ vẫn ký kèm FEED_ROTATION_OVERLAP_HOURS giờ để bên nhận kịp đổi."""
        config = current_app.config
        with get_db().transaction() as session:
            key, secret = services.rotate_secret(session, key_id, requested_version(data), config["FEED_SIGNING_KEY"],
                                                 timedelta(hours=float(config["FEED_ROTATION_OVERLAP_HOURS"])))
        key.signing_secret = secret  # answered this once, never stored
        return key, 200, etag(key.version)
