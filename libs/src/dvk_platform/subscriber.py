"""`dvk-subscribe`: the reference subscriber for provincial and party systems.

Joins a consumer group on the province's Kafka (or the embedded log of `make run`), keeps the events of the
chosen wards and event types (globs), checks each against the contract in contracts/events/, and hands each
one on as a structured CloudEvent: a JSON line on stdout, or an HTTP POST to the receiver's endpoint.

Delivery promise (at least once, in order per aggregate):
- a batch's offsets are committed only after every event in it was written and flushed (stdout) or accepted
  by the endpoint (POST answered 2xx); a receiver that is down is retried with backoff, never skipped;
- after a crash the group resumes from its committed offsets: what was committed is never handed on again;
  what was handed on after the last commit is handed on again (receivers dedupe by the CloudEvent `id`).
Invalid events (not a CloudEvent, no schema, payload breaking its schema) are reported on stderr, counted and
skipped; so are events a POST endpoint refuses for good (4xx other than 408/429).

The pieces are a library too: `Subscriber(source, sink, Filters(...))` with any callable as the sink, as the
provincial roll-up example (examples/province_rollup.py) uses it.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from types import FrameType
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from . import webhooks
from .bus import BusError, Record
from .contracts import ContractViolation, validate_event
from .envelope import CloudEvent, EnvelopeError
from .wards import RegistryError, UnknownWard, load_registry

TOPIC_SERVICES = ("registration", "reporting", "awards", "notify")


class Source(Protocol):
    """Where records come from: poll a batch, commit positions just past records, close."""

    def poll(self, timeout: float, max_records: int = 100) -> list[Record]: ...

    def commit(self, records: Sequence[Record]) -> None: ...

    def close(self) -> None: ...


# Exit codes of dvk-subscribe (and dvk-rollup), documented in docs/integration.md.
EXIT_OK = 0
EXIT_BROKEN_PIPE = 1
EXIT_USAGE = 2  # a wrong option, e.g. a ward code the registry does not know
EXIT_UNAVAILABLE = 69  # sysexits' EX_UNAVAILABLE: the Kafka bootstrap did not answer within --connect-timeout
EXIT_CONFIG = 78  # sysexits' EX_CONFIG: the ward registry file cannot be read or is invalid

VN = ZoneInfo("Asia/Ho_Chi_Minh")


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


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is Vietnam's time (Asia/Ho_Chi_Minh)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"thời điểm không hợp lệ {text!r}: dùng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không ghi múi giờ) / "
            f"invalid time {text!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN)


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
    from .bus.embedded import EmbeddedLogBus

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


@dataclass(frozen=True)
class Filters:
    """Which events to keep: wards by code (none = every ward), types by glob (none = every type)."""

    wards: tuple[str, ...] = ()
    types: tuple[str, ...] = ()

    def accepts(self, event: CloudEvent) -> bool:
        if self.wards and event.ward not in self.wards:
            return False
        return not self.types or any(fnmatch.fnmatchcase(event.type, pattern) for pattern in self.types)


@dataclass
class Stats:
    received: int = 0
    delivered: int = 0
    filtered: int = 0
    invalid: int = 0
    refused: int = 0
    committed_batches: int = 0


def decode(record: Record) -> CloudEvent:
    """The CloudEvent in a Kafka record (binary mode); EnvelopeError when it is not one."""
    return CloudEvent.from_binary(record.value, record.headers)


def contract_problem(event: CloudEvent) -> str | None:
    """Why the event breaks the contract, or None when it keeps it."""
    try:
        validate_event(event.type, event.data)
    except ContractViolation as exc:
        return str(exc)
    return None


def structured(event: CloudEvent, record: Record | None = None) -> dict[str, Any]:
    """Structured-mode CloudEvent; with the record, its position as the extensions dvktopic/dvkpartition/dvkoffset."""
    doc = event.to_structured()
    if record is not None:
        doc.update(dvktopic=record.topic, dvkpartition=record.partition, dvkoffset=record.offset)
    return doc


def body_of(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


class Refused(RuntimeError):
    """The receiver refused this event for good (HTTP 4xx other than 408/429): report it and go on."""


class LineSink:
    """One JSON line per event, flushed before the offset may be committed."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def __call__(self, doc: dict[str, Any]) -> None:
        self.out.write(body_of(doc).decode() + "\n")
        self.out.flush()


