"""Deadlines, the ward's progress (the dashboard and higher levels), the overdue check."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db

from .. import services
from ..consolidated import publish_snapshot
from ..progress import compute_progress
from ..schemas import DeadlineSchema, DeadlineUpdateSchema, SnapshotRequestSchema, YearQuerySchema

blp = Blueprint("progress", __name__, description="Hạn báo cáo, tiến độ phong trào, kiểm tra quá hạn")


@blp.route("/deadlines")
class Deadlines(MethodView):
    @authenticated
    @blp.arguments(YearQuerySchema, location="query")
    @blp.response(200, DeadlineSchema(many=True))
    def get(self, query):
        with get_db().transaction() as session:
            return services.deadlines_of(session, query["year"], current_app.config)


@blp.route("/deadlines/<int:year>/<any(six_month, annual):period>")
class Deadline(MethodView):
    @require_roles("vhxh")
    @blp.arguments(DeadlineUpdateSchema)
    @blp.response(200, DeadlineSchema(many=True))
    def put(self, data, year, period):
        with get_db().transaction() as session:
            services.set_deadline(session, current_principal(), year, period, data["due_date"], now(),
                                  current_app.config)
            return services.deadlines_of(session, year, current_app.config)


@blp.route("/progress")
class Progress(MethodView):
    @authenticated
    @blp.arguments(YearQuerySchema, location="query")
    @blp.response(200)
    def get(self, query):
        """Tiến độ của năm: đơn vị đăng ký, báo cáo đúng hạn, chỉ tiêu, mô hình, khen thưởng."""
        with get_db().transaction() as session:
            return compute_progress(session, query["year"], current_app.config, now())


@blp.route("/progress/snapshots")
class Snapshots(MethodView):
    @require_roles("vhxh")
    @blp.arguments(SnapshotRequestSchema)
    @blp.response(201)
    def post(self, data):
        """Phát sự kiện progress-snapshot của một kỳ cho cấp trên."""
        with get_db().transaction() as session:
            return publish_snapshot(session, current_principal(), data["year"], data["period"], now(), current_app.config)


@blp.route("/overdue-check")
class OverdueCheck(MethodView):
    @require_roles("vhxh", "admin")
    @blp.response(200)
    def post(self):
        """Đánh dấu báo cáo quá hạn (chạy định kỳ; chạy lại không phát trùng sự kiện)."""
        return {"noticed": services.run_check(current_app)}
