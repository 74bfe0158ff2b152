"""The two catalogues, kept apart: emulation titles (danh hiệu thi đua) and award forms (hình thức khen thưởng)."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from dvk_platform.app import Blueprint
from dvk_platform.auth import require_roles
from dvk_platform.errors import Problem
from dvk_platform.versioning import requested_version

from ..models import CATALOGUES, AwardEntry
from ..schemas import AwardEntryCreateSchema, AwardEntrySchema, AwardEntryUpdateSchema, CatalogueQuerySchema
from ..services import create_entry, update_entry
from .common import READERS, unit_of_work

blp = Blueprint("catalogue", __name__, url_prefix="/catalogue",
                description="Danh mục danh hiệu thi đua và danh mục hình thức khen thưởng (tách riêng)")

PATHS = {"title": "titles", "form": "forms"}


def _entry(session, catalogue: str, entry_id: int) -> AwardEntry:  # noqa: ANN001 - a Session
    entry = session.get(AwardEntry, entry_id)
    if entry is None or entry.catalogue != catalogue:
        raise Problem(404, "not-found", "Không tìm thấy mục danh mục.",
                      detail=f"Không có mục mã {entry_id} trong danh mục {CATALOGUES[catalogue].lower()}.")
    return entry


def _register(catalogue: str) -> None:
    path = PATHS[catalogue]

    class Entries(MethodView):
        @require_roles(*READERS)
        @blp.arguments(CatalogueQuerySchema, location="query")
        @blp.response(200, AwardEntrySchema(many=True))
        def get(self, query):
            with unit_of_work() as session:
                statement = select(AwardEntry).where(AwardEntry.catalogue == catalogue)
                if "active" in query:
                    statement = statement.where(AwardEntry.active == query["active"])
                return session.scalars(statement.order_by(AwardEntry.name)).all()

        @require_roles("admin")
        @blp.arguments(AwardEntryCreateSchema)
        @blp.response(201, AwardEntrySchema)
        def post(self, data):
            with unit_of_work() as session:
                return create_entry(session, catalogue, data)

    class Entry(MethodView):
        @require_roles(*READERS)
        @blp.response(200, AwardEntrySchema)
        def get(self, entry_id):
            with unit_of_work() as session:
                return _entry(session, catalogue, entry_id)

        @require_roles("admin")
        @blp.arguments(AwardEntryUpdateSchema)
        @blp.response(200, AwardEntrySchema)
        def patch(self, data, entry_id):
            expected = requested_version(data)
            data.pop("version", None)
            with unit_of_work() as session:
                return update_entry(session, _entry(session, catalogue, entry_id), data, expected)

    Entries.__name__, Entry.__name__ = f"{path.title()}", f"{path.title()}Entry"
    blp.route(f"/{path}", endpoint=f"{path}")(Entries)
    blp.route(f"/{path}/<int:entry_id>", endpoint=f"{path}-entry")(Entry)


for _catalogue in CATALOGUES:
    _register(_catalogue)
