"""Use cases: each runs in the caller's transaction and writes the change, its history and its outbox row together."""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from unidecode import unidecode

from dvk_platform.auth import Principal
from dvk_platform.clock import now, ward_date
from dvk_platform.documents import document_number
from dvk_platform.errors import Problem
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version

from . import events
from .models import (
    CATALOGUES,
    CLOSED_STATUSES,
    NOMINATION_STATUSES,
    AwardEntry,
    Decision,
    KnownInspection,
    KnownModel,
    KnownReport,
    KnownUnit,
    Nomination,
    NominationStep,
    ProposalLetter,
    status_label,
)

# --- time -----------------------------------------------------------------------------------------------


# --- shared checks --------------------------------------------------------------------------------------


def invalid(errors: dict[str, list[str]], detail: str | None = None) -> Problem:
    first = next(iter(errors.values()))[0]
    return Problem(422, "validation-error", "Dữ liệu không hợp lệ.", detail=detail or first, errors=errors)


def wrong_state(nomination: Nomination, action: str) -> Problem:
    return Problem(409, "invalid-transition", "Không thể thực hiện thao tác ở trạng thái hiện tại.",
                   detail=f"Không thể {action} đề nghị số {nomination.id}. Trạng thái hiện tại: {status_label(nomination.status)}",
                   current_status=nomination.status)


# --- catalogues -----------------------------------------------------------------------------------------


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")[:60] or "muc"


def create_entry(session: Session, catalogue: str, data: dict[str, Any]) -> AwardEntry:
    code = data.pop("code", None) or slug(data["name"])
    if session.scalar(select(AwardEntry.id).where(AwardEntry.code == code)) is not None:
        raise Problem(409, "duplicate-entry", "Mã mục danh mục đã tồn tại.", detail=f"Mã '{code}' đã được dùng.")
    entry = AwardEntry(catalogue=catalogue, code=code, **data)
    session.add(entry)
    session.flush()
    return entry


def update_entry(session: Session, entry: AwardEntry, data: dict[str, Any], expected: int | None) -> AwardEntry:
    check_version(entry.version, expected, f"mục “{entry.name}”")
    for name, value in data.items():
        setattr(entry, name, value)
    if not entry.for_individuals and not entry.for_collectives:
        raise invalid({"for_collectives": ["Phải áp dụng cho cá nhân, tập thể hoặc cả hai."]})
    session.flush()
    return entry


# --- nominations ----------------------------------------------------------------------------------------


def _record(session: Session, nomination: Nomination, principal: Principal, action: str, from_status: str | None,
            at: datetime, note: str | None = None) -> None:
    session.add(NominationStep(
        nomination=nomination, action=action, from_status=from_status, to_status=nomination.status,
        actor_id=principal.user_id, actor_name=principal.name, actor_role=principal.role, at=at, note=note,
    ))


def _check_award(session: Session, catalogue: str, award_id: int, nominee_kind: str) -> AwardEntry:
    entry = session.get(AwardEntry, award_id)
    wanted = CATALOGUES[catalogue].lower()
    if entry is None:
        raise invalid({"award_id": [f"Không có mục mã {award_id} trong danh mục {wanted}."]})
    if entry.catalogue != catalogue:
        raise invalid({"award_id": [
            f"Mục mã {award_id} (“{entry.name}”) thuộc danh mục {CATALOGUES[entry.catalogue].lower()}, không phải {wanted}."
        ]})
    if not entry.active:
        raise invalid({"award_id": [f"Mục mã {award_id} (“{entry.name}”) đã ngừng áp dụng."]})
    if nominee_kind == "individual" and not entry.for_individuals:
        raise invalid({"award_id": [f"“{entry.name}” không xét cho cá nhân."]})
    if nominee_kind == "collective" and not entry.for_collectives:
        raise invalid({"award_id": [f"“{entry.name}” không xét cho tập thể."]})
    return entry


def _check_references(session: Session, unit_id: int, evidence: dict[str, Any]) -> None:
    """Units, models, inspections and reports must be known from the other services' events; name any that is not."""
    errors: dict[str, list[str]] = {}
    unit = session.get(KnownUnit, unit_id)
    if unit is None:
        errors["unit_id"] = [f"Không có đơn vị mã {unit_id}."]
    elif not unit.active:
        errors["unit_id"] = [f"Đơn vị mã {unit_id} (“{unit.name}”) đã ngừng hoạt động."]
    checks = (
        ("model_ids", KnownModel, KnownModel.model_id, "mô hình", int),
        ("inspection_ids", KnownInspection, KnownInspection.inspection_id, "lần kiểm tra", int),
        ("report_ids", KnownReport, KnownReport.report_id, "báo cáo", int),
    )
    for key, _table, column, label, kind in checks:
        wanted = [kind(v) for v in evidence.get(key) or []]
        if not wanted:
            continue
        known = set(session.scalars(select(column).where(column.in_(wanted))))
        missing = [v for v in wanted if v not in known]
        if missing:
            errors[f"evidence.{key}"] = [f"Không có {label} mã {', '.join(str(v) for v in missing)}."]
    if errors:
        raise invalid(errors)


