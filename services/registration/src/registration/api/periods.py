"""Yearly registration periods (kỳ đăng ký), opened by Phòng Văn hóa - Xã hội."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db
from dvk_platform.errors import Problem

from ..clock import default_deadline
from ..models import RegistrationPeriod
from ..schemas import PeriodCreateSchema, PeriodSchema
from ..services import get_period, open_period

blp = Blueprint("periods", __name__, url_prefix="/periods", description="Kỳ đăng ký mô hình theo năm")


@blp.route("")
class Periods(MethodView):
    @authenticated
    @blp.response(200, PeriodSchema(many=True))
    def get(self):
        with get_db().transaction() as session:
            return session.scalars(select(RegistrationPeriod).order_by(RegistrationPeriod.year.desc())).all()

    @require_roles("vhxh")
    @blp.arguments(PeriodCreateSchema)
    @blp.response(201, PeriodSchema)
    def post(self, data):
        """Mở kỳ đăng ký của một năm; hạn mặc định 15/02 của năm đó."""
        if data["deadline"] is None:
            data["deadline"] = default_deadline(data["year"])
        elif data["deadline"].year != data["year"]:
            raise Problem(422, "validation-error", "Dữ liệu không hợp lệ.",
                          errors={"deadline": [f"Hạn đăng ký phải thuộc năm {data['year']}."]})
        with get_db().transaction() as session:
            return open_period(session, current_principal(), data, now())


@blp.route("/<int:year>")
class PeriodItem(MethodView):
    @authenticated
    @blp.response(200, PeriodSchema)
    def get(self, year):
        with get_db().transaction() as session:
            period = get_period(session, year)
        if period is None:
            raise Problem(404, "period-not-found", "Chưa mở kỳ đăng ký cho năm này.")
        return period
