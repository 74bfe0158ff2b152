"""Domain rules as plain functions: a model's workflow, how late a registration deadline may be moved, the target
figures' cross-field rules. No HTTP, no database."""
from __future__ import annotations

from datetime import date

from registration.deadlines import latest_deadline
from registration.services import EDITABLE, TRANSITIONS
from reporting.services import figure_errors

FIGURES = {"files_received": 120, "files_resolved": 100, "files_on_time": 98, "online_files": 60, "cashless_payments": 40,
           "survey_responses": 50, "satisfied_responses": 48, "digital_learners": 30, "officials_total": 20,
           "officials_violating": 0}


def test_a_model_moves_only_along_its_workflow():
    assert TRANSITIONS["submit"] == {"draft": "submitted", "returned": "submitted"}
    assert TRANSITIONS["return"] == {"submitted": "returned"} and TRANSITIONS["accept"] == {"submitted": "accepted"}
    # nothing leaves "accepted" or "withdrawn": both are final
    assert not any(state in moves for moves in TRANSITIONS.values() for state in ("accepted", "withdrawn"))
    # a unit edits only what it may still send
    assert set(EDITABLE) == set(TRANSITIONS["submit"])


def test_a_registration_deadline_may_move_into_the_next_year_up_to_31_january():
    assert latest_deadline(2026) == date(2027, 1, 31)


def test_target_figures_that_cannot_be_true_are_named_field_by_field():
    assert figure_errors(FIGURES) == {}
    wrong = figure_errors({**FIGURES, "files_on_time": 101, "satisfied_responses": 51, "officials_violating": 21})
    assert set(wrong) == {"files_on_time", "satisfied_responses", "officials_violating"}
    assert wrong["files_on_time"] == "Số hồ sơ đúng và trước hạn không được lớn hơn số hồ sơ đã giải quyết."
