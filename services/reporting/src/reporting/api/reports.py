"""Unit reports (báo cáo sơ kết 6 tháng, tổng kết năm) and their review by Phòng Văn hóa - Xã hội."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from dvk_platform.app import Blueprint, refusals
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db
from dvk_platform.versioning import requested_version

from .. import services
from ..schemas import HistorySchema, ReportCreateSchema, ReportQuerySchema, ReportSchema, ReportUpdateSchema, ReturnSchema, VersionedSchema

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Báo cáo sơ kết, tổng kết của đơn vị")

# A unit's report is written and sent by its own officer; Phòng VH-XH reviews it. Admin runs the system, not the movement.
WRITERS = ("don_vi",)
REVIEWERS = ("vhxh",)


def _step(report_id: int, action: str, data: dict, reason: str | None = None):  # noqa: ANN202 - the report
    version = requested_version(data)
    with get_db().transaction() as session:
        return services.transition(session, current_principal(), report_id, action, version, now(), reason)


@blp.route("")
class Reports(MethodView):
    @authenticated
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, ReportSchema(many=True))
    def get(self, query):
        with get_db().transaction() as session:
            return services.reports(session, current_principal(), query)

    @require_roles(*WRITERS)
    @blp.arguments(ReportCreateSchema)
    @blp.response(201, ReportSchema)
    @refusals(blp, {404: "đơn vị của báo cáo không có (hoặc không phải đơn vị của người gửi)"})
    def post(self, data):
        with get_db().transaction() as session:
            return services.create_report(session, current_principal(), data, now(), current_app.config)


@blp.route("/<int:report_id>")
class Report(MethodView):
    @authenticated
    @blp.response(200, ReportSchema)
    def get(self, report_id):
        with get_db().transaction() as session:
            return services.get_report(session, current_principal(), report_id)

    @require_roles(*WRITERS)
    @blp.arguments(ReportUpdateSchema)
    @blp.response(200, ReportSchema)
    def patch(self, data, report_id):
        version = requested_version(data)
        with get_db().transaction() as session:
            return services.update_report(session, current_principal(), report_id, data, version)


@blp.route("/<int:report_id>/refresh-models")
class RefreshModels(MethodView):
    @require_roles(*WRITERS)
    @blp.arguments(VersionedSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        version = requested_version(data)
        with get_db().transaction() as session:
            return services.refresh_models(session, current_principal(), report_id, version)


@blp.route("/<int:report_id>/submit")
class Submit(MethodView):
    @require_roles(*WRITERS)
    @blp.arguments(VersionedSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        """Gửi báo cáo (dự thảo → đã gửi) hoặc gửi lại (bị trả lại → đã gửi lại)."""
        return _step(report_id, "submit", data)


@blp.route("/<int:report_id>/return")
class Return(MethodView):
    @require_roles(*REVIEWERS)
    @blp.arguments(ReturnSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        return _step(report_id, "return", data, data["reason"])


@blp.route("/<int:report_id>/accept")
class Accept(MethodView):
    @require_roles(*REVIEWERS)
    @blp.arguments(VersionedSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        return _step(report_id, "accept", data)


@blp.route("/<int:report_id>/history")
class History(MethodView):
    @authenticated
    @blp.response(200, HistorySchema(many=True))
    def get(self, report_id):
        with get_db().transaction() as session:
            return services.report_history(session, current_principal(), report_id)
