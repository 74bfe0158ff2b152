"""Units (đơn vị) as the registration service lists them."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from .. import clients
from ..security import roles_required

bp = Blueprint("units", __name__, url_prefix="/don-vi")


def load_units() -> list[dict[str, Any]]:
    return clients.get("registration", "/units") or []


def unit_names() -> dict[int, str]:
    """{unit_id: name}; empty when registration does not answer (pages then show the id)."""
    try:
        return {u["id"]: u["name"] for u in load_units()}
    except (clients.ServiceUnavailable, clients.ServiceProblem):
        return {}


@bp.get("")
@roles_required("admin", "vhxh", "lanh_dao", "giam_sat")
def index() -> Any:
    units = load_units()
    return render_template("units/index.html", units=units)
