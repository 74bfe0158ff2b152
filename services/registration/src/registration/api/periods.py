"""Yearly registration periods (kỳ đăng ký), opened by Phòng Văn hóa - Xã hội."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db
from dvk_platform.errors import Invalid
from dvk_platform.versioning import etag, requested_version

from ..deadlines import default_deadline
from ..models import RegistrationPeriod
from ..periods import change_deadline, open_period, period_history, period_or_404
from ..schemas import PeriodCreateSchema, PeriodDetailSchema, PeriodSchema, PeriodUpdateSchema

blp = Blueprint("periods", __name__, url_prefix="/periods", description="Kỳ đăng ký mô hình theo năm")


def detail(session: Any, period: RegistrationPeriod) -> dict[str, Any]:
    data = {column.key: getattr(period, column.key) for column in period.__table__.columns}
    data["history"] = period_history(session, period.id)
    return data


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
            raise Invalid(errors={"deadline": [f"Hạn đăng ký phải thuộc năm {data['year']}."]})
        with get_db().transaction() as session:
            period = open_period(session, current_principal(), data, now())
        return period, etag(period.version)


@blp.route("/<int:year>")
class PeriodItem(MethodView):
    @authenticated
    @blp.response(200, PeriodDetailSchema)
    def get(self, year):
        """Kỳ đăng ký của năm, kèm lịch sử điều chỉnh hạn đăng ký."""
        with get_db().transaction() as session:
            period = period_or_404(session, year)
            body = detail(session, period)
        return body, etag(period.version)

    @require_roles("vhxh")
    @blp.arguments(PeriodUpdateSchema)
    @blp.response(200, PeriodDetailSchema)
    def patch(self, data, year):
        """Điều chỉnh hạn đăng ký (ví dụ gia hạn khi Tết đến muộn), bắt buộc nêu lý do; gửi If-Match.

        Hạn mới không trước ngày mở kỳ, thuộc năm của kỳ hoặc chậm nhất 31/01 năm sau. Mô hình đã gửi giữ nguyên
        đánh giá nộp muộn (tính theo hạn lúc gửi lần đầu); mô hình gửi sau khi điều chỉnh tính theo hạn mới."""
        version = requested_version(data)
        with get_db().transaction() as session:
            period = change_deadline(session, current_principal(), year, data["deadline"], data["reason"], version, now())
            body = detail(session, period)
        return body, etag(period.version)
