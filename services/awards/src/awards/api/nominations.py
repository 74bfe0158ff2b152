"""Nominations (đề nghị khen thưởng) and their workflow: draft → proposed → reviewed → decided/forwarded → revoked."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import current_principal, require_roles
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
from .common import READERS, unit_of_work, visible_nomination

blp = Blueprint("nominations", __name__, url_prefix="/nominations", description="Đề nghị khen thưởng")


def _view(session, nomination: Nomination) -> dict:  # noqa: ANN001 - a Session
    return services.nomination_view(nomination, services.unit_names(session, [nomination.unit_id]), with_history=True)


@blp.route("")
class Nominations(MethodView):
    @require_roles(*READERS)
    @blp.arguments(NominationQuerySchema, location="query")
    @blp.response(200, NominationSummarySchema(many=True))
    def get(self, query):
        principal = current_principal()
        with unit_of_work() as session:
            statement = select(Nomination)
            if principal.role == "don_vi":
                statement = statement.where(Nomination.unit_id == principal.unit_id)
            for name in ("year", "status", "unit_id"):
                if name in query:
                    statement = statement.where(getattr(Nomination, name) == query[name])
            nominations = session.scalars(statement.order_by(Nomination.year.desc(), Nomination.id)).all()
            names = services.unit_names(session, [n.unit_id for n in nominations])
            return [services.nomination_view(n, names) for n in nominations]

    @require_roles("vhxh")
    @blp.arguments(NominationCreateSchema)
    @blp.response(201, NominationSchema)
    def post(self, data):
        with unit_of_work() as session:
            return _view(session, services.create_nomination(session, current_principal(), data))


@blp.route("/<int:nomination_id>")
class NominationItem(MethodView):
    @require_roles(*READERS)
    @blp.response(200, NominationSchema)
    def get(self, nomination_id):
        with unit_of_work() as session:
            return _view(session, visible_nomination(session, current_principal(), nomination_id))

    @require_roles("vhxh")
    @blp.arguments(NominationUpdateSchema)
    @blp.response(200, NominationSchema)
    def patch(self, data, nomination_id):
        expected = requested_version(data)
        data.pop("version", None)
        principal = current_principal()
        with unit_of_work() as session:
            nomination = visible_nomination(session, principal, nomination_id)
            return _view(session, services.update_nomination(session, principal, nomination, data, expected))


@blp.route("/<int:nomination_id>/propose")
class Propose(MethodView):
    @require_roles("vhxh")
    @blp.arguments(TransitionSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        """Phòng VH-XH gửi đề nghị ra Hội đồng Thi đua - Khen thưởng."""
        principal = current_principal()
        with unit_of_work() as session:
            nomination = visible_nomination(session, principal, nomination_id)
            return _view(session, services.propose(session, principal, nomination, requested_version(data), data.get("note")))


@blp.route("/<int:nomination_id>/review")
class Review(MethodView):
    @require_roles("vhxh", "lanh_dao")
    @blp.arguments(ReviewSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        """Kết quả xét của Hội đồng: ngày họp, số phiếu và biên bản họp (bắt buộc)."""
        data["version"] = requested_version(data)
        principal = current_principal()
        with unit_of_work() as session:
            nomination = visible_nomination(session, principal, nomination_id)
            return _view(session, services.review(session, principal, nomination, data))


@blp.route("/<int:nomination_id>/withdraw")
class Withdraw(MethodView):
    @require_roles("vhxh")
    @blp.arguments(TransitionSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        principal = current_principal()
        with unit_of_work() as session:
            nomination = visible_nomination(session, principal, nomination_id)
            return _view(session, services.withdraw(session, principal, nomination, requested_version(data), data.get("note")))


@blp.route("/<int:nomination_id>/revoke")
class Revoke(MethodView):
    @require_roles("lanh_dao")
    @blp.arguments(RevokeSchema)
    @blp.response(200, NominationSchema)
    def post(self, data, nomination_id):
        """Thu hồi khen thưởng đã quyết định; đề nghị và quyết định vẫn hiển thị cùng lý do."""
        principal = current_principal()
        with unit_of_work() as session:
            nomination = visible_nomination(session, principal, nomination_id)
            return _view(session, services.revoke(session, principal, nomination, data["reason"], requested_version(data)))
