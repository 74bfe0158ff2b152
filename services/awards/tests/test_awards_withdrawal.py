"""Withdrawing a nomination publishes nomination-withdrawn through the outbox, in the withdrawal's transaction:
exactly one row when it succeeds, none when it is refused or fails."""
from __future__ import annotations

import pytest

from awards import services
from dvk_testing.contract import assert_outbox_matches_contract, outbox_events

pytestmark = pytest.mark.parametrize("database_kind", ["postgresql", "sqlite"])

WITHDRAWN = "vn.dvk.awards.nomination-withdrawn.v1"


@pytest.fixture
def ward(database_kind, awards_on, deliver_to):
    app = awards_on(database_kind)
    deliver_to(app).units(3, 12)
    return app


def nominate(app, as_role, entry_id, **body):  # noqa: ANN001
    body = {"year": 2026, "nominee_kind": "collective", "unit_id": 12, "catalogue": "form",
            "award_id": entry_id(app, "forms", "giay-khen-chu-tich-ubnd-phuong"),
            "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia vệ sinh môi trường hằng tuần.", **body}
    created = app.test_client().post("/nominations", json=body, headers=as_role(app, "vhxh"))
    assert created.status_code == 201, created.json
    return created.json


def propose(app, as_role, nomination):  # noqa: ANN001
    proposed = app.test_client().post(f"/nominations/{nomination['id']}/propose", json={"version": nomination["version"]},
                                      headers=as_role(app, "vhxh"))
    assert proposed.status_code == 200, proposed.json
    return proposed.json


def withdrawn_rows(app) -> list[dict]:  # noqa: ANN001
    return [r for r in outbox_events(app) if r["type"] == WITHDRAWN]


def test_withdrawing_a_proposed_nomination_writes_one_event_that_meets_the_contract(ward, as_role, entry_id):
    client = ward.test_client()
    nomination = propose(ward, as_role, nominate(ward, as_role, entry_id))
    before = len(outbox_events(ward))
    response = client.post(f"/nominations/{nomination['id']}/withdraw",
                           json={"version": nomination["version"], "note": "Đơn vị đề nghị rút để bổ sung hồ sơ."},
                           headers=as_role(ward, "vhxh"))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "withdrawn"

    rows = assert_outbox_matches_contract(ward)  # every row, the new one included, validates against contracts/
    assert [(r["type"], r["aggregatetype"], r["aggregateid"]) for r in rows[before:]] == [
        (WITHDRAWN, "nomination", str(nomination["id"]))]
    payload = rows[-1]["payload"]
    assert {k: v for k, v in payload.items() if k != "occurred_at"} == {
        "nomination_id": nomination["id"], "unit_id": 12, "year": 2026, "nominee_kind": "collective", "person_name": None,
        "award_name": "Giấy khen của Chủ tịch UBND phường", "previous_status": "proposed",
        "reason": "Đơn vị đề nghị rút để bổ sung hồ sơ.",
    }
    step = response.json["history"][-1]
    assert step["action"] == "withdrawn" and payload["occurred_at"].startswith(step["at"][:19])

    # Withdrawn is final: a second withdrawal is refused and publishes nothing more.
    again = client.post(f"/nominations/{nomination['id']}/withdraw", json={"version": response.json["version"]},
                        headers=as_role(ward, "vhxh"))
    assert again.status_code == 409
    assert len(withdrawn_rows(ward)) == 1


def test_withdrawing_an_approved_nomination_says_so_and_a_draft_stays_unannounced(ward, as_role, entry_id, approve):
    """A draft was never announced (no nomination-proposed), so its withdrawal publishes nothing either: the
    person's name never leaves the ward for a nomination that was never put forward."""
    client = ward.test_client()
    draft = nominate(ward, as_role, entry_id, nominee_kind="individual", unit_id=3, person_name="Nguyễn Thị Lan")
    approved = approve(ward, {"nominee_kind": "collective", "unit_id": 12, "catalogue": "form",
                              "award_id": entry_id(ward, "forms", "giay-khen-chu-tich-ubnd-phuong"),
                              "achievements": "Duy trì mô hình tự quản, 100% hộ dân tham gia."})
    before = len(outbox_events(ward))
    for nomination in (draft, approved):
        response = client.post(f"/nominations/{nomination['id']}/withdraw", json={"version": nomination["version"]},
                               headers=as_role(ward, "vhxh"))
        assert response.status_code == 200, response.json
        assert response.json["status"] == "withdrawn"
    assert_outbox_matches_contract(ward)
    by_id = {r["payload"]["nomination_id"]: r["payload"] for r in withdrawn_rows(ward)}
    assert set(by_id) == {approved["id"]}
    assert by_id[approved["id"]]["previous_status"] == "approved"
    assert by_id[approved["id"]]["reason"] is None  # no note given
    assert len(outbox_events(ward)) == before + 1
    assert "Nguyễn Thị Lan" not in str(outbox_events(ward))


def test_a_refused_withdrawal_writes_no_event(ward, as_role, entry_id):
    client = ward.test_client()
    nomination = propose(ward, as_role, nominate(ward, as_role, entry_id))
    path = f"/nominations/{nomination['id']}/withdraw"
    before = outbox_events(ward)
    refused = [
        client.post(path, json={"version": nomination["version"] - 1}, headers=as_role(ward, "vhxh")),  # stale: 412
        client.post(path, json={}, headers=as_role(ward, "vhxh")),  # no version: 428
        client.post(path, json={"version": nomination["version"]}, headers=as_role(ward, "lanh_dao")),  # not vhxh: 403
    ]
    assert [r.status_code for r in refused] == [412, 428, 403], [r.json for r in refused]
    assert outbox_events(ward) == before
    shown = client.get(f"/nominations/{nomination['id']}", headers=as_role(ward, "vhxh")).json
    assert shown["status"] == "proposed" and shown["version"] == nomination["version"]


def test_the_withdrawal_and_its_event_commit_together(ward, as_role, entry_id, monkeypatch):
    """If the outbox row cannot be written, the withdrawal is rolled back with it."""
    nomination = propose(ward, as_role, nominate(ward, as_role, entry_id))
    before = outbox_events(ward)

    def outbox_down(*_args, **_kwargs):
        raise RuntimeError("outbox insert failed")

    monkeypatch.setattr(services, "add_event", outbox_down)
    client = ward.test_client()
    try:
        response = client.post(f"/nominations/{nomination['id']}/withdraw", json={"version": nomination["version"]},
                               headers=as_role(ward, "vhxh"))
        assert response.status_code == 500
    except RuntimeError as exc:  # propagated by the test client
        assert "outbox insert failed" in str(exc)
    monkeypatch.undo()
    assert outbox_events(ward) == before
    shown = client.get(f"/nominations/{nomination['id']}", headers=as_role(ward, "vhxh")).json
    assert shown["status"] == "proposed" and [s["action"] for s in shown["history"]] == ["created", "proposed"]
