"""Use cases: each runs in the caller's transaction and writes the change, its history and its outbox row together.

Each takes the session, the actor, ids, the data, the version the client edits and `now` (given by the caller, so
a test or a replay decides the time); the nomination workflow is the table TRANSITIONS; event payloads are built
in events.py; what a unit officer may see is decided here (`visible_nomination`, `nominations`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dvk_documents import document_number
from dvk_platform.auth import Principal
from dvk_platform.clock import ward_date
from dvk_platform.errors import Conflict, Invalid, NotFound
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version
from dvk_platform.workflow import next_state

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
    NominationFile,
    NominationStep,
    ProposalLetter,
    status_label,
)

# Which state each workflow action may start from, and where it leads; the Council's review is approve or not_approve.
TRANSITIONS: dict[str, dict[str, str]] = {
    "edit": {"draft": "draft"},
    "propose": {"draft": "proposed"},
    "approve": {"proposed": "approved"},
    "not_approve": {"proposed": "not_approved"},
    "withdraw": {"draft": "withdrawn", "proposed": "withdrawn", "approved": "withdrawn"},
    "decide": {"approved": "decided"},
    "forward": {"approved": "forwarded"},
    "revoke": {"decided": "revoked"},
}
# The step each action writes in a nomination's history, and how a refusal names the action.
STEPS = {"edit": "edited", "propose": "proposed", "approve": "reviewed", "not_approve": "reviewed",
         "withdraw": "withdrawn", "decide": "decided", "forward": "forwarded", "revoke": "revoked"}
VERBS = {"edit": "sửa", "propose": "gửi đề nghị", "approve": "ghi kết quả xét của Hội đồng cho",
         "not_approve": "ghi kết quả xét của Hội đồng cho", "withdraw": "rút", "decide": "ra quyết định khen thưởng cho",
         "forward": "trình cấp trên", "revoke": "thu hồi khen thưởng của"}


# --- shared checks --------------------------------------------------------------------------------------


def invalid(errors: dict[str, list[str]], detail: str | None = None) -> Invalid:
    first = next(iter(errors.values()))[0]
    return Invalid(detail=detail or first, errors=errors)


def _target(nomination: Nomination, action: str) -> str:
    """Where `action` takes this nomination (409 invalid-transition if its state does not allow it)."""
    return next_state(TRANSITIONS, action, nomination.status, lambda _allowed: (
        "Không thể thực hiện thao tác ở trạng thái hiện tại.",
        f"Không thể {VERBS[action]} đề nghị số {nomination.id}. Trạng thái hiện tại: {status_label(nomination.status)}",
    ))


def _move(session: Session, actor: Principal, nomination: Nomination, action: str, now: datetime,
          note: str | None = None) -> str:
    """Take the step `action` (already checked with `_target`), keep it in the history; returns the state left."""
    previous = nomination.status
    nomination.status, nomination.updated_at = TRANSITIONS[action][previous], now
    _record(session, nomination, actor, STEPS[action], previous, now, note)
    return previous


def _record(session: Session, nomination: Nomination, actor: Principal, step: str, from_status: str | None,
            at: datetime, note: str | None = None) -> None:
    session.add(NominationStep(
        nomination=nomination, action=step, from_status=from_status, to_status=nomination.status,
        actor_id=actor.user_id, actor_name=actor.name, actor_role=actor.role, occurred_at=at, note=note,
    ))


# --- nominations ----------------------------------------------------------------------------------------


def visible_nomination(session: Session, actor: Principal, nomination_id: int, *, lock: bool = False) -> Nomination:
    """A unit officer sees only their own unit's nominations; anything else is simply not found. With `lock`, the
    row is held until the transaction ends."""
    nomination = session.get(Nomination, nomination_id, with_for_update=lock)
    if nomination is None or (actor.role == "don_vi" and nomination.unit_id != actor.unit_id):
        raise NotFound("not-found", "Không tìm thấy đề nghị khen thưởng.", detail=f"Không có đề nghị số {nomination_id}.")
    return nomination


def nominations(session: Session, actor: Principal, filters: dict[str, Any]) -> list[Nomination]:
    """Nominations newest year first, filtered by year, status and unit; a unit officer's own unit's only."""
    statement = select(Nomination)
    if actor.role == "don_vi":
        statement = statement.where(Nomination.unit_id == actor.unit_id)
    for name in ("year", "status", "unit_id"):
        if name in filters:
            statement = statement.where(getattr(Nomination, name) == filters[name])
    return list(session.scalars(statement.order_by(Nomination.year.desc(), Nomination.id)))


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


def duplicate(other: Nomination | None) -> Conflict:
    detail = "Đối tượng này đã được đề nghị cùng danh hiệu/hình thức trong cùng năm và phong trào"
    if other is not None:
        detail += f" (đề nghị số {other.id}, trạng thái: {NOMINATION_STATUSES[other.status]})"
    return Conflict("duplicate-nomination", "Trùng đề nghị khen thưởng.", detail=detail + ".",
                   existing_nomination_id=other.id if other is not None else None)


def create_nomination(session: Session, actor: Principal, data: dict[str, Any], now: datetime) -> Nomination:
    entry = _check_award(session, data["catalogue"], data["award_id"], data["nominee_kind"])
    _check_references(session, data["unit_id"], data["evidence"])
    nomination = Nomination(
        year=data["year"], movement=data["movement"], nominee_kind=data["nominee_kind"], unit_id=data["unit_id"],
        person_name=data.get("person_name"), person_key=_person_key(data["nominee_kind"], data.get("person_name")),
        person_position=data.get("person_position"), award_id=entry.id, catalogue=entry.catalogue,
        award_name=entry.name, achievements=data["achievements"], evidence=data["evidence"], status="draft",
        proposer_id=actor.user_id, proposer_name=actor.name, created_at=now, updated_at=now,
    )
    _check_duplicate(session, nomination)
    session.add(nomination)
    _record(session, nomination, actor, "created", None, now)
    session.flush()
    return nomination


def update_nomination(session: Session, actor: Principal, nomination_id: int, data: dict[str, Any],
                      expected_version: int | None, now: datetime) -> Nomination:
    nomination = visible_nomination(session, actor, nomination_id)
    check_version(nomination.version, expected_version, f"đề nghị số {nomination.id}")
    _target(nomination, "edit")
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
    _move(session, actor, nomination, "edit", now)
    session.flush()
    return nomination


def propose(session: Session, actor: Principal, nomination_id: int, expected_version: int | None, now: datetime,
            note: str | None = None) -> Nomination:
    nomination = visible_nomination(session, actor, nomination_id)
    check_version(nomination.version, expected_version, f"đề nghị số {nomination.id}")
    _target(nomination, "propose")
    entry = _check_award(session, nomination.catalogue, nomination.award_id, nomination.nominee_kind)
    _check_references(session, nomination.unit_id, nomination.evidence)
    _check_duplicate(session, nomination)
    nomination.award_name = entry.name
    _move(session, actor, nomination, "propose", now, note)
    session.flush()
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.NOMINATION_PROPOSED,
              payload=events.proposed_payload(nomination, now, list(session.scalars(
                  select(NominationFile).where(NominationFile.nomination_id == nomination.id).order_by(NominationFile.id)))))
    return nomination


def review(session: Session, actor: Principal, nomination_id: int, data: dict[str, Any], expected_version: int | None,
           now: datetime) -> Nomination:
    """The Emulation and Commendation Council's conclusion, with its meeting date, votes and minutes."""
    nomination = visible_nomination(session, actor, nomination_id)
    check_version(nomination.version, expected_version, f"đề nghị số {nomination.id}")
    action = "approve" if data["approved"] else "not_approve"
    _target(nomination, action)
    if data["meeting_date"] > ward_date(now):
        raise invalid({"meeting_date": ["Ngày họp Hội đồng không được sau ngày hôm nay."]})
    nomination.meeting_date = data["meeting_date"]
    nomination.votes_for, nomination.votes_against = data["votes_for"], data["votes_against"]
    nomination.votes_abstain, nomination.minutes = data["votes_abstain"], data["minutes"]
    verdict = "thống nhất đề nghị" if data["approved"] else "không thống nhất"
    _move(session, actor, nomination, action, now,
          f"Hội đồng họp ngày {data['meeting_date']:%d/%m/%Y}: {verdict} ({data['votes_for']} đồng ý, "
          f"{data['votes_against']} không đồng ý, {data['votes_abstain']} không biểu quyết).")
    session.flush()
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.NOMINATION_REVIEWED,
              payload=events.reviewed_payload(nomination, now))
    return nomination


