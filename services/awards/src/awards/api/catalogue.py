"""The two catalogues, kept apart: emulation titles (danh hiệu thi đua) and award forms (hình thức khen thưởng)."""
from __future__ import annotations

from flask.views import MethodView

from dvk_platform.app import Blueprint
from dvk_platform.auth import require_roles
from dvk_platform.versioning import requested_version

from .. import catalogue as use_cases
from ..models import CATALOGUES
from ..schemas import AwardEntryCreateSchema, AwardEntrySchema, AwardEntryUpdateSchema, CatalogueQuerySchema
from .common import READERS, unit_of_work

blp = Blueprint("catalogue", __name__, url_prefix="/catalogue",
                description="Danh mục danh hiệu thi đua và danh mục hình thức khen thưởng (tách riêng)")

PATHS = {"title": "titles", "form": "forms"}


def _register(catalogue: str) -> None:
    path = PATHS[catalogue]

    class Entries(MethodView):
        @require_roles(*READERS)
        @blp.arguments(CatalogueQuerySchema, location="query")
        @blp.response(200, AwardEntrySchema(many=True))
        def get(self, query):
            with unit_of_work() as session:
                return use_cases.entries(session, catalogue, query.get("active"))

        @require_roles("admin")
        @blp.arguments(AwardEntryCreateSchema)
        @blp.response(201, AwardEntrySchema)
        def post(self, data):
            with unit_of_work() as session:
                return use_cases.create_entry(session, catalogue, data)

    class Entry(MethodView):
        @require_roles(*READERS)
        @blp.response(200, AwardEntrySchema)
        def get(self, entry_id):
            with unit_of_work() as session:
                return use_cases.get_entry(session, catalogue, entry_id)

        @require_roles("admin")
        @blp.arguments(AwardEntryUpdateSchema)
        @blp.response(200, AwardEntrySchema)
        def patch(self, data, entry_id):
            version = requested_version(data)
            with unit_of_work() as session:
                return use_cases.update_entry(session, catalogue, entry_id, data, version)

    Entries.__name__, Entry.__name__ = f"{path.title()}", f"{path.title()}Entry"
    blp.route(f"/{path}", endpoint=f"{path}")(Entries)
    blp.route(f"/{path}/<int:entry_id>", endpoint=f"{path}-entry")(Entry)


for _catalogue in CATALOGUES:
    _register(_catalogue)