def _person_key(nominee_kind: str, person_name: str | None) -> str:
    return " ".join((person_name or "").casefold().split()) if nominee_kind == "individual" else ""


def _check_duplicate(session: Session, nomination: Nomination) -> None:
    with session.no_autoflush:  # the unique index would fire first, without naming the other nomination
        other = _open_twin(session, nomination)
    if other is not None:
        raise duplicate(other)


def _open_twin(session: Session, nomination: Nomination) -> Nomination | None:
    return session.scalars(
        select(Nomination).where(
            Nomination.year == nomination.year, Nomination.movement == nomination.movement,
            Nomination.award_id == nomination.award_id, Nomination.unit_id == nomination.unit_id,
            Nomination.person_key == nomination.person_key, Nomination.status.not_in(CLOSED_STATUSES),
            Nomination.id != (nomination.id or 0),
        )
    ).first()


def duplicate(other: Nomination | None) -> Problem:
    detail = "Đối tượng này đã được đề nghị cùng danh hiệu/hình thức trong cùng năm và phong trào"
    if other is not None:
        detail += f" (đề nghị số {other.id}, trạng thái: {NOMINATION_STATUSES[other.status]})"
    return Problem(409, "duplicate-nomination", "Trùng đề nghị khen thưởng.", detail=detail + ".",
                   existing_nomination_id=other.id if other is not None else None)


def create_nomination(session: Session, principal: Principal, data: dict[str, Any]) -> Nomination:
    at = now()
    entry = _check_award(session, data["catalogue"], data["award_id"], data["nominee_kind"])
    _check_references(session, data["unit_id"], data["evidence"])
    nomination = Nomination(
        year=data["year"], movement=data["movement"], nominee_kind=data["nominee_kind"], unit_id=data["unit_id"],
        person_name=data.get("person_name"), person_key=_person_key(data["nominee_kind"], data.get("person_name")),
        person_position=data.get("person_position"), award_id=entry.id, catalogue=entry.catalogue,
        award_name=entry.name, achievements=data["achievements"], evidence=data["evidence"], status="draft",
        proposer_id=principal.user_id, proposer_name=principal.name, created_at=at, updated_at=at,
    )
    _check_duplicate(session, nomination)
    session.add(nomination)
    _record(session, nomination, principal, "created", None, at)
    session.flush()
    return nomination


def update_nomination(session: Session, principal: Principal, nomination: Nomination, data: dict[str, Any],
                      expected: int | None) -> Nomination:
    check_version(nomination.version, expected, f"đề nghị số {nomination.id}")
    if nomination.status != "draft":
        raise wrong_state(nomination, "sửa")
    if nomination.nominee_kind == "collective" and data.get("person_name"):
        raise invalid({"person_name": ["Đề nghị cho tập thể không ghi họ tên cá nhân."]})
    if "award_id" in data or "catalogue" in data:
        entry = _check_award(session, data.get("catalogue", nomination.catalogue), data.get("award_id", nomination.award_id),
                             nomination.nominee_kind)
        nomination.award_id, nomination.catalogue, nomination.award_name = entry.id, entry.catalogue, entry.name
    if "evidence" in data:
        _check_references(session, nomination.unit_id, data["evidence"])
        nomination.evidence = data["evidence"]
    for name in ("person_name", "person_position", "achievements"):
        if name in data:
            setattr(nomination, name, data[name])
    nomination.person_key = _person_key(nomination.nominee_kind, nomination.person_name)
    _check_duplicate(session, nomination)
    at = now()
    nomination.updated_at = at
    _record(session, nomination, principal, "edited", "draft", at)
    session.flush()
    return nomination


def propose(session: Session, principal: Principal, nomination: Nomination, expected: int | None,
            note: str | None = None) -> Nomination:
    check_version(nomination.version, expected, f"đề nghị số {nomination.id}")
    if nomination.status != "draft":
        raise wrong_state(nomination, "gửi đề nghị")
    entry = _check_award(session, nomination.catalogue, nomination.award_id, nomination.nominee_kind)
    _check_references(session, nomination.unit_id, nomination.evidence)
    _check_duplicate(session, nomination)
    at = now()
    nomination.status, nomination.award_name, nomination.updated_at = "proposed", entry.name, at
    _record(session, nomination, principal, "proposed", "draft", at, note)
    session.flush()
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.NOMINATION_PROPOSED,
              payload={
                  "nomination_id": nomination.id, "year": nomination.year, "movement": nomination.movement,
                  "nominee_kind": nomination.nominee_kind, "unit_id": nomination.unit_id,
                  "person_name": nomination.person_name, "award_id": nomination.award_id,
                  "award_name": nomination.award_name, "catalogue": nomination.catalogue, "occurred_at": at.isoformat(),
              })
    return nomination


