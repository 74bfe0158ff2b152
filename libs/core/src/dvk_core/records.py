"""The bus interface and its messages, shared by both transports."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class BusError(RuntimeError):
    """The bus could not take or give messages right now; the caller retries later."""


@dataclass(frozen=True)
class Message:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


class Sending(Protocol):
    """Messages handed to the bus, their acknowledgements still to come."""

    def wait(self) -> int:
        """Wait for the acknowledgements. Returns how many leading messages were acknowledged; raises BusError
        only when none was."""


@dataclass(frozen=True)
class Sent:
    """A sending the bus finished before returning it."""

    acknowledged: int

    def wait(self) -> int:
        return self.acknowledged


class Consumer(Protocol):
    def poll(self, timeout: float, max_records: int = 100) -> list[Record]: ...

    def commit(self, records: Sequence[Record]) -> None:
        """Commit positions just past these records (call only after their effects are committed)."""

    def close(self) -> None: ...


class Bus(Protocol):
    def publish(self, topic: str, messages: Sequence[Message]) -> int:
        """Send in order and wait for acknowledgement. Returns how many leading messages were
        acknowledged; raises BusError only when none was."""

    def send(self, topic: str, messages: Sequence[Message]) -> Sending:
        """Send in order without waiting: later sends to the same topic stay behind these."""

    def ensure_topics(self, topics: Sequence[str]) -> None: ...

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer: ...

    def ping(self, timeout: float = 2.0) -> None:
        """Raise BusError when the bus is unreachable; give up after about `timeout` seconds."""

    def close(self) -> None: ...


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"
