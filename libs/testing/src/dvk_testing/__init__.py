"""Test harness: real PostgreSQL and real Apache Kafka for every test run (never mocks)."""
from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path

# How many ports below the system's ephemeral range the servers of tests are taken from.
_BELOW_EPHEMERAL = 12000


def _ephemeral_range() -> tuple[int, int]:
    """The range the system hands out for port 0 and for the local end of outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[:2]
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(size: int = 1) -> int:
    """The first of `size` consecutive free loopback ports, for servers a test starts and binds later (or stops and
    starts again on the same port, as a broker killed for minutes). Taken below the system's ephemeral range: a port
    the system gives to another test's port-0 server or to an outgoing connection in the meantime is never one of
    these, so tests started at the same time never take each other's ports (two tests drawing the same port is as
    unlikely as two equal draws among some ten thousand)."""
    low, _ = _ephemeral_range()
    first = max(1024, low - _BELOW_EPHEMERAL)
    if low - first > size:
        for _ in range(200):
            base = first + secrets.randbelow(low - first - size)
            if all(_bindable(base + i) for i in range(size)):
                return base
    while True:  # no room below the ephemeral range: the system's choice
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + size < 65000 and all(_bindable(base + i) for i in range(size)):
            return base


def free_port() -> int:
    """A free loopback port for a server a test starts (see free_port_block)."""
    return free_port_block(1)


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
