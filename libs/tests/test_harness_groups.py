"""The harness under pytest-xdist: one PostgreSQL and one Kafka for all workers, started once by the controller
and removed at the end; and the split of the suite into the parallel and the serial group."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from dvk_testing.servers import KAFKA_VARIABLE, POSTGRES_VARIABLE

SEEN = """
import json, os


def _record(name, kafka_server, postgres_server):
    with open(os.environ["SEEN_FILE"], "a") as f:
        f.write(json.dumps({"test": name, "worker": os.environ.get("PYTEST_XDIST_WORKER"),
                            "kafka": kafka_server.bootstrap, "postgres": postgres_server.base_url}) + "\\n")


def test_one(kafka_server, postgres_server):
    _record("one", kafka_server, postgres_server)


def test_two(kafka_server, postgres_server):
    import time
    time.sleep(1)  # so the other worker takes the other tests
    _record("two", kafka_server, postgres_server)


def test_three(kafka_server, postgres_server):
    import time
    time.sleep(1)
    _record("three", kafka_server, postgres_server)
"""

GROUPS = """
import pytest


def test_side_by_side():
    pass


def test_breaks_its_own_broker(own_kafka):
    pass


@pytest.mark.serial
def test_measures_a_recovery():
    pass


@pytest.mark.journeys
def test_walks_through_the_pages():
    pass
"""


def _pytest(tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=tmp_path,
                          env=env or dict(os.environ), capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.serial  # starts a PostgreSQL and a Kafka of its own
def test_parallel_workers_share_one_postgres_and_one_kafka_started_once(tmp_path):
    (tmp_path / "test_seen.py").write_text(textwrap.dedent(SEEN))
    seen = tmp_path / "seen.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in (POSTGRES_VARIABLE, KAFKA_VARIABLE)}
    env["SEEN_FILE"] = str(seen)
    env["DVK_REQUIRE_SERVICES"] = "1"  # a server that cannot be had fails, rather than skipping the tests
    done = _pytest(tmp_path, "-n", "2", "test_seen.py", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [json.loads(line) for line in seen.read_text().splitlines()]
    assert sorted(r["test"] for r in rows) == ["one", "three", "two"]
    assert {r["worker"] for r in rows} == {"gw0", "gw1"}
    kafka = {r["kafka"] for r in rows}
    postgres = {r["postgres"] for r in rows}
    assert len(kafka) == 1 and len(postgres) == 1, f"each worker had its own servers: {kafka}, {postgres}"
    # started for the run and removed after it
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres.pop().replace("postgresql+psycopg://", "postgresql://") + "/postgres", connect_timeout=3)
    with pytest.raises((KafkaError, OSError)):
        KafkaAdminClient(bootstrap_servers=kafka.pop(), request_timeout_ms=2000, api_version_auto_timeout_ms=2000).close()


@pytest.mark.parametrize(("group", "expected"), [
    ("parallel", {"test_side_by_side"}),
    ("serial", {"test_breaks_its_own_broker", "test_measures_a_recovery"}),
    ("journeys", {"test_walks_through_the_pages"}),
    ("all", {"test_side_by_side", "test_breaks_its_own_broker", "test_measures_a_recovery", "test_walks_through_the_pages"}),
])
def test_the_serial_group_holds_the_tests_with_servers_of_their_own(tmp_path, group, expected):
    (tmp_path / "test_groups.py").write_text(textwrap.dedent(GROUPS))
    done = _pytest(tmp_path, "--collect-only", "--dvk-group", group, "test_groups.py")
    assert done.returncode == 0, done.stdout + done.stderr
    collected = {line.split("::")[-1] for line in done.stdout.splitlines() if "::" in line}
    assert collected == expected


def test_ports_of_test_servers_are_never_ones_the_system_hands_out(tmp_path):
    """A broker killed for two minutes keeps its port: the tests running beside it get port-0 servers and outgoing
    connections from the ephemeral range, and the servers tests start are given ports below it."""
    import socket

    from dvk_testing import _ephemeral_range, free_port_block

    low, _ = _ephemeral_range()
    for _ in range(20):
        base = free_port_block(6)
        assert base + 6 <= low, f"ports {base}..{base + 5} reach into the ephemeral range starting at {low}"
        for port in range(base, base + 6):  # each one free: a server can bind it
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        assert s.getsockname()[1] >= low
