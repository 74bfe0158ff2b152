"""Khen thưởng — what its pages share: the blueprint, the catalogues, the year asked for, the Chairman's name."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from dvk_documents import signer_name
from dvk_platform.clock import ward_year

from ... import clients
from ...security import current_user

bp = Blueprint("awards", __name__, url_prefix="/khen-thuong")

WARD_READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")
CATALOGUE_PATHS = {"title": "titles", "form": "forms"}
SIGNER_POSITIONS = {"chu_tich": "Chủ tịch", "pho_chu_tich": "Phó Chủ tịch (ký thay)"}


def _year() -> int:
    return request.values.get("year", type=int) or ward_year()


def _problem_errors(exc: clients.ServiceProblem) -> dict[str, str]:
    errors = exc.field_errors()
    errors.setdefault("_", exc.message)
    return errors


def _catalogue() -> list[dict[str, Any]]:
    """Both catalogues, titles first; each entry knows which catalogue it is from."""
    entries: list[dict[str, Any]] = []
    for catalogue, path in CATALOGUE_PATHS.items():
        for entry in clients.get("awards", f"/catalogue/{path}") or []:
            entries.append({**entry, "catalogue": entry.get("catalogue", catalogue)})
    return entries


def _chairman() -> str:
    """The Chairman as the ward's settings name him (DVK_CHAIRMAN_NAME); else the signed-in leader's name without a title."""
    user = current_user()
    return current_app.config.get("CHAIRMAN_NAME") or signer_name(user.full_name if user else "")


def _int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    return int(value) if value.isdigit() else None