class HttpSink:
    """POST each event (application/cloudevents+json) until the endpoint answers 2xx; backoff doubles up to
    `max_backoff` seconds. With secrets, each attempt is signed the Standard Webhooks way (dvk_platform.webhooks):
    webhook-id is the event's id, webhook-timestamp the attempt's time, one `v1,` signature per secret (two
    during a rotation). An answer 409 means the receiver already accepted that id: delivered."""

    def __init__(self, url: str, *, headers: dict[str, str] | None = None, secrets: Sequence[str] = (),
                 timeout: float = 10.0, backoff: float = 0.5, max_backoff: float = 60.0,
                 stopping: threading.Event | None = None, err: IO[str] | None = None) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.secrets = tuple(secrets)
        self.timeout = timeout
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.stopping = stopping or threading.Event()
        self.err = err or sys.stderr
        self.attempts = 0

    def __call__(self, doc: dict[str, Any]) -> None:
        body = body_of(doc)
        wait = self.backoff
        while True:
            self.attempts += 1
            headers = {"Content-Type": "application/cloudevents+json; charset=utf-8", **self.headers}
            if self.secrets:  # signed afresh on every attempt: a retry after a long outage is not stale
                headers.update(webhooks.signed_headers(body, self.secrets, message_id=str(doc["id"])))
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    if 200 <= response.status < 300:
                        return
                    error = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:
                if exc.code == webhooks.ALREADY_RECEIVED and self.secrets:
                    return  # an earlier attempt got through, only its answer was lost
                if 400 <= exc.code < 500 and exc.code not in (408, 429):
                    raise Refused(f"HTTP {exc.code}") from exc
                error = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                error = repr(exc)
            report(self.err, "retry", event_id=doc.get("id"), error=error, wait_seconds=round(wait, 2))
            if self.stopping.wait(wait):
                raise InterruptedError("stopped while the endpoint was not answering")
            wait = min(wait * 2, self.max_backoff)


