"""The pull feed: every event once across pages, in order, with a stable cursor; keys scoped to wards (403
outside them); every body signed with the key's secret."""
from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent
from dvk_core.webhooks import Replayed, Verifier, standard_form
from dvk_platform.bus import Message, Record, create_bus
from dvk_platform.config import topic_name
from dvk_platform.db import get_db
from dvk_platform.worker import build_consumer
from dvk_testing import wait_until
from dvk_testing.plugin import Caller, bearer
from feed.models import ApiKey, FeedEvent

_offsets = itertools.count()


def ward_event(event_type: str, ward: str, subject: int, **changes: Any) -> CloudEvent:
    """A contract-valid event (its schema's example, changed) as a ward's relay publishes it."""
    service = event_type.split(".")[2]
    data = {**load_schemas()[event_type]["examples"][0], **changes}
    return CloudEvent(type=event_type, source=f"/wards/{ward}/{service}", subject=str(subject), ward=ward, data=data)


def deliver(app, events: list[CloudEvent]):
    runner = build_consumer(app)
    try:
        for ev in events:
            topic = topic_name(app.config, ev.type.split(".")[2])
            runner.process(Record(topic, 0, next(_offsets), ev.key.encode(), ev.value(), ev.headers()))
        return runner.outcome
    finally:
        runner.close()



TYPES = ["vn.dvk.registration.model-submitted.v1", "vn.dvk.reporting.report-submitted.v1",
         "vn.dvk.awards.award-decided.v1", "vn.dvk.notify.reminder-sent.v1"]
WARDS = ["minh-xuan", "an-phu", "thuy-phuong"]


def mixed_events(count: int, start: int = 0):
    return [ward_event(TYPES[n % 4], WARDS[n % 3], n, unit_id=n % 21 + 1) for n in range(start, start + count)]


def page(client, key: dict, **params):
    response = client.get("/feed", query_string=params, headers={"Authorization": f"ApiKey {key['api_key']}"})
    assert response.status_code == 200, response.get_json()
    return response


def read_all(client, key: dict, limit: int, after: str | None = None, **params) -> tuple[list[dict], str, int]:
    events: list[dict] = []
    pages = 0
    cursor = after
    while True:
        body = page(client, key, limit=limit, **({"after": cursor} if cursor else {}), **params).get_json()
        pages += 1
        events += body["events"]
        assert body["next_cursor"] == (body["events"][-1]["dvkcursor"] if body["events"] else (cursor or "0"))
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return events, cursor, pages


def test_every_event_exactly_once_across_pages_in_order_with_a_stable_cursor(app, client, issue_key):
    events = mixed_events(30)
    outcome = deliver(app, events + events[5:9])  # four redelivered: the inbox passes them over
    assert outcome.handled == 30 and outcome.duplicates == 4
    key = issue_key(["minh-xuan", "an-phu"])
    wanted = [e.id for e in events if e.ward in ("minh-xuan", "an-phu")]

    got, cursor, pages = read_all(client, key, limit=7)
    assert [e["id"] for e in got] == wanted  # no gap, no repeat, publication order
    assert pages == 3
    assert all(e["specversion"] == "1.0" and e["ward"] in ("minh-xuan", "an-phu") for e in got)
    assert got[0]["data"] == events[0].data and got[0]["type"] == events[0].type and got[0]["source"] == "/wards/minh-xuan/registration"

    # the same cursor gives the same page, byte for byte
    middle = got[6]["dvkcursor"]
    assert page(client, key, after=middle, limit=7).data == page(client, key, after=middle, limit=7).data
    # later events continue after the last cursor, and only those
    later = mixed_events(6, start=30)
    deliver(app, later + events[:2])
    more, _, _ = read_all(client, key, limit=4, after=cursor)
    assert [e["id"] for e in more] == [e.id for e in later if e.ward in ("minh-xuan", "an-phu")]
    # the whole feed read again in other page sizes is the same sequence
    again, _, _ = read_all(client, key, limit=50)
    assert [e["id"] for e in again] == wanted + [e["id"] for e in more]


def test_a_key_reads_only_its_wards_and_is_refused_outside_them(app, client, issue_key):
    deliver(app, mixed_events(12))
    an_phu = issue_key(["an-phu"], "Ban Dân vận Thành ủy")
    everything = issue_key(["*"], "Ban Dân vận Tỉnh ủy")
    got, _, _ = read_all(client, an_phu, limit=50)
    assert {e["ward"] for e in got} == {"an-phu"} and len(got) == 4
    assert len(read_all(client, everything, limit=50)[0]) == 12
    assert len(read_all(client, an_phu, limit=50, ward="an-phu")[0]) == 4

    refused = client.get("/feed?ward=minh-xuan", headers={"X-API-Key": an_phu["api_key"]})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"] == "urn:dvk:problem:ward-out-of-scope"
    assert "an-phu" in refused.get_json()["detail"]

    assert client.get("/feed").status_code == 401
    assert client.get("/feed", headers={"X-API-Key": "dvkf_" + "x" * 43}).status_code == 401
    assert client.get("/feed", headers={"Authorization": f"Bearer {an_phu['api_key']}"}).status_code == 401


