"""The delivery log for Phòng Văn hóa - Xã hội: every message, its channel, recipient, status and errors."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import func, select

from dvk_platform.app import Blueprint
from dvk_platform.auth import require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db

from ..models import Delivery
from ..schemas import DeliveryPageSchema, DeliveryQuerySchema, DeliverySchema
from ..services import retry_delivery

blp = Blueprint("deliveries", __name__, url_prefix="/deliveries", description="Nhật ký gửi thông báo")


@blp.route("")
class Deliveries(MethodView):
    @require_roles("vhxh", "admin")
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, query):
        """Nhật ký gửi, mới nhất trước; lọc theo trạng thái, kênh, loại sự kiện."""
        where = [getattr(Delivery, key) == query[key] for key in ("status", "channel", "event_type") if query.get(key)]
        with get_db().transaction() as session:
            total = session.scalar(select(func.count()).select_from(Delivery).where(*where)) or 0
            items = session.scalars(
                select(Delivery).where(*where).order_by(Delivery.created_at.desc(), Delivery.id.desc())
                .limit(query["limit"]).offset(query["offset"])
            ).all()
            return {"items": items, "total": total}


@blp.route("/<int:delivery_id>/retry")
class RetryDelivery(MethodView):
    @require_roles("vhxh", "admin")
    @blp.response(200, DeliverySchema)
    def post(self, delivery_id: int):
        """Gửi lại một thư hoặc webhook đã thất bại."""
        with get_db().transaction() as session:
            return retry_delivery(session, delivery_id, now())
