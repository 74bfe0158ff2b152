"""Khen thưởng: nominations, council review and decisions (awards service)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from dvk_platform.clock import now

from .. import clients
from ..security import login_required
from .units import unit_names

bp = Blueprint("awards", __name__, url_prefix="/khen-thuong")


@bp.get("")
@login_required
def index() -> Any:
    year = request.args.get("year", type=int) or now().year
    data = clients.get("awards", "/nominations", params={"year": year})
    items = data.get("items", []) if isinstance(data, dict) else (data or [])
    return render_template("awards/index.html", year=year, nominations=items, unit_names=unit_names())
