"""Use cases: each one transaction that writes the change and its outbox rows together."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, object_session
from unidecode import unidecode

from dvk_platform import audit, evidence
from dvk_platform.auth import Principal
from dvk_platform.clock import ward_date
from dvk_platform.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound
from dvk_platform.outbox import add_event
from dvk_platform.schemas import nfc
from dvk_platform.versioning import check_version, update_versioned
from dvk_platform.workflow import invalid_transition, next_state

from . import events
from .models import (
    RATINGS,
    STATUSES,
    Inspection,
    InspectionFile,
    InspectionFileChunk,
    ModelFile,
    ModelFileChunk,
    ModelRegistration,
    RegistrationPeriod,
    RegistrationTransition,
    Unit,
)
from .periods import get_period

# Which state each workflow action may start from, and where it leads.
TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {"draft": "submitted", "returned": "submitted"},
    "return": {"submitted": "returned"},
    "accept": {"submitted": "accepted"},
    "withdraw": {"draft": "withdrawn", "submitted": "withdrawn", "returned": "withdrawn"},
}
ACTION_NAMES = {"submit": "gửi", "return": "trả lại", "accept": "tiếp nhận", "withdraw": "rút", "edit": "sửa"}
EDITABLE = ("draft", "returned")
# A model counts towards target 3 once it has been sent to Phòng VH-XH and not withdrawn.
COUNTED = ("submitted", "returned", "accepted")
MODEL_TEXT_FIELDS = ("title", "goals", "content", "target_group", "person_in_charge", "expected_results")


def fold(text: str | None) -> str:
    """Accent-folded, lower-case, single-spaced text for search: "Dân Vận  Khéo" -> "dan van kheo"."""
    return re.sub(r"\s+", " ", unidecode(nfc(text or ""))).strip().lower()


def status_label(status: str) -> str:
    return f"{STATUSES.get(status, status)} ({status})"


def _refusal(action: str, current: str) -> Callable[[Iterable[str]], tuple[str, str]]:
    """How a refused step is worded: the action, the current state and the states it may start from."""
    return lambda allowed: (
        f"Không thể {ACTION_NAMES[action]} mô hình ở trạng thái hiện tại.",
        f"Trạng thái hiện tại: {status_label(current)}. Chỉ {ACTION_NAMES[action]} được khi ở: "
        f"{', '.join(status_label(s) for s in allowed)}.",
    )


def invalid_state(action: str, current: str) -> InvalidTransition:
    return invalid_transition(*_refusal(action, current)(EDITABLE if action == "edit" else TRANSITIONS[action]), current)


# ---------------------------------------------------------------- model registrations

def visible_model(session: Session, principal: Principal, model_id: int) -> ModelRegistration:
    """The model if this principal may see it; a unit officer gets 404 for another unit's model."""
    model = session.get(ModelRegistration, model_id)
    if model is None or (principal.role == "don_vi" and model.unit_id != principal.unit_id):
        raise NotFound("model-not-found", "Không tìm thấy mô hình.")
    return model


def _search_text(model: ModelRegistration) -> str:
    return fold(" ".join(getattr(model, name) or "" for name in MODEL_TEXT_FIELDS))


def _check_dates(start: Any, end: Any) -> None:
    if start and end and end < start:
        raise Invalid(errors={"end_date": ["Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."]})


def _record(session: Session, model: ModelRegistration, actor: Principal, action: str, from_status: str | None,
            note: str | None, now: datetime) -> None:
    session.add(RegistrationTransition(
        model_id=model.id, from_status=from_status, to_status=model.status, action=action, actor_id=actor.user_id,
        actor_name=actor.name, actor_role=actor.role, note=note, occurred_at=now,
    ))