def review(session: Session, principal: Principal, nomination: Nomination, data: dict[str, Any]) -> Nomination:
    """The Emulation and Commendation Council's conclusion, with its meeting date, votes and minutes."""
    check_version(nomination.version, data.get("version"), f"đề nghị số {nomination.id}")
    if nomination.status != "proposed":
        raise wrong_state(nomination, "ghi kết quả xét của Hội đồng cho")
    at = now()
    if data["meeting_date"] > ward_date(at):
        raise invalid({"meeting_date": ["Ngày họp Hội đồng không được sau ngày hôm nay."]})
    nomination.status = "approved" if data["approved"] else "not_approved"
    nomination.meeting_date = data["meeting_date"]
    nomination.votes_for, nomination.votes_against = data["votes_for"], data["votes_against"]
    nomination.votes_abstain, nomination.minutes, nomination.updated_at = data["votes_abstain"], data["minutes"], at
    verdict = "thống nhất đề nghị" if data["approved"] else "không thống nhất"
    _record(session, nomination, principal, "reviewed", "proposed", at,
            f"Hội đồng họp ngày {data['meeting_date']:%d/%m/%Y}: {verdict} ({data['votes_for']} đồng ý, "
            f"{data['votes_against']} không đồng ý, {data['votes_abstain']} không biểu quyết).")
    session.flush()
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.NOMINATION_REVIEWED,
              payload={
                  "nomination_id": nomination.id, "unit_id": nomination.unit_id, "year": nomination.year,
                  "approved": data["approved"], "votes_for": data["votes_for"], "votes_against": data["votes_against"],
                  "meeting_date": data["meeting_date"].isoformat(), "occurred_at": at.isoformat(),
              })
    return nomination


def withdraw(session: Session, principal: Principal, nomination: Nomination, expected: int | None,
             note: str | None = None) -> Nomination:
    """Phòng VH-XH withdraws a nomination not yet decided or forwarded; subscribers told of it stop counting it."""
    check_version(nomination.version, expected, f"đề nghị số {nomination.id}")
    if nomination.status not in ("draft", "proposed", "approved"):
        raise wrong_state(nomination, "rút")
    at = now()
    previous, nomination.status, nomination.updated_at = nomination.status, "withdrawn", at
    _record(session, nomination, principal, "withdrawn", previous, at, note)
    session.flush()
    if previous == "draft":
        return nomination  # a draft was never announced (no nomination-proposed), so its withdrawal is not either
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.NOMINATION_WITHDRAWN,
              payload={
                  "nomination_id": nomination.id, "unit_id": nomination.unit_id, "year": nomination.year,
                  "nominee_kind": nomination.nominee_kind, "person_name": nomination.person_name,
                  "award_name": nomination.award_name, "previous_status": previous, "reason": note or None,
                  "occurred_at": at.isoformat(),
              })
    return nomination


def _approved_for(session: Session, refs: Sequence[dict[str, int]], level: str, action: str) -> list[Nomination]:
    ids = [r["id"] for r in refs]
    if len(set(ids)) != len(ids):
        raise invalid({"nominations": ["Một đề nghị được nêu hai lần."]})
    found = {n.id: n for n in session.scalars(select(Nomination).where(Nomination.id.in_(ids)).with_for_update())}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid({"nominations": [f"Không có đề nghị số {', '.join(map(str, missing))}."]})
    chosen = []
    for ref in refs:
        nomination = found[ref["id"]]
        check_version(nomination.version, ref["version"], f"đề nghị số {nomination.id}")
        if nomination.status != "approved":
            raise wrong_state(nomination, action)
        if nomination.award.granting_level != level:
            where = "Chủ tịch UBND phường quyết định" if level == "phuong" else "trình cấp trên"
            raise Problem(409, "wrong-level", "Mức khen không thuộc thẩm quyền của bước này.",
                          detail=f"“{nomination.award_name}” (đề nghị số {nomination.id}) không thuộc loại {where}.")
        if nomination.award.needs_confirmation:
            raise Problem(409, "unconfirmed-legal-basis", "Căn cứ pháp lý của mục danh mục chưa được xác nhận.",
                          detail=f"Quản trị viên cần đối chiếu và xác nhận căn cứ pháp lý của “{nomination.award.name}” "
                          f"(mục mã {nomination.award_id}) với văn bản hiện hành trước khi ban hành văn bản.")
        chosen.append(nomination)
    return chosen


