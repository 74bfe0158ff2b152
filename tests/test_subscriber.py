"""The reference subscriber `dvk-subscribe`: filters by ward and type, checks the contract, writes JSON lines or
POSTs, commits only what it handed on, and after a SIGKILL resumes from its committed offsets on real Kafka."""
from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from standardwebhooks import Webhook

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent
from dvk_core.webhooks import standard_form
from dvk_platform.bus import Message, create_bus
from dvk_subscriber import Filters, HttpSink, LineSink, Subscriber, default_topics, embedded_source

ROOT = Path(__file__).resolve().parents[1]
WARDS = ("minh-xuan", "an-phu")
KEEP_TYPES = ("vn.dvk.registration.*", "vn.dvk.reporting.report-*")


def example_event(event_type: str, ward: str, subject: str, **changes) -> CloudEvent:
    """A contract-valid event of this type (its schema's example), from this ward."""
    data = {**load_schemas()[event_type]["examples"][0], **changes}
    service = event_type.split(".")[2]
    return CloudEvent(type=event_type, source=f"/wards/{ward}/{service}", subject=subject, ward=ward, data=data)


def message(event: CloudEvent) -> Message:
    return Message(event.key.encode(), event.value(), event.headers())


def publish_mix(bus, prefix: str) -> tuple[set[str], set[str]]:
    """Events of three wards and several types, two contract-breaking ones and one that is no CloudEvent.
    Returns (ids the subscriber must hand on, ids it must report as invalid)."""
    wanted: set[str] = set()
    invalid: set[str] = set()
    by_topic: dict[str, list[Message]] = {}

    def put(event: CloudEvent, keep: bool) -> None:
        by_topic.setdefault(f"{prefix}dvk.{event.type.split('.')[2]}", []).append(message(event))
        if keep:
            wanted.add(event.id)

    for n in range(1, 9):
        for ward in (*WARDS, "thuy-phuong"):
            keep = ward in WARDS
            put(example_event("vn.dvk.registration.model-submitted.v1", ward, str(n), model_id=n, unit_id=n), keep)
            put(example_event("vn.dvk.reporting.report-submitted.v1", ward, str(100 + n), report_id=100 + n, unit_id=n), keep)
            put(example_event("vn.dvk.awards.award-decided.v1", ward, str(200 + n), nomination_id=200 + n), False)
        put(example_event("vn.dvk.registration.unit-created.v1", WARDS[n % 2], str(n), unit_id=n), True)
    for n in (1, 2):  # a producer bug: unit_id as text breaks the contract
        bad = example_event("vn.dvk.registration.model-accepted.v1", "minh-xuan", str(50 + n), unit_id="mười hai")
        put(bad, False)
        invalid.add(bad.id)
    by_topic[f"{prefix}dvk.registration"].append(Message(b"x", b"not json", []))
    for topic, messages in by_topic.items():
        assert bus.publish(topic, messages) == len(messages)
    return wanted, invalid


def test_filters_validation_and_lines_on_the_embedded_log(tmp_path):
    bus = create_bus({"BUS": "embedded", "EMBEDDED_BUS_PATH": str(tmp_path / "bus.db"), "KAFKA_PARTITIONS": 1})
    wanted, invalid = publish_mix(bus, "")
    out, err = io.StringIO(), io.StringIO()
    subscriber = Subscriber(embedded_source(str(tmp_path / "bus.db"), "tinh", default_topics()), LineSink(out),
                            Filters(WARDS, KEEP_TYPES), batch_size=7, err=err)
    stats = subscriber.run(stop_after_idle=0.3, poll_timeout=0.1)
    subscriber.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [doc["id"] for doc in lines if doc["id"] in wanted] == [doc["id"] for doc in lines]
    assert {doc["id"] for doc in lines} == wanted and len(lines) == len(wanted)
    assert {doc["ward"] for doc in lines} == set(WARDS)
    assert all(doc["specversion"] == "1.0" and doc["datacontenttype"] == "application/json" for doc in lines)
    reported = [json.loads(line) for line in err.getvalue().splitlines()]
    assert {r.get("event_id") for r in reported if r["subscriber"] == "invalid"} == invalid | {None}
    assert stats.invalid == 3 and stats.delivered == len(wanted)
    assert stats.filtered == stats.received - stats.delivered - stats.invalid == 8 * 3 + 8 * 2 * 1


