"""Deliveries against real servers: SMTP (aiosmtpd), webhook receivers and the gateway's recipients list."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from dvk_core.envelope import CloudEvent
from dvk_core.webhooks import new_secret, standard_form
from dvk_testing import free_port
from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import bearer, bus_for
from notify.dispatcher import dispatch_due
from notify.models import Delivery, InboxMessage, as_utc


def event(event_type: str, data: dict, subject: str = "1") -> CloudEvent:
    return CloudEvent(type=event_type, source=f"/wards/minh-xuan/{event_type.split('.')[2]}", subject=subject, ward="minh-xuan", data=data)


UNIT_12 = event("vn.dvk.registration.unit-created.v1",
                {"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho", "active": True}, "12")


def model_returned(model_id: int = 7) -> object:
    return event("vn.dvk.registration.model-returned.v1", {
        "model_id": model_id, "unit_id": 12, "year": 2026, "title": "Camera an ninh vì bình yên khu phố",
        "field": "quoc_phong_an_ninh", "status": "returned", "late": False, "occurred_at": "2026-02-03T02:00:00+00:00",
        "actor_role": "vhxh", "reason": "Bổ sung chỉ tiêu đo lường được và người phụ trách.", "extra_field_from_later": 1,
    }, str(model_id))


AWARD_DECIDED = event("vn.dvk.awards.award-decided.v1", {
    "nomination_id": 4, "decision_id": 9, "decision_number": "15/QĐ-UBND", "decided_on": "2026-12-20", "unit_id": 12,
    "year": 2026, "award_name": "Giấy khen của Chủ tịch UBND phường", "nominee_kind": "collective", "person_name": None,
    "occurred_at": "2026-12-20T03:00:00+00:00",
}, "4")


def deliveries(app, **where) -> list[Delivery]:
    with app.extensions["dvk_db"].transaction() as session:
        return session.scalars(select(Delivery).filter_by(**where).order_by(Delivery.id)).all()


def add_subscriber(app, url: str, secret: str = "bi-mat-cua-dang-uy-phuong-2026", **extra) -> dict:
    client = app.test_client()
    response = client.post("/webhook-subscribers", json={"name": "Đảng ủy phường Minh Xuân", "url": url, "secret": secret, **extra},
                           headers=bearer(app, "admin"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_email_reaches_a_real_smtp_server_in_vietnamese(kit, notify, smtp_server):
    kit.handle(notify, UNIT_12, model_returned())
    result = dispatch_due(notify)

    assert len(result.sent) == 1 and not result.retrying
    [(rcpt_tos, mail)] = smtp_server.received
    assert rcpt_tos == ["tam.tdp1@minhxuan.gov.vn"]  # the unit's active officer only, not the retired one
    assert mail["To"].addresses[0].display_name == "Lê Văn Tâm"
    assert mail["Subject"] == "Mô hình “Camera an ninh vì bình yên khu phố” được trả lại để chỉnh sửa"
    assert "Dân Vận Khéo - UBND phường Minh Xuân" in str(mail["From"])
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Phòng Văn hóa - Xã hội đã trả lại mô hình" in text and "Tổ dân phố 1" in text
    assert "Lý do: Bổ sung chỉ tiêu đo lường được và người phụ trách." in text
    assert "https://dvk.minhxuan.gov.vn/dang-ky/mo-hinh/7" in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG MINH XUÂN" in html and "Bổ sung chỉ tiêu đo lường được" in html
    [email] = deliveries(notify, channel="email")
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, None)


def test_webhook_is_received_and_its_signature_verifies(kit, notify, webhook_server):
    secret = "bi-mat-cua-dang-uy-phuong-2026"
    add_subscriber(notify, webhook_server.url + "/ok", secret, event_types=["vn.dvk.awards.*"])
    kit.handle(notify, UNIT_12, AWARD_DECIDED, model_returned())  # model-returned is not an awards event: not sent
    dispatch_due(notify)

    [call] = webhook_server.posts("/ok")
    # Standard Webhooks, checked by the scheme's own library (not the platform's code): the id is the event's
    headers = {name.lower(): value for name, value in call["headers"].items()}
    assert headers["webhook-id"] == AWARD_DECIDED.id and headers["webhook-signature"].startswith("v1,")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 120
    Webhook(standard_form(secret)).verify(call["body"], headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_form("wrong-secret-wrong-secret")).verify(call["body"], headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):  # the body is signed with the id and time: a changed id fails
        Webhook(standard_form(secret)).verify(call["body"], {**headers, "webhook-id": "khac"}, json_parse=False)
    document = json.loads(call["body"])
    assert document["id"] == AWARD_DECIDED.id and document["type"] == "vn.dvk.awards.award-decided.v1"
    assert document["specversion"] == "1.0" and document["ward"] == "minh-xuan"
    assert document["data"]["award_name"] == "Giấy khen của Chủ tịch UBND phường"
    assert call["headers"]["Content-Type"].startswith("application/cloudevents+json")


def test_a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends(kit, notify, webhook_server):
    old, new = "bi-mat-cu-cua-dang-uy-2026", new_secret()
    created = add_subscriber(notify, webhook_server.url + "/ok", old, event_types=["vn.dvk.awards.*"])
    changed = notify.test_client().patch(f"/webhook-subscribers/{created['id']}", json={"secret": new},
                                         headers={**bearer(notify, "admin"), "If-Match": str(created["version"])})
    assert changed.status_code == 200, changed.get_json()
    until = datetime.fromisoformat(changed.get_json()["previous_secret_until"])
    assert timedelta(hours=47) < until - datetime.now(UTC) <= timedelta(hours=48)
    kit.handle(notify, UNIT_12, AWARD_DECIDED)
    dispatch_due(notify)
    [during] = webhook_server.posts("/ok")
    headers = {name.lower(): value for name, value in during["headers"].items()}
    assert len(headers["webhook-signature"].split(" ")) == 2  # one v1 signature per active secret
    for secret in (old, new):  # a receiver that has switched over, and one that has not yet, both accept it
        Webhook(standard_form(secret)).verify(during["body"], headers, json_parse=False)

    # the same delivery sent again once the overlap has ended (as a retry would be)
    later = until + timedelta(minutes=1)
    with notify.app_context():
        db = notify.extensions["dvk_db"]
        with db.transaction() as session:
            delivery = session.scalars(select(Delivery).where(Delivery.channel == "webhook")).one()
            delivery.status, delivery.next_attempt_at = "pending", later
    dispatch_due(notify, now=later)
    after = webhook_server.posts("/ok")[-1]
    headers = {name.lower(): value for name, value in after["headers"].items()}
    assert len(headers["webhook-signature"].split(" ")) == 1
    Webhook(standard_form(new)).verify(after["body"], headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_form(old)).verify(after["body"], headers, json_parse=False)


def test_a_secret_that_is_not_valid_base64_after_whsec_is_refused(notify):
    answer = notify.test_client().post("/webhook-subscribers", json={
        "name": "Đảng ủy", "url": "http://127.0.0.1:9/x", "secret": "whsec_khong-phai-base64!!"}, headers=bearer(notify, "admin"))
    assert answer.status_code == 422 and "Khóa ký không hợp lệ" in json.dumps(answer.get_json(), ensure_ascii=False)


def test_the_same_event_delivered_twice_reaches_everyone_once(kit, make_service, database_kind, bus_config, notify_config,
                                                             smtp_server, webhook_server):
    app = make_service("notify", database_kind, **bus_config, **notify_config)
    add_subscriber(app, webhook_server.url + "/ok")
    returned = model_returned()
    bus = bus_for(bus_config)
    try:
        kit.publish(app, bus, UNIT_12, returned, returned)
    finally:
        bus.close()
    outcome = kit.consume(app, 3)
    assert (outcome.handled, outcome.duplicates) == (2, 1)
    dispatch_due(app)
    dispatch_due(app, datetime.now(UTC) + timedelta(days=400))  # nothing is left to send, however late

    assert [r for r, _ in smtp_server.received] == [["tam.tdp1@minhxuan.gov.vn"]]
    # the webhook subscriber hears the unit-created event and the model-returned event, each once
    # (on Kafka they sit on different partitions, so in either order)
    assert sorted(json.loads(c["body"])["id"] for c in webhook_server.posts("/ok")) == sorted([UNIT_12.id, returned.id])
    inbox = app.test_client().get("/inbox", headers=bearer(app, "don_vi", 12, user_id="tdp1-tam")).get_json()
    assert inbox["total"] == 1 and inbox["items"][0]["subject"].startswith("Mô hình “Camera an ninh")


def test_an_unknown_event_type_is_ignored_and_counted(kit, notify):
    bus = bus_for({"BUS": "embedded", "EMBEDDED_BUS_PATH": notify.config["EMBEDDED_BUS_PATH"], "TOPIC_PREFIX": notify.config["TOPIC_PREFIX"]})
    try:
        kit.publish(notify, bus, event("vn.dvk.registration.model-archived.v9", {"model_id": 1, "unit_id": 12}), model_returned())
    finally:
        bus.close()
    outcome = kit.consume(notify, 2)
    assert (outcome.ignored, outcome.handled, outcome.dead_lettered) == (1, 1, 0)
    assert {d.event_type for d in deliveries(notify)} == {"vn.dvk.registration.model-returned.v1"}


def test_failing_and_hanging_webhooks_retry_with_backoff_without_blocking_others(kit, notify, webhook_server, smtp_server):
    for path in ("/loi", "/treo", "/ok"):
        add_subscriber(notify, webhook_server.url + path)
    kit.handle(notify, UNIT_12, AWARD_DECIDED)
    now = datetime.now(UTC)

    started = time.monotonic()
    first = dispatch_due(notify, now)
    # the hanging endpoint holds each request 10 s: the batch gave up on it after its own timeout instead of waiting it out
    assert time.monotonic() - started < 10
    assert len(smtp_server.received) == 3  # the unit's officer, the leader and Phòng VH-XH
    assert len(webhook_server.posts("/ok")) == 2  # unit-created and award-decided
    assert len(first.retrying) == 4
    pending = deliveries(notify, channel="webhook", status="pending")
    assert sorted(d.recipient.rsplit("/", 1)[1] for d in pending) == ["loi", "loi", "treo", "treo"]
    for d in pending:
        assert ("HTTP 500" if d.recipient.endswith("/loi") else "Quá thời gian chờ") in d.last_error
        assert d.attempts == 1 and as_utc(d.next_attempt_at) == now + timedelta(seconds=30)

    assert dispatch_due(notify, now + timedelta(seconds=29)).claimed == 0  # backoff is respected
    second = dispatch_due(notify, now + timedelta(seconds=30))
    assert len(second.retrying) == 4
    assert {d.attempts for d in deliveries(notify, channel="webhook", status="pending")} == {2}
    assert dispatch_due(notify, now + timedelta(seconds=89)).claimed == 0  # then 60 s: the backoff doubles
    third = dispatch_due(notify, now + timedelta(seconds=90))
    assert len(third.failed) == 4  # DELIVERY_MAX_ATTEMPTS = 3: given up and recorded

    assert len(webhook_server.posts("/loi")) == 6 and len(webhook_server.posts("/ok")) == 2
    failed = deliveries(notify, status="failed")
    assert {d.recipient.rsplit("/", 1)[1] for d in failed} == {"loi", "treo"} and all(d.attempts == 3 for d in failed)
    events = [row for row in assert_outbox_matches_contract(notify) if row["type"] == "vn.dvk.notify.delivery-failed.v1"]
    assert sorted(e["payload"]["delivery_id"] for e in events) == sorted(d.id for d in failed)
    assert all(e["payload"]["channel"] == "webhook" and e["payload"]["attempts"] == 3 for e in events)


def test_smtp_down_delays_mail_and_loses_none(kit, make_service, database_kind, notify_config):
    mail_server = kit.SmtpInbox(free_port())  # not started yet: the ward's mail server is down
    app = make_service("notify", database_kind, **{**notify_config, "SMTP_PORT": mail_server.port})
    kit.handle(app, UNIT_12, AWARD_DECIDED, model_returned())
    now = datetime.now(UTC)
    for minutes in (0, 1, 2, 5, 10):  # more rounds than DELIVERY_MAX_ATTEMPTS, all while the server is down
        dispatch_due(app, now + timedelta(minutes=minutes))
    waiting = deliveries(app, channel="email")
    assert len(waiting) == 4 and {d.status for d in waiting} == {"pending"}
    assert all("Không kết nối được máy chủ thư" in d.last_error for d in waiting)

    mail_server.start()
    try:
        dispatch_due(app, now + timedelta(days=1))
    finally:
        mail_server.stop()
    assert sorted(r[0] for r, _ in mail_server.received) == sorted(
        ["tam.tdp1@minhxuan.gov.vn", "tam.tdp1@minhxuan.gov.vn", "minh.chutich@minhxuan.gov.vn", "hoa.vhxh@minhxuan.gov.vn"])
    assert {d.status for d in deliveries(app, channel="email")} == {"sent"}


def inbox_users(app) -> set[str]:
    with app.extensions["dvk_db"].transaction() as session:
        return set(session.scalars(select(InboxMessage.user_id)))


def test_an_account_created_a_second_before_is_told_with_no_gateway_running(kit, make_service, bus_config, notify_config,
                                                                          smtp_server):
    """Only the bus: no gateway process anywhere (nothing listens where one would). The account's user-created event
    is followed a second later by an event for its unit: the new officer is told at once (no cache window), and the
    people notify already knew are told too."""
    app = make_service("notify", "postgresql", **bus_config, **notify_config)
    newcomer = {"user_id": "tdp1-moi", "name": "Đỗ Thị Mới", "email": "moi.tdp1@minhxuan.gov.vn", "role": "don_vi",
                "unit_id": 12, "active": True}
    created = kit.user_event(newcomer, occurred_at=(datetime.now(UTC) - timedelta(seconds=1)).isoformat())
    bus = bus_for(bus_config)
    try:
        kit.publish(app, bus, UNIT_12, created)
        assert kit.consume(app, 2).handled == 2
        kit.publish(app, bus, model_returned())
    finally:
        bus.close()
    assert kit.consume(app, 1).handled == 1
    assert inbox_users(app) == {"tdp1-tam", "tdp1-moi"}
    dispatch_due(app)
    assert sorted(r[0] for r, _ in smtp_server.received) == ["moi.tdp1@minhxuan.gov.vn", "tam.tdp1@minhxuan.gov.vn"]


def test_account_events_newest_fact_wins_replays_change_nothing_and_nobody_is_told(kit, notify, webhook_server):
    add_subscriber(notify, webhook_server.url + "/ok")
    lan = next(r for r in kit.RECIPIENTS if r["user_id"] == "tdp2-lan")
    moved = kit.user_event({**lan, "unit_id": 12, "email": "lan.moi@minhxuan.gov.vn"}, "user-updated", version=2,
                           occurred_at="2026-03-01T01:00:00+00:00")
    stale = kit.user_event({**lan, "name": "Tên cũ"}, "user-updated", version=1, occurred_at="2026-02-01T01:00:00+00:00")
    kit.handle(notify, moved, stale, moved)  # an older fact after a newer one, and the newer one replayed
    kit.handle(notify, UNIT_12, model_returned(7))
    assert inbox_users(notify) == {"tdp1-tam", "tdp2-lan"}
    assert {d.recipient for d in deliveries(notify, channel="email")} == {"tam.tdp1@minhxuan.gov.vn", "lan.moi@minhxuan.gov.vn"}

    gone = kit.user_event({**lan, "unit_id": 12, "active": False}, "user-deactivated", version=3,
                          occurred_at="2026-03-02T01:00:00+00:00")
    back_late = kit.user_event({**lan, "unit_id": 12}, "user-updated", version=2, occurred_at="2026-03-01T09:00:00+00:00")
    kit.handle(notify, gone, back_late)  # a late, older "active" fact does not bring the account back
    eight = model_returned(8)
    kit.handle(notify, eight)
    with notify.extensions["dvk_db"].transaction() as session:
        told = set(session.scalars(select(InboxMessage.user_id).where(InboxMessage.event_id == eight.id)))
    assert told == {"tdp1-tam"}
    assert {d.recipient for d in deliveries(notify, channel="email", event_id=eight.id)} == {"tam.tdp1@minhxuan.gov.vn"}
    # account events are kept, never told and never sent to webhook subscribers (names and e-mails stay in notify)
    assert not [d for d in deliveries(notify) if d.event_type.startswith("vn.dvk.gateway.")]
