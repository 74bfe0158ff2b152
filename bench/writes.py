"""Benchmark 1, API writes: units send their draft models (POST /models/<id>/submit, which changes the model,
writes its history, audit and outbox rows in one transaction) through gunicorn at 32 concurrent connections,
against the same write done minimally (same_work.py: bare Flask and one psycopg statement) under the identical
gunicorn configuration; interleaved runs, ratios per pair."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
from common import ROOT, WRK_DONE, Gunicorn, ensure_wrk, median, profile_by_package, run_wrk, service_env, token
from wards import UNIT_IDS, add_drafts, pg_dsn, registration_database

SUBMIT_SCRIPT = r'''
-- Each wrk thread sends its own share of the drafts: ids first + tid, first + tid + threads, ...
local first, threads = %(first)d, %(threads)d
local tokens = %(tokens)s
local units = %(units)s
local n = 0
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function request()
  local id = first + tid + n * threads
  n = n + 1
  local unit = units[(id %% #units) + 1]
  return wrk.format("POST", "/models/" .. id .. "/submit", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[unit],
    ["If-Match"] = '"1"',
  }, '{"note": "Đơn vị gửi đăng ký mô hình"}')
end
'''


WRK_THREADS = 2


def submit_script(path: Path, first: int, threads: int = WRK_THREADS) -> Path:
    tokens = "{" + ", ".join(f'[{u}] = "{token("don_vi", u)}"' for u in UNIT_IDS) + "}"
    units = "{" + ", ".join(str(u) for u in UNIT_IDS) + "}"
    path.write_text(SUBMIT_SCRIPT % {"first": first, "threads": threads, "tokens": tokens, "units": units} + WRK_DONE)
    return path


def run(servers: Any, work: Path, *, duration: float, rounds: int, connections: int = 32, drafts: int = 60_000,
        topic_prefix: str, profile_seconds: float = 0) -> dict[str, Any]:
    config = {"BUS": "kafka", "KAFKA_BOOTSTRAP": servers.kafka_bootstrap, "TOPIC_PREFIX": topic_prefix}
    url = registration_database(servers.databases, config)
    with psycopg.connect(pg_dsn(url)) as conn:
        year = conn.execute("SELECT max(year) FROM registration_periods").fetchone()[0]
    add_drafts(url, 1000, drafts, year)
    logs = work / "logs"
    registration = Gunicorn("bench1-registration-web", "registration.wsgi:app",
                            service_env(url, servers.kafka_bootstrap, topic_prefix), logs)
    ceiling = Gunicorn("bench1-same-work-web", "same_work:app", {**service_env(url, servers.kafka_bootstrap, topic_prefix),
                                                                  "PYTHONPATH": str(ROOT / "bench")}, logs)
    next_id = 1000
    runs: list[dict[str, Any]] = []

    def first_unsent() -> int:
        with psycopg.connect(pg_dsn(url)) as conn:
            # past the last sent draft, with room for requests still finishing when wrk stopped
            return conn.execute("SELECT coalesce(max(id), 999) + 64 FROM model_registrations "
                                "WHERE status <> 'draft'").fetchone()[0]
    try:
        def one(target: str, seconds: float, record: bool) -> dict[str, Any]:
            nonlocal next_id
            script = submit_script(work / f"submit-{next_id}.lua", next_id)
            server = registration if target == "registration" else ceiling
            cpu = server.cpu_seconds()
            result = run_wrk(server.url, script, seconds, connections, threads=WRK_THREADS)
            result["cpu_ms_per_request"] = (server.cpu_seconds() - cpu) * 1000 / max(1, result["requests"])
            next_id = first_unsent()  # both submit drafts: never reuse one, whatever the threads' shares were
            if record:
                runs.append({"target": target, **result})
            return result

        one("ceiling", 3, False)  # warm both (imports, connection pools) before measuring
        one("registration", 3, False)
        for r in range(rounds):
            order = ["registration", "ceiling"] if r % 2 == 0 else ["ceiling", "registration"]
            for target in order:
                one(target, duration, True)
        # Where a registration worker's CPU goes under the same load (not counted in the figures above).
        profile = None
        if profile_seconds:
            script = submit_script(work / f"submit-{next_id}.lua", next_id)
            load = subprocess.Popen([ensure_wrk(), f"-t{WRK_THREADS}", f"-c{connections}", f"-d{round(profile_seconds) + 3}s", "-s",
                                     str(script), registration.url], stdout=subprocess.PIPE, text=True)
            time.sleep(1.5)
            profile = profile_by_package(registration.worker_pids()[0], profile_seconds)
            load.communicate()
            next_id = first_unsent()
        rss = {"registration": registration.worker_rss_mb(), "ceiling": ceiling.worker_rss_mb()}
    finally:
        registration.stop()
        ceiling.stop()
    if next_id - 1000 >= drafts:
        raise RuntimeError(f"benchmark 1 ran out of drafts ({drafts}); raise the pool")
    with psycopg.connect(pg_dsn(url)) as conn:
        submitted = conn.execute("SELECT count(*) FROM model_registrations WHERE status = 'submitted'").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM outbox_messages WHERE type LIKE '%model-submitted%'").fetchone()[0]
    reg = [x for x in runs if x["target"] == "registration"]
    bare = [x for x in runs if x["target"] == "ceiling"]
    ratios = [a["rps"] / b["rps"] for a, b in zip(reg, bare, strict=True)]
    ok_all = sum(x["ok"] for x in runs)
    return {
        "runs": runs,
        "registration": {k: median([x[k] for x in reg]) for k in ("rps", "p50_ms", "p99_ms", "max_ms", "cpu_ms_per_request")},
        "ceiling": {k: median([x[k] for x in bare]) for k in ("rps", "p50_ms", "p99_ms", "max_ms", "cpu_ms_per_request")},
        "ratios": ratios,
        "ratio": median(ratios),
        "errors": sum(x["status_errors"] + x["socket_errors"] for x in reg),
        "submitted_in_db": submitted,
        "events_in_outbox": events,
        # warm-up sends counted too: every 2xx of either side in the database, each with its outbox row
        "consistent": submitted == events and submitted >= ok_all,
        "rss_mb": rss,
        "profile": profile,
        "command": reg[0]["command"] if reg else "",
        "config": json.dumps({"duration_s": duration, "rounds": rounds, "connections": connections}),
    }
