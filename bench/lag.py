"""Benchmark 3, end-to-end lag: units send models at a steady rate through registration's web process; its relay
publishes the model-submitted events to Kafka; notify's consumer tells Phòng VH-XH (an inbox row per
recipient). Measured per submission: from the HTTP 200 of the send to the creation of the notify inbox row."""
from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from common import BIN, Gunicorn, Process, percentile, profile_by_package, service_env, token
from wards import UNIT_IDS, add_drafts, pg_dsn, registration_database, unit_of

from dvk_platform.bus.kafka import KafkaBus
from dvk_platform.migrations import upgrade
from dvk_testing.recipients import publish_users

# Who works in the ward, as the gateway's user-created events tell notify: Phòng VH-XH hears of every model sent.
RECIPIENTS = [
    {"user_id": "vhxh-hoa", "name": "Trần Thị Hoa", "email": "hoa.vhxh@minhxuan.gov.vn", "role": "vhxh", "unit_id": 3, "active": True},
    {"user_id": "vhxh-binh", "name": "Lê Văn Bình", "email": "binh.vhxh@minhxuan.gov.vn", "role": "vhxh", "unit_id": 3, "active": True},
    {"user_id": "ld-minh", "name": "Nguyễn Văn Minh", "email": "minh.chutich@minhxuan.gov.vn", "role": "lanh_dao", "unit_id": None, "active": True},
] + [{"user_id": f"don-vi-{u}", "name": f"Cán bộ đơn vị {u}", "email": f"donvi{u}@minhxuan.gov.vn", "role": "don_vi",
      "unit_id": u, "active": True} for u in UNIT_IDS]


def _send_steadily(base_url: str, first_id: int, rate: float, seconds: float, senders: int = 24) -> list[dict[str, Any]]:
    """Open loop: submission k is due at start + k/rate whatever happened to the earlier ones."""
    host, port = base_url.removeprefix("http://").split(":")
    tokens = {u: f"Bearer {token('don_vi', u)}" for u in UNIT_IDS}
    due: queue.Queue[tuple[int, float] | None] = queue.Queue()
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def sender() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        body = json.dumps({"note": "Đơn vị gửi đăng ký mô hình"}).encode()
        while (item := due.get()) is not None:
            model_id, planned = item
            sent = time.time()
            try:
                conn.request("POST", f"/models/{model_id}/submit", body=body, headers={
                    "Content-Type": "application/json", "Authorization": tokens[unit_of(model_id)], "If-Match": '"1"'})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                status = 0
            answered = time.time()
            with lock:
                results.append({"model_id": model_id, "planned": planned, "sent": sent, "answered": answered,
                                "status": status})
        conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for t in threads:
        t.start()
    start = time.time() + 0.5
    total = int(rate * seconds)
    for k in range(total):
        planned = start + k / rate
        pause = planned - time.time()
        if pause > 0:
            time.sleep(pause)
        due.put((first_id + k, planned))
    for _ in threads:
        due.put(None)
    for t in threads:
        t.join(120)
    return results


