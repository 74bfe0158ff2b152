"""Every change to a service's records is in an append-only audit log: who, when, what, before and after."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from dvk_testing.audit import assert_append_only
from dvk_testing.plugin import bearer


@pytest.fixture
def registration(make_service, database_kind):
    return make_service("registration", database_kind)


def test_changes_are_logged_with_actor_and_before_after(registration):
    client = registration.test_client()
    admin = bearer(registration, "admin", user_id="quantri")
    created = client.post("/units", json={"code": "tdp-30", "name": "Tổ dân phố 30", "kind": "to_dan_pho"}, headers=admin)
    assert created.status_code == 201
    unit_id = created.json["id"]
    renamed = client.patch(f"/units/{unit_id}", json={"name": "Tổ dân phố 30 (mới)"},
                           headers={**admin, "If-Match": str(created.json["version"])})
    assert renamed.status_code == 200, renamed.json
    stale = client.patch(f"/units/{unit_id}", json={"name": "Bản sửa cũ"}, headers={**admin, "If-Match": "1"})
    assert stale.status_code == 412  # refused, so nothing is logged for it

    log = client.get(f"/audit?entity=units&entity_id={unit_id}", headers=bearer(registration, "giam_sat"))
    assert log.status_code == 200
    update, insert = log.json["items"]
    assert log.json["total"] == 2
    assert (insert["action"], insert["actor_id"], insert["actor_role"]) == ("insert", "quantri", "admin")
    assert insert["changes"]["name"] == [None, "Tổ dân phố 30"]
    assert update["action"] == "update" and update["actor_id"] == "quantri"
    assert update["changes"]["name"] == ["Tổ dân phố 30", "Tổ dân phố 30 (mới)"]


def test_the_log_cannot_be_edited_or_deleted(registration):
    client = registration.test_client()
    admin = bearer(registration, "admin")
    client.post("/units", json={"code": "tdp-31", "name": "Tổ dân phố 31", "kind": "to_dan_pho"}, headers=admin)
    assert_append_only(registration)  # no write method on /audit; UPDATE and DELETE refused by the database
    engine = registration.extensions["dvk_db"].engine
    with engine.connect() as conn:
        assert conn.execute(text("SELECT actor_id FROM audit_log")).scalars().all() == ["u1"]


def test_unit_officers_cannot_read_the_log(registration):
    response = registration.test_client().get("/audit", headers=bearer(registration, "don_vi", unit_id=12))
    assert response.status_code == 403