class Receiver:
    """An HTTP endpoint of a provincial system: fails the first `failures` calls with 503, then accepts."""

    def __init__(self, failures: int = 0, refuse_ids: frozenset[str] = frozenset()) -> None:
        self.failures = failures
        self.refuse_ids = refuse_ids
        self.received: list[tuple[dict, str, bytes]] = []
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                doc = json.loads(body)
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(503)
                elif doc["id"] in receiver.refuse_ids:
                    self.send_response(422)
                else:
                    receiver.received.append((doc, {k.lower(): v for k, v in self.headers.items()}, body))
                    self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/su-kien"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _embedded_with(tmp_path, events: list[CloudEvent]) -> str:
    path = str(tmp_path / "bus.db")
    create_bus({"BUS": "embedded", "EMBEDDED_BUS_PATH": path}).publish("dvk.registration", [message(e) for e in events])
    return path


def test_post_retries_until_accepted_signs_each_body_and_commits_only_after(tmp_path):
    events = [example_event("vn.dvk.registration.unit-created.v1", "minh-xuan", str(n), unit_id=n) for n in range(1, 6)]
    refused = events[3]
    path = _embedded_with(tmp_path, events)
    receiver = Receiver(failures=3, refuse_ids=frozenset({refused.id}))
    err = io.StringIO()
    try:
        sink = HttpSink(receiver.url, secrets=["bi-mat-cua-tinh-2026"], backoff=0.01, max_backoff=0.05, err=err)
        subscriber = Subscriber(embedded_source(path, "tinh-http", ["dvk.registration"]), sink, err=err)
        stats = subscriber.run(stop_after_idle=0.3, poll_timeout=0.1)
        subscriber.close()
    finally:
        receiver.close()
    assert [doc["id"] for doc, _, _ in receiver.received] == [e.id for e in events if e is not refused]
    checker = Webhook(standard_form("bi-mat-cua-tinh-2026"))  # the Standard Webhooks library's own check
    for doc, headers, body in receiver.received:
        assert headers["webhook-id"] == doc["id"]
        checker.verify(body, headers, json_parse=False)
    assert receiver.calls == 3 + 5  # three 503s retried on the first event, then one call each
    assert stats.refused == 1 and stats.delivered == 4
    # everything answered for good is committed: the group has nothing left
    again = Subscriber(embedded_source(path, "tinh-http", ["dvk.registration"]), LineSink(io.StringIO()))
    assert again.run_once(0.2) == 0
    again.close()


def test_an_endpoint_that_stays_down_gets_nothing_committed(tmp_path):
    events = [example_event("vn.dvk.registration.unit-created.v1", "an-phu", str(n), unit_id=n) for n in range(1, 4)]
    path = _embedded_with(tmp_path, events)
    receiver = Receiver(failures=10_000)
    stopping = threading.Event()
    try:
        sink = HttpSink(receiver.url, backoff=0.01, max_backoff=0.02, stopping=stopping, err=io.StringIO())
        subscriber = Subscriber(embedded_source(path, "tinh-down", ["dvk.registration"]), sink, err=io.StringIO())
        subscriber.stopping = stopping
        threading.Timer(0.3, stopping.set).start()
        stats = subscriber.run(poll_timeout=0.1)
        subscriber.close()
    finally:
        receiver.close()
    assert receiver.calls > 3 and stats.delivered == 0
    out = io.StringIO()
    later = Subscriber(embedded_source(path, "tinh-down", ["dvk.registration"]), LineSink(out))
    later.run(stop_after_idle=0.2, poll_timeout=0.1)
    later.close()
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [e.id for e in events]


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dvk_subscriber", *args]


def test_command_on_the_embedded_log_resumes_where_it_stopped(tmp_path):
    first = [example_event("vn.dvk.reporting.report-submitted.v1", "minh-xuan", str(n), report_id=n) for n in range(3)]
    path = str(tmp_path / "bus.db")
    bus = create_bus({"BUS": "embedded", "EMBEDDED_BUS_PATH": path})
    bus.publish("dvk.reporting", [message(e) for e in first])
    args = command("--embedded", path, "--group", "dang-uy", "--ward", "minh-xuan", "--stop-after-idle", "0.5")
    one = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    assert [json.loads(line)["id"] for line in one.stdout.splitlines()] == [e.id for e in first]
    later = example_event("vn.dvk.reporting.report-accepted.v1", "minh-xuan", "9", report_id=9)
    bus.publish("dvk.reporting", [message(later)])
    two = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    assert [json.loads(line)["id"] for line in two.stdout.splitlines()] == [later.id]
    assert json.loads(two.stderr.splitlines()[-1]) == {"subscriber": "stopped", "received": 1, "delivered": 1, "filtered": 0,
                                                       "invalid": 0, "refused": 0, "committed_batches": 1}


