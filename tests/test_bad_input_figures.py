"""A unit's target figures (PUT /target-figures/{unit}/{year}/{period}): ten figures, three of them parts of another
(files on time of files resolved, satisfied of surveyed, officials violating of officials). JSON Schema cannot say a
part is not more than its whole, so the schemathesis run lets that operation's schema-valid data be refused with
422 (tests/reliability/test_reliability_gunicorn_fuzz.py, RULES); here, by hand: figures that add up are stored,
each part larger than its whole is refused naming that field, and a refusal stores nothing."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dvk_testing.plugin import Caller
from reporting.models import FIGURE_FIELDS

from .reliability.conftest import deliver, unit_created

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
PATH = "/target-figures/12/2026/six_month"
CONSISTENT = {"files_received": 120, "files_resolved": 110, "files_on_time": 110, "online_files": 80,
              "cashless_payments": 40, "survey_responses": 60, "satisfied_responses": 60,
              "digital_literacy_participants": 35, "officials_total": 9, "officials_violating": 0}
PARTS = {"files_on_time": "files_resolved", "satisfied_responses": "survey_responses", "officials_violating": "officials_total"}


@pytest.fixture
def reporting(make_service):
    app = make_service("reporting", CLOCK=lambda: NOW)
    deliver(app, [unit_created(12, "tdp-1", "Tổ dân phố 1")])
    return app


def stored(call: Caller) -> list[dict]:
    listed = call("GET", "/target-figures?year=2026&period=six_month", "vhxh")
    assert listed.status_code == 200, listed.json
    return [{name: row[name] for name in FIGURE_FIELDS} for row in listed.json if row["unit_id"] == 12]


def test_figures_that_add_up_are_stored_each_at_its_whole(reporting):
    assert set(CONSISTENT) == set(FIGURE_FIELDS)
    call = Caller(reporting)
    answer = call("PUT", PATH, "don_vi", 12, json=CONSISTENT)
    assert answer.status_code == 200, answer.json
    assert stored(call) == [CONSISTENT]


@pytest.mark.parametrize("part", sorted(PARTS))
def test_a_part_larger_than_its_whole_is_refused_naming_it_and_nothing_is_stored(reporting, part):
    call = Caller(reporting)
    first = call("PUT", PATH, "don_vi", 12, json=CONSISTENT)
    assert first.status_code == 200, first.json
    before = stored(call)
    answer = call("PUT", PATH, "don_vi", 12, json={**CONSISTENT, part: CONSISTENT[PARTS[part]] + 1},
                  if_match=first.json["version"])
    assert answer.status_code == 422, answer.json
    assert answer.mimetype == "application/problem+json"
    assert set(answer.json["errors"]) == {part}
    assert "không được lớn hơn" in " ".join(answer.json["errors"][part] if isinstance(answer.json["errors"][part], list)
                                            else [answer.json["errors"][part]])
    assert stored(call) == before
