"""The scheduled overdue check: a unit without a submitted report after the deadline (a day in Minh Xuân)
is announced once per unit, year and period, however often the check runs."""
from __future__ import annotations

from datetime import UTC, datetime

from dvk_testing.contract import assert_outbox_matches_contract, outbox_events
from reporting.overdue import run_check

SECTIONS = {k: "Nội dung." for k in ("leadership", "effectiveness", "good_practices", "difficulties", "recommendations", "next_direction")}


def overdue_rows(app):
    return [(r["payload"]["unit_id"], r["payload"]["period"]) for r in outbox_events(app) if r["type"].endswith("report-overdue.v1")]


def test_overdue_is_announced_once_per_unit_and_period(app, client, units, clock, kit):
    officer = kit.headers(app, "don_vi", 1)
    clock.set("2026-06-09T02:00:00+00:00")
    report = client.post("/reports", json={"year": 2026, "period": "six_month", "sections": SECTIONS}, headers=officer).json
    client.post(f"/reports/{report['id']}/submit", json={"version": report["version"]}, headers=officer)
    kit.deliver(app, [kit.unit_event(13, "tdp-2", "Tổ dân phố 2", "to_dan_pho", active=False, what="unit-deactivated")])

    # 23:00 on 10/06 in Minh Xuân: the deadline day is not over.
    assert run_check(app, datetime(2026, 6, 10, 16, 0, tzinfo=UTC)) == []
    # 00:30 on 11/06 in Minh Xuân: every active unit without a submitted report is overdue; unit 13 has left.
    noticed = run_check(app, datetime(2026, 6, 10, 17, 30, tzinfo=UTC))
    assert [(n["unit_id"], n["period"], n["due_date"]) for n in noticed] == [
        (3, "six_month", "2026-06-10"), (5, "six_month", "2026-06-10"), (12, "six_month", "2026-06-10")]
    assert run_check(app, datetime(2026, 6, 12, 1, 0, tzinfo=UTC)) == []

    # A late report afterwards does not undo the notice, nor add one.
    clock.set("2026-06-12T02:00:00+00:00")
    late_officer = kit.headers(app, "don_vi", 12)
    late = client.post("/reports", json={"year": 2026, "period": "six_month", "sections": SECTIONS}, headers=late_officer).json
    assert client.post(f"/reports/{late['id']}/submit", json={"version": late["version"]}, headers=late_officer).json["late"] is True

    # The same check through the API, for the scheduler or Phòng VH-XH; the clock is the app's.
    assert client.post("/overdue-check", headers=officer).status_code == 403
    clock.set("2026-11-16T00:00:00+00:00")
    answer = client.post("/overdue-check", headers=kit.headers(app, "vhxh"))
    assert answer.status_code == 200
    assert [(n["unit_id"], n["period"]) for n in answer.json["noticed"]] == [(1, "annual"), (3, "annual"), (5, "annual"), (12, "annual")]
    assert client.post("/overdue-check", headers=kit.headers(app, "admin")).json == {"noticed": []}

    assert overdue_rows(app) == [(3, "six_month"), (5, "six_month"), (12, "six_month"),
                                 (1, "annual"), (3, "annual"), (5, "annual"), (12, "annual")]
    rows = assert_outbox_matches_contract(app)
    first_overdue = next(r for r in rows if r["type"].endswith("report-overdue.v1"))
    assert first_overdue["payload"] == {"unit_id": 3, "year": 2026, "period": "six_month", "due_date": "2026-06-10",
                                        "occurred_at": "2026-06-10T17:30:00+00:00"}
