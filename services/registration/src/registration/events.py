"""Events registration publishes on dvk.registration (payload schemas in contracts/events/)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dvk_platform.evidence import file_entries

from .models import Inspection, InspectionFile, ModelFile, ModelRegistration, PeriodChange, RegistrationPeriod, Unit

UNIT_CREATED = "vn.dvk.registration.unit-created.v1"
UNIT_UPDATED = "vn.dvk.registration.unit-updated.v1"
UNIT_DEACTIVATED = "vn.dvk.registration.unit-deactivated.v1"
PERIOD_OPENED = "vn.dvk.registration.period-opened.v1"
PERIOD_UPDATED = "vn.dvk.registration.period-updated.v1"
MODEL_SUBMITTED = "vn.dvk.registration.model-submitted.v1"
MODEL_RESUBMITTED = "vn.dvk.registration.model-resubmitted.v1"
MODEL_RETURNED = "vn.dvk.registration.model-returned.v1"
MODEL_ACCEPTED = "vn.dvk.registration.model-accepted.v1"
MODEL_WITHDRAWN = "vn.dvk.registration.model-withdrawn.v1"
MODEL_INSPECTED = "vn.dvk.registration.model-inspected.v1"
MODEL_MARKED_TYPICAL = "vn.dvk.registration.model-marked-typical.v1"


def unit_payload(unit: Unit) -> dict[str, Any]:
    return {"unit_id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind, "active": unit.active}


def period_payload(period: RegistrationPeriod) -> dict[str, Any]:
    return {"period_id": period.id, "year": period.year, "deadline": period.deadline.isoformat()}


def period_updated_payload(period: RegistrationPeriod, change: PeriodChange, occurred_at: datetime) -> dict[str, Any]:
    """The deadline in force from now on; `version` orders a period's events (period-opened is version 1)."""
    return {
        "period_id": period.id,
        "year": period.year,
        "deadline": period.deadline.isoformat(),
        "previous_deadline": change.from_deadline.isoformat(),
        "reason": change.reason,
        "version": period.version,
        "occurred_at": occurred_at.isoformat(),
        "actor_role": change.actor_role,
    }


def model_payload(model: ModelRegistration, occurred_at: datetime, actor_role: str, reason: str | None = None,
                  files: list[ModelFile] | None = None) -> dict[str, Any]:
    return {
        "model_id": model.id,
        "unit_id": model.unit_id,
        "year": model.year,
        "title": model.title,
        "field": model.field,
        "status": model.status,
        "late": model.late,
        "occurred_at": occurred_at.isoformat(),
        "actor_role": actor_role,
        "reason": reason,
        "files": file_entries(files or []),
    }


def inspected_payload(model: ModelRegistration, inspection: Inspection, occurred_at: datetime) -> dict[str, Any]:
    return {
        "model_id": model.id,
        "unit_id": model.unit_id,
        "year": model.year,
        "inspection_id": inspection.id,
        "rating": inspection.rating,
        "inspected_on": inspection.inspected_on.isoformat(),
        "occurred_at": occurred_at.isoformat(),
    }


def typical_payload(model: ModelRegistration, occurred_at: datetime, inspection: Inspection,
                    inspection_files: list[InspectionFile]) -> dict[str, Any]:
    """The choice, with the inspection it rests on (the latest) and that inspection's evidence files."""
    return {
        "model_id": model.id,
        "unit_id": model.unit_id,
        "year": model.year,
        "title": model.title,
        "field": model.field,
        "occurred_at": occurred_at.isoformat(),
        "inspection_id": inspection.id,
        "inspection_files": file_entries(inspection_files),
    }
