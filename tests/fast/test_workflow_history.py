"""One workflow history for every service: the tables take the platform's columns, the answers its schema."""
from __future__ import annotations

from datetime import UTC, datetime

from awards.models import NominationStep
from awards.schemas import StepSchema
from dvk_platform.history import WorkflowHistory, WorkflowHistorySchema
from registration.models import RegistrationTransition
from registration.schemas import TransitionSchema
from reporting.models import ReportHistory
from reporting.schemas import HistorySchema

COLUMNS = {"id", "action", "from_status", "to_status", "actor_id", "actor_name", "actor_role", "note", "occurred_at"}


def test_the_three_histories_are_the_same_columns_but_their_record():
    owners = {RegistrationTransition: "model_id", ReportHistory: "report_id", NominationStep: "nomination_id"}
    for model, owner in owners.items():
        assert issubclass(model, WorkflowHistory)
        columns = {c.name: c for c in model.__table__.columns}
        assert set(columns) == COLUMNS | {owner}, model
        shared = {name: (str(c.type), c.nullable) for name, c in columns.items() if name != owner}
        assert shared == {name: (str(c.type), c.nullable) for name, c in RegistrationTransition.__table__.columns.items()
                          if name != "model_id"}, model


def test_the_answers_use_the_platform_schema_and_keep_the_names_earlier_answers_gave():
    assert all(issubclass(s, WorkflowHistorySchema) for s in (TransitionSchema, HistorySchema, StepSchema))

    class Step:
        action, from_status, to_status, actor_id, actor_name, actor_role = "return", "submitted", "returned", "7", "", "vhxh"
        note = "Bổ sung kết quả."
        occurred_at = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

    report_step = HistorySchema().dump(Step())
    assert report_step["reason"] == report_step["note"] == "Bổ sung kết quả."
    assert report_step["at"] == report_step["occurred_at"] == "2026-03-02T08:30:00+00:00"
    assert StepSchema().dump(Step())["at"] == "2026-03-02T08:30:00+00:00"
    assert set(TransitionSchema().dump(Step())) == COLUMNS - {"id"}
