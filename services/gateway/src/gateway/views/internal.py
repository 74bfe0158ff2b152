"""Machine endpoints for the other services (bearer service token, JSON, no session)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import select

from dvk_platform.auth import require_roles
from dvk_platform.db import get_db

from ..models import User

bp = Blueprint("internal", __name__, url_prefix="/internal")


@bp.get("/recipients")
@require_roles("admin")
def recipients() -> Any:
    """Everyone notify may write to: [{user_id, name, email, role, unit_id, active}]."""
    with get_db().transaction() as s:
        users = s.scalars(select(User).order_by(User.id)).all()
    return jsonify([
        {"user_id": str(u.id), "name": u.full_name, "email": u.email, "role": u.role, "unit_id": u.unit_id,
         "active": u.active}
        for u in users
    ])
