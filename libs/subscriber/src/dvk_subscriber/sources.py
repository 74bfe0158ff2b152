"""Where the subscriber's records come from: the province's Kafka (one consumer group, a pattern over the wards'
topics) or the embedded log of `make run`."""
from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from dvk_core.records import BusError, Record

TOPIC_SERVICES = ("registration", "reporting", "awards", "notify")


class Source(Protocol):
    """Where records come from: poll a batch, commit positions just past records, close."""

    def poll(self, timeout: float, max_records: int = 100) -> list[Record]: ...

    def commit(self, records: Sequence[Record]) -> None: ...

    def close(self) -> None: ...


class Unreachable(BusError):
    """The Kafka bootstrap servers did not answer within the connection timeout."""

    def __init__(self, bootstrap: str, timeout: float) -> None:
        super().__init__(
            f"Không kết nối được Kafka tại {bootstrap} trong {timeout:g} giây: kiểm tra địa chỉ --bootstrap, cổng và "
            f"tường lửa. / Cannot reach Kafka at {bootstrap} within {timeout:g} s: check --bootstrap, the port and the "
            "firewall."
        )
        self.bootstrap = bootstrap
        self.timeout = timeout


def topic_pattern(topics: Sequence[str]) -> str:
    return "^(?:" + "|".join(re.escape(t) for t in topics) + ")$"


def existing_topics(consumer: Any) -> set[str]:
    """The topics the cluster has, by one metadata request for all topics (which never creates one)."""
    return set(consumer.topics())


