"""What the API reads besides the nominations themselves: decisions, proposal letters and the units known from
registration's events. Who may read what is decided by the API's roles and by services.visible_nomination."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from dvk_platform.errors import NotFound

from .models import Decision, KnownUnit, ProposalLetter


def unit_names(session: Session, unit_ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(select(KnownUnit.unit_id, KnownUnit.name).where(KnownUnit.unit_id.in_(set(unit_ids))))
    return {unit_id: name for unit_id, name in rows if name}


def known_units(session: Session) -> list[KnownUnit]:
    return list(session.scalars(select(KnownUnit).order_by(KnownUnit.unit_id)))


def get_decision(session: Session, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound("not-found", "Không tìm thấy quyết định.", detail=f"Không có quyết định mã {decision_id}.")
    return decision


def get_letter(session: Session, letter_id: int) -> ProposalLetter:
    letter = session.get(ProposalLetter, letter_id)
    if letter is None:
        raise NotFound("not-found", "Không tìm thấy tờ trình.", detail=f"Không có tờ trình mã {letter_id}.")
    return letter


def decisions(session: Session, year: int | None, *, newest_first: bool = True) -> list[Decision]:
    order = (Decision.year.desc(), Decision.number.desc()) if newest_first else (Decision.year, Decision.number)
    statement = select(Decision).order_by(*order)
    if year is not None:
        statement = statement.where(Decision.year == year)
    return list(session.scalars(statement))


def letters(session: Session, year: int | None) -> list[ProposalLetter]:
    statement = select(ProposalLetter).order_by(ProposalLetter.year.desc(), ProposalLetter.number.desc())
    if year is not None:
        statement = statement.where(ProposalLetter.year == year)
    return list(session.scalars(statement))
