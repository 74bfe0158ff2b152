"""Units directory (đơn vị)."""
from __future__ import annotations

from dvk_platform.auth import authenticated, require_roles
from dvk_platform.db import get_db
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..models import Unit
from ..schemas import UnitCreateSchema, UnitSchema
from ..services import create_unit

blp = Blueprint("units", __name__, url_prefix="/units", description="Đơn vị tham gia phong trào")


@blp.route("")
class Units(MethodView):
    @authenticated
    @blp.response(200, UnitSchema(many=True))
    def get(self):
        with get_db().transaction() as session:
            return session.scalars(select(Unit).order_by(Unit.kind, Unit.id)).all()

    @require_roles("admin")
    @blp.arguments(UnitCreateSchema)
    @blp.response(201, UnitSchema)
    def post(self, data):
        with get_db().transaction() as session:
            return create_unit(session, data)
