"""Evidence files (minh chứng) of a model: the unit uploads photos, minutes and scans while the model is editable;
whoever may read the model may open them."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from dvk_platform import evidence, evidence_web
from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db

from .. import services
from ..models import ModelFileChunk
from ..schemas import ModelFileSchema

blp = Blueprint("model_files", __name__, url_prefix="/models",
                description="Tệp minh chứng của mô hình: ảnh, biên bản, văn bản scan")


def _limits() -> evidence.Limits:
    return evidence.Limits.from_config(current_app.config)


def _serve(model_id: int, file_id: int, part: str) -> Response:
    db = get_db()
    with db.transaction() as session:
        stored = services.model_file(session, current_principal(), model_id, file_id)
    return evidence_web.file_response(db.transaction, ModelFileChunk, stored, part)


@blp.route("/<int:model_id>/files")
class ModelFiles(MethodView):
    @authenticated
    @blp.response(200, ModelFileSchema(many=True))
    def get(self, model_id):
        """Danh sách tệp minh chứng của mô hình."""
        with get_db().transaction() as session:
            model = services.visible_model(session, current_principal(), model_id)
            return services.files(session, model.id)

    @require_roles("don_vi")
    @blp.doc(requestBody=evidence_web.UPLOAD_BODY)
    @blp.response(201, ModelFileSchema)
    @blp.alt_response(200, schema=ModelFileSchema, description="the same bytes were already on the model: kept once")
    def post(self, model_id):
        """Đơn vị tải lên một tệp minh chứng (trường `file`, multipart) kèm chú thích (`caption`), khi mô hình là bản
        nháp hoặc bị trả lại. Loại tệp xét theo nội dung; tối đa 20 MB một tệp, 100 MB một mô hình."""
        limits = _limits()
        principal = current_principal()
        with get_db().transaction() as session:  # refuse before reading a byte of the body
            services.own_editable_model(session, principal, model_id)
        checked = evidence_web.receive_upload(limits)
        try:
            with get_db().transaction() as session:
                stored, created = services.add_model_file(session, principal, model_id, checked, limits, now())
        finally:
            checked.stream.close()
        return stored, 201 if created else 200


@blp.route("/<int:model_id>/files/<int:file_id>")
class ModelFileItem(MethodView):
    @authenticated
    @blp.response(200, description="the file's bytes as uploaded; images and PDF inline, Word and Excel as attachment")
    def get(self, model_id, file_id):
        """Tải tệp minh chứng nguyên bản (tên tệp tiếng Việt theo RFC 6266, `filename*`)."""
        return _serve(model_id, file_id, "original")

    @require_roles("don_vi")
    @blp.response(204)
    def delete(self, model_id, file_id):
        """Gỡ tệp minh chứng khi mô hình còn là bản nháp hoặc bị trả lại; tệp của mô hình đã tiếp nhận được giữ nguyên."""
        with get_db().transaction() as session:
            services.remove_model_file(session, current_principal(), model_id, file_id)
        return None


@blp.route("/<int:model_id>/files/<int:file_id>/preview")
class ModelFilePreview(MethodView):
    @authenticated
    @blp.response(200, description="the image at most 2560 px a side, upright, without EXIF (no GPS position)")
    def get(self, model_id, file_id):
        """Bản xem trước của ảnh: tối đa 2560 điểm ảnh mỗi cạnh, đã bỏ EXIF (vị trí GPS)."""
        return _serve(model_id, file_id, "preview")


@blp.route("/<int:model_id>/files/<int:file_id>/thumbnail")
class ModelFileThumbnail(MethodView):
    @authenticated
    @blp.response(200, description="the image at most 320 px a side, without EXIF")
    def get(self, model_id, file_id):
        """Ảnh nhỏ để hiển thị trong danh sách và thư viện ảnh."""
        return _serve(model_id, file_id, "thumbnail")
