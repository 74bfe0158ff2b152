"""The answers of the API, shaped from the records: labels, document numbers and unit names added for the reader."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dvk_documents import document_number

from ..models import CATALOGUES, NOMINATION_STATUSES, Decision, Nomination, ProposalLetter
from ..queries import unit_names


def nomination_view(nomination: Nomination, names: dict[int, str], with_history: bool = False) -> dict[str, Any]:
    view = {c: getattr(nomination, c) for c in (
        "id", "year", "movement", "nominee_kind", "unit_id", "person_name", "person_position", "catalogue", "award_id",
        "award_name", "achievements", "evidence", "status", "proposer_name", "meeting_date", "votes_for", "votes_against",
        "votes_abstain", "minutes", "decision_id", "letter_id", "revoked_reason", "revoked_at", "version",
        "created_at", "updated_at",
    )}
    view["unit_name"] = names.get(nomination.unit_id)
    view["catalogue_label"] = CATALOGUES[nomination.catalogue]
    view["status_label"] = NOMINATION_STATUSES[nomination.status]
    view["decision_number"] = document_number("QĐ", nomination.decision.number) if nomination.decision else None
    view["letter_number"] = document_number("TTr", nomination.letter.number) if nomination.letter else None
    if with_history:
        view["history"] = list(nomination.history)
    return view


def awardee_view(nomination: Nomination, names: dict[int, str]) -> dict[str, Any]:
    return {
        "nomination_id": nomination.id, "nominee_kind": nomination.nominee_kind, "unit_id": nomination.unit_id,
        "unit_name": names.get(nomination.unit_id), "person_name": nomination.person_name,
        "person_position": nomination.person_position, "award_name": nomination.award_name, "status": nomination.status,
        "revoked_reason": nomination.revoked_reason, "revoked_at": nomination.revoked_at,
    }


def nomination_answer(session: Session, nomination: Nomination) -> dict[str, Any]:
    """One nomination with its history, as GET /nominations/<id> and every workflow step answer it."""
    return nomination_view(nomination, unit_names(session, [nomination.unit_id]), with_history=True)


def nominations_answer(session: Session, nominations: list[Nomination]) -> list[dict[str, Any]]:
    names = unit_names(session, [n.unit_id for n in nominations])
    return [nomination_view(n, names) for n in nominations]


def decision_view(session: Session, decision: Decision) -> dict[str, Any]:
    names = unit_names(session, [n.unit_id for n in decision.nominations])
    awardees = [awardee_view(n, names) for n in decision.nominations]
    return {
        "id": decision.id, "year": decision.year, "number": decision.number,
        "decision_number": document_number("QĐ", decision.number), "decided_on": decision.decided_on,
        "signer_name": decision.signer_name, "signer_position": decision.signer_position,
        "revoked": bool(awardees) and all(a["status"] == "revoked" for a in awardees),
        "awardees": awardees, "created_at": decision.created_at,
    }


def letter_view(session: Session, letter: ProposalLetter) -> dict[str, Any]:
    names = unit_names(session, [n.unit_id for n in letter.nominations])
    return {
        "id": letter.id, "year": letter.year, "number": letter.number,
        "letter_number": document_number("TTr", letter.number), "letter_date": letter.letter_date,
        "addressee": letter.addressee, "signer_name": letter.signer_name, "signer_position": letter.signer_position,
        "awardees": [awardee_view(n, names) for n in letter.nominations], "created_at": letter.created_at,
    }
