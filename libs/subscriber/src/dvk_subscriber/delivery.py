"""What the subscriber does with each record: decode and check it, filter it, hand it to a sink (a JSON line or a
signed POST) and commit only what was handed on; and the receiving end of a signed webhook (`Receiver`)."""
from __future__ import annotations

import fnmatch
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from dvk_core import webhooks
from dvk_core.contracts import ContractViolation, validate_event
from dvk_core.envelope import CloudEvent, EnvelopeError
from dvk_core.records import BusError, Record

from .sources import Source


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
    `max_backoff` seconds. With secrets, each attempt is signed the Standard Webhooks way (dvk_core.webhooks):
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
    each message is verified (dvk_core.webhooks.Verifier: fresh, signed with one of `secrets`, id never
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