class KafkaSource:
    """A member of a Kafka consumer group, offsets committed by hand. `instance_id` makes it a static member:
    a restarted subscriber with the same id takes its partitions back at once instead of after a rebalance.

    It never causes a topic to be created: the topics are subscribed to by pattern, so a topic its owner has not
    created yet is simply not read until it exists (`missing` lists them). `start` moves an existing group:
    "beginning", or a datetime (the first record at or after it); None keeps the committed offsets. A bootstrap
    that does not answer within `connect_timeout` seconds raises Unreachable."""

    def __init__(self, bootstrap: str, group: str, topics: Sequence[str], *, instance_id: str | None = None,
                 session_timeout_ms: int = 10_000, from_beginning: bool = True, client_id: str = "dvk-subscribe",
                 connect_timeout: float = 15.0, start: str | datetime | None = None, join_wait: float = 60.0) -> None:
        from kafka import KafkaConsumer
        from kafka.errors import KafkaConnectionError, KafkaTimeoutError

        options: dict[str, Any] = {}
        if instance_id:
            options["group_instance_id"] = instance_id
        quiet = logging.getLogger("kafka")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)  # each refused attempt is logged by kafka-python; one clear line instead
        try:
            self._consumer = KafkaConsumer(
                bootstrap_servers=bootstrap, group_id=group, client_id=client_id, enable_auto_commit=False,
                auto_offset_reset="earliest" if from_beginning else "latest", session_timeout_ms=session_timeout_ms,
                heartbeat_interval_ms=max(1000, session_timeout_ms // 3), max_poll_interval_ms=300_000,
                reconnect_backoff_max_ms=2000, allow_auto_create_topics=False,
                bootstrap_timeout_ms=int(connect_timeout * 1000), metadata_max_age_ms=30_000, **options,
            )
            present = existing_topics(self._consumer)
        except (KafkaTimeoutError, KafkaConnectionError) as exc:
            raise Unreachable(bootstrap, connect_timeout) from exc
        finally:
            quiet.setLevel(level)
        self.topics = list(topics)
        self.missing = [t for t in self.topics if t not in present]
        self._joining_until = time.monotonic() + join_wait
        self._start = start
        self._moved: set[Any] = set()
        # where each partition starts for --reset-to, looked up now: the rebalance callback may only seek
        self._targets: dict[Any, int] = {}
        if isinstance(start, datetime):
            from kafka import TopicPartition

            partitions = [TopicPartition(t, p) for t in self.topics if t in present
                          for p in self._consumer.partitions_for_topic(t) or ()]
            if partitions:
                ends = self._consumer.end_offsets(partitions)
                found = self._consumer.offsets_for_times({tp: int(start.timestamp() * 1000) for tp in partitions})
                self._targets = {tp: (found[tp].offset if found.get(tp) is not None else ends[tp]) for tp in partitions}
        from kafka import ConsumerRebalanceListener

        source = self

        class Rewind(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):  # noqa: ANN001, ANN201 - kafka-python's interface
                pass

            def on_partitions_assigned(self, assigned):  # noqa: ANN001, ANN201
                source._move(list(assigned))

        # by pattern: kafka-python (3.0) asks for a listed topic with auto-creation whatever the setting
        self._consumer.subscribe(pattern=topic_pattern(self.topics), listener=Rewind())

    def _move(self, assigned: list[Any]) -> None:
        """The first time this run gets a partition, move it to the start asked for (each partition once). A
        partition that did not exist when the run started holds only later records: from its beginning."""
        fresh = [tp for tp in assigned if tp not in self._moved]
        if self._start is None or not fresh:
            return
        self._moved.update(fresh)
        for tp in fresh:
            if self._start != "beginning" and tp in self._targets:
                self._consumer.seek(tp, self._targets[tp])
        rewind = [tp for tp in fresh if self._start == "beginning" or tp not in self._targets]
        if rewind:
            self._consumer.seek_to_beginning(*rewind)

    def joining(self) -> bool:
        """True while the group has not handed this member a partition yet although topics exist to read: a
        group's join takes seconds (the broker waits for more members), which is not idleness. At most
        `join_wait` seconds: a member of a group with more members than partitions may never get one."""
        if time.monotonic() >= self._joining_until or len(self.missing) == len(self.topics):
            return False
        return not self._consumer.assignment()

    def poll(self, timeout: float, max_records: int = 100) -> list[Record]:
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        return [Record(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers or []))
                for records in batches.values() for r in records]

    def commit(self, records: Sequence[Record]) -> None:
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        positions: dict[Any, Any] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if tp not in positions or positions[tp].offset < r.offset + 1:
                positions[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
        if positions:
            self._consumer.commit(positions)

    def close(self) -> None:
        self._consumer.close(autocommit=False)


def embedded_source(path: str, group: str, topics: Sequence[str], start: str | datetime | None = None) -> Source:
    """The embedded log of `make run` (var/bus.db): one partition per topic, offsets per group. `start` moves the
    group first: "beginning", or a datetime (the first record appended at or after it)."""
    from dvk_core.filelog import EmbeddedLogBus

    bus = EmbeddedLogBus(path)
    if start is not None:
        conn = bus.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for topic in topics:
                conn.execute("DELETE FROM bus_offsets WHERE group_id = ? AND topic = ?", (group, topic))
                if start != "beginning":
                    (first,) = conn.execute(
                        "SELECT COALESCE(MIN(offset), (SELECT COALESCE(MAX(offset) + 1, 0) FROM bus_log WHERE topic = ?)) "
                        "FROM bus_log WHERE topic = ? AND appended_at >= ?",
                        (topic, topic, start.timestamp())).fetchone()  # type: ignore[union-attr]
                    conn.execute("INSERT INTO bus_offsets (group_id, topic, next_offset) VALUES (?, ?, ?)", (group, topic, first))
            conn.execute("COMMIT")
        finally:
            conn.close()
    return bus.consumer(group, topics)


def default_topics(prefix: str = "") -> list[str]:
    return [f"{prefix}dvk.{service}" for service in TOPIC_SERVICES]


# --- read once, without a consumer group (the roll-up) ---------------------------------------------------


def kafka_records(bootstrap: str, topics: Sequence[str], connect_timeout: float = 15.0) -> Iterator[Record]:
    """Every record of these topics, from the beginning to the end each partition had when reading began.
    No consumer group: partitions are assigned, nothing is committed. Topics that do not exist are skipped
    (and not created)."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaConnectionError, KafkaTimeoutError

    quiet = logging.getLogger("kafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                 allow_auto_create_topics=False, bootstrap_timeout_ms=int(connect_timeout * 1000),
                                 client_id="dvk-rollup", reconnect_backoff_max_ms=2000)
        present = set(consumer.topics())
    except (KafkaTimeoutError, KafkaConnectionError) as exc:
        raise Unreachable(bootstrap, connect_timeout) from exc
    finally:
        quiet.setLevel(level)
    try:
        partitions = [TopicPartition(t, p) for t in topics if t in present for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > consumer.position(tp)}
        while pending:
            for tp, records in consumer.poll(timeout_ms=1000, max_records=1000).items():
                for r in records:
                    if r.offset < ends[tp]:
                        yield Record(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers or []))
            pending = {tp for tp in pending if consumer.position(tp) < ends[tp]}
            if pending:
                consumer.pause(*(tp for tp in partitions if tp not in pending))
    finally:
        consumer.close(autocommit=False)


def embedded_records(path: str, topics: Sequence[str]) -> Iterator[Record]:
    """Every record of these topics in the embedded log of `make run`, read without a consumer group."""
    from dvk_core.filelog import _decode_headers

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        marks = ",".join("?" for _ in topics)
        for topic, offset, key, value, headers in conn.execute(
                f"SELECT topic, offset, key, value, headers FROM bus_log WHERE topic IN ({marks}) ORDER BY topic, offset",  # noqa: S608 - placeholders only
                list(topics)):
            yield Record(topic, 0, offset, key, value, _decode_headers(headers))
    finally:
        conn.close()
