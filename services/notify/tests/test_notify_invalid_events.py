"""An event of a known type whose data breaks its contract is refused: to the DLQ with the reason in
`dvk_error`, without telling anyone, and the consumer goes on with the next event."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent
from dvk_platform.bus import dlq_topic
from dvk_platform.config import topic_name
from dvk_platform.consumer import InvalidEvent
from dvk_platform.tables import inbox_events
from dvk_testing.plugin import bearer, bus_for, read_topic
from notify.dispatcher import dispatch_due
from notify.events import KNOWN_TYPES
from notify.models import Delivery, InboxMessage, UnitSubmission

RETURNED = "vn.dvk.registration.model-returned.v1"


def returned(model_id: int, **change) -> CloudEvent:
    data = {"model_id": model_id, "unit_id": 12, "year": 2026, "title": f"Mô hình số {model_id}", "field": "quoc_phong_an_ninh",
            "status": "returned", "late": False, "occurred_at": "2026-02-03T02:00:00+00:00", "actor_role": "vhxh",
            "reason": "Bổ sung chỉ tiêu đo lường được."}
    data.update(change)
    # one key for all, so on Kafka they share a partition and arrive in the order published
    return CloudEvent(type=RETURNED, source="/wards/minh-xuan/registration", subject="12", ward="minh-xuan",
                      data={k: v for k, v in data.items() if v is not None})


def count(app, model, *where) -> int:
    with app.extensions["dvk_db"].transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def all_deliveries(app) -> list[Delivery]:
    with app.extensions["dvk_db"].transaction() as session:
        return session.scalars(select(Delivery)).all()


def test_every_type_notify_handles_has_a_contract_to_check_against():
    assert set(KNOWN_TYPES) <= set(load_schemas())


def test_an_event_missing_a_required_field_goes_to_the_dlq_between_two_good_ones(
        kit, make_service, bus_config, notify_config, smtp_server, webhook_server):
    # with this backoff, retrying the bad event would cost 5 + 10 s; refused, it is dead-lettered at once
    app = make_service("notify", "postgresql", **bus_config, **notify_config,
                       CONSUMER_MAX_ATTEMPTS=3, CONSUMER_RETRY_BACKOFF=5.0)
    client = app.test_client()
    assert client.post("/webhook-subscribers", headers=bearer(app, "admin"), json={
        "name": "Đảng ủy phường", "url": webhook_server.url + "/ok", "secret": "bi-mat-cua-dang-uy-phuong-2026"}).status_code == 201
    first = returned(7)
    bad = returned(8, reason=None, title=None)  # a producer bug: the mail would read "Mô hình “” ... Lý do: "
    # a newer producer of the same .v1 type: an extra field and a widened enum still pass
    last = returned(9, field="moi_truong", district_code="HM")
    bus = bus_for(bus_config)
    try:
        kit.publish(app, bus, first, bad, last)
        started = time.monotonic()
        outcome = kit.consume(app, 3, timeout=30)
        assert time.monotonic() - started < 15, "the invalid event was retried"
        assert (outcome.handled, outcome.dead_lettered, outcome.duplicates, outcome.ignored) == (2, 1, 0, 0)

        topic = topic_name(app.config, "registration")
        [dead] = read_topic(bus, dlq_topic(topic), 1)
    finally:
        bus.close()
    error = dead.header("dvk_error").decode()
    assert error.startswith(f"InvalidEvent: {RETURNED} breaks its contract: ")
    assert "'reason' is a required property" in error and "'title' is a required property" in error
    assert dead.header("ce_id").decode() == bad.id and json.loads(dead.value) == bad.data  # kept verbatim
    assert dead.header("dvk_original_topic").decode() == topic

    # nothing of the refused event anywhere: no inbox row, no delivery, no read-model row, not marked handled
    assert count(app, InboxMessage, InboxMessage.event_id == bad.id) == 0
    assert count(app, Delivery, Delivery.event_id == bad.id) == 0
    assert count(app, UnitSubmission, UnitSubmission.item_id == 8) == 0
    assert count(app, inbox_events, inbox_events.c.event_id == bad.id) == 0
    # the two good ones, before and after it, reach the unit's officer (inbox and mail) and the subscriber
    assert {(d.event_id, d.channel) for d in all_deliveries(app)} == {
        (e.id, channel) for e in (first, last) for channel in ("inbox", "email", "webhook")}
    dispatch_due(app)
    dispatch_due(app, datetime.now(UTC) + timedelta(days=400))
    assert sorted(mail["Subject"] for _, mail in smtp_server.received) == [
        "Mô hình “Mô hình số 7” được trả lại để chỉnh sửa", "Mô hình “Mô hình số 9” được trả lại để chỉnh sửa"]
    assert sorted(json.loads(p["body"])["id"] for p in webhook_server.posts("/ok")) == sorted([first.id, last.id])
    inbox = client.get("/inbox", headers=bearer(app, "don_vi", 12, user_id="tdp1-tam")).get_json()
    assert inbox["total"] == 2


@pytest.mark.parametrize(("change", "named"), [
    ({"unit_id": None}, "'unit_id' is a required property"),
    ({"unit_id": "12"}, "unit_id: '12' is not of type 'integer'"),
    ({"status": "accepted"}, "status: 'returned' was expected"),
])
def test_the_handler_refuses_a_broken_payload_before_touching_anything(kit, notify, change, named):
    with pytest.raises(InvalidEvent, match=named):
        kit.handle(notify, returned(8, **change))
    assert count(notify, InboxMessage) == 0 and count(notify, Delivery) == 0 and count(notify, UnitSubmission) == 0
