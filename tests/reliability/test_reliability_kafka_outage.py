"""A broker outage as a web process lives it: registration under real gunicorn (2 workers × 4 threads, as
docker-compose.yml and deploy/k8s run it) on PostgreSQL, its relay running, and Kafka killed with SIGKILL for two
minutes while an orchestrator probes /readyz and /healthz and a unit officer keeps sending models.

The probes must neither hang nor take the API's threads: every probe answers within 1 s, every API call is
answered 2xx, /readyz says the bus is down but keeps the process in the load balancer (the outbox takes the
writes), and when the broker returns every event written during the outage is on the topic.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import create_engine, func, select

from dvk_platform.auth import generate_key_pair, issue_token, one_line, parse_private_key
from dvk_platform.tables import outbox_messages
from dvk_testing import free_port, wait_until
from dvk_testing.plugin import bus_for, read_topic

BIN = Path(sys.executable).parent
OUTAGE_SECONDS = 120
READYZ_EVERY, HEALTHZ_EVERY, API_EVERY = 2.0, 5.0, 1.0
PROBE_LIMIT_SECONDS = 1.0
WARD = "minh-xuan"
SUBMITTED = "vn.dvk.registration.model-submitted.v1"


@dataclass
class Answer:
    kind: str
    status: int | None  # None: no answer (timeout or connection error)
    seconds: float
    body: Any
    at: float = 0.0  # time.monotonic() when the call was made


def model_body(n: int, year: int) -> dict[str, Any]:
    return {"title": f"Mô hình dân vận khéo trong lúc mất kết nối số {n}", "field": "van_hoa_xa_hoi",
            "goals": "Vận động hộ dân tham gia.", "content": "Họp tổ dân phố hằng tháng.", "target_group": "Hộ gia đình",
            "person_in_charge": "Tổ trưởng", "start_date": f"{year}-03-01", "end_date": f"{year}-12-31",
            "expected_results": "Mọi hộ tham gia."}


class Processes:
    """The service's processes, each in its own session so it can be stopped with everything it started."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp, self.env = tmp, env
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def run(self, *command: str) -> None:
        done = subprocess.run([str(BIN / command[0]), *command[1:]], env=self.env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"

    def start(self, name: str, *command: str) -> None:
        with open(self.tmp / f"{name}.log", "wb") as log:
            self.running[name] = subprocess.Popen([str(BIN / command[0]), *command[1:]], env=self.env, stdout=log,
                                                  stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Processes]]:
    made: list[Processes] = []

    def make(env: dict[str, str]) -> Processes:
        made.append(Processes(tmp_path, env))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()


def every(period: float, times: int, started: float, call: Callable[[], Answer], answers: list[Answer]) -> None:
    """Call `times` times, the i-th at started + i × period (never two at once: a slow call delays the next)."""
    for i in range(times):
        time.sleep(max(0.0, started + i * period - time.monotonic()))
        answers.append(call())


