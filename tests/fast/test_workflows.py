"""The workflows as tables, read as plain data: where each action may start, where it leads, what is final; and the
one refusal every service gives for a step its table does not hold. No HTTP, no database."""
from __future__ import annotations

import pytest

from awards.models import CLOSED_STATUSES
from awards.services import TRANSITIONS as NOMINATION
from dvk_platform.errors import Problem
from dvk_platform.workflow import next_state
from reporting.consolidated import TRANSITIONS as CONSOLIDATED
from reporting.services import TRANSITIONS as UNIT_REPORT


def test_a_step_the_table_does_not_hold_is_one_409_naming_the_current_state():
    table = {"submit": {"draft": "submitted"}}
    assert next_state(table, "submit", "draft", lambda allowed: ("never", None)) == "submitted"
    with pytest.raises(Problem) as refused:
        next_state(table, "submit", "accepted", lambda allowed: ("Không thể gửi.", f"Chỉ gửi được khi ở: {', '.join(allowed)}."))
    problem = refused.value
    assert problem.status == 409
    assert problem.extra["current_status"] == "accepted"
    assert problem.title == "Không thể gửi." and problem.detail == "Chỉ gửi được khi ở: draft."


def test_a_nomination_is_closed_by_a_decision_or_a_letter_only_once_the_council_approved_it():
    assert NOMINATION["decide"] == {"approved": "decided"} and NOMINATION["forward"] == {"approved": "forwarded"}
    assert NOMINATION["propose"] == {"draft": "proposed"}
    assert set(NOMINATION["approve"]) == set(NOMINATION["not_approve"]) == {"proposed"}
    # what is decided is revoked, never withdrawn; a closed nomination never moves again
    assert NOMINATION["revoke"] == {"decided": "revoked"} and "decided" not in NOMINATION["withdraw"]
    assert not any(state in moves for moves in NOMINATION.values() for state in CLOSED_STATUSES)


def test_a_returned_unit_report_is_resubmitted_and_an_accepted_one_is_final():
    assert UNIT_REPORT["submit"] == {"draft": "submitted", "returned": "resubmitted"}
    assert set(UNIT_REPORT["return"]) == set(UNIT_REPORT["accept"]) == {"submitted", "resubmitted"}
    assert set(UNIT_REPORT["edit"]) == {"draft", "returned"}
    assert not any("accepted" in moves for moves in UNIT_REPORT.values())


def test_the_consolidated_report_is_issued_only_after_a_leader_approved_it():
    assert CONSOLIDATED["finalise"] == {"approved": "finalised"}
    assert CONSOLIDATED["return"] == {"awaiting_signature": "draft"} and CONSOLIDATED["edit"] == {"draft": "draft"}
    assert not any("finalised" in moves for moves in CONSOLIDATED.values())
