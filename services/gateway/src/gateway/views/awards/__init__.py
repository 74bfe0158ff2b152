"""Khen thưởng: suggestions, nominations, council review, the Chairman's decisions or proposals to a higher
level, revocation, the catalogues, and the Word and Excel files (awards service).

One blueprint ("awards"), its pages in three modules as the pages fall: `nominations` (a nomination from its
draft to the council's review and the Chairman's step on it), `signing` (decisions and proposal letters for several
nominations, their Word and Excel files) and `catalogues` (the two catalogues the administrator keeps). This module
holds what they share and the Khen thưởng page itself."""
from __future__ import annotations

from typing import Any

from flask import render_template, request

from ... import clients
from ...security import has_role, login_required
from ..units import unit_names
from . import catalogues, signing  # noqa: F401  (their pages register themselves on bp)
from .common import CATALOGUE_PATHS, WARD_READERS, _year, bp
from .nominations import NOMINATION_ACTIONS

__all__ = ["CATALOGUE_PATHS", "NOMINATION_ACTIONS", "bp"]


@bp.get("")
@login_required
def index() -> Any:
    year = _year()
    status = request.args.get("status") or None
    nominations = clients.get("awards", "/nominations", params={"year": year, "status": status}) or []
    suggestions: list[dict[str, Any]] = []
    letters: list[dict[str, Any]] = []
    if has_role(*WARD_READERS):  # the ward's own work: unit officers get neither (the service would answer 403)
        suggestions = clients.get("awards", "/suggestions", params={"year": year}) or []
        letters = clients.get("awards", "/proposal-letters", params={"year": year}) or []
    decisions = clients.get("awards", "/decisions", params={"year": year}) or []
    return render_template("awards/index.html", year=year, status=status, nominations=nominations,
                           suggestions=suggestions, decisions=decisions, letters=letters, unit_names=unit_names())
