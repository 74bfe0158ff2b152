"""Công khai: what the plan means by public and transparent, for anyone without an account.

Only accepted and typical models and published commendation decisions: no personal data beyond what a
decision itself publishes (the nominee's name and the award)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from dvk_platform.clock import ward_today

from .. import clients

bp = Blueprint("public", __name__, url_prefix="/cong-khai")


def _public_token() -> str:
    # Read-only observer identity for the public page: services already restrict giam_sat to reading.
    return clients.service_token(role="giam_sat", user_id="public", name="Trang công khai")


@bp.get("")
def index() -> Any:
    from .dashboard import chosen_year, year_choices

    today = ward_today()
    year = chosen_year(today)
    token = _public_token()
    sections: dict[str, Any] = {}
    messages: list[str] = []
    try:
        models = clients.items(clients.get("registration", "/models", params={"year": year, "status": "accepted"}, token=token))
        sections["models"] = models
        sections["typical"] = [m for m in models if m.get("typical")]
    except clients.ServiceUnavailable as exc:
        messages.append(exc.message)
    except clients.ServiceProblem:
        sections["models"], sections["typical"] = [], []
    try:
        sections["decisions"] = published_awards(clients.items(clients.get("awards", "/decisions", params={"year": year},
                                                                    token=token)))
    except clients.ServiceUnavailable as exc:
        messages.append(exc.message)
    except clients.ServiceProblem:
        sections["decisions"] = []
    try:
        sections["progress"] = clients.get("reporting", "/progress", params={"year": year}, token=token) or {}
    except clients.ServiceUnavailable as exc:
        messages.append(exc.message)
    except clients.ServiceProblem:
        sections["progress"] = {}
    names = unit_names_public(token)
    return render_template("public/index.html", year=year, years=year_choices(today), sections=sections,
                           messages=messages, unit_names=names)


def published_awards(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per awardee of each decision, exactly what the decision publishes: number, date, the collective or
    the person's name and position, the unit and the award. A revoked award stays listed, marked as revoked,
    without the reason (which may speak of the person)."""
    rows = []
    for decision in decisions:
        for awardee in decision.get("awardees") or []:
            rows.append({
                "decision_number": decision.get("decision_number"), "decided_on": decision.get("decided_on"),
                "nominee_kind": awardee.get("nominee_kind"), "person_name": awardee.get("person_name"),
                "person_position": awardee.get("person_position"), "unit_id": awardee.get("unit_id"),
                "unit_name": awardee.get("unit_name"), "award_name": awardee.get("award_name"),
                "revoked": awardee.get("status") == "revoked",
            })
    return rows


def unit_names_public(token: str) -> dict[int, str]:
    try:
        return {u["id"]: u["name"] for u in clients.get("registration", "/units", token=token) or []}
    except (clients.ServiceUnavailable, clients.ServiceProblem):
        return {}