def create_model(session: Session, actor: Principal, data: dict[str, Any], now: datetime) -> ModelRegistration:
    unit = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    if unit is None:
        raise Forbidden("no-unit", "Tài khoản chưa gắn với đơn vị nào.")
    if not unit.active:
        raise Conflict("unit-inactive", "Đơn vị đã ngừng hoạt động, không đăng ký mô hình mới.")
    year = data.pop("year", None) or ward_date(now).year
    if get_period(session, year) is None:
        raise Conflict("period-not-open", "Chưa mở kỳ đăng ký cho năm này.", detail=f"Phòng Văn hóa - Xã hội chưa mở kỳ đăng ký năm {year}.")
    _check_dates(data.get("start_date"), data.get("end_date"))
    model = ModelRegistration(unit_id=unit.id, year=year, status="draft", late=False, created_by=actor.user_id,
                              created_at=now, updated_at=now, **data)
    model.search_text = _search_text(model)
    session.add(model)
    session.flush()
    _record(session, model, actor, "create", None, None, now)
    return model


def update_model(session: Session, actor: Principal, model_id: int, data: dict[str, Any], expected_version: int,
                 now: datetime) -> ModelRegistration:
    model = visible_model(session, actor, model_id)
    if model.status not in EDITABLE:
        raise invalid_state("edit", model.status)
    check_version(model.version, expected_version)
    _check_dates(data.get("start_date", model.start_date), data.get("end_date", model.end_date))
    for key, value in data.items():
        setattr(model, key, value)
    model.search_text = _search_text(model)
    model.updated_at = now
    session.flush()
    return model


# The workflow step's two reads, built once (a statement object costs more to build than to run from the cache).
_MODELS, _STEPS = ModelRegistration.__table__, RegistrationTransition.__table__
_PERIODS = RegistrationPeriod.__table__
READ_FOR_STEP = (select(_MODELS, _PERIODS.c.deadline).outerjoin(_PERIODS, _PERIODS.c.year == _MODELS.c.year)
                 .where(_MODELS.c.id == bindparam("model_id")))
READ_HISTORY = select(_STEPS).where(_STEPS.c.model_id == bindparam("model_id")).order_by(_STEPS.c.id)
INSERT_STEP = insert(_STEPS)


def transition(session: Session, actor: Principal, model_id: int, action: str, expected_version: int, now: datetime,
               note: str | None = None) -> dict[str, Any]:
    """Move a model along the workflow, keep the step in its history and queue the event; the answer's body (the
    model as it now is, its history, files and inspections). Written as the statements the rules need, without
    loading the model as an object: the model with its period's deadline read together, the UPDATE that checks
    the version, the files (read after that UPDATE has the row, so an upload committed meanwhile is in the event),
    the history step, the audit and outbox rows, the history read back."""
    conn = session.connection()
    models = _MODELS
    found = conn.execute(READ_FOR_STEP, {"model_id": model_id}).mappings().first()
    if found is None or (actor.role == "don_vi" and found["unit_id"] != actor.unit_id):
        raise NotFound("model-not-found", "Không tìm thấy mô hình.")
    before = {column.key: found[column.key] for column in models.c}
    previous = before["status"]
    target = next_state(TRANSITIONS, action, previous, _refusal(action, previous))
    check_version(before["version"], expected_version)
    event_type = {
        "return": events.MODEL_RETURNED, "accept": events.MODEL_ACCEPTED, "withdraw": events.MODEL_WITHDRAWN,
    }.get(action, events.MODEL_RESUBMITTED if previous == "returned" else events.MODEL_SUBMITTED)
    changes: dict[str, Any] = {"status": target, "updated_at": now}
    if action == "submit" and before["submitted_at"] is None:
        # Late is judged once, on the ward's calendar day of the first submission; the deadline day itself is on time.
        changes["late"] = found["deadline"] is not None and ward_date(now) > found["deadline"]
        changes["submitted_at"] = now
    if action == "accept":
        changes["accepted_at"] = now
    version = update_versioned(conn, models, model_id, before["version"], changes)
    model = {**before, **changes, "version": version}
    attached = files(session, model_id)
    conn.execute(INSERT_STEP, [{
        "model_id": model_id, "from_status": previous, "to_status": target, "action": action, "actor_id": actor.user_id,
        "actor_name": actor.name, "actor_role": actor.role, "note": note, "occurred_at": now}])
    audit.record(conn, models.name, model_id, audit.changed(before, changes))
    add_event(conn, aggregate_type="model", aggregate_id=model_id, event_type=event_type,
              payload=events.model_payload(SimpleNamespace(**model), now, actor.role,
                                           note if action == "return" else None, attached))
    model["history"] = conn.execute(READ_HISTORY, {"model_id": model_id}).mappings().all()
    model["files"] = attached
    # inspections are recorded only on accepted models, and acceptance is final
    model["inspections"] = inspections(session, model_id) if target == "accepted" else []
    return model


