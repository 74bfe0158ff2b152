"""A nomination awards withdrew no longer counts in the ward's progress, nor in the consolidated report and the
progress snapshot built from it — however often the withdrawal is delivered and whatever arrives after it."""
from __future__ import annotations

from dvk_core.contracts import validate_event
from dvk_testing.contract import assert_outbox_matches_contract

AWARD = "Giấy khen của Chủ tịch UBND phường"


def proposed(kit, n, unit=12, occurred_at="2026-11-20T02:00:00+00:00"):
    return kit.event("awards", "nomination-proposed", n, {
        "nomination_id": n, "year": 2026, "movement": "Dân vận khéo", "nominee_kind": "collective", "unit_id": unit,
        "person_name": None, "award_id": 2, "award_name": AWARD, "catalogue": "form", "occurred_at": occurred_at})


def reviewed(kit, n, unit=12):
    return kit.event("awards", "nomination-reviewed", n, {
        "nomination_id": n, "unit_id": unit, "year": 2026, "approved": True, "votes_for": 7, "votes_against": 0,
        "meeting_date": "2026-11-25", "occurred_at": "2026-11-25T08:00:00+00:00"})


def withdrawn(kit, n, unit=12, previous_status="approved"):
    data = {"nomination_id": n, "unit_id": unit, "year": 2026, "nominee_kind": "collective", "person_name": None,
            "award_name": AWARD, "previous_status": previous_status, "reason": "Đơn vị xin rút để bổ sung hồ sơ.",
            "occurred_at": "2026-11-26T03:00:00+00:00"}
    validate_event("vn.dvk.awards.nomination-withdrawn.v1", data)  # what awards really publishes
    return kit.event("awards", "nomination-withdrawn", n, data)


def commendations(client, kit, app):  # noqa: ANN001
    body = client.get("/progress?year=2026", headers=kit.headers(app, "giam_sat"))
    assert body.status_code == 200, body.json
    return body.json["commendations"]


def counts(figures):
    return {k: figures[k] for k in ("proposed", "withdrawn", "decided")}


def test_a_proposed_then_withdrawn_nomination_is_not_counted(app, client, units, kit):
    outcome = kit.deliver(app, [proposed(kit, 1), reviewed(kit, 1), proposed(kit, 2, unit=13)])
    assert outcome.handled == 3
    assert counts(commendations(client, kit, app)) == {"proposed": 2, "withdrawn": 0, "decided": 0}

    outcome = kit.deliver(app, [withdrawn(kit, 1)])
    assert (outcome.handled, outcome.dead_lettered) == (1, 0)
    assert counts(commendations(client, kit, app)) == {"proposed": 1, "withdrawn": 1, "decided": 0}


def test_the_withdrawal_delivered_twice_changes_nothing(app, client, units, kit):
    kit.deliver(app, [proposed(kit, 1), proposed(kit, 2, unit=13)])
    event = withdrawn(kit, 1)
    outcome = kit.deliver(app, [event, event])  # the same event redelivered: the inbox skips it
    assert (outcome.handled, outcome.duplicates) == (1, 1)
    once = commendations(client, kit, app)
    again = kit.deliver(app, [withdrawn(kit, 1)])  # awards re-emitting it under a new id: the handler is idempotent
    assert (again.handled, again.duplicates) == (1, 0)
    assert commendations(client, kit, app) == once
    assert counts(once) == {"proposed": 1, "withdrawn": 1, "decided": 0}


def test_older_events_delivered_after_the_withdrawal_do_not_bring_it_back(app, client, units, kit):
    # Ordered per aggregate on one partition, but a redelivery or a replay can still bring older events later.
    outcome = kit.deliver(app, [withdrawn(kit, 1), proposed(kit, 1), reviewed(kit, 1), proposed(kit, 1, occurred_at="2026-11-19T02:00:00+00:00")])
    assert (outcome.handled, outcome.dead_lettered) == (4, 0)
    assert counts(commendations(client, kit, app)) == {"proposed": 0, "withdrawn": 1, "decided": 0}


def test_the_consolidated_report_and_its_progress_snapshot_leave_the_withdrawal_out(app, client, units, kit):
    kit.deliver(app, [proposed(kit, 1), proposed(kit, 2, unit=13), withdrawn(kit, 2, unit=13, previous_status="proposed")])
    vhxh = kit.headers(app, "vhxh")
    draft = client.post("/consolidated-reports", json={"year": 2026, "period": "six_month"}, headers=vhxh)
    assert draft.status_code == 201, draft.json
    cid = draft.json["id"]
    sent = client.post(f"/consolidated-reports/{cid}/submit-for-signature", json={"version": draft.json["version"]}, headers=vhxh).json
    approved = client.post(f"/consolidated-reports/{cid}/approve", json={"version": sent["version"]}, headers=kit.headers(app, "lanh_dao"))
    assert approved.status_code == 200, approved.json
    done = client.post(f"/consolidated-reports/{cid}/finalise", json={"version": approved.json["version"]}, headers=vhxh)
    assert done.status_code == 200, done.json
    assert counts(done.json["figures"]["progress"]["commendations"]) == {"proposed": 1, "withdrawn": 1, "decided": 0}

    [snapshot] = [r for r in assert_outbox_matches_contract(app) if r["type"].endswith("progress-snapshot.v1")]
    assert snapshot["payload"]["commendations"]["proposed"] == 1
