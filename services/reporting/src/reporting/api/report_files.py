"""Evidence files (minh chứng) of a unit report: the unit uploads photos, minutes and workbooks while the report is
a draft or returned; whoever may read the report may open them."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from dvk_platform import evidence, evidence_web
from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db

from .. import evidence as report_evidence
from ..models import ReportFileChunk
from ..schemas import ReportFileSchema
from ..services import get_report

blp = Blueprint("report_files", __name__, url_prefix="/reports",
                description="Tệp minh chứng của báo cáo: ảnh hoạt động, biên bản, số liệu")


def _serve(report_id: int, file_id: int, part: str) -> Response:
    db = get_db()
    with db.transaction() as session:
        stored = report_evidence.report_file(session, current_principal(), report_id, file_id)
    return evidence_web.file_response(db.transaction, ReportFileChunk, stored, part)


@blp.route("/<int:report_id>/files")
class ReportFiles(MethodView):
    @authenticated
    @blp.response(200, ReportFileSchema(many=True))
    def get(self, report_id):
        """Danh sách tệp minh chứng của báo cáo."""
        with get_db().transaction() as session:
            report = get_report(session, report_id, current_principal())
            return report_evidence.files(session, report.id)

    @require_roles("don_vi")
    @blp.doc(requestBody=evidence_web.UPLOAD_BODY)
    @blp.response(201, ReportFileSchema)
    @blp.alt_response(200, schema=ReportFileSchema, description="the same bytes were already on the report: kept once")
    def post(self, report_id):
        """Đơn vị tải lên một tệp minh chứng (trường `file`, multipart) kèm chú thích (`caption`), khi báo cáo là dự
        thảo hoặc bị trả lại. Loại tệp xét theo nội dung; tối đa 20 MB một tệp, 100 MB một báo cáo."""
        limits = evidence.Limits.from_config(current_app.config)
        principal = current_principal()
        with get_db().transaction() as session:  # refuse before reading a byte of the body
            report_evidence.own_editable_report(session, principal, report_id)
        checked = evidence_web.receive_upload(limits)
        try:
            with get_db().transaction() as session:
                stored, created = report_evidence.add_report_file(session, principal, report_id, checked, limits, now())
        finally:
            checked.stream.close()
        return stored, 201 if created else 200


@blp.route("/<int:report_id>/files/<int:file_id>")
class ReportFileItem(MethodView):
    @authenticated
    @blp.response(200, description="the file's bytes as uploaded; images and PDF inline, Word and Excel as attachment")
    def get(self, report_id, file_id):
        """Tải tệp minh chứng nguyên bản (tên tệp tiếng Việt theo RFC 6266, `filename*`)."""
        return _serve(report_id, file_id, "original")

    @require_roles("don_vi")
    @blp.response(204)
    def delete(self, report_id, file_id):
        """Gỡ tệp minh chứng khi báo cáo còn là dự thảo hoặc bị trả lại; tệp của báo cáo đã tiếp nhận được giữ nguyên."""
        with get_db().transaction() as session:
            report_evidence.remove_report_file(session, current_principal(), report_id, file_id)


@blp.route("/<int:report_id>/files/<int:file_id>/preview")
class ReportFilePreview(MethodView):
    @authenticated
    @blp.response(200, description="the image at most 2560 px a side, upright, without EXIF (no GPS position)")
    def get(self, report_id, file_id):
        """Bản xem trước của ảnh: tối đa 2560 điểm ảnh mỗi cạnh, đã bỏ EXIF (vị trí GPS)."""
        return _serve(report_id, file_id, "preview")


@blp.route("/<int:report_id>/files/<int:file_id>/thumbnail")
class ReportFileThumbnail(MethodView):
    @authenticated
    @blp.response(200, description="the image at most 320 px a side, without EXIF")
    def get(self, report_id, file_id):
        """Ảnh nhỏ để hiển thị trong danh sách."""
        return _serve(report_id, file_id, "thumbnail")
