"""Model registrations (mô hình "Dân vận khéo"): the unit drafts and sends, Phòng VH-XH reviews and inspects."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from dvk_platform.app import Blueprint
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db
from dvk_platform.versioning import etag, requested_version

from .. import services
from ..schemas import (
    InspectionCreateSchema,
    InspectionSchema,
    ModelCreateSchema,
    ModelDetailSchema,
    ModelPageSchema,
    ModelQuerySchema,
    ModelUpdateSchema,
    NoteSchema,
    ReturnSchema,
)

blp = Blueprint("models", __name__, url_prefix="/models", description="Đăng ký mô hình, nội dung \"Dân vận khéo\"")


def detail(session: Any, model: Any) -> dict[str, Any]:
    data = {column.key: getattr(model, column.key) for column in model.__table__.columns}
    data["history"] = services.history(session, model.id)
    data["files"] = services.files(session, model.id)
    # inspections are recorded only on accepted models, and acceptance is final
    data["inspections"] = services.inspections(session, model.id) if model.status == "accepted" else []
    return data


@blp.route("")
class Models(MethodView):
    @authenticated
    @blp.arguments(ModelQuerySchema, location="query")
    @blp.response(200, ModelPageSchema)
    def get(self, query):
        """Danh sách mô hình: lọc theo năm, đơn vị, lĩnh vực, trạng thái, nộp muộn; tìm không dấu (q)."""
        with get_db().transaction() as session:
            items, total = services.list_models(session, current_principal(), query)
        return {"items": items, "total": total, "page": query["page"], "per_page": query["per_page"]}

    @require_roles("don_vi")
    @blp.arguments(ModelCreateSchema)
    @blp.response(201, ModelDetailSchema)
    def post(self, data):
        """Đơn vị soạn mô hình mới (bản nháp) cho năm có kỳ đăng ký đang mở."""
        with get_db().transaction() as session:
            model = services.create_model(session, current_principal(), data, now())
            body = detail(session, model)
        return body, etag(model.version)


@blp.route("/<int:model_id>")
class ModelItem(MethodView):
    @authenticated
    @blp.response(200, ModelDetailSchema)
    def get(self, model_id):
        """Chi tiết mô hình kèm lịch sử xử lý và các lần kiểm tra."""
        with get_db().transaction() as session:
            model = services.visible_model(session, current_principal(), model_id)
            body = detail(session, model)
        return body, etag(model.version)

    @require_roles("don_vi")
    @blp.arguments(ModelUpdateSchema(partial=True))
    @blp.response(200, ModelDetailSchema)
    def patch(self, data, model_id):
        """Sửa mô hình khi còn là bản nháp hoặc bị trả lại; gửi If-Match."""
        version = requested_version(data)
        with get_db().transaction() as session:
            model = services.update_model(session, current_principal(), model_id, data, version, now())
            body = detail(session, model)
        return body, etag(model.version)


def _transition(model_id: int, action: str, data: dict[str, Any], note: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    version = requested_version(data)
    with get_db().transaction() as session:
        body = services.transition(session, current_principal(), model_id, action, version, now(), note)
    return body, etag(body["version"])


@blp.route("/<int:model_id>/submit")
class ModelSubmit(MethodView):
    @require_roles("don_vi")
    @blp.arguments(NoteSchema)
    @blp.response(200, ModelDetailSchema)
    def post(self, data, model_id):
        """Gửi (hoặc gửi lại sau khi bị trả) mô hình cho Phòng VH-XH; sau hạn vẫn nhận nhưng ghi nộp muộn."""
        return _transition(model_id, "submit", data, data.get("note"))


@blp.route("/<int:model_id>/withdraw")
class ModelWithdraw(MethodView):
    @require_roles("don_vi")
    @blp.arguments(NoteSchema)
    @blp.response(200, ModelDetailSchema)
    def post(self, data, model_id):
        """Đơn vị rút mô hình chưa được tiếp nhận."""
        return _transition(model_id, "withdraw", data, data.get("note"))


@blp.route("/<int:model_id>/return")
class ModelReturn(MethodView):
    @require_roles("vhxh")
    @blp.arguments(ReturnSchema)
    @blp.response(200, ModelDetailSchema)
    def post(self, data, model_id):
        """Phòng VH-XH trả lại mô hình để đơn vị chỉnh sửa (bắt buộc nêu lý do)."""
        return _transition(model_id, "return", data, data["reason"])


@blp.route("/<int:model_id>/accept")
class ModelAccept(MethodView):
    @require_roles("vhxh")
    @blp.arguments(NoteSchema)
    @blp.response(200, ModelDetailSchema)
    def post(self, data, model_id):
        """Phòng VH-XH tiếp nhận mô hình."""
        return _transition(model_id, "accept", data, data.get("note"))


@blp.route("/<int:model_id>/typical")
class ModelTypical(MethodView):
    @require_roles("vhxh")
    @blp.arguments(NoteSchema)
    @blp.response(200, ModelDetailSchema)
    def post(self, data, model_id):
        """Chọn mô hình làm điển hình để nhân rộng (lần kiểm tra gần nhất đạt Tốt hoặc Khá)."""
        version = requested_version(data)
        with get_db().transaction() as session:
            model = services.mark_typical(session, current_principal(), model_id, data.get("note"), version, now())
            body = detail(session, model)
        return body, etag(model.version)


@blp.route("/<int:model_id>/inspections")
class ModelInspections(MethodView):
    @authenticated
    @blp.response(200, InspectionSchema(many=True))
    def get(self, model_id):
        with get_db().transaction() as session:
            model = services.visible_model(session, current_principal(), model_id)
            return services.inspections(session, model.id)

    @require_roles("vhxh")
    @blp.arguments(InspectionCreateSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data, model_id):
        """Ghi kết quả kiểm tra thực tế: ngày, người kiểm tra, xếp loại, nhận xét, việc cần khắc phục."""
        with get_db().transaction() as session:
            return services.record_inspection(session, current_principal(), model_id, data, now())