def run(servers: Any, work: Path, *, rate: float, seconds: float, topic_prefix: str,
        profile_seconds: float = 0) -> dict[str, Any]:
    bootstrap = servers.kafka_bootstrap
    KafkaBus(bootstrap).ensure_topics([f"{topic_prefix}dvk.{s}" for s in ("registration", "reporting", "awards", "gateway")])
    reg_url = registration_database(servers.databases, {"BUS": "kafka", "KAFKA_BOOTSTRAP": bootstrap,
                                                        "TOPIC_PREFIX": topic_prefix})
    with psycopg.connect(pg_dsn(reg_url)) as conn:
        year = conn.execute("SELECT max(year) FROM registration_periods").fetchone()[0]
        seeded = conn.execute("SELECT count(*) FROM outbox_messages").fetchone()[0]
    total = int(rate * seconds)
    add_drafts(reg_url, 1000, total + 100, year)
    notify_url = servers.databases.create("bench_notify")
    upgrade("notify", notify_url)
    users_bus = KafkaBus(bootstrap)
    publish_users(users_bus, {"TOPIC_PREFIX": topic_prefix}, RECIPIENTS)
    users_bus.close()
    seeded += len(RECIPIENTS)  # the account events reach notify's inbox too
    logs = work / "logs"
    reg_env = service_env(reg_url, bootstrap, topic_prefix)
    notify_env = service_env(notify_url, bootstrap, topic_prefix)
    processes: list[Process] = []
    try:
        registration = Gunicorn("bench3-registration-web", "registration.wsgi:app", reg_env, logs)
        processes.append(registration)
        processes.append(Process("bench3-registration-relay", [str(BIN / "dvk-worker"), "relay", "registration"], reg_env, logs))
        processes.append(Process("bench3-notify-consumer", [str(BIN / "dvk-worker"), "consume", "notify"], notify_env, logs))
        notify = Gunicorn("bench3-notify-web", "notify.wsgi:app", notify_env, logs)
        processes.append(notify)
        # The pipeline is up when the seed's events (units, period) have reached notify.
        with psycopg.connect(pg_dsn(notify_url), autocommit=True) as conn:
            deadline = time.monotonic() + 90
            while conn.execute("SELECT count(*) FROM inbox_events").fetchone()[0] < seeded:
                if time.monotonic() > deadline:
                    raise RuntimeError("notify did not receive the seed's events: " + processes[2].log_tail())
                time.sleep(0.2)
        profile: list[Any] = []
        if profile_seconds:
            consumer_pid = processes[2].pid

            def sample() -> None:
                time.sleep(min(5.0, seconds / 3))
                profile.append(profile_by_package(consumer_pid, min(profile_seconds, seconds / 2)))

            threading.Thread(target=sample, daemon=True).start()
        sends = _send_steadily(registration.url, 1000, rate, seconds)
        ok = [s for s in sends if s["status"] == 200]
        with psycopg.connect(pg_dsn(reg_url)) as conn:
            event_of = dict(conn.execute("SELECT aggregateid::int, id FROM outbox_messages "
                                         "WHERE type = 'vn.dvk.registration.model-submitted.v1'").fetchall())
        wanted = [event_of[s["model_id"]] for s in ok if s["model_id"] in event_of]
        arrived: dict[str, datetime] = {}
        with psycopg.connect(pg_dsn(notify_url), autocommit=True) as conn:
            deadline = time.monotonic() + 120
            while len(arrived) < len(wanted) and time.monotonic() < deadline:
                rows = conn.execute("SELECT event_id, min(created_at) FROM inbox_messages WHERE event_id = ANY(%s) "
                                    "GROUP BY event_id", (wanted,)).fetchall()
                arrived = dict(rows)
                time.sleep(0.5)
            inbox_rows = conn.execute("SELECT count(*) FROM inbox_messages WHERE event_id = ANY(%s)", (wanted,)).fetchone()[0]
        # The notify web process serves Phòng VH-XH's inbox from what arrived (and is warmed for the memory figure).
        import requests

        inbox = requests.get(f"{notify.url}/inbox?limit=50", timeout=30,
                             headers={"Authorization": f"Bearer {token('vhxh', 3, user_id='vhxh-hoa')}"}).json()
        rss = {"registration": registration.worker_rss_mb(), "notify": notify.worker_rss_mb()}
    finally:
        for process in reversed(processes):
            process.stop()
    lags = []
    for s in ok:
        event_id = event_of.get(s["model_id"])
        if event_id in arrived:
            lags.append((arrived[event_id].astimezone(UTC).timestamp() - s["answered"]) * 1000)
    http_ms = [(s["answered"] - s["planned"]) * 1000 for s in ok]
    times = sorted(t.timestamp() for t in arrived.values())
    span = (max(s["answered"] for s in sends) - min(s["planned"] for s in sends)) if sends else 0
    return {
        "rate": rate,
        "seconds": seconds,
        "sent": len(sends),
        "ok": len(ok),
        "achieved_rate": len(ok) / span if span else 0,
        "arrived": len(lags),
        "inbox_rows": inbox_rows,
        "inbox_total_vhxh": inbox.get("total"),
        "lag_p50_ms": percentile(lags, 50) if lags else None,
        "lag_p99_ms": percentile(lags, 99) if lags else None,
        "lag_max_ms": max(lags) if lags else None,
        "http_p50_ms": percentile(http_ms, 50) if http_ms else None,
        "http_p99_ms": percentile(http_ms, 99) if http_ms else None,
        "consumer_rate": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else None,
        "profile": profile[0] if profile else None,
        "rss_mb": rss,
    }
