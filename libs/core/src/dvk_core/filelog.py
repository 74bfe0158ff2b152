"""Embedded transport for `make run`: an append-only log table in one SQLite file shared by all services.

Every relay appends to it; each consumer group keeps its own offset per topic. One partition per topic.
"""
from __future__ import annotations

import base64
import json
import os
import sqlite3
import time
from collections.abc import Sequence

from .records import BusError, Message, Record, Sent

SCHEMA = """
CREATE TABLE IF NOT EXISTS bus_log (
    topic TEXT NOT NULL,
    offset INTEGER NOT NULL,
    key BLOB,
    value BLOB,
    headers TEXT NOT NULL,
    appended_at REAL NOT NULL,
    PRIMARY KEY (topic, offset)
);
CREATE TABLE IF NOT EXISTS bus_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic)
);
"""


def _encode_headers(headers: Sequence[tuple[str, bytes]]) -> str:
    return json.dumps([[k, base64.b64encode(v or b"").decode()] for k, v in headers])


def _decode_headers(raw: str) -> list[tuple[str, bytes]]:
    return [(k, base64.b64decode(v)) for k, v in json.loads(raw)]


class EmbeddedLogBus:
    def __init__(self, path: str, busy_timeout: float = 5.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None

    def connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
            except sqlite3.Error as exc:
                raise BusError(f"embedded log {self.path} unavailable: {exc}") from exc
            self._conn = conn
        return self._conn

    def publish(self, topic: str, messages: Sequence[Message]) -> int:
        if not messages:
            return 0
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            (next_offset,) = conn.execute(
                "SELECT COALESCE(MAX(offset) + 1, 0) FROM bus_log WHERE topic = ?", (topic,)
            ).fetchone()
            now = time.time()
            conn.executemany(
                "INSERT INTO bus_log (topic, offset, key, value, headers, appended_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (topic, next_offset + i, m.key, m.value, _encode_headers(m.headers), now)
                    for i, m in enumerate(messages)
                ],
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise BusError(f"embedded log {self.path} refused the append: {exc}") from exc
        return len(messages)

    def send(self, topic: str, messages: Sequence[Message]) -> Sent:
        return Sent(self.publish(topic, messages))

    def ensure_topics(self, topics: Sequence[str]) -> None:
        self.connect()  # topics exist implicitly in the log table

    def consumer(self, group: str, topics: Sequence[str]) -> EmbeddedLogConsumer:
        return EmbeddedLogConsumer(EmbeddedLogBus(self.path, self.busy_timeout), group, topics)

    def ping(self, timeout: float = 2.0) -> None:  # noqa: ARG002 - a local file answers at once or fails
        try:
            self.connect().execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise BusError(f"embedded log {self.path} unavailable: {exc}") from exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class EmbeddedLogConsumer:
    def __init__(self, bus: EmbeddedLogBus, group: str, topics: Sequence[str]) -> None:
        self.bus = bus
        self.group = group
        self.topics = list(topics)
        self._positions: dict[str, int] = {}

    def _position(self, conn: sqlite3.Connection, topic: str) -> int:
        if topic not in self._positions:
            row = conn.execute(
                "SELECT next_offset FROM bus_offsets WHERE group_id = ? AND topic = ?", (self.group, topic)
            ).fetchone()
            self._positions[topic] = row[0] if row else 0
        return self._positions[topic]

    def poll(self, timeout: float, max_records: int = 100) -> list[Record]:
        deadline = time.monotonic() + timeout
        while True:
            records: list[Record] = []
            try:
                conn = self.bus.connect()
                for topic in self.topics:
                    rows = conn.execute(
                        "SELECT offset, key, value, headers FROM bus_log WHERE topic = ? AND offset >= ? "
                        "ORDER BY offset LIMIT ?",
                        (topic, self._position(conn, topic), max_records - len(records)),
                    ).fetchall()
                    for offset, key, value, headers in rows:
                        records.append(Record(topic, 0, offset, key, value, _decode_headers(headers)))
                    if rows:
                        self._positions[topic] = rows[-1][0] + 1
                    if len(records) >= max_records:
                        break
            except sqlite3.Error as exc:
                raise BusError(f"embedded log {self.bus.path} unavailable: {exc}") from exc
            if records or time.monotonic() >= deadline:
                return records
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def commit(self, records: Sequence[Record]) -> None:
        latest: dict[str, int] = {}
        for r in records:
            latest[r.topic] = max(latest.get(r.topic, -1), r.offset + 1)
        if not latest:
            return
        conn = self.bus.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for topic, next_offset in latest.items():
                conn.execute(
                    "INSERT INTO bus_offsets (group_id, topic, next_offset) VALUES (?, ?, ?) "
                    "ON CONFLICT (group_id, topic) DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)",
                    (self.group, topic, next_offset),
                )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise BusError(f"embedded log {self.bus.path} refused the commit: {exc}") from exc

    def close(self) -> None:
        self.bus.close()