# ---------------------------------------------------------------- evidence files (minh chứng) of a model

def _files_editable(model: ModelRegistration) -> None:
    """Files change only while the model itself may be edited; what Phòng VH-XH received stays as it was."""
    if model.status == "accepted":
        raise Conflict("files-frozen", "Mô hình đã được tiếp nhận: tệp minh chứng được giữ nguyên như khi tiếp nhận.")
    if model.status not in EDITABLE:
        raise Conflict("files-locked", "Chỉ thêm hoặc gỡ tệp minh chứng khi mô hình là bản nháp hoặc bị trả lại.",
                      detail=f"Trạng thái hiện tại: {status_label(model.status)}.")


# a unit officer adds and removes them on the unit's own model (404 for another unit's, as for the model)
MODEL_FILES = evidence.FileStore(ModelFile, ModelFileChunk, "model_id", visible_model, _files_editable)


def files(session: Session, model_id: int) -> list[ModelFile]:
    return MODEL_FILES.files(session, model_id)


def history(session: Session, model_id: int) -> list[RegistrationTransition]:
    return list(session.scalars(select(RegistrationTransition).where(RegistrationTransition.model_id == model_id)
                                .order_by(RegistrationTransition.id)))


def inspections(session: Session, model_id: int) -> list[Inspection]:
    return list(session.scalars(select(Inspection).where(Inspection.model_id == model_id)
                                .order_by(Inspection.inspected_on, Inspection.id)))


def record_inspection(session: Session, actor: Principal, model_id: int, data: dict[str, Any], now: datetime) -> Inspection:
    model = visible_model(session, actor, model_id)
    if model.status != "accepted":
        raise InvalidTransition("Chỉ kiểm tra mô hình đã được tiếp nhận.", f"Trạng thái hiện tại: {status_label(model.status)}.", model.status)
    if data["inspected_on"] > ward_date(now):
        raise Invalid(errors={"inspected_on": ["Ngày kiểm tra không được sau ngày hôm nay."]})
    inspection = Inspection(model_id=model.id, recorded_by=actor.user_id, created_at=now, **data)
    session.add(inspection)
    session.flush()
    add_event(session, aggregate_type="model", aggregate_id=model.id, event_type=events.MODEL_INSPECTED,
              payload=events.inspected_payload(model, inspection, now))
    return inspection


def visible_inspection(session: Session, principal: Principal, model_id: int, inspection_id: int) -> Inspection:
    """An inspection of a model this principal may see (404 otherwise, as for the model)."""
    model = visible_model(session, principal, model_id)
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.model_id != model.id:
        raise NotFound("inspection-not-found", "Không tìm thấy lần kiểm tra.")
    return inspection


def _inspection_files_editable(inspection: Inspection) -> None:
    """Phòng VH-XH adds the minutes and photos of an inspection until the model is named typical: that choice rests
    on its inspections, so from then on their files stay as they were (the model's row is held, so the choice
    cannot slip in between the check and the change)."""
    model = object_session(inspection).get(ModelRegistration, inspection.model_id, with_for_update=True,
                                           populate_existing=True)
    if model.typical:
        raise Conflict("files-frozen", "Mô hình đã được chọn làm điển hình: tệp minh chứng của các lần kiểm tra "
                      "được giữ nguyên như khi chọn.")


INSPECTION_FILES = evidence.FileStore(InspectionFile, InspectionFileChunk, "inspection_id", visible_inspection,
                                      _inspection_files_editable)


