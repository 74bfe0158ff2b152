"""Decisions (Quyết định khen thưởng) and proposal letters (Tờ trình), with their Word documents and the register.

Decisions are published: every signed-in user reads them, but a unit officer is not told why another unit's award
was revoked (that it was revoked is public, the reason may talk about the person). Proposal letters are the ward's
internal paperwork between Phòng VH-XH and the Chairman: unit officers may not read them (403).
"""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from dvk_platform.app import Blueprint
from dvk_platform.auth import current_principal, require_roles
from dvk_platform.clock import now, ward_year

from .. import paperwork, queries, services
from ..schemas import DecisionCreateSchema, DecisionSchema, LetterCreateSchema, LetterSchema, YearQuerySchema
from .answers import decision_view, letter_view
from .common import READERS, WARD_READERS, unit_of_work

blp = Blueprint("decisions", __name__, url_prefix="", description="Quyết định khen thưởng và tờ trình đề nghị cấp trên")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


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
            return [_published(decision_view(session, d)) for d in queries.decisions(session, query.get("year"))]

    @require_roles("lanh_dao")
    @blp.arguments(DecisionCreateSchema)
    @blp.response(201, DecisionSchema)
    def post(self, data):
        """Chủ tịch (lãnh đạo) quyết định khen thưởng các đề nghị đã được Hội đồng thống nhất."""
        with unit_of_work() as session:
            return decision_view(session, services.issue(session, current_principal(), "decide", data, now()))


@blp.route("/decisions/<int:decision_id>")
class DecisionItem(MethodView):
    @require_roles(*READERS)
    @blp.response(200, DecisionSchema)
    def get(self, decision_id):
        with unit_of_work() as session:
            return _published(decision_view(session, queries.get_decision(session, decision_id)))


@blp.route("/decisions/<int:decision_id>/document")
class DecisionDocument(MethodView):
    @require_roles(*READERS)
    @blp.doc(responses={"200": {"description": "Quyết định khen thưởng (.docx, thể thức Nghị định 30/2020)",
                                "content": {DOCX: {}}}})
    def get(self, decision_id):
        with unit_of_work() as session:
            decision = queries.get_decision(session, decision_id)
            names = queries.unit_names(session, [n.unit_id for n in decision.nominations])
            content = paperwork.decision_docx(decision, names, current_app.config)
            return _download(content, DOCX, f"quyet-dinh-{decision.number:02d}-{decision.year}.docx")


@blp.route("/decisions/export.xlsx")
class DecisionRegister(MethodView):
    @require_roles(*READERS)
    @blp.arguments(YearQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "Danh sách quyết định khen thưởng (.xlsx)", "content": {XLSX: {}}}})
    def get(self, query):
        with unit_of_work() as session:
            decisions = queries.decisions(session, query.get("year"), newest_first=False)
            names = queries.unit_names(session, [n.unit_id for d in decisions for n in d.nominations])
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
            return [letter_view(session, letter) for letter in queries.letters(session, query.get("year"))]

    @require_roles("lanh_dao")
    @blp.arguments(LetterCreateSchema)
    @blp.response(201, LetterSchema)
    def post(self, data):
        """Trình cấp trên khen thưởng các đề nghị đã được Hội đồng thống nhất (Tờ trình)."""
        with unit_of_work() as session:
            return letter_view(session, services.issue(session, current_principal(), "forward", data, now()))


@blp.route("/proposal-letters/<int:letter_id>")
class LetterItem(MethodView):
    @require_roles(*WARD_READERS)
    @blp.response(200, LetterSchema)
    def get(self, letter_id):
        with unit_of_work() as session:
            return letter_view(session, queries.get_letter(session, letter_id))


@blp.route("/proposal-letters/<int:letter_id>/document")
class LetterDocument(MethodView):
    @require_roles(*WARD_READERS)
    @blp.doc(responses={"200": {"description": "Tờ trình (.docx, thể thức Nghị định 30/2020)", "content": {DOCX: {}}}})
    def get(self, letter_id):
        with unit_of_work() as session:
            letter = queries.get_letter(session, letter_id)
            names = queries.unit_names(session, [n.unit_id for n in letter.nominations])
            content = paperwork.letter_docx(letter, names, current_app.config)
            return _download(content, DOCX, f"to-trinh-{letter.number:02d}-{letter.year}.docx")