def test_every_body_is_signed_with_the_keys_secret(app, client, issue_key):
    deliver(app, mixed_events(5))
    key = issue_key(["minh-xuan", "an-phu", "thuy-phuong"])
    other = issue_key(["minh-xuan"])
    response = page(client, key, limit=3)
    body, headers = response.data, dict(response.headers)
    # Standard Webhooks, checked by the scheme's own library: id, time and body under the key's secret
    reader = Webhook(standard_form(key["signing_secret"]))
    reader.verify(body, headers, json_parse=False)
    tampered = body.replace(b'"minh-xuan"', b'"an-phu"', 1)
    assert tampered != body
    with pytest.raises(WebhookVerificationError):
        reader.verify(tampered, headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_form(other["signing_secret"])).verify(body, headers, json_parse=False)
    assert json.loads(body)["events"][0]["ward"] == "minh-xuan"
    # every answer is a message of its own: the same page read again has another id (a replayed one is refused)
    again = page(client, key, limit=3)
    assert again.data == body and again.headers["webhook-id"] != response.headers["webhook-id"]
    verifier = Verifier([key["signing_secret"]])
    verifier.verify(headers, body)
    with pytest.raises(Replayed):
        verifier.verify(headers, body)
    # an empty page is signed too
    empty = page(client, key, after=json.loads(body)["next_cursor"], ward="an-phu", type="vn.dvk.notify.*")
    reader.verify(empty.data, dict(empty.headers), json_parse=False)


def test_a_rotated_signing_secret_signs_beside_the_new_one(app, client, issue_key):
    deliver(app, mixed_events(2))
    key = issue_key(["*"])
    admin = bearer(app, "admin")
    assert client.post(f"/keys/{key['id']}/rotate-secret", json={}, headers=admin).status_code == 428
    rotated = client.post(f"/keys/{key['id']}/rotate-secret", json={"version": key["version"]}, headers=admin)
    assert rotated.status_code == 200, rotated.get_json()
    new = rotated.get_json()["signing_secret"]
    assert new != key["signing_secret"] and rotated.get_json()["previous_secret_until"]
    response = page(client, key)
    assert len(response.headers["webhook-signature"].split(" ")) == 2
    for secret in (key["signing_secret"], new):  # readers that have switched over, and those that have not yet
        Webhook(standard_form(secret)).verify(response.data, dict(response.headers), json_parse=False)
    with app.app_context(), get_db().transaction() as session:  # the overlap ends
        session.get(ApiKey, key["id"]).previous_salt_until = datetime.now(UTC) - timedelta(seconds=1)
    later = page(client, key)
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(standard_form(new)).verify(later.data, dict(later.headers), json_parse=False)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_form(key["signing_secret"])).verify(later.data, dict(later.headers), json_parse=False)


def test_type_globs_page_limits_and_bad_cursors(app, client, issue_key):
    deliver(app, mixed_events(16))
    key = issue_key(["*"])
    reporting, _, _ = read_all(client, key, limit=2, type="vn.dvk.reporting.*")
    assert [e["type"] for e in reporting] == ["vn.dvk.reporting.report-submitted.v1"] * 4
    two_types, _, _ = read_all(client, key, limit=50, type=["vn.dvk.awards.award-decided.v1", "vn.dvk.notify.*"])
    assert len(two_types) == 8
    headers = {"X-API-Key": key["api_key"]}
    too_many = client.get("/feed?limit=51", headers=headers)
    assert too_many.status_code == 422 and "limit" in too_many.get_json()["errors"]
    assert client.get("/feed?after=abc", headers=headers).status_code == 422
    default = page(client, key).get_json()
    assert len(default["events"]) == 10 and default["has_more"] is True  # DVK_FEED_PAGE_SIZE_DEFAULT


