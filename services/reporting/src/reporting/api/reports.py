"""Unit reports (báo cáo sơ kết 6 tháng, tổng kết năm) and their review by Phòng Văn hóa - Xã hội."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.db import get_db
from dvk_platform.versioning import requested_version

from .. import services
from ..models import ReportHistory, UnitReport
from ..schemas import HistorySchema, ReportCreateSchema, ReportQuerySchema, ReportSchema, ReportUpdateSchema, ReturnSchema, VersionedSchema

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Báo cáo sơ kết, tổng kết của đơn vị")

# A unit's report is written and sent by its own officer; Phòng VH-XH reviews it. Admin runs the system, not the movement.
WRITERS = ("don_vi",)
REVIEWERS = ("vhxh",)


@blp.route("")
class Reports(MethodView):
    @authenticated
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, ReportSchema(many=True))
    def get(self, query):
        principal = current_principal()
        statement = select(UnitReport).order_by(UnitReport.year, UnitReport.period, UnitReport.unit_id)
        if principal.role == "don_vi":
            statement = statement.where(UnitReport.unit_id == principal.unit_id)
        for key in ("year", "period", "unit_id", "status"):
            if key in query:
                statement = statement.where(getattr(UnitReport, key) == query[key])
        with get_db().transaction() as session:
            return session.scalars(statement).all()

    @require_roles(*WRITERS)
    @blp.arguments(ReportCreateSchema)
    @blp.response(201, ReportSchema)
    def post(self, data):
        with get_db().transaction() as session:
            return services.create_report(session, data, current_principal(), current_app.config)


@blp.route("/<int:report_id>")
class Report(MethodView):
    @authenticated
    @blp.response(200, ReportSchema)
    def get(self, report_id):
        with get_db().transaction() as session:
            return services.get_report(session, report_id, current_principal())

    @require_roles(*WRITERS)
    @blp.arguments(ReportUpdateSchema)
    @blp.response(200, ReportSchema)
    def patch(self, data, report_id):
        with get_db().transaction() as session:
            return services.update_report(session, report_id, data, current_principal(), requested_version(data))


@blp.route("/<int:report_id>/refresh-models")
class RefreshModels(MethodView):
    @require_roles(*WRITERS)
    @blp.arguments(VersionedSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        with get_db().transaction() as session:
            return services.refresh_models(session, report_id, current_principal(), requested_version(data))


@blp.route("/<int:report_id>/submit")
class Submit(MethodView):
    @require_roles(*WRITERS)
    @blp.arguments(VersionedSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        """Gửi báo cáo (dự thảo → đã gửi) hoặc gửi lại (bị trả lại → đã gửi lại)."""
        with get_db().transaction() as session:
            return services.submit_report(session, report_id, current_principal(), current_app.config, requested_version(data))


@blp.route("/<int:report_id>/return")
class Return(MethodView):
    @require_roles(*REVIEWERS)
    @blp.arguments(ReturnSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        with get_db().transaction() as session:
            return services.return_report(session, report_id, data["reason"], current_principal(), current_app.config,
                                          requested_version(data))


@blp.route("/<int:report_id>/accept")
class Accept(MethodView):
    @require_roles(*REVIEWERS)
    @blp.arguments(VersionedSchema)
    @blp.response(200, ReportSchema)
    def post(self, data, report_id):
        with get_db().transaction() as session:
            return services.accept_report(session, report_id, current_principal(), current_app.config, requested_version(data))


@blp.route("/<int:report_id>/history")
class History(MethodView):
    @authenticated
    @blp.response(200, HistorySchema(many=True))
    def get(self, report_id):
        with get_db().transaction() as session:
            services.get_report(session, report_id, current_principal())
            return session.scalars(select(ReportHistory).where(ReportHistory.report_id == report_id).order_by(ReportHistory.id)).all()
