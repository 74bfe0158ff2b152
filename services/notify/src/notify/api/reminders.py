"""Deadline reminders: those already sent (one per unit, deadline and offset), and reminders Phòng VH-XH sends by
hand from the list of units that have not sent what is due."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.consumer import TransientError
from dvk_platform.db import get_db
from dvk_platform.errors import Invalid, Unavailable

from ..models import KnownUnit, ReminderSent
from ..reminders import send_manual_reminders
from ..schemas import ManualReminderInSchema, ManualReminderResultSchema, ReminderQuerySchema, ReminderSchema

blp = Blueprint("reminders", __name__, url_prefix="/reminders", description="Nhắc hạn")


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

    @require_roles("vhxh")
    @blp.arguments(ManualReminderInSchema)
    @blp.response(201, ManualReminderResultSchema)
    def post(self, data):
        """Phòng VH-XH nhắc các đơn vị chưa gửi (đăng ký mô hình, báo cáo sơ kết, tổng kết); đơn vị đã gửi thì bỏ qua."""
        principal = current_principal()
        unit_ids = list(dict.fromkeys(data["unit_ids"]))
        with get_db().transaction() as session:
            active = set(session.scalars(select(KnownUnit.unit_id).where(KnownUnit.unit_id.in_(unit_ids),
                                                                          KnownUnit.active.is_(True))))
            unknown = [u for u in unit_ids if u not in active]
            if unknown:
                raise Invalid(errors={
                    "unit_ids": [f"Không có đơn vị đang tham gia mã {', '.join(map(str, unknown))}."]})
            try:
                return send_manual_reminders(current_app, session, now(current_app.config), data["deadline_kind"],
                                             data["year"], unit_ids, principal.user_id, principal.name,
                                             data.get("due_date"))
            except TransientError as exc:
                raise Unavailable("recipients-unavailable",
                                  "Chưa lấy được danh sách cán bộ nhận thông báo; chưa nhắc đơn vị nào. Vui lòng thử lại sau.") from exc
