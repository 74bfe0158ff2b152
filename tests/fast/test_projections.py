"""The one "newest fact wins" rule every read model follows (dvk_platform.projections), as plain functions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from dvk_core.envelope import CloudEvent
from dvk_platform.consumer import InvalidEvent
from dvk_platform.projections import fact_time, is_newer, newest_wins, parse_instant, stamp, unit_state

R = "vn.dvk.registration."


def event(event_type: str = R + "unit-updated.v1", time: str = "2026-03-02T01:00:00.000Z", **data) -> CloudEvent:
    return CloudEvent(type=event_type, source="/wards/minh-xuan/registration", subject="12", ward="minh-xuan",
                      data={"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho", "active": True,
                            **data}, time=time)


@dataclass
class Row:
    at: str | None = None


def test_times_in_any_offset_are_instants_in_utc():
    expected = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for text in ("2026-03-02T01:00:00Z", "2026-03-02T01:00:00.000Z", "2026-03-02T08:00:00+07:00", "2026-03-02T01:00:00"):
        assert parse_instant(text) == expected, text
    for nothing in (None, "", "   ", "hôm qua", "2026-13-02T01:00:00Z", 1_700_000_000):
        assert parse_instant(nothing) is None, nothing


def test_occurred_at_is_the_facts_time_and_the_cloudevent_time_stands_in():
    assert fact_time(event(occurred_at="2026-03-01T02:00:00+00:00")) == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert fact_time(event()) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert fact_time(event(occurred_at="không rõ")) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a_fact_with_no_readable_time_is_refused():
    for time in ("", "không rõ"):
        with pytest.raises(InvalidEvent, match="no readable time"):
            fact_time(event(time=time))
        with pytest.raises(InvalidEvent):
            newest_wins(Row("2026-03-01T00:00:00.000000+00:00"), "at", event(time=time))


def test_the_newest_fact_wins_and_an_equal_one_is_applied_again():
    row = Row()
    assert newest_wins(row, "at", event(time="2026-03-02T08:00:00+07:00"))  # nothing held yet
    assert row.at == "2026-03-02T01:00:00.000000+00:00" == stamp(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    assert not newest_wins(row, "at", event(time="2026-03-02T00:59:59.999Z"))  # older: the row keeps what it holds
    assert row.at == "2026-03-02T01:00:00.000000+00:00"
    assert newest_wins(row, "at", event(time="2026-03-02T01:00:00Z"))  # the same instant: a redelivery, applied again
    assert newest_wins(row, "at", event(time="2026-03-02T01:00:00.001Z"))
    assert row.at == "2026-03-02T01:00:00.001000+00:00"


def test_stored_times_of_older_forms_compare_as_instants():
    # "…Z" (awards' old form) and a raw +07:00 CloudEvent time (notify's) against the same instant
    assert not is_newer(parse_instant("2026-03-02T00:00:00Z"), "2026-03-02T01:00:00.000000Z")
    assert not is_newer(parse_instant("2026-03-02T00:00:00Z"), "2026-03-02T08:00:00.000+07:00")
    assert is_newer(parse_instant("2026-03-02T02:00:00Z"), "2026-03-02T08:00:00.000+07:00")
    for nothing in (None, "", "hỏng"):  # nothing applied yet, or unreadable: never blocks
        assert is_newer(parse_instant("2000-01-01T00:00:00Z"), nothing)


def test_a_deactivated_unit_is_inactive_whatever_its_payload_says():
    assert unit_state(event(R + "unit-deactivated.v1", active=True))["active"] is False
    assert unit_state(event(R + "unit-deactivated.v1", active=False))["active"] is False
    assert unit_state(event(R + "unit-updated.v1", active=False))["active"] is False
    assert unit_state(event(R + "unit-created.v1")) == {"code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho",
                                                        "active": True}
