"""Benchmark 2, relay: 50,000 outbox rows published to Kafka by dvk_platform.relay.Relay (read a batch, build
the CloudEvents, publish, mark the rows published), against kafka-python's producer, made with the platform's
own settings (KafkaBus), sending the same keys, values and headers; interleaved runs, ratios per pair."""
from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
from common import WARD, median
from sqlalchemy import select
from wards import load_outbox, outbox_rows, pg_dsn

from dvk_platform.bus.kafka import KafkaBus
from dvk_platform.db import Database
from dvk_platform.migrations import upgrade
from dvk_platform.relay import OUTBOX_COLUMNS, Relay, outbox_row_to_message
from dvk_platform.tables import outbox_messages

SOURCE = f"/wards/{WARD}/registration"


def _relay_run(url: str, bootstrap: str, topic: str, rows: list[tuple[Any, ...]], batch_size: int) -> dict[str, Any]:
    load_outbox(url, rows)
    db = Database(url)
    bus = KafkaBus(bootstrap, client_id="bench-relay")
    relay = Relay(db, bus, service="registration", topic=topic, source=SOURCE, ward=WARD, batch_size=batch_size)
    try:
        bus.ensure_topics([topic])
        bus.publish(topic, [])  # connect the producer before the clock starts, as a running relay has
        started = time.perf_counter()
        published = 0
        while True:
            done = relay.publish_pending()
            if done == 0:
                break
            published += done
        seconds = time.perf_counter() - started
    finally:
        bus.close()
        db.dispose()
    with psycopg.connect(pg_dsn(url)) as conn:
        left = conn.execute("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL").fetchone()[0]
    return {"target": "relay", "messages": published, "seconds": seconds, "rate": published / seconds, "left": left}


def _producer_run(url: str, bootstrap: str, topic: str, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    # The same messages the relay sends: the rows loaded into the outbox, read back and built by the relay's own
    # functions before the clock starts, so only the producer is timed.
    load_outbox(url, rows)
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            read = conn.execute(select(*OUTBOX_COLUMNS).order_by(outbox_messages.c.seq)).all()
    finally:
        db.dispose()
    messages = [(m.key, m.value, m.headers) for m in (outbox_row_to_message(row, SOURCE, WARD) for row in read)]
    bus = KafkaBus(bootstrap, client_id="bench-producer")
    producer = bus._get_producer()  # noqa: SLF001 - exactly the relay's producer settings
    try:
        producer.send(topic, key=b"warm", value=b"{}").get(timeout=30)
        started = time.perf_counter()
        futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in messages]
        producer.flush(timeout=120)
        seconds = time.perf_counter() - started
        failed = sum(1 for f in futures if not f.succeeded())
    finally:
        bus.close()
    return {"target": "producer", "messages": len(messages) - failed, "seconds": seconds,
            "rate": (len(messages) - failed) / seconds, "left": failed}


def run(servers: Any, *, messages: int, rounds: int, batch_sizes: list[int], topic_prefix: str) -> dict[str, Any]:
    """The relay at each batch size (the first is the platform's default) and the raw producer, interleaved."""
    url = servers.databases.create("bench_relay")
    upgrade("registration", url)
    targets = [*(f"relay-{b}" for b in batch_sizes), "producer"]
    runs: list[dict[str, Any]] = []
    for r in range(rounds):
        shift = r % len(targets)
        for target in targets[shift:] + targets[:shift]:
            # a fresh topic per run, so that every run starts from empty partitions
            topic = f"{topic_prefix}dvk.registration.{uuid.uuid4().hex[:6]}"
            fresh = outbox_rows(messages)
            if target == "producer":
                KafkaBus(servers.kafka_bootstrap).ensure_topics([topic])
                runs.append({"round": r, **_producer_run(url, servers.kafka_bootstrap, topic, fresh)})
            else:
                batch = int(target.split("-")[1])
                runs.append({"round": r, **_relay_run(url, servers.kafka_bootstrap, topic, fresh, batch),
                             "target": target, "batch_size": batch})
    raw = {x["round"]: x["rate"] for x in runs if x["target"] == "producer"}
    by_batch: dict[int, dict[str, Any]] = {}
    for batch in batch_sizes:
        mine = [x for x in runs if x["target"] == f"relay-{batch}"]
        ratios = [x["rate"] / raw[x["round"]] for x in mine]
        by_batch[batch] = {"rate": median([x["rate"] for x in mine]), "ratios": ratios, "ratio": median(ratios)}
    return {
        "runs": runs,
        "producer_rate": median(list(raw.values())),
        "by_batch": by_batch,
        "default_batch": batch_sizes[0],
        "all_published": all(x["left"] == 0 and x["messages"] == messages for x in runs),
        "messages": messages,
    }
