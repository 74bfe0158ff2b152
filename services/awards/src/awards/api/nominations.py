"""Nominations (đề nghị khen thưởng) and their workflow: draft → proposed → reviewed → decided/forwarded → revoked."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask.views import MethodView
from sqlalchemy.orm import Session

from dvk_platform.app import Blueprint
from dvk_platform.auth import Principal, current_principal, require_roles
from dvk_platform.clock import now
from dvk_platform.versioning import requested_version

from .. import services
from ..models import Nomination
from ..schemas import (
    NominationCreateSchema,
    NominationQuerySchema,
    NominationSchema,
    NominationSummarySchema,
    NominationUpdateSchema,
    ReviewSchema,
    RevokeSchema,
    TransitionSchema,
)
from .answers import nomination_answer, nominations_answer
from .common import READERS, unit_of_work

blp = Blueprint("nominations", __name__, url_prefix="/nominations", description="Đề nghị khen thưởng")


def _step(data: dict, use_case: Callable[[Session, Principal, int | None, datetime], Nomination]) -> dict:
    """Run one use case on a nomination: `use_case(session, actor, expected version, now)`, answered with the
    nomination and its history."""
    version = requested_version(data)
    with unit_of_work() as session:
        return nomination_answer(session, use_case(session, current_principal(), version, now()))


@blp.route("")
class Nominations(MethodView):
    @require_roles(*READERS)
    @blp.arguments(NominationQuerySchema, location="query")
    @blp.response(200, NominationSummarySchema(many=True))
    def get(self, query):
        with unit_of_work() as session:
            return nominations_answer(session, services.nominations(session, current_principal(), query))

    @require_roles("vhxh")
    @blp.arguments(NominationCreateSchema)
    @blp.response(201, NominationSchema)
    def post(self, data):
        with unit_of_work() as session:
            return nomination_answer(session, services.create_nomination(session, current_principal(), data, now()))


@blp.route("/<int:nomination_id>")
class NominationItem(MethodView):
    @require_roles(*READERS)
    @blp.response(200, NominationSchema)
    def get(self, nomination_id):
        with unit_of_work() as session:
            return nomination_answer(session, services.visible_nomination(session, current_principal(), nomination_id))

    @require_roles("vhxh")
    @blp.arguments(NominationUpdateSchema)
    @blp.response(200, NominationSchema)
    def patch(self, data, nomination_id):
        return _step(data, lambda s, a, v, t: services.update_nomination(s, a, nomination_id, data, v, t))


@blp.route("/<int:nomination_id>/propose")
class Propose(MethodView):
    @require_roles("vhxh")
    @blp.arguments(TransitionSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        """Phòng VH-XH gửi đề nghị ra Hội đồng Thi đua - Khen thưởng."""
        return _step(data, lambda s, a, v, t: services.propose(s, a, nomination_id, v, t, data.get("note")))


@blp.route("/<int:nomination_id>/review")
class Review(MethodView):
    @require_roles("vhxh", "lanh_dao")
    @blp.arguments(ReviewSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        """Kết quả xét của Hội đồng: ngày họp, số phiếu và biên bản họp (bắt buộc)."""
        return _step(data, lambda s, a, v, t: services.review(s, a, nomination_id, data, v, t))


@blp.route("/<int:nomination_id>/withdraw")
class Withdraw(MethodView):
    @require_roles("vhxh")
    @blp.arguments(TransitionSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        return _step(data, lambda s, a, v, t: services.withdraw(s, a, nomination_id, v, t, data.get("note")))


@blp.route("/<int:nomination_id>/revoke")
class Revoke(MethodView):
    @require_roles("lanh_dao")
    @blp.arguments(RevokeSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        """Thu hồi khen thưởng đã quyết định; đề nghị và quyết định vẫn hiển thị cùng lý do."""
        return _step(data, lambda s, a, v, t: services.revoke(s, a, nomination_id, data["reason"], v, t))
