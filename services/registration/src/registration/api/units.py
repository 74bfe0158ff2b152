"""Units directory (đơn vị): everyone signed in reads it; the administrator manages it."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint, upload
from dvk_platform.auth import authenticated, require_roles
from dvk_platform.db import get_db
from dvk_platform.errors import Invalid
from dvk_platform.versioning import etag, requested_version

from ..models import Unit
from ..schemas import UnitCreateSchema, UnitImportResultSchema, UnitQuerySchema, UnitSchema, UnitUpdateSchema, VersionSchema
from ..services import fold
from ..units import create_unit, get_unit, import_units, set_unit_active, update_unit
from ..units_import import read_table, rows_from_table, validate_row

blp = Blueprint("units", __name__, url_prefix="/units", description="Đơn vị tham gia phong trào")


@blp.route("")
class Units(MethodView):
    @authenticated
    @blp.arguments(UnitQuerySchema, location="query")
    @blp.response(200, UnitSchema(many=True))
    def get(self, query):
        """Danh mục đơn vị (lọc theo loại, trạng thái, tìm theo tên không dấu)."""
        with get_db().transaction() as session:
            statement = select(Unit).order_by(Unit.kind, Unit.id)
            if "kind" in query:
                statement = statement.where(Unit.kind == query["kind"])
            if "active" in query:
                statement = statement.where(Unit.active.is_(query["active"]))
            units = session.scalars(statement).all()
        needle = fold(query.get("q"))
        return [u for u in units if needle in fold(f"{u.code} {u.name}")] if needle else units

    @require_roles("admin")
    @blp.arguments(UnitCreateSchema)
    @blp.response(201, UnitSchema)
    def post(self, data):
        """Thêm đơn vị (quản trị)."""
        with get_db().transaction() as session:
            unit = create_unit(session, data)
        return unit, etag(unit.version)


@blp.route("/<int:unit_id>")
class UnitItem(MethodView):
    @authenticated
    @blp.response(200, UnitSchema)
    def get(self, unit_id):
        with get_db().transaction() as session:
            unit = get_unit(session, unit_id)
        return unit, etag(unit.version)

    @require_roles("admin")
    @blp.arguments(UnitUpdateSchema)
    @blp.response(200, UnitSchema)
    def patch(self, data, unit_id):
        """Sửa đơn vị (quản trị); gửi If-Match với phiên bản đang xem."""
        version = requested_version(data)
        with get_db().transaction() as session:
            unit = update_unit(session, unit_id, data, version)
        return unit, etag(unit.version)


@blp.route("/<int:unit_id>/deactivate")
class UnitDeactivate(MethodView):
    @require_roles("admin")
    @blp.arguments(VersionSchema)
    @blp.response(200, UnitSchema)
    def post(self, data, unit_id):
        """Ngừng hoạt động đơn vị (không xóa: hồ sơ cũ vẫn giữ)."""
        version = requested_version(data)
        with get_db().transaction() as session:
            unit = set_unit_active(session, unit_id, False, version)
        return unit, etag(unit.version)


@blp.route("/<int:unit_id>/activate")
class UnitActivate(MethodView):
    @require_roles("admin")
    @blp.arguments(VersionSchema)
    @blp.response(200, UnitSchema)
    def post(self, data, unit_id):
        """Cho đơn vị hoạt động trở lại."""
        version = requested_version(data)
        with get_db().transaction() as session:
            unit = set_unit_active(session, unit_id, True, version)
        return unit, etag(unit.version)


@blp.route("/import")
class UnitImport(MethodView):
    @require_roles("admin")
    @upload(blp, "CSV or XLSX: code, name, kind (and active) per row")
    @blp.response(201, UnitImportResultSchema)
    def post(self):
        """Nhập đơn vị từ tệp CSV hoặc XLSX (trường `file`, multipart). Tất cả hoặc không: một dòng lỗi thì không nhập dòng nào."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise Invalid(errors={"file": ["Cần chọn tệp CSV hoặc XLSX."]})
        rows = rows_from_table(read_table(upload.filename, upload.read()))
        if not rows:
            raise Invalid(slug="empty-file", title="Tệp không có dòng dữ liệu nào.")
        with get_db().transaction() as session:
            units, problems = import_units(session, rows, validate_row)  # writes nothing when a row is wrong
        if problems:
            raise Invalid(
                slug="import-rejected", title="Không nhập đơn vị nào: tệp có dòng lỗi.",
                detail=f"{len(problems)}/{len(rows)} dòng có lỗi. Việc nhập là tất cả hoặc không: sửa các dòng lỗi rồi nhập lại cả tệp.",
                mode="all_or_nothing", imported=0,
                rows=[{"row": p.row, "errors": p.errors} for p in problems],
            )
        return {
            "mode": "all_or_nothing", "imported": len(units), "units": units,
            "message": f"Đã nhập {len(units)} đơn vị; mọi dòng đều hợp lệ.",
        }