def mark_typical(session: Session, actor: Principal, model_id: int, note: str | None, expected_version: int,
                 now: datetime) -> ModelRegistration:
    """Name an accepted model typical (điển hình) for replication; its latest inspection must be Tốt or Khá."""
    model = visible_model(session, actor, model_id)
    if model.status != "accepted":
        raise InvalidTransition("Chỉ mô hình đã được tiếp nhận mới được chọn làm điển hình.",
                                f"Trạng thái hiện tại: {status_label(model.status)}.", model.status)
    if model.typical:
        raise Conflict("already-typical", "Mô hình đã được chọn làm điển hình.",
                      detail=f"Trạng thái hiện tại: {status_label(model.status)}, đã là điển hình.", current_status=model.status)
    checks = inspections(session, model.id)
    if not checks:
        raise Conflict("not-inspected", "Mô hình chưa được kiểm tra.",
                      detail="Cần ít nhất một lần kiểm tra được đánh giá Tốt hoặc Khá.", current_status=model.status)
    latest = checks[-1]
    if latest.rating not in ("tot", "kha"):
        raise Conflict("weak-rating", "Mô hình chưa đủ điều kiện nhân rộng.",
                      detail=f"Kết quả kiểm tra gần nhất: {RATINGS[latest.rating]}; cần Tốt hoặc Khá.", current_status=model.status)
    check_version(model.version, expected_version)
    model.typical = True
    model.typical_at = now
    model.typical_note = note
    model.updated_at = now
    session.flush()
    _record(session, model, actor, "typical", model.status, note, now)
    add_event(session, aggregate_type="model", aggregate_id=model.id, event_type=events.MODEL_MARKED_TYPICAL,
              payload=events.typical_payload(model, now, latest, INSPECTION_FILES.files(session, latest.id)))
    return model


def list_models(session: Session, principal: Principal, filters: dict[str, Any]) -> tuple[list[ModelRegistration], int]:
    query = select(ModelRegistration)
    if principal.role == "don_vi":
        query = query.where(ModelRegistration.unit_id == principal.unit_id)
    for name in ("year", "unit_id", "field", "status", "late", "typical"):
        if filters.get(name) is not None:
            query = query.where(getattr(ModelRegistration, name) == filters[name])
    words = fold(filters.get("q")).split()
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ModelRegistration.search_text.like(f"%{escaped}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page, per_page = filters["page"], filters["per_page"]
    items = session.scalars(query.order_by(ModelRegistration.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(items), total


# ---------------------------------------------------------------- target 3

def compliance(session: Session, year: int) -> dict[str, Any]:
    """Target 3 for one year: every active unit registers at least one model (sent, not withdrawn)."""
    period = get_period(session, year)
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    models = list(session.scalars(select(ModelRegistration).where(ModelRegistration.year == year,
                                                                  ModelRegistration.status.in_(COUNTED))))
    rows = []
    for unit in units:
        own = [m for m in models if m.unit_id == unit.id]
        submitted = len(own)
        rows.append({
            "unit_id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind,
            "submitted": submitted,
            "accepted": sum(1 for m in own if m.status == "accepted"),
            "registered": submitted > 0,
            # late when the unit registered but none of its models arrived by the deadline
            "late": submitted > 0 and all(m.late for m in own),
        })
    registered = [r for r in rows if r["registered"]]
    accepted = [r for r in rows if r["accepted"] > 0]

    def percent(part: int) -> float:
        return round(100 * part / len(rows), 1) if rows else 0.0

    return {
        "year": year,
        "deadline": period.deadline if period else None,
        "active_units": len(rows),
        "registered_units": len(registered),
        "accepted_units": len(accepted),
        "percentage": percent(len(registered)),
        "accepted_percentage": percent(len(accepted)),
        "missing_units": [{"unit_id": r["unit_id"], "name": r["name"]} for r in rows if not r["registered"]],
        "late_units": [{"unit_id": r["unit_id"], "name": r["name"]} for r in rows if r["late"]],
        "units": rows,
    }