def _number(session: Session, table: type[Decision] | type[ProposalLetter], year: int, given: int | None, code: str) -> int:
    if given is None:
        return (session.scalar(select(func.max(table.number)).where(table.year == year)) or 0) + 1
    if session.scalar(select(table.id).where(table.year == year, table.number == given)) is not None:
        raise Problem(409, "number-taken", "Số văn bản đã được dùng.",
                      detail=f"Số {document_number(code, given)} năm {year} đã được cấp cho văn bản khác.")
    return given


def decide(session: Session, principal: Principal, data: dict[str, Any]) -> Decision:
    """The Chairman's decision (Quyết định khen thưởng) for approved nominations of ward-level awards."""
    at = now()
    nominations = _approved_for(session, data["nominations"], "phuong", "ra quyết định khen thưởng cho")
    decided_on = data.get("decided_on") or ward_date(at)
    number = _number(session, Decision, decided_on.year, data.get("number"), "QĐ")
    decision = Decision(year=decided_on.year, number=number, decided_on=decided_on, signer_name=data["signer_name"],
                        signer_position=data["signer_position"], created_by=principal.name, created_at=at)
    session.add(decision)
    session.flush()
    shown = document_number("QĐ", number)
    for nomination in nominations:
        nomination.status, nomination.decision, nomination.updated_at = "decided", decision, at
        _record(session, nomination, principal, "decided", "approved", at, f"Quyết định số {shown} ngày {decided_on:%d/%m/%Y}.")
        add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.AWARD_DECIDED,
                  payload={
                      "nomination_id": nomination.id, "decision_id": decision.id, "decision_number": shown,
                      "decided_on": decided_on.isoformat(), "unit_id": nomination.unit_id, "year": nomination.year,
                      "award_name": nomination.award_name, "nominee_kind": nomination.nominee_kind,
                      "person_name": nomination.person_name, "occurred_at": at.isoformat(),
                  })
    session.flush()
    return decision


def forward(session: Session, principal: Principal, data: dict[str, Any]) -> ProposalLetter:
    """A proposal letter (Tờ trình) asking the higher level to grant the award."""
    at = now()
    nominations = _approved_for(session, data["nominations"], "cap_tren", "trình cấp trên")
    letter_date = data.get("letter_date") or ward_date(at)
    number = _number(session, ProposalLetter, letter_date.year, data.get("number"), "TTr")
    letter = ProposalLetter(year=letter_date.year, number=number, letter_date=letter_date, addressee=data["addressee"],
                            signer_name=data["signer_name"], signer_position=data["signer_position"],
                            created_by=principal.name, created_at=at)
    session.add(letter)
    session.flush()
    shown = document_number("TTr", number)
    for nomination in nominations:
        nomination.status, nomination.letter, nomination.updated_at = "forwarded", letter, at
        _record(session, nomination, principal, "forwarded", "approved", at, f"Tờ trình số {shown} ngày {letter_date:%d/%m/%Y}.")
        add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.AWARD_FORWARDED,
                  payload={
                      "nomination_id": nomination.id, "unit_id": nomination.unit_id, "year": nomination.year,
                      "award_name": nomination.award_name, "letter_number": shown, "occurred_at": at.isoformat(),
                  })
    session.flush()
    return letter


def revoke(session: Session, principal: Principal, nomination: Nomination, reason: str, expected: int | None) -> Nomination:
    """Revoke a decided award; the nomination, its decision and evidence stay visible with the reason."""
    check_version(nomination.version, expected, f"đề nghị số {nomination.id}")
    if nomination.status != "decided":
        raise wrong_state(nomination, "thu hồi khen thưởng của")
    at = now()
    nomination.status, nomination.revoked_reason, nomination.revoked_at, nomination.updated_at = "revoked", reason, at, at
    _record(session, nomination, principal, "revoked", "decided", at, reason)
    session.flush()
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.AWARD_REVOKED,
              payload={
                  "decision_id": nomination.decision_id, "nomination_id": nomination.id, "unit_id": nomination.unit_id,
                  "year": nomination.year, "reason": reason, "occurred_at": at.isoformat(),
              })
    return nomination


# --- views ----------------------------------------------------------------------------------------------


def unit_names(session: Session, unit_ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(select(KnownUnit.unit_id, KnownUnit.name).where(KnownUnit.unit_id.in_(set(unit_ids))))
    return {unit_id: name for unit_id, name in rows if name}


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