def timed(kind: str, method: str, url: str, **kwargs: Any) -> Answer:
    began = time.monotonic()
    try:
        response = requests.request(method, url, timeout=15, **kwargs)
    except requests.RequestException as exc:
        return Answer(kind, None, time.monotonic() - began, repr(exc), began)
    seconds = time.monotonic() - began
    try:
        body = response.json()
    except ValueError:
        body = response.text[:300]
    return Answer(kind, response.status_code, seconds, body, began)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kafka_killed_for_two_minutes_probes_answer_fast_and_the_api_keeps_taking_writes(
        own_kafka, new_database_url, topic_prefix, processes, tmp_path):
    url = new_database_url("postgresql", "registration")
    private_pem, public_pem = generate_key_pair()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DVK_")}
    env.update({
        "DVK_ENV": "development", "DVK_WARD_CODE": WARD, "DVK_DATABASE_URL": url, "DVK_BUS": "kafka",
        "DVK_KAFKA_BOOTSTRAP": own_kafka.bootstrap, "DVK_TOPIC_PREFIX": topic_prefix,
        "DVK_SERVICE_TOKEN_PUBLIC_KEYS": one_line(public_pem),
        "DVK_VAR_DIR": str(tmp_path / "var"), "DVK_HEARTBEAT_FILE": str(tmp_path / "relay-heartbeat"),
    })
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    topic = f"{topic_prefix}dvk.registration"
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    engine = create_engine(url)

    def unpublished() -> int:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(outbox_messages).where(outbox_messages.c.published_at.is_(None)))

    def headers(unit: int) -> dict[str, str]:
        token = issue_token(parse_private_key(private_pem), user_id=f"don-vi-{unit}", name="Cán bộ đơn vị",
                            role="don_vi", unit_id=unit, ward=WARD, ttl=300)
        return {"Authorization": f"Bearer {token}"}

    group = processes(env)
    group.run("dvk-worker", "migrate", "registration")
    group.run("dvk-worker", "seed", "registration")
    group.start("relay", "dvk-worker", "relay", "registration")
    group.start("web", "gunicorn", "registration.wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4")
    try:
        def bus_ok() -> bool:
            answer = timed("readyz", "GET", f"{base}/readyz")
            return answer.status == 200 and isinstance(answer.body, dict) and answer.body["checks"].get("bus") == "ok"

        assert wait_until(bus_ok, 90, interval=1), f"registration never became ready:\n{group.log('web')}"
        assert wait_until(lambda: unpublished() == 0, 90, interval=1), f"the seed's events were never published:\n{group.log('relay')}"
        with engine.connect() as conn:
            last_before = conn.scalar(select(func.coalesce(func.max(outbox_messages.c.seq), 0)))

        own_kafka.kill()  # SIGKILL: no clean shutdown, nothing flushed
        started = time.monotonic() + 0.5
        readyz: list[Answer] = []
        healthz: list[Answer] = []
        api: list[Answer] = []
        ticks = iter(range(10**6))

        def write() -> Answer:
            """One unit officer's model, drafted then sent: two API calls, the second writing an event."""
            n = next(ticks)
            unit = 1 + n % 21
            draft = timed("api", "POST", f"{base}/models", json=model_body(n, year), headers=headers(unit))
            if draft.status != 201:
                return draft
            api.append(draft)
            return timed("api", "POST", f"{base}/models/{draft.body['id']}/submit", json={},
                         headers={**headers(unit), "If-Match": f'"{draft.body["version"]}"'})

        loops = [
            threading.Thread(target=every, args=(READYZ_EVERY, int(OUTAGE_SECONDS / READYZ_EVERY), started,
                                                 lambda: timed("readyz", "GET", f"{base}/readyz"), readyz)),
            threading.Thread(target=every, args=(HEALTHZ_EVERY, int(OUTAGE_SECONDS / HEALTHZ_EVERY), started,
                                                 lambda: timed("healthz", "GET", f"{base}/healthz"), healthz)),
            threading.Thread(target=every, args=(API_EVERY, int(OUTAGE_SECONDS / API_EVERY), started, write, api)),
        ]
        for loop in loops:
            loop.start()
        deadline = time.monotonic() + OUTAGE_SECONDS + 120  # each call gives up after 15 s; this bounds the loops
        for loop in loops:
            loop.join(max(0.0, deadline - time.monotonic()))
        outage = time.monotonic() - started
        unfinished = [name for name, loop in zip(("/readyz", "/healthz", "API"), loops, strict=True) if loop.is_alive()]

        probes = readyz + healthz
        slow = [a for a in probes if a.status is None or a.seconds >= PROBE_LIMIT_SECONDS]
        slowest = sorted(probes, key=lambda a: a.seconds, reverse=True)[:3]
        counts = (f"{len(readyz)} /readyz and {len(healthz)} /healthz probes, {len(api)} API calls in {outage:.0f} s of outage; "
                  f"{len(slow)} probes slow or unanswered; slowest probes {', '.join(f'{a.kind} {a.seconds:.2f} s' for a in slowest)}, "
                  f"slowest API call {max((a.seconds for a in api), default=0):.2f} s")
        print("\n" + counts)
        assert not unfinished, f"the {', '.join(unfinished)} calls had not finished {outage:.0f} s after the broker was killed ({counts})"
        assert not slow, f"{len(slow)} probes took {PROBE_LIMIT_SECONDS} s or more or got no answer ({counts}): {slow[:5]}"
        refused = [a for a in api if a.status is None or not 200 <= a.status < 300]
        assert not refused, f"{len(refused)} API calls were not answered 2xx ({counts}): {refused[:5]}"
        assert len(readyz) == OUTAGE_SECONDS / READYZ_EVERY and len(healthz) == OUTAGE_SECONDS / HEALTHZ_EVERY, counts
        assert len(api) == 2 * OUTAGE_SECONDS / API_EVERY, counts
        assert all(a.status == 200 and a.body["status"] == "ok" for a in healthz), [a for a in healthz if a.status != 200][:5]
        # The web process stays in the load balancer, saying the bus is down: 200 "degraded", the database fine.
        assert all(a.status == 200 and a.body["checks"]["database"] == "ok" for a in readyz), [a for a in readyz if a.status != 200][:5]
        # Each worker keeps its last bus answer 5 s and asks again with a 2 s timeout, so a probe may still say "ok"
        # just after the kill; from 15 s on, every probe must say the bus is down.
        later = [a for a in readyz if a.at - started >= 15]
        not_degraded = [a.body for a in later if a.body["status"] != "degraded" or not a.body["checks"]["bus"].startswith("error")]
        assert later and not not_degraded, f"/readyz did not report the bus down 15 s after the kill: {not_degraded[:5]}"
        assert unpublished() == OUTAGE_SECONDS / API_EVERY, "each model sent during the outage should wait in the outbox"

        own_kafka.start()  # the same data directory and ports
        assert wait_until(lambda: unpublished() == 0, 120, interval=1), \
            f"{unpublished()} events still unpublished 120 s after the broker returned:\n{group.log('relay')}"
        with engine.connect() as conn:
            written = set(conn.scalars(select(outbox_messages.c.id).where(outbox_messages.c.seq > last_before,
                                                                          outbox_messages.c.type == SUBMITTED)))
        assert len(written) == OUTAGE_SECONDS / API_EVERY
        bus = bus_for({"BUS": "kafka", "KAFKA_BOOTSTRAP": own_kafka.bootstrap})
        try:
            on_topic = {(r.header("ce_id") or b"").decode() for r in read_topic(bus, topic, len(written), timeout=60)}
        finally:
            bus.close()
        missing = written - on_topic
        assert not missing, f"{len(missing)} of {len(written)} events written during the outage are not on {topic}"
        assert wait_until(bus_ok, 30, interval=1), "/readyz did not report the bus back"
    finally:
        group.stop_all()
        engine.dispose()
