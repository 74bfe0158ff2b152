"""Deadline reminders already sent (one per unit, deadline and offset)."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal
from dvk_platform.db import get_db

from ..models import ReminderSent
from ..schemas import ReminderQuerySchema, ReminderSchema

blp = Blueprint("reminders", __name__, url_prefix="/reminders", description="Nhắc hạn đã gửi")


@blp.route("")
class Reminders(MethodView):
    @authenticated
    @blp.arguments(ReminderQuerySchema, location="query")
    @blp.response(200, ReminderSchema(many=True))
    def get(self, query):
        """Nhắc hạn đã gửi; cán bộ đơn vị chỉ thấy của đơn vị mình."""
        principal = current_principal()
        where = []
        if not principal.reads_everything:
            where.append(ReminderSent.unit_id == principal.unit_id)
        elif query.get("unit_id") is not None:
            where.append(ReminderSent.unit_id == query["unit_id"])
        if query.get("year") is not None:
            where.append(ReminderSent.year == query["year"])
        with get_db().transaction() as session:
            return session.scalars(
                select(ReminderSent).where(*where).order_by(ReminderSent.sent_at.desc(), ReminderSent.id.desc())
                .limit(query["limit"]).offset(query["offset"])
            ).all()
