"""Keys issued and revoked are in the feed's append-only audit log (who, when, before/after), read through
GET /audit; the log never holds a key, its hash, its salt or its signing secret, and nobody can edit it."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dvk_testing.audit import assert_append_only
from dvk_testing.plugin import bearer
from feed.models import ApiKey
from feed.services import hash_key

SUBSCRIBER = "Văn phòng UBND tỉnh — nền tảng LGSP"


def issue_and_revoke(app, client) -> tuple[dict, dict, datetime, datetime]:
    """A key issued and then revoked by the admin `quantri`; (issued, revoked, time before, time after)."""
    admin = bearer(app, "admin", user_id="quantri", name="Quản trị viên")
    started = datetime.now(UTC)
    issued = client.post("/keys", json={"subscriber": SUBSCRIBER, "wards": ["minh-xuan"], "note": "thử nhật ký"}, headers=admin)
    assert issued.status_code == 201, issued.get_json()
    key = issued.get_json()
    revoked = client.post(f"/keys/{key['id']}/revoke", json={}, headers={**admin, "If-Match": f'"{key["version"]}"'})
    assert revoked.status_code == 200, revoked.get_json()
    return key, revoked.get_json(), started, datetime.now(UTC)


def test_issuing_and_revoking_a_key_each_leave_one_audit_row(app, client):
    key, revoked, started, finished = issue_and_revoke(app, client)
    # reading with the key, listing keys and refused calls change nothing, so they log nothing
    admin = bearer(app, "admin", user_id="quantri")
    assert client.get("/feed", headers={"X-API-Key": key["api_key"]}).status_code == 401  # revoked
    assert client.get("/keys", headers=admin).status_code == 200
    again = client.post(f"/keys/{key['id']}/revoke", json={}, headers={**admin, "If-Match": f'"{revoked["version"]}"'})
    assert again.status_code == 409
    assert client.post(f"/keys/{key['id']}/revoke", json={}, headers={**admin, "If-Match": '"1"'}).status_code == 412

    log = client.get(f"/audit?entity=api_keys&entity_id={key['id']}", headers=bearer(app, "giam_sat"))
    assert log.status_code == 200, log.get_json()
    assert log.json["total"] == 2
    revoke, issue = log.json["items"]  # newest first

    assert (issue["action"], issue["actor_id"], issue["actor_role"], issue["entity"]) == ("insert", "quantri", "admin", "api_keys")
    assert issue["entity_id"] == str(key["id"])
    assert issue["changes"] == {
        "id": [None, key["id"]], "subscriber": [None, SUBSCRIBER], "wards": [None, ["minh-xuan"]],
        "key_prefix": [None, key["key_prefix"]], "note": [None, "thử nhật ký"], "created_by": [None, "quantri"],
        "created_at": [None, issue["changes"]["created_at"][1]], "version": [None, 1],
    }
    assert datetime.fromisoformat(issue["changes"]["created_at"][1]) == datetime.fromisoformat(key["created_at"])

    assert (revoke["action"], revoke["actor_id"], revoke["actor_role"], revoke["entity_id"]) == ("update", "quantri", "admin", str(key["id"]))
    # the change the admin made; the optimistic-lock version the mapper bumps during the flush is not logged
    # on any service's updates (audit.py reads the changes before the flush)
    assert set(revoke["changes"]) == {"revoked_at"}
    before, after = revoke["changes"]["revoked_at"]
    assert before is None and datetime.fromisoformat(after) == datetime.fromisoformat(revoked["revoked_at"])

    for entry in (issue, revoke):
        assert started <= datetime.fromisoformat(entry["at"]) <= finished
    assert datetime.fromisoformat(issue["at"]) <= datetime.fromisoformat(revoke["at"])


def test_the_audit_log_never_shows_a_key_its_hash_its_salt_or_its_signing_secret(app, client):
    key, _revoked, _started, _finished = issue_and_revoke(app, client)
    with app.extensions["dvk_db"].transaction() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.id == key["id"]))
        stored = {"key hash": row.key_hash, "salt": row.salt}
    assert stored["key hash"] == hash_key(key["api_key"])
    secrets = {"key": key["api_key"], "signing secret": key["signing_secret"], **stored,
               "the key after its shown prefix": key["api_key"][len(key["key_prefix"]):]}
    for role in ("admin", "vhxh", "lanh_dao", "giam_sat"):
        log = client.get("/audit", headers=bearer(app, role))
        assert log.status_code == 200 and log.json["total"] == 2, role
        text = log.get_data(as_text=True)
        assert [name for name, value in secrets.items() if value in text] == [], role
        for entry in log.json["items"]:
            assert not {"key_hash", "salt", "api_key", "signing_secret"} & set(entry["changes"])
    assert client.get("/audit", headers=bearer(app, "don_vi", unit_id=12)).status_code == 403
    assert client.get("/audit", headers={"X-API-Key": key["api_key"]}).status_code == 401


def test_the_audit_log_cannot_be_edited_or_deleted(app, client):
    issue_and_revoke(app, client)
    assert_append_only(app)
