"""/readyz and /healthz answer at once whatever the database and the bus do: checks run off the request thread,
one at a time, and a probe waits for them half a second at most. The bus only degrades readiness; the database
decides it. (The two-minute Kafka outage under gunicorn is tests/reliability/test_reliability_kafka_outage.py.)"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from dvk_platform.bus.kafka import KafkaBus
from dvk_testing import free_port


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that takes connections and never says a word: a broker or database hung, or behind a dead link."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    yield server.getsockname()[1]
    server.close()


def probe(app, path: str) -> tuple[int, dict, float]:
    began = time.monotonic()
    response = app.test_client().get(path)
    return response.status_code, response.get_json(), time.monotonic() - began


def readiness_threads(name: str) -> int:
    return sum(1 for t in threading.enumerate() if t.name == f"dvk-readiness-{name}")


def test_ready_when_the_database_and_the_bus_answer(registration):
    answers: list[tuple[int, dict, float]] = []
    # The first bus check may outlast one probe's half second on a busy machine: that probe says so (still 200).
    assert wait_for(lambda: answers.append(probe(registration, "/readyz")) or answers[-1][1]["status"] == "ready", 10), answers
    assert all(status == 200 and seconds < 1.0 for status, _, seconds in answers), answers
    assert answers[-1][1]["checks"] == {"database": "ok", "bus": "ok"}


def test_a_silent_broker_degrades_readiness_without_holding_a_probe(make_service, silent_server):
    app = make_service("registration", BUS="kafka", KAFKA_BOOTSTRAP=f"127.0.0.1:{silent_server}")
    with ThreadPoolExecutor(8) as pool:  # a burst of probes, more at once than a gunicorn worker has threads (4)
        answers = list(pool.map(lambda _: probe(app, "/readyz"), range(16)))
    assert max(seconds for *_, seconds in answers) < 1.0, [round(s, 2) for *_, s in answers]
    for status, body, _ in answers:
        assert status == 200 and body["status"] == "degraded", body  # the outbox takes writes: stay in the balancer
        assert body["checks"]["database"] == "ok" and body["checks"]["bus"].startswith("error: "), body
    assert readiness_threads("bus") <= 1, "the broker should be asked once at a time, however many probes come"
    status, body, seconds = probe(app, "/healthz")
    assert (status, body["status"]) == (200, "ok") and seconds < 1.0


def test_a_silent_database_makes_the_process_not_ready_within_a_second(silent_server, tmp_path):
    import registration

    app = registration.create_app({"DATABASE_URL": f"postgresql+psycopg://dvk:dvk@127.0.0.1:{silent_server}/registration",
                                   "USES_BUS": False})
    try:
        first = probe(app, "/readyz")
        second = probe(app, "/readyz")
        for status, body, seconds in (first, second):
            assert status == 503 and body["status"] == "not-ready" and seconds < 1.0, (status, body, seconds)
            assert body["checks"]["database"].startswith("error: no answer"), body
            assert "bus" not in body["checks"]
        assert readiness_threads("database") <= 1, "a hung database check should not be started again on each probe"
        assert probe(app, "/healthz")[0] == 200
    finally:
        app.extensions["dvk_db"].dispose()


def test_a_failed_kafka_ping_is_bounded_and_leaves_no_thread_behind():
    bus = KafkaBus(f"127.0.0.1:{free_port()}")  # nobody listens there
    before = threading.active_count()
    for _ in range(3):
        began = time.monotonic()
        with pytest.raises(Exception, match="unreachable"):
            bus.ping(timeout=0.5)
        assert time.monotonic() - began < 5
    assert wait_for_threads(before), f"{threading.active_count() - before} threads left running by failed pings"


def wait_for_threads(count: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while threading.active_count() > count and time.monotonic() < deadline:
        time.sleep(0.05)
    return threading.active_count() <= count


def test_a_check_that_hangs_is_started_once_and_its_last_answer_expires():
    from dvk_platform.readiness import DependencyCheck

    release = threading.Event()
    calls: list[float] = []

    def hangs_until_released() -> None:
        calls.append(time.monotonic())
        release.wait(10)

    bus = DependencyCheck("hanging-bus", hangs_until_released, fresh=0.0, waits=False, overdue=0.6)

    def ask() -> tuple[str, float]:
        began = time.monotonic()
        attempt, asked = bus.begin()
        return bus.answer(attempt, asked, time.monotonic() + 0.3), time.monotonic() - began

    first, seconds = ask()  # nothing known yet: waits its budget, then says so
    assert first.startswith("error: no answer") and seconds < 1.0
    release.set()
    assert wait_for(lambda: ask()[0] == "ok")
    release.clear()
    answers = [ask() for _ in range(3)]  # a new attempt hangs: the last answer stands, at once
    assert [a for a, _ in answers] == ["ok"] * 3 and max(s for _, s in answers) < 0.1
    started = len(calls)
    time.sleep(0.7)
    assert ask()[0].startswith("error: no answer for"), "an answer older than `overdue` must not be given as current"
    assert len(calls) == started, "one attempt at a time, however often it is asked"
    release.set()


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