def withdraw(session: Session, actor: Principal, nomination_id: int, expected_version: int | None, now: datetime,
             note: str | None = None) -> Nomination:
    """Phòng VH-XH withdraws a nomination not yet decided or forwarded; subscribers told of it stop counting it."""
    nomination = visible_nomination(session, actor, nomination_id)
    check_version(nomination.version, expected_version, f"đề nghị số {nomination.id}")
    _target(nomination, "withdraw")
    previous = _move(session, actor, nomination, "withdraw", now, note)
    session.flush()
    if previous == "draft":
        return nomination  # a draft was never announced (no nomination-proposed), so its withdrawal is not either
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.NOMINATION_WITHDRAWN,
              payload=events.withdrawn_payload(nomination, previous, note, now))
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
        _target(nomination, action)
        if nomination.award.granting_level != level:
            where = "Chủ tịch UBND phường quyết định" if level == "phuong" else "trình cấp trên"
            raise Conflict("wrong-level", "Mức khen không thuộc thẩm quyền của bước này.",
                          detail=f"“{nomination.award_name}” (đề nghị số {nomination.id}) không thuộc loại {where}.")
        if nomination.award.needs_confirmation:
            raise Conflict("unconfirmed-legal-basis", "Căn cứ pháp lý của mục danh mục chưa được xác nhận.",
                          detail=f"Quản trị viên cần đối chiếu và xác nhận căn cứ pháp lý của “{nomination.award.name}” "
                          f"(mục mã {nomination.award_id}) với văn bản hiện hành trước khi ban hành văn bản.")
        chosen.append(nomination)
    return chosen


