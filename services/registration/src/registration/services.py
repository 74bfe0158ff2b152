"""Use cases: each one transaction that writes the change and its outbox rows together."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session
from unidecode import unidecode

from dvk_platform import evidence
from dvk_platform.auth import Principal
from dvk_platform.clock import ward_date
from dvk_platform.errors import Problem
from dvk_platform.outbox import add_event
from dvk_platform.schemas import nfc
from dvk_platform.versioning import check_version
from dvk_platform.workflow import invalid_transition, next_state

from . import events
from .clock import latest_deadline
from .models import (
    RATINGS,
    STATUSES,
    Inspection,
    InspectionFile,
    InspectionFileChunk,
    ModelFile,
    ModelFileChunk,
    ModelRegistration,
    PeriodChange,
    RegistrationPeriod,
    RegistrationTransition,
    Unit,
)

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


def invalid_state(action: str, current: str) -> Problem:
    return invalid_transition(*_refusal(action, current)(EDITABLE if action == "edit" else TRANSITIONS[action]), current)


# ---------------------------------------------------------------- units

def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise Problem(404, "unit-not-found", "Không tìm thấy đơn vị.")
    return unit


def _ensure_code_free(session: Session, code: str, unit_id: int | None = None) -> None:
    query = select(Unit.id).where(Unit.code == code)
    if unit_id is not None:
        query = query.where(Unit.id != unit_id)
    if session.scalar(query) is not None:
        raise Problem(409, "duplicate-unit", "Mã đơn vị đã tồn tại.", detail=f"Mã '{code}' đã được dùng.")


def create_unit(session: Session, data: dict[str, Any]) -> Unit:
    """Add a unit; `data` may carry an explicit id (the seed's fixed ids)."""
    _ensure_code_free(session, data["code"])
    unit = Unit(**data)
    session.add(unit)
    session.flush()
    add_event(session, aggregate_type="unit", aggregate_id=unit.id, event_type=events.UNIT_CREATED,
              payload=events.unit_payload(unit))
    return unit


def update_unit(session: Session, unit_id: int, data: dict[str, Any], expected_version: int) -> Unit:
    unit = get_unit(session, unit_id)
    check_version(unit.version, expected_version)
    if "code" in data:
        _ensure_code_free(session, data["code"], unit.id)
    for key, value in data.items():
        setattr(unit, key, value)
    session.flush()
    add_event(session, aggregate_type="unit", aggregate_id=unit.id, event_type=events.UNIT_UPDATED,
              payload=events.unit_payload(unit))
    return unit


def set_unit_active(session: Session, unit_id: int, active: bool, expected_version: int) -> Unit:
    unit = get_unit(session, unit_id)
    check_version(unit.version, expected_version)
    if unit.active == active:
        state = "đang hoạt động" if active else "đã ngừng hoạt động"
        raise Problem(409, "unit-state", "Đơn vị đã ở trạng thái này.", detail=f"Trạng thái hiện tại: {state}.")
    unit.active = active
    session.flush()
    add_event(session, aggregate_type="unit", aggregate_id=unit.id,
              event_type=events.UNIT_UPDATED if active else events.UNIT_DEACTIVATED, payload=events.unit_payload(unit))
    return unit


@dataclass
class RowError:
    row: int
    errors: dict[str, list[str]]


def import_units(session: Session, rows: list[tuple[int, dict[str, Any]]], validate: Any) -> tuple[list[Unit], list[RowError]]:
    """All or nothing: every row is checked first; units are created only when no row has an error.

    `rows` are (spreadsheet row number, raw values); `validate(raw) -> (data, errors)` applies the API schema.
    """
    problems: list[RowError] = []
    valid: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    existing = set(session.scalars(select(Unit.code)))
    for number, raw in rows:
        data, errors = validate(raw)
        code = data.get("code") if not errors.get("code") else None
        if code:
            if code in existing:
                errors.setdefault("code", []).append(f"Mã '{code}' đã có trong danh mục đơn vị.")
            elif code in seen:
                errors.setdefault("code", []).append(f"Mã '{code}' trùng với dòng {seen[code]}.")
            else:
                seen[code] = number
        if errors:
            problems.append(RowError(number, errors))
        else:
            valid.append(data)
    if problems:
        return [], problems
    return [create_unit(session, data) for data in valid], []


# ---------------------------------------------------------------- periods

def get_period(session: Session, year: int) -> RegistrationPeriod | None:
    return session.scalar(select(RegistrationPeriod).where(RegistrationPeriod.year == year))


def open_period(session: Session, actor: Principal, data: dict[str, Any], now: datetime) -> RegistrationPeriod:
    if get_period(session, data["year"]) is not None:
        raise Problem(409, "period-exists", "Kỳ đăng ký của năm này đã được mở.", detail=f"Năm {data['year']} đã có kỳ đăng ký.")
    period = RegistrationPeriod(year=data["year"], deadline=data["deadline"], note=data.get("note"),
                                opened_by=actor.user_id, opened_at=now)
    session.add(period)
    session.flush()
    add_event(session, aggregate_type="period", aggregate_id=period.id, event_type=events.PERIOD_OPENED,
              payload=events.period_payload(period))
    return period


def period_or_404(session: Session, year: int) -> RegistrationPeriod:
    period = get_period(session, year)
    if period is None:
        raise Problem(404, "period-not-found", "Chưa mở kỳ đăng ký cho năm này.")
    return period


def period_history(session: Session, period_id: int) -> list[PeriodChange]:
    return list(session.scalars(select(PeriodChange).where(PeriodChange.period_id == period_id).order_by(PeriodChange.id)))


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def deadline_errors(period: RegistrationPeriod, deadline: date, opened_on: date) -> list[str]:
    """Why `deadline` cannot replace the period's deadline ([] if it can): not before the day the period was
    opened, within the period's year or up to 31/01 of the next year, and not the deadline already in force."""
    last = latest_deadline(period.year)
    if deadline < opened_on:
        return [f"Hạn đăng ký không được trước ngày mở kỳ đăng ký ({_vn(opened_on)})."]
    if not date(period.year, 1, 1) <= deadline <= last:
        return [f"Hạn đăng ký phải thuộc năm {period.year}, chậm nhất ngày {_vn(last)}."]
    if deadline == period.deadline:
        return [f"Hạn đăng ký mới trùng với hạn hiện tại ({_vn(period.deadline)})."]
    return []


def change_deadline(session: Session, actor: Principal, year: int, deadline: date, reason: str, expected_version: int | None,
                    now: datetime) -> RegistrationPeriod:
    """Move a period's deadline (e.g. extended for a late Tết): the period, its history row and the
    period-updated event in one transaction. Models already sent keep their late flag: lateness is judged at the
    first submission against the deadline then in force; models sent from now on are judged against the new one."""
    period = period_or_404(session, year)
    check_version(period.version, expected_version, "kỳ đăng ký")
    problems = deadline_errors(period, deadline, ward_date(period.opened_at))
    if problems:
        raise Problem(422, "validation-error", "Dữ liệu không hợp lệ.", errors={"deadline": problems})
    change = PeriodChange(period_id=period.id, from_deadline=period.deadline, to_deadline=deadline, reason=reason,
                          actor_id=actor.user_id, actor_name=actor.name, actor_role=actor.role, occurred_at=now)
    period.deadline = deadline
    period.updated_at = now
    session.add(change)
    session.flush()
    add_event(session, aggregate_type="period", aggregate_id=period.id, event_type=events.PERIOD_UPDATED,
              payload=events.period_updated_payload(period, change, now))
    return period


# ---------------------------------------------------------------- model registrations

def visible_model(session: Session, principal: Principal, model_id: int) -> ModelRegistration:
    """The model if this principal may see it; a unit officer gets 404 for another unit's model."""
    model = session.get(ModelRegistration, model_id)
    if model is None or (principal.role == "don_vi" and model.unit_id != principal.unit_id):
        raise Problem(404, "model-not-found", "Không tìm thấy mô hình.")
    return model


def _search_text(model: ModelRegistration) -> str:
    return fold(" ".join(getattr(model, name) or "" for name in MODEL_TEXT_FIELDS))


def _check_dates(start: Any, end: Any) -> None:
    if start and end and end < start:
        raise Problem(422, "validation-error", "Dữ liệu không hợp lệ.",
                      errors={"end_date": ["Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."]})


def _record(session: Session, model: ModelRegistration, actor: Principal, action: str, from_status: str | None,
            note: str | None, now: datetime) -> None:
    session.add(RegistrationTransition(
        model_id=model.id, from_status=from_status, to_status=model.status, action=action, actor_id=actor.user_id,
        actor_name=actor.name, actor_role=actor.role, note=note, occurred_at=now,
    ))


def create_model(session: Session, actor: Principal, data: dict[str, Any], now: datetime) -> ModelRegistration:
    unit = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    if unit is None:
        raise Problem(403, "no-unit", "Tài khoản chưa gắn với đơn vị nào.")
    if not unit.active:
        raise Problem(409, "unit-inactive", "Đơn vị đã ngừng hoạt động, không đăng ký mô hình mới.")
    year = data.pop("year", None) or ward_date(now).year
    if get_period(session, year) is None:
        raise Problem(409, "period-not-open", "Chưa mở kỳ đăng ký cho năm này.", detail=f"Phòng Văn hóa - Xã hội chưa mở kỳ đăng ký năm {year}.")
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


def transition(session: Session, actor: Principal, model_id: int, action: str, expected_version: int, now: datetime,
               note: str | None = None) -> ModelRegistration:
    """Move a model along the workflow, keep the step in its history and queue the event."""
    model = visible_model(session, actor, model_id)
    target = next_state(TRANSITIONS, action, model.status, _refusal(action, model.status))
    check_version(model.version, expected_version)
    previous = model.status
    event_type = {
        "return": events.MODEL_RETURNED, "accept": events.MODEL_ACCEPTED, "withdraw": events.MODEL_WITHDRAWN,
    }.get(action, events.MODEL_RESUBMITTED if previous == "returned" else events.MODEL_SUBMITTED)
    if action == "submit" and model.submitted_at is None:
        period = get_period(session, model.year)
        # Late is judged once, on the ward's calendar day of the first submission; the deadline day itself is on time.
        model.late = period is not None and ward_date(now) > period.deadline
        model.submitted_at = now
    if action == "accept":
        model.accepted_at = now
    model.status = target
    model.updated_at = now
    # one flush at the event's insert writes the model (its version checked), the audit row and the history row
    _record(session, model, actor, action, previous, note, now)
    add_event(session, aggregate_type="model", aggregate_id=model.id, event_type=event_type,
              payload=events.model_payload(model, now, actor.role, note if action == "return" else None,
                                           files(session, model.id)))
    return model


# ---------------------------------------------------------------- evidence files (minh chứng) of a model

def _files_editable(model: ModelRegistration) -> None:
    """Files change only while the model itself may be edited; what Phòng VH-XH received stays as it was."""
    if model.status == "accepted":
        raise Problem(409, "files-frozen", "Mô hình đã được tiếp nhận: tệp minh chứng được giữ nguyên như khi tiếp nhận.")
    if model.status not in EDITABLE:
        raise Problem(409, "files-locked", "Chỉ thêm hoặc gỡ tệp minh chứng khi mô hình là bản nháp hoặc bị trả lại.",
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
        raise Problem(409, "invalid-transition", "Chỉ kiểm tra mô hình đã được tiếp nhận.",
                      detail=f"Trạng thái hiện tại: {status_label(model.status)}.", current_status=model.status)
    if data["inspected_on"] > ward_date(now):
        raise Problem(422, "validation-error", "Dữ liệu không hợp lệ.",
                      errors={"inspected_on": ["Ngày kiểm tra không được sau ngày hôm nay."]})
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
        raise Problem(404, "inspection-not-found", "Không tìm thấy lần kiểm tra.")
    return inspection


def _inspection_files_editable(inspection: Inspection) -> None:
    """Phòng VH-XH adds the minutes and photos of an inspection until the model is named typical: that choice rests
    on its inspections, so from then on their files stay as they were (the model's row is held, so the choice
    cannot slip in between the check and the change)."""
    model = object_session(inspection).get(ModelRegistration, inspection.model_id, with_for_update=True,
                                           populate_existing=True)
    if model.typical:
        raise Problem(409, "files-frozen", "Mô hình đã được chọn làm điển hình: tệp minh chứng của các lần kiểm tra "
                      "được giữ nguyên như khi chọn.")


INSPECTION_FILES = evidence.FileStore(InspectionFile, InspectionFileChunk, "inspection_id", visible_inspection,
                                      _inspection_files_editable)


def mark_typical(session: Session, actor: Principal, model_id: int, note: str | None, expected_version: int,
                 now: datetime) -> ModelRegistration:
    """Name an accepted model typical (điển hình) for replication; its latest inspection must be Tốt or Khá."""
    model = visible_model(session, actor, model_id)
    if model.status != "accepted":
        raise Problem(409, "invalid-transition", "Chỉ mô hình đã được tiếp nhận mới được chọn làm điển hình.",
                      detail=f"Trạng thái hiện tại: {status_label(model.status)}.", current_status=model.status)
    if model.typical:
        raise Problem(409, "already-typical", "Mô hình đã được chọn làm điển hình.",
                      detail=f"Trạng thái hiện tại: {status_label(model.status)}, đã là điển hình.", current_status=model.status)
    checks = inspections(session, model.id)
    if not checks:
        raise Problem(409, "not-inspected", "Mô hình chưa được kiểm tra.",
                      detail="Cần ít nhất một lần kiểm tra được đánh giá Tốt hoặc Khá.", current_status=model.status)
    latest = checks[-1]
    if latest.rating not in ("tot", "kha"):
        raise Problem(409, "weak-rating", "Mô hình chưa đủ điều kiện nhân rộng.",
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
