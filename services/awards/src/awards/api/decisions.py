"""Decisions (Quyết định khen thưởng) and proposal letters (Tờ trình), with their Word documents and the register.

Decisions are published: every signed-in user reads them, but a unit officer is not told why another unit's award
was revoked (that it was revoked is public, the reason may talk about the person). Proposal letters are the ward's
internal paperwork between Phòng VH-XH and the Chairman: unit officers may not read them (403).
"""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import current_principal, require_roles
from dvk_platform.clock import ward_year
from dvk_platform.errors import Problem

from .. import paperwork, services
from ..models import Decision, ProposalLetter
from ..schemas import DecisionCreateSchema, DecisionSchema, LetterCreateSchema, LetterSchema, YearQuerySchema
from .common import READERS, WARD_READERS, unit_of_work

blp = Blueprint("decisions", __name__, url_prefix="", description="Quyết định khen thưởng và tờ trình đề nghị cấp trên")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def _decision(session, decision_id: int) -> Decision:  # noqa: ANN001 - a Session
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise Problem(404, "not-found", "Không tìm thấy quyết định.", detail=f"Không có quyết định mã {decision_id}.")
    return decision


def _letter(session, letter_id: int) -> ProposalLetter:  # noqa: ANN001 - a Session
    letter = session.get(ProposalLetter, letter_id)
    if letter is None:
        raise Problem(404, "not-found", "Không tìm thấy tờ trình.", detail=f"Không có tờ trình mã {letter_id}.")
    return letter


def _names(session, nominations) -> dict[int, str]:  # noqa: ANN001
    return services.unit_names(session, [n.unit_id for n in nominations])


def _shows_reason(unit_id: int) -> bool:
    """Whether the caller may read why an award of this unit was revoked: a unit officer only for their own unit."""
    principal = current_principal()
    return principal.role != "don_vi" or unit_id == principal.unit_id


def _published(view: dict) -> dict:
    """A decision as the caller may read it: another unit's revocation reason left out for a unit officer."""
    for awardee in view["awardees"]:
        if not _shows_reason(awardee["unit_id"]):
            awardee.pop("revoked_reason", None)
    return view


@blp.route("/decisions")
class Decisions(MethodView):
    @require_roles(*READERS)
    @blp.arguments(YearQuerySchema, location="query")
    @blp.response(200, DecisionSchema(many=True))
    def get(self, query):
        with unit_of_work() as session:
            statement = select(Decision).order_by(Decision.year.desc(), Decision.number.desc())
            if "year" in query:
                statement = statement.where(Decision.year == query["year"])
            return [_published(services.decision_view(session, d)) for d in session.scalars(statement)]

    @require_roles("lanh_dao")
    @blp.arguments(DecisionCreateSchema)
    @blp.response(201, DecisionSchema)
    def post(self, data):
        """Chủ tịch (lãnh đạo) quyết định khen thưởng các đề nghị đã được Hội đồng thống nhất."""
        with unit_of_work() as session:
            return services.decision_view(session, services.decide(session, current_principal(), data))


@blp.route("/decisions/<int:decision_id>")
class DecisionItem(MethodView):
    @require_roles(*READERS)
    @blp.response(200, DecisionSchema)
    def get(self, decision_id):
        with unit_of_work() as session:
            return _published(services.decision_view(session, _decision(session, decision_id)))


@blp.route("/decisions/<int:decision_id>/document")
class DecisionDocument(MethodView):
    @require_roles(*READERS)
    @blp.doc(responses={"200": {"description": "Quyết định khen thưởng (.docx, thể thức Nghị định 30/2020)",
                                "content": {DOCX: {}}}})
    def get(self, decision_id):
        with unit_of_work() as session:
            decision = _decision(session, decision_id)
            content = paperwork.decision_docx(decision, _names(session, decision.nominations), current_app.config)
            return _download(content, DOCX, f"quyet-dinh-{decision.number:02d}-{decision.year}.docx")


@blp.route("/decisions/export.xlsx")
class DecisionRegister(MethodView):
    @require_roles(*READERS)
    @blp.arguments(YearQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "Danh sách quyết định khen thưởng (.xlsx)", "content": {XLSX: {}}}})
    def get(self, query):
        with unit_of_work() as session:
            statement = select(Decision).order_by(Decision.year, Decision.number)
            if "year" in query:
                statement = statement.where(Decision.year == query["year"])
            decisions = list(session.scalars(statement))
            names = _names(session, [n for d in decisions for n in d.nominations])
            content = paperwork.decisions_xlsx(decisions, names, current_app.config, query.get("year"),
                                               shows_reason=lambda nomination: _shows_reason(nomination.unit_id))
        suffix = query.get("year") or ward_year()
        return _download(content, XLSX, f"danh-sach-quyet-dinh-khen-thuong-{suffix}.xlsx")


@blp.route("/proposal-letters")
class Letters(MethodView):
    @require_roles(*WARD_READERS)
    @blp.arguments(YearQuerySchema, location="query")
    @blp.response(200, LetterSchema(many=True))
    def get(self, query):
        with unit_of_work() as session:
            statement = select(ProposalLetter).order_by(ProposalLetter.year.desc(), ProposalLetter.number.desc())
            if "year" in query:
                statement = statement.where(ProposalLetter.year == query["year"])
            return [services.letter_view(session, letter) for letter in session.scalars(statement)]

    @require_roles("lanh_dao")
    @blp.arguments(LetterCreateSchema)
    @blp.response(201, LetterSchema)
    def post(self, data):
        """Trình cấp trên khen thưởng các đề nghị đã được Hội đồng thống nhất (Tờ trình)."""
        with unit_of_work() as session:
            return services.letter_view(session, services.forward(session, current_principal(), data))


@blp.route("/proposal-letters/<int:letter_id>")
class LetterItem(MethodView):
    @require_roles(*WARD_READERS)
    @blp.response(200, LetterSchema)
    def get(self, letter_id):
        with unit_of_work() as session:
            return services.letter_view(session, _letter(session, letter_id))


@blp.route("/proposal-letters/<int:letter_id>/document")
class LetterDocument(MethodView):
    @require_roles(*WARD_READERS)
    @blp.doc(responses={"200": {"description": "Tờ trình (.docx, thể thức Nghị định 30/2020)", "content": {DOCX: {}}}})
    def get(self, letter_id):
        with unit_of_work() as session:
            letter = _letter(session, letter_id)
            content = paperwork.letter_docx(letter, _names(session, letter.nominations), current_app.config)
            return _download(content, DOCX, f"to-trinh-{letter.number:02d}-{letter.year}.docx")