class Receiver:
    """The receiving end of signed POSTs (notify's webhooks, another `dvk-subscribe --post`), as a WSGI app:
    each message is verified (dvk_platform.webhooks.Verifier: fresh, signed with one of `secrets`, id never
    accepted before) and only then handed to `handle` as the parsed CloudEvent. Answers: 204 accepted, 401
    problem+json (missing headers, stale or wrong signature), 409 (id already accepted: a replay, or a retry of a
    message already received), 413 (body over `max_body` bytes). With `seen_ids` (a SQLite file of the
    receiver's own) a restart still refuses the ids of the last five minutes.

        receiver = Receiver(["whsec_…"], store_event, seen_ids="var/webhook-ids.db")
        wsgiref.simple_server.make_server("0.0.0.0", 8080, receiver).serve_forever()
    """

    def __init__(self, secrets: Sequence[str], handle: Callable[[dict[str, Any]], None], *,
                 seen_ids: str | None = None, max_body: int = 1_048_576) -> None:
        store: webhooks.SeenIds = webhooks.SqliteSeenIds(seen_ids) if seen_ids else webhooks.MemorySeenIds()
        self.verifier = webhooks.Verifier(secrets, store)
        self.handle = handle
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self._answer(start_response, 405, "method-not-allowed", "Chỉ nhận POST.")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= self.max_body:
            return self._answer(start_response, 413, "too-large", "Nội dung quá lớn hoặc thiếu Content-Length.")
        body = environ["wsgi.input"].read(length)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        try:
            self.verifier.verify(headers, body)
        except webhooks.Replayed as exc:
            return self._answer(start_response, webhooks.ALREADY_RECEIVED, "webhook-replayed", str(exc))
        except webhooks.Unverified as exc:
            return self._answer(start_response, 401, f"webhook-{exc.reason}", str(exc))
        try:
            self.handle(json.loads(body))
        except Exception:
            self.verifier.seen.discard(headers[webhooks.ID_HEADER])  # not taken in: the sender's retry is welcome
            raise
        start_response("204 No Content", [])
        return []

    @staticmethod
    def _answer(start_response: Callable[..., Any], status: int, code: str, title: str) -> list[bytes]:
        body = json.dumps({"type": f"urn:dvk:problem:{code}", "title": title, "status": status},
                          ensure_ascii=False).encode()
        reason = {401: "Unauthorized", 405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large"}[status]
        start_response(f"{status} {reason}", [("Content-Type", "application/problem+json"),
                                              ("Content-Length", str(len(body)))])
        return [body]


def report(err: IO[str], what: str, **details: Any) -> None:
    err.write(json.dumps({"subscriber": what, **details}, ensure_ascii=False) + "\n")
    err.flush()


class Subscriber:
    def __init__(self, source: Source, sink: Callable[[dict[str, Any]], None], filters: Filters | None = None, *,
                 validate: bool = True, batch_size: int = 100, err: IO[str] | None = None) -> None:
        self.source = source
        self.sink = sink
        self.filters = filters or Filters()
        self.validate = validate
        self.batch_size = batch_size
        self.err = err or sys.stderr
        self.stats = Stats()
        self.stopping = threading.Event()

    def _handle(self, record: Record) -> None:
        self.stats.received += 1
        position = f"{record.topic}/{record.partition}@{record.offset}"
        try:
            event = decode(record)
        except EnvelopeError as exc:
            self.stats.invalid += 1
            report(self.err, "invalid", position=position, error=str(exc))
            return
        if not self.filters.accepts(event):
            self.stats.filtered += 1
            return
        problem = contract_problem(event) if self.validate else None
        if problem:
            self.stats.invalid += 1
            report(self.err, "invalid", position=position, event_id=event.id, type=event.type, ward=event.ward, error=problem)
            return
        try:
            self.sink(structured(event, record))
        except Refused as exc:
            self.stats.refused += 1
            report(self.err, "refused", position=position, event_id=event.id, type=event.type, error=str(exc))
            return
        self.stats.delivered += 1

    def run_once(self, timeout: float = 1.0) -> int:
        """Poll one batch, hand every record on, then commit the batch. Returns the number of records.

        When stopped mid-batch, only the records finished so far are committed."""
        records = self.source.poll(timeout, self.batch_size)
        done: list[Record] = []
        try:
            for record in records:
                self._handle(record)
                done.append(record)
        finally:
            if done:
                self.source.commit(done)
                self.stats.committed_batches += 1
        return len(records)

    def run(self, stop_after_idle: float | None = None, poll_timeout: float = 0.5) -> Stats:
        """Until stop() (or `stop_after_idle` seconds without a record, counted once the source has joined its
        group: a source with a `joining()` that says True is not idle yet); returns the counts."""
        from kafka.errors import KafkaError

        idle_since = time.monotonic()
        while not self.stopping.is_set():
            try:
                got = self.run_once(poll_timeout)
            except InterruptedError:
                break
            except (BusError, KafkaError) as exc:
                # e.g. a commit refused during a rebalance: those records come again, which the promise allows
                report(self.err, "error", error=repr(exc))
                self.stopping.wait(1.0)
                continue
            joining = getattr(self.source, "joining", None)
            if got or (joining is not None and joining()):
                idle_since = time.monotonic()
            elif stop_after_idle is not None and time.monotonic() - idle_since >= stop_after_idle:
                break
        return self.stats

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.source.close()


class _JsonLines(logging.Formatter):
    """Library warnings (kafka-python) as JSON lines too, so stderr stays machine-readable."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"subscriber": "log", "level": record.levelname, "logger": record.name,
                           "message": record.getMessage()}, ensure_ascii=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dvk-subscribe",
        description="Nhận sự kiện \"Dân vận khéo\" của các phường: lọc theo phường và loại, kiểm tra theo hợp đồng, "
        "ghi JSON lines ra stdout hoặc POST tới địa chỉ của bên nhận.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--bootstrap", help="Kafka bootstrap servers, e.g. kafka.tinh.gov.vn:9092")
    where.add_argument("--embedded", metavar="PATH", help="the embedded log of `make run` (var/bus.db) instead of Kafka")
    parser.add_argument("--group", required=True, help="consumer group; offsets are kept per group")
    parser.add_argument("--topic", action="append", default=[], help="topic to read (repeatable); default: every dvk.* topic")
    parser.add_argument("--topic-prefix", default=os.environ.get("DVK_TOPIC_PREFIX", ""),
                        help="prefix of the dvk.* topics (DVK_TOPIC_PREFIX of the wards); default: $DVK_TOPIC_PREFIX")
    parser.add_argument("--ward", action="append", default=[], help="ward code to keep (repeatable); default: every ward")
    parser.add_argument("--type", action="append", default=[], dest="types",
                        help="event type glob to keep (repeatable), e.g. 'vn.dvk.registration.model-*'")
    parser.add_argument("--post", metavar="URL", help="POST each event here instead of writing it to stdout")
    parser.add_argument("--header", action="append", default=[], help="extra HTTP header for --post, 'Name: value'")
    parser.add_argument("--signing-secret", "--hmac-secret", action="append", default=[], dest="signing_secrets",
                        help="sign each POST the Standard Webhooks way (webhook-id, webhook-timestamp, "
                        "webhook-signature); repeat it during a rotation to sign with the old and the new secret")
    parser.add_argument("--max-backoff", type=float, default=60.0, help="longest pause between POST retries, seconds")
    parser.add_argument("--no-validate", action="store_true", help="hand events on without checking the contract")
    parser.add_argument("--batch-size", type=int, default=100, help="records per poll, committed together")
    parser.add_argument("--instance-id", help="static group membership: a restart with the same id resumes at once")
    parser.add_argument("--session-timeout-ms", type=int, default=10_000)
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--from-end", action="store_true", help="a new group starts at the end, not at the beginning")
    start.add_argument("--from-beginning", action="store_true",
                       help="read again from the beginning, even for a group that has committed offsets")
    start.add_argument("--reset-to", metavar="DATETIME", type=parse_moment,
                       help="start at the first event at or after this time (ISO 8601; Vietnam time without an offset)")
    parser.add_argument("--connect-timeout", type=float, default=15.0,
                        help=f"seconds to wait for the Kafka bootstrap before giving up (exit {EXIT_UNAVAILABLE})")
    parser.add_argument("--wards-file", help="the province's ward registry (YAML or CSV); default: $DVK_WARDS_FILE, "
                        "else the registry shipped with the platform")
    parser.add_argument("--stop-after-idle", type=float,
                        help="exit after this many seconds without a record (counted once the group has given this "
                        "subscriber its partitions)")
    return parser


def checked_wards(parser: argparse.ArgumentParser, wards_file: str | None, codes: Sequence[str]) -> Any:
    """The ward registry, once every code given is in it; exits with EXIT_CONFIG (bad registry) or EXIT_USAGE
    (unknown code, with the known ones listed)."""
    try:
        registry = load_registry(wards_file)
        registry.check(codes)
    except RegistryError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    except UnknownWard as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    return registry


def json_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLines())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    json_logging()
    checked_wards(parser, args.wards_file, args.ward)
    topics = args.topic or default_topics(args.topic_prefix)
    start: str | datetime | None = "beginning" if args.from_beginning else args.reset_to
    if args.embedded:
        source: Source = embedded_source(args.embedded, args.group, topics, start)
        missing: list[str] = []
    else:
        try:
            kafka = KafkaSource(args.bootstrap or "127.0.0.1:9092", args.group, topics, instance_id=args.instance_id,
                                session_timeout_ms=args.session_timeout_ms, from_beginning=not args.from_end,
                                connect_timeout=args.connect_timeout, start=start)
        except Unreachable as exc:
            report(sys.stderr, "unreachable", bootstrap=exc.bootstrap, timeout_seconds=exc.timeout, error=str(exc))
            return EXIT_UNAVAILABLE
        source, missing = kafka, kafka.missing
    stopping = threading.Event()
    if args.post:
        headers = dict(h.split(":", 1) for h in args.header)
        sink: Callable[[dict[str, Any]], None] = HttpSink(
            args.post, headers={k.strip(): v.strip() for k, v in headers.items()}, secrets=args.signing_secrets,
            max_backoff=args.max_backoff, stopping=stopping)
    else:
        sink = LineSink(sys.stdout)
    subscriber = Subscriber(source, sink, Filters(tuple(args.ward), tuple(args.types)), validate=not args.no_validate,
                            batch_size=args.batch_size)
    subscriber.stopping = stopping

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    report(sys.stderr, "started", topics=topics, group=args.group, wards=args.ward, types=args.types,
           start="beginning" if start == "beginning" else (start.isoformat() if start else "committed"))
    if missing:
        report(sys.stderr, "missing-topics", topics=missing,
               note="chưa có trên Kafka (dịch vụ sở hữu chưa tạo); sẽ đọc khi được tạo / not on the cluster yet "
                    "(its owning service has not created it); read once it exists")
    try:
        stats = subscriber.run(stop_after_idle=args.stop_after_idle)
    except BrokenPipeError:
        return EXIT_BROKEN_PIPE
    finally:
        subscriber.close()
    report(sys.stderr, "stopped", **asdict(stats))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["EXIT_CONFIG", "EXIT_UNAVAILABLE", "EXIT_USAGE", "Filters", "HttpSink", "KafkaSource", "LineSink", "Refused",
           "Stats", "Subscriber", "Unreachable", "contract_problem", "decode", "default_topics", "embedded_source",
           "parse_moment", "structured", "Receiver"]
