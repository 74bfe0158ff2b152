"""The in-app inbox of the signed-in user (the gateway shows it): list, unread count, mark read."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import func, select

from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal
from dvk_platform.clock import now
from dvk_platform.db import get_db

from ..models import InboxMessage
from ..schemas import InboxMessageSchema, InboxPageSchema, InboxQuerySchema, MarkedSchema, UnreadCountSchema
from ..services import mark_all_read, mark_read

blp = Blueprint("inbox", __name__, url_prefix="/inbox", description="Hộp thông báo của người dùng")


def _unread(session, user_id: str) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))) or 0


@blp.route("")
class Inbox(MethodView):
    @authenticated
    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, InboxPageSchema)
    def get(self, query):
        """Thông báo của tôi, mới nhất trước."""
        user_id = current_principal().user_id
        with get_db().transaction() as session:
            where = [InboxMessage.user_id == user_id]
            if query["unread"]:
                where.append(InboxMessage.read_at.is_(None))
            total = session.scalar(select(func.count()).select_from(InboxMessage).where(*where)) or 0
            items = session.scalars(
                select(InboxMessage).where(*where).order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
                .limit(query["limit"]).offset(query["offset"])
            ).all()
            return {"items": items, "total": total, "unread": _unread(session, user_id)}


@blp.route("/unread-count")
class UnreadCount(MethodView):
    @authenticated
    @blp.response(200, UnreadCountSchema)
    def get(self):
        """Số thông báo chưa đọc (cho biểu tượng chuông)."""
        with get_db().transaction() as session:
            return {"unread": _unread(session, current_principal().user_id)}


@blp.route("/<int:message_id>/read")
class MarkRead(MethodView):
    @authenticated
    @blp.response(200, InboxMessageSchema)
    def post(self, message_id: int):
        """Đánh dấu một thông báo là đã đọc (thông báo của người khác: 404)."""
        with get_db().transaction() as session:
            return mark_read(session, current_principal(), message_id, now())


@blp.route("/read-all")
class MarkAllRead(MethodView):
    @authenticated
    @blp.response(200, MarkedSchema)
    def post(self):
        """Đánh dấu mọi thông báo là đã đọc."""
        with get_db().transaction() as session:
            return {"marked": mark_all_read(session, current_principal(), now())}
