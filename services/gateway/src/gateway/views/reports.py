"""Báo cáo: unit reports per period and the ward's consolidated reports (reporting service)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from dvk_platform.clock import now

from .. import clients
from ..security import login_required
from .units import unit_names

bp = Blueprint("reports", __name__, url_prefix="/bao-cao")


@bp.get("")
@login_required
def index() -> Any:
    year = request.args.get("year", type=int) or now().year
    data = clients.get("reporting", "/reports", params={"year": year, "period": request.args.get("period")})
    items = data.get("items", []) if isinstance(data, dict) else (data or [])
    return render_template("reports/index.html", year=year, reports=items, unit_names=unit_names())