def _number(session: Session, table: type[Decision] | type[ProposalLetter], year: int, given: int | None, code: str) -> int:
    if given is None:
        return (session.scalar(select(func.max(table.number)).where(table.year == year)) or 0) + 1
    if session.scalar(select(table.id).where(table.year == year, table.number == given)) is not None:
        raise Conflict("number-taken", "Số văn bản đã được dùng.",
                      detail=f"Số {document_number(code, given)} năm {year} đã được cấp cho văn bản khác.")
    return given


@dataclass(frozen=True)
class Paper:
    """What differs between the two documents that close an approved nomination."""

    level: str  # the award's granting level the document is for
    table: type[Decision] | type[ProposalLetter]
    code: str  # the document's number prefix
    dated: str  # the document's date field
    link: str  # the nomination's attribute pointing at the document
    name: str
    fields: tuple[str, ...]
    event_type: str
    payload: Callable[..., dict[str, Any]]


PAPERS = {
    # The Chairman's decision (Quyết định khen thưởng) for ward-level awards.
    "decide": Paper("phuong", Decision, "QĐ", "decided_on", "decision", "Quyết định", ("signer_name", "signer_position"),
                    events.AWARD_DECIDED, events.decided_payload),
    # A proposal letter (Tờ trình) asking the higher level to grant the award.
    "forward": Paper("cap_tren", ProposalLetter, "TTr", "letter_date", "letter", "Tờ trình",
                     ("addressee", "signer_name", "signer_position"), events.AWARD_FORWARDED, events.forwarded_payload),
}


def issue(session: Session, actor: Principal, action: str, data: dict[str, Any], now: datetime) -> Decision | ProposalLetter:
    """Issue the document `action` ("decide" or "forward") closing the approved nominations it lists."""
    paper = PAPERS[action]
    chosen = _approved_for(session, data["nominations"], paper.level, action)
    dated = data.get(paper.dated) or ward_date(now)
    number = _number(session, paper.table, dated.year, data.get("number"), paper.code)
    document = paper.table(year=dated.year, number=number, created_by=actor.name, created_at=now,
                           **{paper.dated: dated}, **{name: data[name] for name in paper.fields})
    session.add(document)
    session.flush()
    shown = document_number(paper.code, number)
    for nomination in chosen:
        setattr(nomination, paper.link, document)
        _move(session, actor, nomination, action, now, f"{paper.name} số {shown} ngày {dated:%d/%m/%Y}.")
        add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=paper.event_type,
                  payload=paper.payload(nomination, document, shown, now))
    session.flush()
    return document


def revoke(session: Session, actor: Principal, nomination_id: int, reason: str, expected_version: int | None,
           now: datetime) -> Nomination:
    """Revoke a decided award; the nomination, its decision and evidence stay visible with the reason."""
    nomination = visible_nomination(session, actor, nomination_id)
    check_version(nomination.version, expected_version, f"đề nghị số {nomination.id}")
    _target(nomination, "revoke")
    nomination.revoked_reason, nomination.revoked_at = reason, now
    _move(session, actor, nomination, "revoke", now, reason)
    session.flush()
    add_event(session, aggregate_type="nomination", aggregate_id=nomination.id, event_type=events.AWARD_REVOKED,
              payload=events.revoked_payload(nomination, now))
    return nomination