def test_keys_are_issued_by_admins_stored_hashed_and_revocable(app, client, issue_key):
    assert client.post("/keys", json={"subscriber": "X", "wards": ["an-phu"]}, headers=bearer(app, "vhxh")).status_code == 403
    assert client.post("/keys", json={"subscriber": "X", "wards": []}, headers=bearer(app, "admin")).status_code == 422
    key = issue_key(["an-phu"])
    assert key["api_key"].startswith("dvkf_") and len(key["signing_secret"]) == 64
    listed = client.get("/keys", headers=bearer(app, "admin")).get_json()
    assert [k["id"] for k in listed] == [key["id"]]
    assert "api_key" not in listed[0] and "signing_secret" not in listed[0]
    with app.extensions["dvk_db"].transaction() as session:
        row = session.scalar(select(ApiKey))
        stored = [str(v) for v in (row.key_hash, row.key_prefix, row.salt, row.subscriber, row.wards)]
    assert row.key_hash == hashlib.sha256(key["api_key"].encode()).hexdigest()
    assert not any(key["api_key"] in v or key["signing_secret"] in v for v in stored)

    headers = bearer(app, "admin")
    assert client.post(f"/keys/{key['id']}/revoke", json={}, headers=headers).status_code == 428
    assert client.post(f"/keys/{key['id']}/revoke", json={"version": 7}, headers=headers).status_code == 412
    revoked = client.post(f"/keys/{key['id']}/revoke", json={"version": key["version"]}, headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False
    again = client.post(f"/keys/{key['id']}/revoke", headers={**headers, "If-Match": str(revoked.get_json()["version"])}, json={})
    assert again.status_code == 409 and "thu hồi" in again.get_json()["detail"]
    assert client.get("/feed", headers={"X-API-Key": key["api_key"]}).status_code == 401


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_consumes_every_dvk_topic_from_kafka_and_dead_letters_contract_breakers(make_service, kafka_server, topic_prefix, database_kind):
    config = {"BUS": "kafka", "KAFKA_BOOTSTRAP": kafka_server.bootstrap, "KAFKA_PARTITIONS": 3, "CONSUMER_RETRY_BACKOFF": 0.01}
    app = make_service("feed", database_kind, **config)
    bus = create_bus(app.config)
    events = mixed_events(12)
    broken = ward_event("vn.dvk.registration.model-accepted.v1", "an-phu", 99, unit_id="mười hai")
    bus.ensure_topics([topic_name(app.config, s) for s in ("registration", "reporting", "awards", "notify")])
    for ev in [*events, broken]:
        bus.publish(topic_name(app.config, ev.type.split(".")[2]), [Message(ev.key.encode(), ev.value(), ev.headers())])
    bus.close()
    runner = build_consumer(app)
    try:
        assert wait_until(lambda: runner.run_once(0.5) >= 0 and runner.outcome.handled + runner.outcome.dead_lettered == 13, 60, 0)
    finally:
        runner.close()
        runner.bus.close()
    with app.extensions["dvk_db"].transaction() as session:
        stored = set(session.scalars(select(FeedEvent.event_id)))
    assert stored == {e.id for e in events}
    assert runner.outcome.dead_lettered == 1


def test_the_contract_check_is_the_consumers_one_a_breaker_is_dead_lettered_at_once_and_a_newer_producer_passes(
        app, caplog):
    """The feed checks events as every consumer does (contract_checked): a payload breaking its schema is
    dead-lettered on its first attempt (InvalidEvent, no retries), while what a newer `.v1` producer may add — a new
    property, a widened enum — is stored and served."""
    unit_updated = "vn.dvk.registration.unit-updated.v1"
    newer = ward_event(unit_updated, "minh-xuan", 4, kind="khu_pho_moi", contact={"phone": "0243"})
    broken = ward_event(unit_updated, "minh-xuan", 5, active="có")
    with caplog.at_level("WARNING", logger="dvk_platform.consumer"):
        outcome = deliver(app, [newer, broken])
    assert (outcome.handled, outcome.dead_lettered) == (1, 1)
    dead = [r.getMessage() for r in caplog.records if "dead-lettered" in r.getMessage()]
    assert len(dead) == 1 and "InvalidEvent" in dead[0] and "breaks its contract" in dead[0], dead
    with app.extensions["dvk_db"].transaction() as session:
        assert set(session.scalars(select(FeedEvent.event_id))) == {newer.id}


def test_the_document_names_the_ward_codes_a_key_may_be_issued_for(make_service, tmp_path):
    """POST /keys accepts "*" or a ward of the province's registry (the file this deployment reads) and refuses any
    other code with a 422 listing the known ones: its OpenAPI document says so, as an enum of those codes."""
    registry = tmp_path / "wards.csv"
    registry.write_text("code,name,expected_units\nminh-xuan,Phường Minh Xuân,21\nbinh-an,Phường Bình An,9\n", encoding="utf-8")
    app = make_service("feed", WARDS_FILE=str(registry))
    document = app.test_client().get("/openapi.json").get_json()
    assert document["components"]["schemas"]["KeyCreate"]["properties"]["wards"]["items"]["enum"] == ["*", "minh-xuan", "binh-an"]
    call = Caller(app)
    refused = call("POST", "/keys", "admin", json={"subscriber": "Sở Nội vụ tỉnh", "wards": ["an-phu"]})
    assert refused.status_code == 422 and refused.json["known"] == ["minh-xuan", "binh-an"], refused.json
    issued = call("POST", "/keys", "admin", json={"subscriber": "Sở Nội vụ tỉnh", "wards": ["binh-an"]})
    assert issued.status_code == 201, issued.json
