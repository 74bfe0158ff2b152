"""Incoming events are checked against their contract: a payload missing a required property (or with one of the
wrong type) goes straight to the DLQ, without retries and without effects, and the consumer keeps going; what a
newer `.v1` producer may add or loosen still passes."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select

from dvk_core.contracts import PayloadChecker, breaking_changes, load_schemas, load_snapshot
from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Message, dlq_topic
from dvk_platform.config import topic_name
from dvk_platform.consumer import ConsumerRunner, InvalidEvent, contract_checked
from dvk_platform.tables import inbox_events
from dvk_testing import wait_until
from dvk_testing.plugin import bus_for, read_topic

UNIT_UPDATED = "vn.dvk.registration.unit-updated.v1"
SUBMITTED = "vn.dvk.registration.model-submitted.v1"
UNCONTRACTED = "vn.dvk.registration.test-only-thing.v1"  # handled here, but no schema in contracts/events/


def example(event_type: str) -> dict[str, Any]:
    return copy.deepcopy(load_schemas()[event_type]["examples"][0])


class CountingChecker(PayloadChecker):
    def __init__(self) -> None:
        super().__init__()
        self.checked: list[str] = []

    def problems(self, event_type: str, data: Any, limit: int = 10) -> list[str]:
        self.checked.append(data.get("unit_id") if isinstance(data, dict) else None)
        return super().problems(event_type, data, limit)


def test_an_invalid_payload_is_dead_lettered_at_once_and_the_consumer_goes_on(make_service, database_kind, bus_config):
    app = make_service("registration", database_kind, **bus_config)
    db = app.extensions["dvk_db"]
    effects = Table("effects", MetaData(), Column("event_id", String(64), primary_key=True))
    effects.create(db.engine)
    topic = topic_name(app.config, "registration")

    def record_effect(session, event: CloudEvent) -> None:
        session.execute(insert(effects).values(event_id=event.id))

    def event(event_type: str, data: dict[str, Any]) -> CloudEvent:
        return CloudEvent(type=event_type, source="/wards/minh-xuan/registration", subject="7", ward="minh-xuan", data=data)

    good = event(UNIT_UPDATED, {**example(UNIT_UPDATED), "unit_id": 1})
    missing_name = event(UNIT_UPDATED, {k: v for k, v in example(UNIT_UPDATED).items() if k != "name"} | {"unit_id": 2})
    retyped = event(UNIT_UPDATED, {**example(UNIT_UPDATED), "unit_id": 3, "active": "yes"})
    # a newer producer: a property it added (nested too) and a widened enum pass the check
    newer = event(UNIT_UPDATED, {**example(UNIT_UPDATED), "unit_id": 4, "kind": "khu_pho_moi", "contact": {"phone": "0243"}})
    uncontracted = event(UNCONTRACTED, {"anything": True})  # no schema: handled unchecked
    unknown = event("vn.dvk.registration.model-archived.v9", {})  # no handler: ignored, as before
    later = event(UNIT_UPDATED, {**example(UNIT_UPDATED), "unit_id": 5})
    sent = [good, missing_name, retyped, newer, uncontracted, unknown, later]
    bus = bus_for(bus_config)
    bus.ensure_topics([topic, dlq_topic(topic)])
    assert bus.publish(topic, [Message(e.key.encode(), e.value(), e.headers()) for e in sent]) == len(sent)

    checker = CountingChecker()
    runner = ConsumerRunner(db, bus, group="contract-test", topics=[topic], max_attempts=3, retry_backoff=0.01,
                            handlers=contract_checked({UNIT_UPDATED: record_effect, UNCONTRACTED: record_effect}, checker))
    try:
        assert wait_until(lambda: (runner.run_once(0.5), runner.outcome.handled)[1] >= 4, 60, interval=0)
        dead = read_topic(bus, dlq_topic(topic), 2)
    finally:
        runner.close()
        bus.close()
    assert (runner.outcome.handled, runner.outcome.dead_lettered, runner.outcome.ignored) == (4, 2, 1)
    assert checker.checked == [1, 2, 3, 4, None, 5]  # each checked once: the invalid ones were not retried

    assert [r.header("ce_id").decode() for r in dead] == [missing_name.id, retyped.id]
    errors = [r.header("dvk_error").decode() for r in dead]
    assert errors[0] == f"InvalidEvent: {UNIT_UPDATED} breaks its contract: 'name' is a required property"
    assert errors[1] == f"InvalidEvent: {UNIT_UPDATED} breaks its contract: active: 'yes' is not of type 'boolean'"
    assert [json.loads(r.value) for r in dead] == [missing_name.data, retyped.data]  # verbatim
    with db.transaction() as session:
        assert set(session.scalars(select(effects.c.event_id))) == {good.id, newer.id, uncontracted.id, later.id}
        refused = session.scalar(select(func.count()).select_from(inbox_events)
                                 .where(inbox_events.c.event_id.in_([missing_name.id, retyped.id])))
    assert refused == 0


def test_a_handler_raising_invalid_event_is_dead_lettered_without_retries(make_service, bus_config):
    app = make_service("registration", "sqlite", **bus_config)
    topic = topic_name(app.config, "registration")
    calls: list[str] = []

    def refuse(session, event: CloudEvent) -> None:
        calls.append(event.id)
        raise InvalidEvent("năm ngoài kỳ đăng ký")

    e = CloudEvent(type=UNIT_UPDATED, source="/wards/minh-xuan/registration", subject="7", ward="minh-xuan", data={})
    bus = bus_for(bus_config)
    bus.ensure_topics([topic, dlq_topic(topic)])
    bus.publish(topic, [Message(e.key.encode(), e.value(), e.headers())])
    runner = ConsumerRunner(app.extensions["dvk_db"], bus, group="refuse-test", topics=[topic], handlers={UNIT_UPDATED: refuse},
                            max_attempts=5, retry_backoff=0.01)
    try:
        assert wait_until(lambda: (runner.run_once(0.5), runner.outcome.dead_lettered)[1] == 1, 60, interval=0)
        [dead] = read_topic(bus, dlq_topic(topic), 1)
    finally:
        runner.close()
        bus.close()
    assert calls == [e.id]
    assert dead.header("dvk_error").decode() == "InvalidEvent: năm ngoài kỳ đăng ký"


# ----------------------------------------------------------------------------- the check itself, no servers

@pytest.fixture(scope="module")
def checker() -> PayloadChecker:
    return PayloadChecker()


def test_every_example_of_the_contract_passes(checker):
    for event_type, schema in load_schemas().items():
        for sample in schema["examples"]:
            assert checker.problems(event_type, sample) == [], event_type


def test_every_property_the_snapshot_promises_as_required_is_checked(checker):
    promised = load_snapshot()
    for event_type, schema in promised.items():
        for name in schema.get("required", []):
            data = example(event_type)
            del data[name]
            assert checker.problems(event_type, data) == [f"'{name}' is a required property"], (event_type, name)


def test_types_and_consts_are_checked_nested_too(checker):
    figures = "vn.dvk.reporting.target-figures-updated.v1"
    data = example(figures)
    data["figures"]["files_received"] = "mười"
    data["figures"].pop("files_on_time")
    assert checker.problems(figures, data) == ["figures/files_received: 'mười' is not of type 'integer'",
                                               "figures: 'files_on_time' is a required property"]
    returned = example("vn.dvk.registration.model-returned.v1")
    assert checker.problems("vn.dvk.registration.model-returned.v1", {**returned, "status": "accepted"}) == [
        "status: 'returned' was expected"]
    assert checker.problems(SUBMITTED, ["not", "an", "object"]) == ["['not', 'an', 'object'] is not of type 'object'"]


def test_what_the_evolution_rules_let_a_newer_producer_loosen_still_passes(checker):
    """Each change below is additive for `breaking_changes`, so an event of a newer `.v1` producer using it must pass."""
    promised = load_snapshot()
    newer = copy.deepcopy(promised)
    props = newer[SUBMITTED]["properties"]
    props["field"]["enum"].append("moi_truong")            # a widened enum
    props["district_code"] = {"type": "string"}             # a new optional property
    loosened = {}
    for event_type, schema in newer.items():                 # every lower bound and pattern dropped
        for name, prop in schema.get("properties", {}).items():
            for key in ("minimum", "minLength", "pattern", "format"):
                if key in prop:
                    loosened.setdefault(event_type, {})[name] = key
                    del prop[key]
    assert breaking_changes(promised, newer) == []
    assert loosened, "the contract has bounds and patterns to loosen"

    assert checker.problems(SUBMITTED, {**example(SUBMITTED), "field": "moi_truong", "district_code": "HM",
                                        "nested_later": {"a": [1, 2]}}) == []
    for event_type, names in loosened.items():
        data = example(event_type)
        for name, key in names.items():
            if name in data and data[name] is not None:
                data[name] = {"minimum": -1, "minLength": ""}.get(key, "không khớp mẫu" if isinstance(data[name], str) else data[name])
        assert checker.problems(event_type, data) == [], (event_type, data)
