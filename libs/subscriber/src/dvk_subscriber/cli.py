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
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from types import FrameType
from typing import Any

from dvk_core.moments import parse_moment
from dvk_core.wards import RegistryError, UnknownWard, load_registry

from .delivery import Filters, HttpSink, LineSink, Subscriber, report
from .sources import KafkaSource, Source, Unreachable, default_topics, embedded_source

# Exit codes of dvk-subscribe (and dvk-rollup), documented in docs/integration.md.
EXIT_OK = 0
EXIT_BROKEN_PIPE = 1
EXIT_USAGE = 2  # a wrong option, e.g. a ward code the registry does not know
EXIT_UNAVAILABLE = 69  # sysexits' EX_UNAVAILABLE: the Kafka bootstrap did not answer within --connect-timeout
EXIT_CONFIG = 78  # sysexits' EX_CONFIG: the ward registry file cannot be read or is invalid



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
