"""Benchmark 4, notify's consumer: model-submitted events already on the topic, read by `dvk-worker consume
notify` (contract check, read model, recipients, inbox rows and deliveries, the inbox row of the event, one
transaction per event), against a bare consumer loop reading the same events (bare_consumer.py: the platform's
Kafka consumer, each record decoded, offsets committed, no database); interleaved runs, ratio per pair."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from common import BIN, Process, median, profile_by_package, service_env
from lag import RECIPIENTS
from relay import SOURCE
from sqlalchemy import select
from wards import load_outbox, outbox_rows, pg_dsn

from dvk_platform.bus import Message
from dvk_platform.bus.kafka import KafkaBus
from dvk_platform.db import Database
from dvk_platform.migrations import upgrade
from dvk_platform.relay import OUTBOX_COLUMNS, outbox_row_to_message
from dvk_platform.tables import outbox_messages
from dvk_testing.recipients import publish_users

HERE = Path(__file__).resolve().parent
MODEL_SUBMITTED = "vn.dvk.registration.model-submitted.v1"


def _messages(servers: Any, count: int) -> list[Message]:
    """The events registration's relay sends for `count` submissions, built by the relay's own functions."""
    url = servers.databases.create("bench_consumer_source")
    upgrade("registration", url)
    load_outbox(url, outbox_rows(count))
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(select(*OUTBOX_COLUMNS).order_by(outbox_messages.c.seq)).all()
    finally:
        db.dispose()
    return [outbox_row_to_message(row, SOURCE, "minh-xuan") for row in rows]


def _publish(bootstrap: str, messages: list[Message]) -> tuple[str, str]:
    prefix = f"bc{uuid.uuid4().hex[:8]}."
    topic = f"{prefix}dvk.registration"
    bus = KafkaBus(bootstrap, client_id="bench-consumer-load")
    try:
        bus.ensure_topics([f"{prefix}dvk.{s}" for s in ("registration", "reporting", "awards", "gateway")])
        assert bus.publish(topic, messages) == len(messages)
        publish_users(bus, {"TOPIC_PREFIX": prefix}, RECIPIENTS)  # who works in the ward, as the gateway tells notify
    finally:
        bus.close()
    return prefix, topic


def _notify_run(servers: Any, messages: list[Message], logs: Path, profile_seconds: float) -> dict[str, Any]:
    # The ward's accounts first, handled before the model events are published: notify must know who Phòng VH-XH is
    # before it is told of a submission (as in production, where accounts exist long before), else the consumer,
    # reading the topics' partitions in no set order, may handle the submissions with no one to tell.
    prefix = f"bc{uuid.uuid4().hex[:8]}."
    bus = KafkaBus(servers.kafka_bootstrap, client_id="bench-consumer-load")
    url = servers.databases.create("bench_consumer_notify")
    upgrade("notify", url)
    env = service_env(url, servers.kafka_bootstrap, prefix)
    worker = Process(f"bench4-notify-consumer-{prefix.rstrip('.')}", [str(BIN / "dvk-worker"), "consume", "notify"], env, logs)
    profile: list[Any] = []
    count = 0
    sampler: threading.Thread | None = None
    try:
        bus.ensure_topics([f"{prefix}dvk.{s}" for s in ("registration", "reporting", "awards", "gateway")])
        publish_users(bus, {"TOPIC_PREFIX": prefix}, RECIPIENTS)  # who works in the ward, as the gateway tells notify
        with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and worker.alive():
                if conn.execute("SELECT count(*) FROM inbox_events").fetchone()[0] >= len(RECIPIENTS):
                    break
                time.sleep(0.2)
            assert bus.publish(f"{prefix}dvk.registration", messages) == len(messages)
            while time.monotonic() < deadline:
                count = conn.execute("SELECT count(*) FROM inbox_events WHERE event_type = %s", (MODEL_SUBMITTED,)).fetchone()[0]
                if count >= len(messages) or not worker.alive():
                    break
                if profile_seconds and count and sampler is None:
                    # profiled once it handles events, not while it starts (imports, joining the group)
                    sampler = threading.Thread(target=lambda: profile.append(profile_by_package(worker.pid, profile_seconds)),
                                               daemon=True)
                    sampler.start()
                time.sleep(0.2)
            first, last = conn.execute("SELECT min(received_at), max(received_at) FROM inbox_events WHERE event_type = %s",
                                       (MODEL_SUBMITTED,)).fetchone()
            inbox_rows = conn.execute("SELECT count(*) FROM inbox_messages").fetchone()[0]
        if sampler is not None:
            sampler.join(profile_seconds + 30)
    finally:
        bus.close()
        worker.stop()
    seconds = (last - first).total_seconds() if first and last else 0
    return {"target": "notify", "events": count, "seconds": seconds, "rate": (count - 1) / seconds if seconds else 0,
            "inbox_rows": inbox_rows, "profile": profile[0] if profile else None}


def _bare_run(servers: Any, messages: list[Message]) -> dict[str, Any]:
    prefix, topic = _publish(servers.kafka_bootstrap, messages)
    done = subprocess.run([sys.executable, str(HERE / "bare_consumer.py"), servers.kafka_bootstrap,
                           f"{prefix}bare", topic, str(len(messages))],
                          capture_output=True, text=True, timeout=600, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = out["last"] - out["first"]
    return {"target": "bare", "events": out["read"], "seconds": seconds,
            "rate": (out["read"] - 1) / seconds if seconds else 0}


def run(servers: Any, work: Path, *, events: int, rounds: int, profile_seconds: float = 0) -> dict[str, Any]:
    messages = _messages(servers, events)
    runs: list[dict[str, Any]] = []
    for r in range(rounds):
        for target in (["notify", "bare"] if r % 2 == 0 else ["bare", "notify"]):
            if target == "notify":
                runs.append({"round": r, **_notify_run(servers, messages, work / "logs", profile_seconds if r == 0 else 0)})
            else:
                runs.append({"round": r, **_bare_run(servers, messages)})
    bare = {x["round"]: x["rate"] for x in runs if x["target"] == "bare"}
    mine = [x for x in runs if x["target"] == "notify"]
    ratios = [x["rate"] / bare[x["round"]] for x in mine if bare.get(x["round"])]
    return {
        "runs": runs,
        "events": events,
        "notify_rate": median([x["rate"] for x in mine]),
        "bare_rate": median(list(bare.values())),
        "ratios": ratios,
        "ratio": median(ratios) if ratios else 0,
        "all_handled": all(x["events"] == events for x in runs),
        "inbox_rows_per_event": mine[0]["inbox_rows"] / events if mine and events else 0,
        "profile": next((x["profile"] for x in mine if x.get("profile")), None),
    }
