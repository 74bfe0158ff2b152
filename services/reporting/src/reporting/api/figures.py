"""Target figures (chỉ tiêu) per unit and period, typed or imported from the administrative-procedure system."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from dvk_platform.app import Blueprint, binary, upload
from dvk_platform.auth import authenticated, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.db import get_db
from dvk_platform.errors import Invalid, NotFound
from dvk_platform.versioning import requested_version

from .. import services
from ..imports import import_figures, template_workbook
from ..models import FIGURE_FIELDS, PERIODS
from ..schemas import FiguresInSchema, FiguresSchema, ImportResultSchema, YearPeriodQuerySchema

blp = Blueprint("target_figures", __name__, url_prefix="/target-figures", description="Số liệu chỉ tiêu của đơn vị")


@blp.route("")
class FiguresList(MethodView):
    @authenticated
    @blp.arguments(YearPeriodQuerySchema, location="query")
    @blp.response(200, FiguresSchema(many=True))
    def get(self, query):
        with get_db().transaction() as session:
            return services.figures(session, current_principal(), query["year"], query["period"])


@blp.route("/<int:unit_id>/<int:year>/<string:period>")
class UnitFigures(MethodView):
    @require_roles("don_vi", "vhxh")
    @blp.arguments(FiguresInSchema)
    @blp.response(200, FiguresSchema)
    def put(self, data, unit_id, year, period):
        """Nhập hoặc sửa số liệu; khi sửa phải gửi phiên bản (If-Match)."""
        if period not in PERIODS:
            raise NotFound("not-found", "Không tìm thấy tài nguyên yêu cầu.")
        version = requested_version(data)
        figures = {name: data[name] for name in FIGURE_FIELDS}
        with get_db().transaction() as session:
            return services.record_figures(session, current_principal(), unit_id, year, period, figures, version, now())


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/template.xlsx")
class FiguresTemplate(MethodView):
    @require_roles("vhxh")
    @blp.arguments(YearPeriodQuerySchema, location="query")
    @binary(blp, XLSX, "Mẫu tệp nhập số liệu chỉ tiêu (.xlsx), mỗi đơn vị một dòng")
    def get(self, query):
        """Mẫu tệp nhập số liệu (tiêu đề cột tiếng Việt, mỗi đơn vị một dòng, điền sẵn số liệu đã có)."""
        year, period = query["year"], query["period"]
        with get_db().transaction() as session:
            content = template_workbook(session, year, period, PERIODS[period])
        slug = {"six_month": "so-ket-6-thang", "annual": "tong-ket-nam"}[period]
        return Response(content, mimetype=XLSX, headers={
            "Content-Disposition": f'attachment; filename="mau-so-lieu-chi-tieu-{slug}-{year}.xlsx"'})


@blp.route("/import")
class FiguresImport(MethodView):
    @require_roles("vhxh")
    @blp.arguments(YearPeriodQuerySchema, location="query")
    @upload(blp, "CSV or XLSX exported from the administrative-procedures system")
    @blp.response(200, ImportResultSchema)
    def post(self, query):
        """Nhập tệp CSV/XLSX xuất từ hệ thống thủ tục hành chính (trường `file`, multipart); lỗi thì không ghi gì."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise Invalid(errors={"file": ["Chưa chọn tệp CSV hoặc XLSX."]})
        with get_db().transaction() as session:
            rows = import_figures(session, query["year"], query["period"], upload.filename, upload.read(), now())
            return {"imported": len(rows), "figures": rows}
