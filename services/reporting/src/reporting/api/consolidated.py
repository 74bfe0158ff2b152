"""The ward's consolidated report (báo cáo tổng hợp) and its Word and Excel exports."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from dvk_documents import number_line
from dvk_platform.app import Blueprint, binary
from dvk_platform.auth import current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db
from dvk_platform.versioning import requested_version

from .. import consolidated as use_cases
from ..consolidated_document import annex_xlsx, consolidated_docx
from ..models import ConsolidatedReport
from ..schemas import (
    ConsolidatedCreateSchema,
    ConsolidatedSchema,
    ConsolidatedSummarySchema,
    ConsolidatedUpdateSchema,
    FinaliseSchema,
    ReturnSchema,
    SignoffSchema,
)

blp = Blueprint("consolidated", __name__, url_prefix="/consolidated-reports", description="Báo cáo tổng hợp của phường")

READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")
EDITORS = ("vhxh",)  # Phòng VH-XH writes the ward's consolidated report; admin does not
SIGNERS = ("lanh_dao",)  # the Chairman or a Vice-Chairman approves it for signature, or returns it
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _view(session, report: ConsolidatedReport) -> dict:  # noqa: ANN001
    view = {column.key: getattr(report, column.key) for column in ConsolidatedReport.__table__.columns}
    view["figures"] = use_cases.current_figures(session, report, current_app.config, now())
    view["number_text"] = number_line("BC", report.number)
    view["number_cited"] = report.number_cited
    return view


def _sign_off(consolidated_id: int, action: str, data: dict, reason: str | None = None) -> dict:
    version = requested_version(data)
    with get_db().transaction() as session:
        return _view(session, use_cases.sign_off(session, current_principal(), consolidated_id, action, version, now(), reason))


PERIOD_SLUGS = {"six_month": "so-ket-6-thang", "annual": "tong-ket-nam"}


def _file_name(report: ConsolidatedReport, suffix: str, extension: str) -> str:
    """Vietnamese words only: "bao-cao-so-ket-6-thang-2026-01.docx", a draft "…-2026-du-thao.docx"."""
    number = f"{report.number:02d}" if report.number and report.status == "finalised" else "du-thao"
    return f"bao-cao-{PERIOD_SLUGS[report.period]}-{report.year}-{number}{suffix}.{extension}"


@blp.route("")
class ConsolidatedList(MethodView):
    @require_roles(*READERS)
    @blp.response(200, ConsolidatedSummarySchema(many=True))
    def get(self):
        with get_db().transaction() as session:
            return use_cases.consolidated_reports(session)

    @require_roles(*EDITORS)
    @blp.arguments(ConsolidatedCreateSchema)
    @blp.response(201, ConsolidatedSchema)
    def post(self, data):
        """Lập dự thảo từ các báo cáo đơn vị đã tiếp nhận."""
        with get_db().transaction() as session:
            return _view(session, use_cases.create_consolidated(session, current_principal(), data["year"], data["period"],
                                                                now(), current_app.config))


@blp.route("/<int:consolidated_id>")
class Consolidated(MethodView):
    @require_roles(*READERS)
    @blp.response(200, ConsolidatedSchema)
    def get(self, consolidated_id):
        with get_db().transaction() as session:
            return _view(session, use_cases.get_consolidated(session, consolidated_id))

    @require_roles(*EDITORS)
    @blp.arguments(ConsolidatedUpdateSchema)
    @blp.response(200, ConsolidatedSchema)
    def patch(self, data, consolidated_id):
        version = requested_version(data)
        with get_db().transaction() as session:
            return _view(session, use_cases.update_consolidated(session, current_principal(), consolidated_id, data, version))


@blp.route("/<int:consolidated_id>/submit-for-signature")
class SubmitForSignature(MethodView):
    @require_roles(*EDITORS)
    @blp.arguments(SignoffSchema)
    @blp.response(200, ConsolidatedSchema)
    def post(self, data, consolidated_id):
        """Trình ký: Phòng VH-XH gửi dự thảo cho lãnh đạo UBND duyệt."""
        return _sign_off(consolidated_id, "submit", data)


@blp.route("/<int:consolidated_id>/approve")
class Approve(MethodView):
    @require_roles(*SIGNERS)
    @blp.arguments(SignoffSchema)
    @blp.response(200, ConsolidatedSchema)
    def post(self, data, consolidated_id):
        """Lãnh đạo duyệt báo cáo đang trình ký; sau đó Phòng VH-XH ban hành (cấp số)."""
        return _sign_off(consolidated_id, "approve", data)


@blp.route("/<int:consolidated_id>/return")
class Return(MethodView):
    @require_roles(*SIGNERS)
    @blp.arguments(ReturnSchema)
    @blp.response(200, ConsolidatedSchema)
    def post(self, data, consolidated_id):
        """Lãnh đạo trả lại báo cáo đang trình ký, kèm lý do; báo cáo trở về dự thảo."""
        return _sign_off(consolidated_id, "return", data, data["reason"])


@blp.route("/<int:consolidated_id>/finalise")
class Finalise(MethodView):
    @require_roles(*EDITORS)
    @blp.arguments(FinaliseSchema)
    @blp.response(200, ConsolidatedSchema)
    def post(self, data, consolidated_id):
        """Ban hành báo cáo lãnh đạo đã duyệt: cấp số (theo năm), chốt số liệu, phát sự kiện."""
        version = requested_version(data)
        with get_db().transaction() as session:
            report = use_cases.finalise_consolidated(session, current_principal(), consolidated_id, data["number"], version,
                                                     now(), current_app.config)
            return _view(session, report)


@blp.route("/<int:consolidated_id>/document")
class Document(MethodView):
    @require_roles(*READERS)
    @binary(blp, DOCX, "Báo cáo tổng hợp (.docx, thể thức Nghị định 30/2020/NĐ-CP)")
    def get(self, consolidated_id):
        """Văn bản Word theo thể thức Nghị định 30/2020/NĐ-CP."""
        with get_db().transaction() as session:
            report = use_cases.get_consolidated(session, consolidated_id)
            figures = use_cases.current_figures(session, report, current_app.config, now())
            content = consolidated_docx(report, current_app.config, figures)
        return Response(content, mimetype=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="{_file_name(report, "", "docx")}"'})


@blp.route("/<int:consolidated_id>/annex")
class Annex(MethodView):
    @require_roles(*READERS)
    @binary(blp, XLSX, "Phụ lục số liệu của báo cáo tổng hợp (.xlsx)")
    def get(self, consolidated_id):
        """Phụ lục số liệu (Excel)."""
        with get_db().transaction() as session:
            report = use_cases.get_consolidated(session, consolidated_id)
            figures = use_cases.current_figures(session, report, current_app.config, now())
            content = annex_xlsx(report, figures, current_app.config)
        return Response(content, mimetype=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{_file_name(report, "-phu-luc", "xlsx")}"'})
