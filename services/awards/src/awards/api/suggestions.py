"""Suggested candidates for commendation, derived from registration and reporting events."""
from __future__ import annotations

from flask.views import MethodView

from dvk_platform.app import Blueprint
from dvk_platform.auth import require_roles

from ..queries import known_units
from ..schemas import SuggestionQuerySchema, SuggestionSchema, UnitSchema
from ..suggestions import suggestions_for
from .common import READERS, WARD_READERS, unit_of_work

blp = Blueprint("suggestions", __name__, url_prefix="", description="Gợi ý khen thưởng và đơn vị đã biết")


@blp.route("/suggestions")
class Suggestions(MethodView):
    @require_roles(*WARD_READERS)
    @blp.arguments(SuggestionQuerySchema, location="query")
    @blp.response(200, SuggestionSchema(many=True))
    def get(self, query):
        """Gợi ý cho Phòng VH-XH: mô hình xếp loại Tốt, mô hình tiêu biểu, đơn vị nộp đủ báo cáo đúng hạn — kèm lý do."""
        with unit_of_work() as session:
            return suggestions_for(session, query["year"])


@blp.route("/units")
class Units(MethodView):
    @require_roles(*READERS)
    @blp.response(200, UnitSchema(many=True))
    def get(self):
        """Đơn vị mà dịch vụ biết được từ sự kiện của dịch vụ đăng ký (để chọn khi lập đề nghị)."""
        with unit_of_work() as session:
            return known_units(session)
