"""Target 3 (chỉ tiêu 3): every unit and residential group registers at least one model each year."""
from __future__ import annotations

from flask.views import MethodView

from dvk_platform.app import Blueprint
from dvk_platform.auth import require_roles
from dvk_platform.db import get_db

from ..schemas import ComplianceSchema
from ..services import compliance

blp = Blueprint("compliance", __name__, url_prefix="/compliance", description="Theo dõi chỉ tiêu 3 theo năm")


@blp.route("/<int:year>")
class Compliance(MethodView):
    @require_roles("admin", "vhxh", "lanh_dao", "giam_sat")
    @blp.response(200, ComplianceSchema)
    def get(self, year):
        """Mỗi đơn vị đang hoạt động: số mô hình đã gửi, đã tiếp nhận; đơn vị chưa đăng ký, nộp muộn; tỷ lệ của phường."""
        with get_db().transaction() as session:
            return compliance(session, year)