class Lines:
    """stdout and stderr of a subscriber process, read in threads."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self._threads = [threading.Thread(target=self._pump, args=(process.stdout, self.out.put), daemon=True),
                         threading.Thread(target=self._pump, args=(process.stderr, self.err.append), daemon=True)]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(stream, put) -> None:
        for line in stream:
            put(line)

    def take(self, until, timeout: float = 60.0) -> list[dict]:
        """Events read until `until(events)` holds."""
        events: list[dict] = []
        deadline = time.monotonic() + timeout
        while not until(events):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"subscriber stalled after {len(events)} events; stderr: {''.join(self.err)[-2000:]}"
            try:
                events.append(json.loads(self.out.get(timeout=remaining)))
            except queue.Empty:
                continue
        return events

    def rest(self) -> list[dict]:
        """What the process wrote before it ended (call after it ended)."""
        self.process.wait(30)
        for t in self._threads:
            t.join(10)
        self.process.stdout.close()
        self.process.stderr.close()
        events = []
        while not self.out.empty():
            events.append(json.loads(self.out.get()))
        return events


def committed_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        offsets = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if isinstance(tp, TopicPartition)}


def end_offsets(bootstrap: str, prefix: str) -> dict[tuple[str, int], int]:
    """The end of every partition that holds records: where a group that read everything has committed."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = [TopicPartition(t, p) for t in default_topics(prefix) for p in consumer.partitions_for_topic(t) or []]
        return {(tp.topic, tp.partition): end for tp, end in consumer.end_offsets(partitions).items() if end > 0}
    finally:
        consumer.close()


def position(doc: dict) -> tuple[str, int]:
    return (doc["dvktopic"], doc["dvkpartition"])


@pytest.mark.slow
def test_killed_and_restarted_on_kafka_it_loses_and_repeats_nothing_committed(kafka_server, topic_prefix):
    bus = create_bus({"BUS": "kafka", "KAFKA_BOOTSTRAP": kafka_server.bootstrap, "KAFKA_PARTITIONS": 3})
    bus.ensure_topics(default_topics(topic_prefix))
    wanted, invalid = publish_mix(bus, topic_prefix)
    bus.close()
    group = f"{topic_prefix}tinh-{uuid.uuid4().hex[:6]}"
    args = command("--bootstrap", kafka_server.bootstrap, "--group", group, "--topic-prefix", topic_prefix,
                   "--ward", WARDS[0], "--ward", WARDS[1], "--type", KEEP_TYPES[0], "--type", KEEP_TYPES[1],
                   "--batch-size", "4", "--instance-id", "tinh-1", "--session-timeout-ms", "6000")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    first = Lines(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    seen = first.take(lambda events: len(events) >= 13)
    first.process.send_signal(signal.SIGKILL)
    run1 = seen + first.rest()
    committed = committed_offsets(kafka_server.bootstrap, group)
    assert committed, "the first run committed nothing before it was killed"

    def is_committed(doc: dict) -> bool:
        return doc["dvkoffset"] < committed.get(position(doc), 0)

    run1_committed = [d for d in run1 if is_committed(d)]
    run1_after_commit = [d for d in run1 if not is_committed(d)]
    # a batch is 4 records: all lines of the batches before the one holding the 13th line were committed
    assert len(run1_committed) >= 13 - 4

    # the restart runs until the topics have been quiet for 2 s, so it reaches the end of every partition
    second = Lines(subprocess.Popen([*args, "--stop-after-idle", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env))
    run2 = second.rest()
    assert second.process.returncode == 0, "".join(second.err)[-3000:]
    assert committed_offsets(kafka_server.bootstrap, group) == end_offsets(kafka_server.bootstrap, topic_prefix)

    ids1, ids2 = [d["id"] for d in run1], [d["id"] for d in run2]
    assert len(ids1) == len(set(ids1)) and len(ids2) == len(set(ids2)), "an event was written twice within one run"
    # nothing committed is handed on again, nothing is lost, nothing filtered or invalid slips through
    assert not {d["id"] for d in run1_committed} & set(ids2), (committed, [(d["dvktopic"], d["dvkpartition"], d["dvkoffset"]) for d in run2])
    assert set(ids1) | set(ids2) == wanted
    assert set(ids2) == wanted - {d["id"] for d in run1_committed}
    # what was written after the last commit is exactly what is written again (receivers dedupe by id)
    assert {d["id"] for d in run1_after_commit} <= set(ids2)
    non_json = [line for line in first.err + second.err if not line.startswith("{")]
    assert not non_json, non_json
    reported = [json.loads(line) for line in first.err + second.err]
    assert {r["event_id"] for r in reported if r["subscriber"] == "invalid" and "event_id" in r} == invalid
