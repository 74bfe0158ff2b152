"""Apache Kafka transport (kafka-python): idempotent producer with acks=all, manual offset commits."""
from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from dvk_core.records import BusError, Message, Record

log = logging.getLogger(__name__)


class _AdminClient(KafkaAdminClient):
    """KafkaAdminClient that stops its IO thread when it cannot bootstrap: kafka-python 3.0 starts that thread before
    bootstrapping and leaves it running when bootstrap fails, so each failed attempt during an outage leaked one."""

    def __init__(self, **configs: object) -> None:
        try:
            super().__init__(**configs)
        except BaseException:
            self._closed = False
            with contextlib.suppress(Exception):  # whatever part was built is stopped; the bootstrap error is the news
                self.close()
            raise


class KafkaBus:
    def __init__(self, bootstrap: str, client_id: str = "dvk", partitions: int = 3) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.partitions = partitions
        self._producer: KafkaProducer | None = None
        self._known_topics: set[str] = set()
        self._tried_topics: set[str] = set()

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            try:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    acks="all",
                    enable_idempotence=True,
                    max_in_flight_requests_per_connection=5,
                    linger_ms=5,
                    batch_size=256 * 1024,
                    compression_type=None,
                    max_block_ms=5000,
                    request_timeout_ms=5000,
                    delivery_timeout_ms=15000,
                    retry_backoff_ms=200,
                    reconnect_backoff_max_ms=2000,
                )
            except KafkaError as exc:
                raise BusError(f"Kafka is unreachable at {self.bootstrap}: {exc!r}") from exc
        return self._producer

    def publish(self, topic: str, messages: Sequence[Message]) -> int:
        return self.send(topic, messages).wait()

    def send(self, topic: str, messages: Sequence[Message]) -> KafkaSending:
        if topic not in self._known_topics and topic not in self._tried_topics:
            # whoever writes a topic owns it and creates it (the brokers do not auto-create topics); tried once
            # per topic, so an unreachable cluster is not asked again on every send
            self._tried_topics.add(topic)
            try:
                self.ensure_topics([topic])
            except BusError as exc:
                log.warning("cannot create topic %s before sending: %s", topic, exc)
        producer = self._get_producer()
        futures = []
        try:
            for message in messages:
                futures.append(
                    producer.send(topic, key=message.key, value=message.value, headers=list(message.headers))
                )
        except KafkaError as exc:  # the messages not taken are not acknowledged: wait() counts the prefix
            log.warning("kafka send failed after %d of %d messages: %r", len(futures), len(messages), exc)
        return KafkaSending(self, topic, futures, len(messages))

    def _reset_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:  # noqa: BLE001 - closing a broken producer must not mask the real error
                log.debug("closing a failed producer raised", exc_info=True)
            self._producer = None

    def ensure_topics(self, topics: Sequence[str]) -> None:
        wanted = [t for t in topics if t not in self._known_topics]
        if not wanted:
            return
        try:
            admin = _AdminClient(bootstrap_servers=self.bootstrap, client_id=self.client_id, request_timeout_ms=5000,
                                 bootstrap_timeout_ms=5000)
        except KafkaError as exc:
            raise BusError(f"Kafka is unreachable at {self.bootstrap}: {exc!r}") from exc
        try:
            existing = set(admin.list_topics())
            missing = [t for t in wanted if t not in existing]
            if missing:
                with contextlib.suppress(TopicAlreadyExistsError):
                    admin.create_topics(
                        [NewTopic(t, num_partitions=self.partitions, replication_factor=1) for t in missing]
                    )
            self._known_topics.update(wanted)
        except KafkaError as exc:
            raise BusError(f"cannot create topics {wanted}: {exc!r}") from exc
        finally:
            admin.close()

    def consumer(self, group: str, topics: Sequence[str]) -> KafkaTopicConsumer:
        return KafkaTopicConsumer(self.bootstrap, group, topics, self.client_id)

    def ping(self, timeout: float = 2.0) -> None:
        """A metadata round trip, given up after about `timeout` seconds (kafka-python would wait 30 s to bootstrap)."""
        ms = max(1, int(timeout * 1000))
        try:
            admin = _AdminClient(bootstrap_servers=self.bootstrap, client_id=self.client_id, request_timeout_ms=ms,
                                 bootstrap_timeout_ms=ms)
        except KafkaError as exc:
            raise BusError(f"Kafka is unreachable at {self.bootstrap}: {exc!r}") from exc
        try:
            admin.list_topics()
        except KafkaError as exc:
            raise BusError(f"Kafka is unreachable at {self.bootstrap}: {exc!r}") from exc
        finally:
            admin.close()

    def close(self) -> None:
        self._reset_producer()


class KafkaSending:
    """Messages in the producer's hands; wait() collects their acknowledgements in order."""

    def __init__(self, bus: KafkaBus, topic: str, futures: list, expected: int) -> None:
        self.bus, self.topic, self.futures, self.expected = bus, topic, futures, expected

    def wait(self) -> int:
        acknowledged = 0
        for future in self.futures:
            try:
                future.get(timeout=30)
            except Exception as exc:  # noqa: BLE001 - any failure ends the acknowledged prefix
                log.warning("kafka delivery failed after %d acknowledged: %r", acknowledged, exc)
                break
            acknowledged += 1
        if self.expected and acknowledged == 0:
            self.bus._reset_producer()  # noqa: SLF001 - the sending belongs to its bus
            raise BusError(f"Kafka did not acknowledge any of {self.expected} messages on {self.topic}")
        return acknowledged


class KafkaTopicConsumer:
    def __init__(self, bootstrap: str, group: str, topics: Sequence[str], client_id: str) -> None:
        try:
            self._consumer = KafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=group,
                client_id=client_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_interval_ms=300_000,
                session_timeout_ms=10_000,
                heartbeat_interval_ms=3_000,
                request_timeout_ms=30_000,
                reconnect_backoff_max_ms=2000,
                allow_auto_create_topics=False,
                # a topic its owner creates later is picked up at the next metadata refresh
                metadata_max_age_ms=5_000,
            )
            # by pattern: a topic not created yet (no ward runs that service) is neither auto-created nor asked
            # for again and again (kafka-python asks for listed topics with auto-creation whatever the setting)
            self._consumer.subscribe(pattern="^(?:" + "|".join(re.escape(t) for t in topics) + ")$")
        except KafkaError as exc:
            raise BusError(f"Kafka is unreachable at {bootstrap}: {exc!r}") from exc

    def poll(self, timeout: float, max_records: int = 100) -> list[Record]:
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        records: list[Record] = []
        for tp_records in batches.values():
            for r in tp_records:
                records.append(Record(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers or [])))
        return records

    def commit(self, records: Sequence[Record]) -> None:
        positions: dict[TopicPartition, OffsetAndMetadata] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if tp not in positions or positions[tp].offset < r.offset + 1:
                positions[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
        if positions:
            self._consumer.commit(positions)

    def close(self) -> None:
        self._consumer.close(autocommit=False)
