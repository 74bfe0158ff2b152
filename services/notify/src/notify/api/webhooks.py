"""Webhook subscribers (admin): systems outside the ward that receive signed events by HTTP POST."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import require_roles
from dvk_platform.db import get_db
from dvk_platform.versioning import requested_version

from ..models import WebhookSubscriber
from ..schemas import SubscriberCreatedSchema, SubscriberCreateSchema, SubscriberSchema, SubscriberUpdateSchema
from ..services import create_subscriber, get_subscriber, update_subscriber

blp = Blueprint("webhooks", __name__, url_prefix="/webhook-subscribers", description="Nơi nhận webhook")


@blp.route("")
class Subscribers(MethodView):
    @require_roles("admin")
    @blp.response(200, SubscriberSchema(many=True))
    def get(self):
        """Danh sách nơi nhận webhook (không hiện khóa bí mật)."""
        with get_db().transaction() as session:
            return session.scalars(select(WebhookSubscriber).order_by(WebhookSubscriber.id)).all()

    @require_roles("admin")
    @blp.arguments(SubscriberCreateSchema)
    @blp.response(201, SubscriberCreatedSchema)
    def post(self, data):
        """Thêm nơi nhận; khóa bí mật (tự sinh nếu không gửi) chỉ hiện một lần trong câu trả lời này."""
        with get_db().transaction() as session:
            return create_subscriber(session, data)


@blp.route("/<int:subscriber_id>")
class Subscriber(MethodView):
    @require_roles("admin")
    @blp.response(200, SubscriberSchema)
    def get(self, subscriber_id: int):
        with get_db().transaction() as session:
            return get_subscriber(session, subscriber_id)

    @require_roles("admin")
    @blp.arguments(SubscriberUpdateSchema)
    @blp.response(200, SubscriberSchema)
    def patch(self, data, subscriber_id: int):
        """Sửa địa chỉ, khóa, loại sự kiện hoặc tắt/bật; cần If-Match: <version>. Khóa mới: khóa cũ vẫn ký kèm
        trong thời gian chuyển (WEBHOOK_ROTATION_OVERLAP_HOURS) để bên nhận kịp đổi."""
        version = requested_version(data)
        overlap = timedelta(hours=float(current_app.config["WEBHOOK_ROTATION_OVERLAP_HOURS"]))
        with get_db().transaction() as session:
            return update_subscriber(session, subscriber_id, data, version, overlap=overlap)
