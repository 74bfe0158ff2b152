"""`make bench`: every benchmark against its ceiling, side by side on this machine, then bench/RESULTS.md.

Usage: .venv/bin/python bench/run.py [--quick] [--only writes,relay,lag,consumer,scale,files,memory] [--results PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from dvk_platform.config import PLATFORM_DEFAULTS

sys.path.insert(0, str(Path(__file__).resolve().parent))

import consumer  # noqa: E402
import files  # noqa: E402
import lag  # noqa: E402
import relay  # noqa: E402
import scale  # noqa: E402
import writes  # noqa: E402
from common import ROOT, Gunicorn, ensure_wrk, load_average, median, service_env, token  # noqa: E402

from dvk_platform.migrations import upgrade  # noqa: E402
from dvk_testing.servers import RealServers  # noqa: E402

# Durations, scaled from the so that the whole run stays near 10 minutes on a 2-core machine.
FULL = {
    "writes": {"duration": 15, "rounds": 2, "profile_seconds": 8},
    "relay": {"messages": 50_000, "rounds": 2, "batch_sizes": [PLATFORM_DEFAULTS["RELAY_BATCH_SIZE"], 500]},
    "lag": {"rate": 100.0, "seconds": 30},
    "consumer": {"events": 2000, "rounds": 2, "profile_seconds": 8},
    "scale": {"variants": {"ward": {"wards": 1, "eight": True, "drafts": 3, "docx": True},
                           "15 wards": {"wards": 15, "eight": False, "drafts": 1, "docx": True},
                           "province": {"wards": 150, "eight": False, "drafts": 0, "docx": False}},
              "seconds": 10, "rounds": 2},
    "files": {"megabytes": 10, "files": 5, "rounds": 2},
}
QUICK = {
    "writes": {"duration": 4, "rounds": 1, "profile_seconds": 0},
    "relay": {"messages": 5_000, "rounds": 1, "batch_sizes": [PLATFORM_DEFAULTS["RELAY_BATCH_SIZE"], 500]},
    "lag": {"rate": 20.0, "seconds": 5},
    "consumer": {"events": 300, "rounds": 1, "profile_seconds": 0},
    "scale": {"variants": {"ward": {"wards": 1, "eight": True, "drafts": 1, "docx": True},
                           "3 wards": {"wards": 3, "eight": False, "drafts": 1, "docx": False},
                           "province": {"wards": 10, "eight": False, "drafts": 0, "docx": False}},
              "seconds": 3, "rounds": 1},
    "files": {"megabytes": 10, "files": 2, "rounds": 1},
}

# What each service's web worker serves before its memory is read (besides the benchmark's own load).
EXERCISE = {
    "registration": ["/models?per_page=100", "/units", "/compliance/2026"],
    "reporting": ["/progress?year=2026", "/reports?year=2026"],
    "awards": ["/decisions", "/proposal-letters"],
    "notify": ["/inbox", "/deliveries"],
    "gateway": ["/dang-nhap", "/"],
}


# What the figures mean, from profiling on this machine while building the benchmarks (see the final report of
# issue 10); it does not change from run to run, the figures above it do.
ANALYSIS = [
    "**Writes (1).** A submit is now 7 SQL statements plus BEGIN and COMMIT, all plain Core statements on the "
    "session's connection (the model with its period's deadline, the version-checked UPDATE, the files, the history, "
    "audit and outbox INSERTs, the history read back); the ceiling does the same work in one statement. Where a "
    "submit's CPU went, in process (`bench/profile_submit.py`: cProfile over `time.process_time`, 200 submits through "
    "the whole WSGI stack; the profiler itself roughly triples the figures), before the change: 35.6 ms a submit, of "
    "which the model step through the ORM 24 ms — the unit of work's flush of model, audit and history 7.0 ms (the audit hook's "
    "before/after of every column 3.1 ms of it), loading the model 3.8 ms, the period 2.4 ms, the files read twice "
    "4.6 ms, the history 2.4 ms, the outbox insert through the session 2.8 ms; the token check 3.0 ms (PyJWT parses "
    "the token's header twice; the key itself is parsed once per process); flask-smorest's answer (marshmallow) "
    "1.5 ms; the rest Flask, werkzeug and the platform's hooks. After: 27.0 ms a submit, of which the seven statements "
    "15.8 ms (SQLAlchemy compiling and executing each Core statement is most of it, psycopg's part 2.8 ms), the "
    "token check 2.9 ms, the answer 1.4 ms. Without the profiler: 11.3 → 7.65 ms of CPU per submit in process. "
    "Reaching 3 ms would need the submit as one statement, as the ceiling writes it (PostgreSQL only: SQLite, which "
    "`make run` uses, has no data-modifying CTEs), and the token check without PyJWT's second parse; neither was done. "
    "Under load the absolute figures (req/s, ms of CPU, p99) are far from those of a quiet machine; the ratios are "
    "what to compare.",
    "**Relay (2).** The relay reads a batch, builds the CloudEvents and sends them while the previous batch is "
    "acknowledged; kafka-python's own `send` is the larger share of both runs, and the relay's Python work (headers, "
    "reading rows through SQLAlchemy) competes with the producer's thread for the interpreter lock on cores that other "
    "work kept busy. The ratio moved between rounds by more than the 0.9 target's margin (see the ratios per round).",
    "**Lag (3).** On PostgreSQL the relay is woken by LISTEN/NOTIFY when an outbox row commits, so the poll interval "
    "is no longer part of the lag; the p50 at the low rate shows the pipeline's own lag. At the issue's 100/s this run "
    "could not even send the load (the web process answered a fraction of it, the rest queued in the sender), so the "
    "lag there is the queue's; on a loaded 2-core machine every process of the pipeline waits for a core. In the "
    "low-rate run not every submission was answered 200 within the sender's 30 s timeout (the table's 200 column); "
    "those are counted as sent, not as arrived.",
    "**notify's consumer (6).** A model-submitted event is one transaction of 6 statements now (counted by the "
    "driver, BEGIN and COMMIT apart): the claim in the inbox, the read model's upsert (INSERT … ON CONFLICT … DO "
    "UPDATE … WHERE the stored fact is not newer), the users the route names with the unit's name, the inbox rows, the "
    "deliveries (an executemany psycopg pipelines), the webhook subscribers. In process with a CPU clock "
    "(`bench/consumer_profile.py 300`, 300 events, the machine's other load hardly counted): 19.2 → 10.0 ms of CPU and "
    "8 → 6 statements per event in this round, 37.7 ms and 9 statements before the first. The functions with the most "
    "own CPU time were SQLAlchemy's statement construction (coercions, cache keys, ORM row loading) and are now "
    "psycopg's sending and waiting. Paired with the bare loop in the same run (benchmark 6 alone, under a load "
    "average of 11–15 on 2 cores, the previous code measured minutes before): 0.017 → 0.048 of the bare loop, "
    "33.5 → 57.4 events/s. 300 events/s is not met: each event still pays BEGIN, six round trips to PostgreSQL and "
    "COMMIT on cores other work keeps busy (py-spy by package, before and after: psycopg, mostly waiting for the "
    "server, 78.8 % and 65.7 %, SQLAlchemy 13.2 % and 15.1 %, shares of a faster loop, not of the same time); "
    "reaching it would need the round trips of many events batched into one transaction (a poll's events together, "
    "each event again alone when one of them fails), which this round did not change.",
    "**Scale (4).** Per ward the progress query and the draft are computed on read from whole ORM rows (each unit "
    "report with its sections): linear in the units of the database; a single reporting instance for many wards would "
    "need progress aggregated in SQL from only the needed columns. This run's progress p99 is the machine's load as "
    "much as the query's (the previous run, on a quieter machine, met the goal).",
]


# The figures of the run before the changes below (bench/RESULTS.md of commit 3330ad9, 2026-11-27 20:46 UTC, the
# same machine and command), to set beside this run's.
BEFORE = {"writes_cpu_ms": 8.56, "writes_rps": 180.9, "writes_p99_ms": 353.7,
          "lag_p99_ms": 1292.0, "lag_p50_ms": 303.0, "lag_sustained_p99_ms": 295.0, "lag_sustained_p50_ms": 162.0}
CHANGES = [
    ("Relay wake-up", "On PostgreSQL a trigger on the outbox sends NOTIFY when a transaction with events commits and the "
                      "relay, LISTENing on a connection of its own, reads at once instead of at its next poll (0.2 s); "
                      "polling stays the fallback."),
    ("Registration submit", "No ping to PostgreSQL before each request's transaction: only a pooled connection idle for "
                            "more than 5 s is pinged (one round trip fewer per request)."),
    ("Benchmark 1's ceiling", "The same submit done minimally (bare Flask, the same token check, one psycopg statement) "
                              "instead of a bare Flask answer of a constant (2 375 req/s, 0.64 ms of CPU per request)."),
    ("notify's consumer", "The event's id is claimed in the inbox by the transaction's first statement (INSERT … ON CONFLICT "
                          "DO NOTHING RETURNING) instead of a look-up before the handler and an insert after it; the inbox "
                          "rows and deliveries of an event are two multi-row INSERTs instead of ORM objects flushed one by "
                          "one; the unit's name and the webhook subscribers are read as the columns needed, not whole "
                          "objects: 9 → 7 statements per model-submitted event (benchmark 6, new: measured before the "
                          "change on this code with the same run)."),
    ("notify's consumer, second round", "The read models (in notify a model's or report's submission, a unit, an "
                                        "account; in reporting and awards the units) are kept by one INSERT … ON "
                                        "CONFLICT … DO UPDATE … WHERE the stored fact is not newer, instead of "
                                        "loading the row to compare its time and flushing it; only "
                                        "the users the route names are read, with the unit's name in the same query; "
                                        "the statements are built once and run on the session's connection: 8 → 6 "
                                        "statements and 19.2 → 10.0 ms of CPU per model-submitted event "
                                        "(`bench/consumer_profile.py 300`, in process). Benchmark 6 now publishes the "
                                        "submissions once notify knows the ward's accounts (it could handle them "
                                        "before and tell no one); before: the previous code measured so."),
]
# Benchmark 1 before the workflow step was written as plain statements: the same command (`bench/run.py --only writes`)
# on 2026-12-03 21:08 UTC, on the code just before the change, right before the run after it (load average about 11 on
# 2 cores); the in-process CPU figures from `bench/profile_submit.py` (300 submits, time.process_time, no profiler).
BEFORE_STEP = {"cpu_ms": 12.61, "rps": 33.3, "ratio": 0.208, "cpu_ratio": 0.146, "in_process_ms": 11.3,
               "statements": 9}
STEP_CHANGE = ("Registration workflow step (submit, return, accept, withdraw)",
               "The model is no longer loaded as an object and flushed by the unit of work: the model and its "
               "period's deadline are read in one SELECT, one UPDATE … WHERE id = :id AND version = :v writes it (the "
               "version check; 412 when another edit came in between, nothing written), the files are read once "
               "(they were read twice), the history, audit and outbox rows are plain INSERTs on the session's "
               "connection in the same transaction, and the answer is built from what was written: 9 → 7 statements "
               "per submit. The token's key was already parsed once per process; its check (PyJWT, about 0.3 ms) is "
               "unchanged.")
# Benchmark 6 before the consumer change, the same command (`bench/run.py --only consumer`) on 2026-12-03 13:48 UTC under
# the same shared load (load average about 10 on 2 cores).
BEFORE_CONSUMER = {"rate": 19.7, "bare_rate": 758.6, "ratio": 0.026}
# Benchmark 6 before the read models' upserts, the same command on the code before them, 2026-12-03 21:09 UTC under shared load
# (load average 11–15 on 2 cores).
BEFORE_CONSUMER_UPSERTS = {"rate": 33.5, "bare_rate": 1919.0, "ratio": 0.017}


def changes(r: dict[str, Any]) -> list[str]:
    """What changed in the code since the previous run, with the figures before and in this run."""
    w = r.get("writes")
    after: dict[str, str] = {}
    if isinstance(w, dict):
        reg, ceiling = w["registration"], w["ceiling"]
        after["writes"] = (f"{reg['cpu_ms_per_request']:.2f} ms per submit; {fmt(reg['rps'], 1)} req/s; "
                           f"p99 {fmt(reg['p99_ms'])} ms")
        after["step"] = (f"{reg['cpu_ms_per_request']:.2f} ms of web CPU per submit; {fmt(reg['rps'], 1)} req/s; ratio "
                         f"{w['ratio']:.3f} (CPU ratio {ceiling['cpu_ms_per_request'] / reg['cpu_ms_per_request']:.3f})")
        after["ceiling"] = (f"{fmt(ceiling['rps'], 1)} req/s, {ceiling['cpu_ms_per_request']:.2f} ms of CPU per request; "
                            f"ratio {w['ratio']:.3f}")
    c = r.get("consumer")
    if isinstance(c, dict):
        after["consumer"] = f"{c['notify_rate']:.1f} events/s, {c['ratio']:.3f} of the bare loop ({c['bare_rate']:.0f} events/s)"
    lags = [f"p99 {fmt(x['lag_p99_ms'])} ms, p50 {fmt(x['lag_p50_ms'])} ms at {fmt(x['rate'])}/s"
            for x in (r.get("lag"), r.get("lag_sustainable")) if isinstance(x, dict)]
    return [
        "## Changed since the previous run", "",
        "| part | change | before | this run |", "|---|---|---|---|",
        f"| {CHANGES[0][0]} | {CHANGES[0][1]} | lag p99 {fmt(BEFORE['lag_p99_ms'])} ms, p50 {fmt(BEFORE['lag_p50_ms'])} ms "
        f"at 100/s; p99 {fmt(BEFORE['lag_sustained_p99_ms'])} ms, p50 {fmt(BEFORE['lag_sustained_p50_ms'])} ms at 45/s "
        f"| {'; '.join(lags) or 'not run'} |",
        f"| {CHANGES[1][0]} | {CHANGES[1][1]} | {BEFORE['writes_cpu_ms']:.2f} ms per submit; {BEFORE['writes_rps']:.1f} req/s; "
        f"p99 {BEFORE['writes_p99_ms']:.0f} ms | {after.get('writes', 'not run')} |",
        f"| {CHANGES[2][0]} | {CHANGES[2][1]} | — | {after.get('ceiling', 'not run')} |",
        f"| {STEP_CHANGE[0]} | {STEP_CHANGE[1]} | {BEFORE_STEP['cpu_ms']:.2f} ms of web CPU per submit; "
        f"{BEFORE_STEP['rps']:.1f} req/s; ratio {BEFORE_STEP['ratio']:.3f} (CPU ratio {BEFORE_STEP['cpu_ratio']:.3f}); "
        f"{BEFORE_STEP['statements']} statements, {BEFORE_STEP['in_process_ms']:.1f} ms of CPU in process | "
        f"{after.get('step', 'not run')} |",
        f"| {CHANGES[3][0]} | {CHANGES[3][1]} | {BEFORE_CONSUMER['rate']:.1f} events/s, {BEFORE_CONSUMER['ratio']:.3f} of the "
        f"bare loop ({BEFORE_CONSUMER['bare_rate']:.0f} events/s) | {after.get('consumer', 'not run')} |",
        f"| {CHANGES[4][0]} | {CHANGES[4][1]} | {BEFORE_CONSUMER_UPSERTS['rate']:.1f} events/s, "
        f"{BEFORE_CONSUMER_UPSERTS['ratio']:.3f} of the bare loop ({BEFORE_CONSUMER_UPSERTS['bare_rate']:.0f} events/s) "
        f"| {after.get('consumer', 'not run')} |",
        "",
    ]


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    wrk_version = subprocess.run([ensure_wrk(), "-v"], capture_output=True, text=True, check=False)
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": ", ".join(f"{p} {version(p)}" for p in ("Flask", "gunicorn", "SQLAlchemy", "psycopg", "kafka-python",
                                                           "marshmallow", "flask-smorest")),
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0] if wrk_version.stdout + wrk_version.stderr else "wrk",
    }


def web_services() -> list[str]:
    return sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src" / p.name / "wsgi.py").exists())


def memory(servers: Any, work: Path, measured: dict[str, list[float]], topic_prefix: str) -> dict[str, Any]:
    """Every service's web worker: those the benchmarks loaded are already measured; the others are started,
    migrated, asked for their main pages, then read."""
    import requests

    out: dict[str, Any] = {name: {"rss_mb": rss, "after": "benchmark load"} for name, rss in measured.items()}
    for name in web_services():
        if name in out:
            continue
        try:
            url = servers.databases.create(f"bench_{name}")
            upgrade(name, url)
            web = Gunicorn(f"bench5-{name}-web", f"{name}.wsgi:app", service_env(url, servers.kafka_bootstrap, topic_prefix,
                                                                                DVK_COOKIE_SECURE="false"), work / "logs")
        except Exception as exc:  # noqa: BLE001 - a service that cannot start is reported, the others still measured
            out[name] = {"rss_mb": [], "after": f"did not start: {exc!s:.300}"}
            continue
        try:
            headers = {"Authorization": f"Bearer {token('admin')}"}
            with requests.Session() as http:
                for _ in range(20):
                    for path in ["/healthz", "/openapi.json", *EXERCISE.get(name, [])]:
                        http.get(web.url + path, headers=headers, timeout=30)
            out[name] = {"rss_mb": web.worker_rss_mb(), "after": "20 rounds of its main pages"}
        finally:
            web.stop()
    return out


def fmt(value: Any, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}".replace(",", " ")


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def _under_load(r: dict[str, Any], m: dict[str, str]) -> list[str]:
    """A warning when the machine was busier than its cores during the run: the absolute figures are then the load's."""
    cores = int(m.get("cores") or 1)
    loads = [float(x) for key in ("load_before", "load_after") for x in str(r.get(key, "")).split()[:1] if x]
    if not loads or max(loads) <= cores:
        return []
    return [f"**Taken under load:** other work kept the machine busy during this run (1-minute load average "
            f"{' and '.join(f'{x:.1f}' for x in loads)} before and after, on {cores} cores). Absolute figures (req/s, "
            "events/s, latencies) are therefore far below what the same code does on a quiet machine; the ratios, each "
            "measured side by side with its ceiling, are what to compare.", ""]


def files_section(b: Any, rows: list[str], details: list[str]) -> tuple[list[str], list[str]]:
    """Benchmark 7's goal rows and section."""
    if not b:
        return rows, details
    if not isinstance(b, dict) or not b.get("registration") or not b.get("ceiling"):
        rows.append(f"| 7 | evidence files | failed: {b if not isinstance(b, dict) else b.get('failures')} | |")
        return rows, details
    reg, bare, mem = b["registration"], b["ceiling"], b["memory"]
    growth = mem["registration"]["growth_mb"]
    up, down = median(b["upload_ratios"]), median(b["download_ratios"])
    rows.append(f"| 7 | a {b['megabytes']} MB evidence file: the web worker's memory grows ≤ 10 MB while files go up and "
                f"down | {fmt(growth, 1)} MB (peak {fmt(mem['registration']['peak_mb'], 1)} MB) "
                f"| {verdict(None if growth is None else growth <= 10)} |")
    rows.append(f"| 7 | upload / download of a {b['megabytes']} MB file against the same bytes moved minimally (ratio, no "
                f"goal set) | upload {up:.3f}, download {down:.3f} | — |")
    cfg = json.loads(b["config"])
    details += [
        f"## 7. Evidence files — a {b['megabytes']} MB PDF up to a model and back, vs the same bytes moved minimally", "",
        f"A unit officer's token; each upload goes to another draft model of the officer's unit (`POST /models/<id>/files`, "
        f"multipart, a caption), then each file is downloaded (`GET /models/<id>/files/<file_id>`) and its SHA-256 "
        f"compared with the one sent. The ceiling (`bench/bare_files.py`) parses the same multipart body with the same "
        f"parser, hashes it and writes it into PostgreSQL in 512 KiB chunks in one transaction, then answers it chunk "
        f"by chunk; no token, no type check, no previews, no audit or outbox row. One client, files one after the other, "
        f"{cfg['files']} files a run, {cfg['rounds']} rounds per side, interleaved; medians.", "",
        "| | upload MB/s | download MB/s | worker RSS before | worker peak (VmHWM) | growth |", "|---|---|---|---|---|---|",
        *(f"| {label} | {fmt(side['upload_mb_s'], 1)} | {fmt(side['download_mb_s'], 1)} | "
          f"{fmt(m['rss_before_mb'], 1)} MB | {fmt(m['peak_mb'], 1)} MB | {fmt(m['growth_mb'], 1)} MB |"
          for label, side, m in (("registration", reg, mem["registration"]), ("same bytes, minimal", bare, mem["ceiling"]))),
        "",
        f"Ratios per pair — upload: {', '.join(f'{x:.3f}' for x in b['upload_ratios'])}; download: "
        f"{', '.join(f'{x:.3f}' for x in b['download_ratios'])}. Files whose bytes came back different: {b['mismatches']}. "
        f"Refusals: {len(b['failures'])}. Growth is the largest worker's peak resident memory (VmHWM, since its start) "
        f"less its resident memory after the warm-up run (imports, connections, the first file), so it counts what "
        f"holding a file costs, not what loading the code does.",
        "",
    ]
    return rows, details


def write_results(path: Path, r: dict[str, Any]) -> None:
    m, s = r["machine"], r["servers"]
    lines = [
        "# Benchmarks — results of the last `make bench`",
        "",
        f"Run {r['started']} → {r['finished']} ({r['minutes']:.1f} min), `{r['command']}`. "
        f"Load average (1, 5, 15 min) before: {r['load_before']}, after: {r['load_after']}.",
        "",
        "## Machine",
        f"- {m['cores']} cores, {m['cpu']}, {m['memory']} RAM, Linux {m['kernel']}",
        f"- Python {m['python']}; {m['packages']}; {m['wrk']}",
        f"- {s['postgresql']}", f"- {s['kafka']}",
        "- Every web process: `gunicorn -c deploy/gunicorn.conf.py <app>` (2 workers x 4 threads, the production configuration),",
        "  the services with `DVK_BUS=kafka`, `DVK_LOG_LEVEL=INFO`, their own PostgreSQL database each.",
        "",
        "Other work shares the machine while this runs, so each benchmark runs the project and its ceiling in turn",
        "(A, B, A, B …) and compares the pair; the absolute figures move with the machine's load.",
        "",
        *_under_load(r, m),
        "## Goals",
        "",
        "| # | goal | measured | |",
        "|---|---|---|---|",
    ]
    rows: list[str] = []
    details: list[str] = []
    b = r.get("writes")
    if isinstance(b, dict):
        reg, ceiling = b["registration"], b["ceiling"]
        rows.append(f"| 1 | API writes ≥ 0.5 of the same write done minimally | {b['ratio']:.3f} ({fmt(reg['rps'])} vs "
                    f"{fmt(ceiling['rps'])} req/s) | {verdict(b['ratio'] >= 0.5)} |")
        rows.append(f"| 1 | ≤ 3 ms of web CPU per submit | {fmt(reg['cpu_ms_per_request'], 2)} ms "
                    f"| {verdict(reg['cpu_ms_per_request'] <= 3)} |")
        rows.append(f"| 1 | API writes p99 ≤ 100 ms at 32 connections | p99 {fmt(reg['p99_ms'])} ms (p50 {fmt(reg['p50_ms'])} ms) "
                    f"| {verdict(reg['p99_ms'] <= 100)} |")
        cfg = json.loads(b["config"])
        details += [
            "## 1. API writes — POST /models/<id>/submit vs the same write done minimally",
            "",
            f"Each request sends one pre-created draft (a different model each time, spread over the ward's 21 units, "
            f"each with its unit officer's token and `If-Match: \"1\"`): the model (its version checked), its history, "
            f"audit and outbox rows commit in one transaction, and the answer carries the model with its history. The "
            f"ceiling (`bench/same_work.py`) does the same work minimally: a bare Flask view checks the same token and "
            f"runs one SQL statement on its thread's psycopg connection (the version-checked update, the history, audit "
            f"and outbox inserts, the history read back), answering the same JSON. {cfg['rounds']} rounds × {cfg['duration_s']} s per side "
            f"(scaled down), {cfg['connections']} connections, 2 wrk threads; medians of the rounds.",
            "",
            "| | req/s | p50 ms | p99 ms | max ms | web workers' CPU per request |",
            "|---|---|---|---|---|---|",
            f"| registration submit | {fmt(reg['rps'], 1)} | {fmt(reg['p50_ms'], 1)} | {fmt(reg['p99_ms'], 1)} | "
            f"{fmt(reg['max_ms'], 1)} | {fmt(reg['cpu_ms_per_request'], 2)} ms |",
            f"| same work, minimal | {fmt(ceiling['rps'], 1)} | {fmt(ceiling['p50_ms'], 1)} | {fmt(ceiling['p99_ms'], 1)} | "
            f"{fmt(ceiling['max_ms'], 1)} | {fmt(ceiling['cpu_ms_per_request'], 2)} ms |",
            "",
            f"Ratio per pair: {', '.join(f'{x:.3f}' for x in b['ratios'])}; median **{b['ratio']:.3f}**. The ratio of the "
            f"CPU each answer costs the web workers (user + system time of the gunicorn workers over the run, divided by "
            f"the requests; PostgreSQL's own CPU not included), which the machine's other load hardly moves: "
            f"**{ceiling['cpu_ms_per_request'] / reg['cpu_ms_per_request']:.3f}**. "
            f"Errors: {b['errors']}. Database check: {b['submitted_in_db']} models submitted, {b['events_in_outbox']} "
            f"model-submitted outbox rows ({'consistent' if b['consistent'] else 'INCONSISTENT'}).",
            "",
            f"Command (one run): `{b['command']}`",
            "",
        ]
        if b.get("profile"):
            details += ["Where one registration worker's threads are, under this load (py-spy samples of threads py-spy does "
                        "not see as idle, self time by package; a thread waiting inside psycopg for PostgreSQL's answer "
                        "counts as psycopg):", "",
                        "| package | share |", "|---|---|"]
            details += [f"| {name} | {share:.1f}% |" for name, share in b["profile"][:12]]
            details.append("")
    elif b:
        rows.append(f"| 1 | API writes | failed: {b} | |")
    b = r.get("relay")
    if isinstance(b, dict):
        default = b["by_batch"][b["default_batch"]]
        rows.append(f"| 2 | relay ≥ 0.9 of kafka-python's producer | {default['ratio']:.3f} at the default batch "
                    f"({b['default_batch']}) | {verdict(default['ratio'] >= 0.9)} |")
        details += [
            f"## 2. Relay — {b['messages']:,} outbox rows to Kafka vs kafka-python's producer".replace(",", " "),
            "",
            "The relay reads a batch of unpublished rows in order (the payload as its stored JSON text), builds the "
            "CloudEvents (binary mode: JSON value, `ce_*` headers, aggregate id as key) and hands them to the producer "
            "(acks=all, idempotence); while Kafka acknowledges that batch it reads and sends the next, then marks the "
            "acknowledged batch published. The ceiling is a KafkaProducer made by the platform's KafkaBus (the same "
            "settings) sending the very messages the relay builds from the same rows, prepared beforehand, then one "
            "flush. Each run writes to a fresh 3-partition topic.",
            "",
            "| | messages/s | ratio per round | median ratio |",
            "|---|---|---|---|",
        ]
        for batch, v in b["by_batch"].items():
            label = "relay, batch " + str(batch) + (" (default `DVK_RELAY_BATCH_SIZE`)" if batch == b["default_batch"] else "")
            details.append(f"| {label} | {fmt(v['rate'])} | {', '.join(f'{x:.3f}' for x in v['ratios'])} | **{v['ratio']:.3f}** |")
        details += [f"| kafka-python producer | {fmt(b['producer_rate'])} | | |", "",
                    f"Every run published all rows: {'yes' if b['all_published'] else 'NO'}.", ""]
    elif b:
        rows.append(f"| 2 | relay | failed: {b} | |")
    runs = [b for b in (r.get("lag"), r.get("lag_sustainable")) if isinstance(b, dict)]
    for b in runs:
        asked = f"{fmt(b['rate'])}/s asked" + (", the rate this machine sustains" if b is r.get("lag_sustainable") else "")
        rows.append(f"| 3 | end-to-end p99 ≤ 500 ms ({asked}) | p99 {fmt(b['lag_p99_ms'])} ms, p50 {fmt(b['lag_p50_ms'])} ms at "
                    f"{fmt(b['achieved_rate'], 1)}/s | {verdict(b['lag_p99_ms'] is not None and b['lag_p99_ms'] <= 500)} |")
    if runs:
        details += [
            "## 3. End-to-end lag — a unit sends a model → Phòng VH-XH's notify inbox",
            "",
            "Processes: registration web (gunicorn), `dvk-worker relay registration`, `dvk-worker consume notify`, notify "
            "web; notify knows the ward's accounts from the gateway's user-created events published before the run. Open-loop "
            "load: submission k is sent at start + k/rate whatever happened to the earlier ones. Lag = creation time "
            "of the notify inbox row − the moment the sender read the HTTP 200. " + " ".join(b["rate_note"] for b in runs),
            "",
            "| rate asked | achieved | sent | 200 | reached notify | inbox rows | lag p50 | lag p99 | lag max | HTTP p50 "
            "| HTTP p99 | notify's consumer |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        details += [
            f"| {fmt(b['rate'])}/s for {fmt(b['seconds'])} s | {fmt(b['achieved_rate'], 1)}/s | {b['sent']} | {b['ok']} | "
            f"{b['arrived']} | {b['inbox_rows']} | {fmt(b['lag_p50_ms'])} ms | {fmt(b['lag_p99_ms'])} ms | "
            f"{fmt(b['lag_max_ms'])} ms | {fmt(b['http_p50_ms'])} ms | {fmt(b['http_p99_ms'])} ms | "
            f"{fmt(b['consumer_rate'], 1)} events/s |" for b in runs]
        details += ["", "HTTP latency counts from the moment each submission was due (no coordinated omission). "
                    "notify's consumer rate is over the run, first to last inbox row.", ""]
        profiled = next((b for b in runs if b.get("profile")), None)
        if profiled:
            details += [f"Where notify's consumer is during the load at {fmt(profiled['rate'])}/s (py-spy, self time by "
                        "package; waiting inside psycopg for PostgreSQL counts as psycopg):", "",
                        "| package | share |", "|---|---|"]
            details += [f"| {name} | {share:.1f}% |" for name, share in profiled["profile"][:10]]
            details.append("")
    for name in ("lag", "lag_sustainable"):
        if r.get(name) and not isinstance(r.get(name), dict):
            rows.append(f"| 3 | end-to-end lag | failed: {r[name]} | |")
    b = r.get("consumer")
    if isinstance(b, dict):
        rows.append(f"| 6 | notify's consumer ≥ 300 events/s | {fmt(b['notify_rate'], 1)} events/s, "
                    f"{b['ratio']:.3f} of the bare consumer loop ({fmt(b['bare_rate'])} events/s) "
                    f"| {verdict(b['notify_rate'] >= 300)} |")
        details += [
            f"## 6. notify's consumer — {b['events']:,} model-submitted events vs a bare consumer loop".replace(",", " "),
            "",
            "The events registration's relay sends for that many submissions (built by the relay's own functions) are on "
            "a fresh topic before each run. `dvk-worker consume notify` (the production worker, its own new database, "
            "the ward's accounts from the gateway's user-created events on the same prefix, counted among the events) handles each in "
            "its transaction: the contract check, the read model, Phòng VH-XH's and the leaders' inbox rows and "
            "deliveries, the event's inbox row; offsets committed after each poll. The ceiling (`bench/bare_consumer.py`) "
            "reads the same events with the platform's Kafka consumer (the same settings), decodes each CloudEvent and "
            "commits, with no database. Rates are first to last event handled; runs interleaved.",
            "",
            "| | events/s | ratio per round | median ratio |",
            "|---|---|---|---|",
            f"| notify's consumer | {fmt(b['notify_rate'], 1)} | {', '.join(f'{x:.3f}' for x in b['ratios'])} | "
            f"**{b['ratio']:.3f}** |",
            f"| bare consumer loop | {fmt(b['bare_rate'], 1)} | | |",
            "",
            f"Every run handled every event: {'yes' if b['all_handled'] else 'NO'}; inbox rows per event: "
            f"{b['inbox_rows_per_event']:.1f}.",
            "",
        ]
        if b.get("profile"):
            details += ["Where notify's consumer is during the run (py-spy, self time by package; waiting inside "
                        "psycopg for PostgreSQL counts as psycopg):", "", "| package | share |", "|---|---|"]
            details += [f"| {name} | {share:.1f}% |" for name, share in b["profile"][:10]]
            details.append("")
    elif b:
        rows.append(f"| 6 | notify's consumer | failed: {b} | |")
    b = r.get("scale")
    if isinstance(b, dict):
        ward = b["variants"].get("ward")
        if ward:
            ws = ward["summary"]
            rows.append(f"| 4 | progress p99 ≤ 300 ms (one ward's database, 60 units × 5 years) | p99 {fmt(ws['progress_p99_ms'])} ms "
                        f"(p50 {fmt(ws['progress_p50_ms'])} ms) | {verdict(ws['progress_p99_ms'] <= 300)} |")
            rows.append(f"| 4 | consolidated draft ≤ 2 s (one ward) | max {fmt(ws['draft_max_s'], 2)} s of {ws['draft_count']} | "
                        f"{verdict(ws['draft_max_s'] <= 2)} |")
        for name, v in b["variants"].items():
            if name == "ward":
                continue
            vs = v["summary"]
            draft = f", draft max {fmt(vs['draft_max_s'], 1)} s" if vs["draft_max_s"] is not None else ", draft not timed"
            ok = vs["progress_p99_ms"] <= 300 and (vs["draft_max_s"] is None or vs["draft_max_s"] <= 2)
            rows.append(f"| 4 | (stress, not the deployment) {v['wards']} wards in ONE reporting database | progress p99 "
                        f"{fmt(vs['progress_p99_ms'])} ms{draft} | {verdict(ok)} |")
        details += [
            "## 4. Province scale — reporting's progress and consolidated draft",
            "",
            "Reporting runs per ward (each ward its own stack and database, README \"Adding a ward\"), so the province's "
            "150 wards × 60 units × 5 years are 150 databases like the **ward** row below; the province's storage is "
            "150 × that database. The rows of several wards put that many wards' units into one reporting "
            "database, as a single shared instance would, to show where the design stops (the province's draft is not "
            "timed: it runs for minutes). Data: for each unit and year 2026–2030, 2 "
            "models (85 % accepted, a third of the Tốt ones typical), both reports (88 % accepted, six realistic "
            "sections each), both periods' target figures, and commendations for 8 % of units; the year asked is 2030 "
            "(the database as it will be at the end of the movement).",
            "",
            "| variant | units | models | reports | figures | database | progress p50 / p99 (1 reader) | "
            "progress p50 / p99 (8 readers) | draft p50 / max | Word document |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, v in b["variants"].items():
            c, sm = v["counts"], v["summary"]
            eight = (f"{fmt(sm['progress8_p50_ms'])} / {fmt(sm['progress8_p99_ms'])} ms ({fmt(sm['progress8_rps'], 1)} req/s)"
                     if sm["progress8_p50_ms"] is not None else "—")
            details.append(
                f"| {name} ({v['wards']} × 60 units) | {fmt(c['units'])} | {fmt(c['models'])} | "
                f"{fmt(c['reports'])} | {fmt(c['figures'])} | {c['database_mb']} MB | {fmt(sm['progress_p50_ms'])} / "
                f"{fmt(sm['progress_p99_ms'])} ms | {eight} | "
                f"{fmt(sm['draft_p50_s'], 2) + ' / ' + fmt(sm['draft_max_s'], 2) + ' s' if sm['draft_count'] else 'not timed'} | "
                f"{fmt(sm['docx_s'], 2) + ' s' if sm['docx_s'] else '—'} |")
        if ward:
            details += ["", f"Province storage for reporting, by the per-ward design: 150 × {ward['counts']['database_mb']} MB "
                        f"≈ {fmt(150 * ward['counts']['database_mb'] / 1024, 1)} GB.", ""]
        details += [f"Command (1 reader): `{b['command']}`; 8 readers: the same with `-t2 -c8`. Drafts: POST "
                    "/consolidated-reports as Phòng VH-XH, one at a time, each removed again.", ""]
    elif b:
        rows.append(f"| 4 | province scale | failed: {b} | |")
    rows, details = files_section(r.get("files"), rows, details)
    b = r.get("memory")
    if isinstance(b, dict):
        worst = max((x for name, v in b.items() if "stress" not in name for x in v["rss_mb"]), default=None)
        rows.append(f"| 5 | web worker RSS ≤ 150 MB each | largest {fmt(worst, 1)} MB | "
                    f"{verdict(None if worst is None else worst <= 150)} |")
        details += ["## 5. Memory — resident set of each web worker after the runs", "",
                    "| service | workers' RSS | after |", "|---|---|---|"]
        for name, v in sorted(b.items()):
            details.append(f"| {name} | {', '.join(fmt(x, 1) + ' MB' for x in v['rss_mb']) or '—'} | {v['after']} |")
        details.append("")
    elif b:
        rows.append(f"| 5 | memory | failed: {b} | |")
    lines += rows + [""] + changes(r) + details + ["## What the figures say", ""] + [f"- {x}" for x in ANALYSIS] + [""]
    if r.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in r["notes"]] + [""]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo hiệu năng: mỗi phép đo chạy cùng mức trần của nó, xen kẽ.")
    parser.add_argument("--quick", action="store_true", help="short runs, to check the benchmarks themselves")
    parser.add_argument("--only", default="writes,relay,lag,consumer,scale,files,memory")
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    only = set(args.only.split(","))
    ensure_wrk()
    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="dvk-bench-"))
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    results: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "load_before": load_average(),
        "command": "make bench" + (" (bench/run.py --quick)" if args.quick else ""), "machine": machine(), "notes": [],
    }
    measured: dict[str, list[float]] = {}
    try:
        with RealServers() as servers:
            results["servers"] = servers.describe()

            def step(name: str, fn: Any) -> Any:
                if name.split("_")[0] not in only:
                    return None
                print(f"[bench] {name} …", flush=True)
                t = time.time()
                try:
                    results[name] = fn()
                except Exception as exc:  # noqa: BLE001 - one failed benchmark is reported, the others still run
                    traceback.print_exc()
                    results[name] = f"{type(exc).__name__}: {exc!s:.500}"
                print(f"[bench] {name} done in {time.time() - t:.0f} s", flush=True)
                return results[name]

            b1 = step("writes", lambda: writes.run(servers, work, topic_prefix=prefix, **plan["writes"]))
            if isinstance(b1, dict):
                measured["registration"] = b1["rss_mb"]["registration"]
            step("relay", lambda: relay.run(servers, topic_prefix=prefix, **plan["relay"]))
            lag_plan = dict(plan["lag"])

            def lag_run(rate: float, note: str, profile: bool) -> dict[str, Any]:
                result = lag.run(servers, work, topic_prefix=prefix, **{**lag_plan, "rate": rate},
                                 profile_seconds=8 if profile and not args.quick else 0)
                result["rate_note"] = note
                measured["registration"] = [max(a, b) for a, b in zip(measured.get("registration", [0, 0]),
                                                                      result["rss_mb"]["registration"], strict=False)]
                measured["notify"] = result["rss_mb"]["notify"]
                return result

            # The rate first, whatever the machine carries; then, if the web process's saturated rate says
            # this machine cannot carry it beside the relay, the consumer, Kafka and PostgreSQL, a quarter of that.
            step("lag", lambda: lag_run(lag_plan["rate"], f"First run: {lag_plan['rate']:.0f}/s (the issue asks 100/s) for "
                                        f"{lag_plan['seconds']:.0f} s (the issue's 60 s scaled down).", profile=True))
            if isinstance(b1, dict) and not args.quick and b1["registration"]["rps"] / 4 < lag_plan["rate"]:
                sustainable = max(5.0, float(int(b1["registration"]["rps"] / 4)))
                step("lag_sustainable", lambda: lag_run(sustainable, (
                    f"Second run: this machine's registration web process carried {b1['registration']['rps']:.0f} req/s "
                    f"at saturation in benchmark 1 with the machine to itself, while here the relay, notify's consumer, "
                    f"Kafka and PostgreSQL share the same 2 cores, so a quarter of that, {sustainable:.0f}/s, shows "
                    f"the pipeline's own lag when it is not queueing."), profile=False))
            step("consumer", lambda: consumer.run(servers, work, **plan["consumer"]))
            b4 = step("scale", lambda: scale.run(servers, work, topic_prefix=prefix, **plan["scale"]))
            if isinstance(b4, dict):
                for name, v in b4["variants"].items():
                    # the per-ward deployment is the goal's; the one-database stress variant is shown beside it
                    measured["reporting" if name == "ward" else f"reporting ({name} stress database)"] = v["rss_mb"]
            step("files", lambda: files.run(servers, work, topic_prefix=prefix, **plan["files"]))
            step("memory", lambda: memory(servers, work, measured, prefix))
            results["load_after"] = load_average()
    finally:
        results["finished"] = datetime.now(UTC).strftime("%H:%M UTC")
        results["minutes"] = (time.time() - started) / 60
        results.setdefault("load_after", load_average())
        results.setdefault("servers", {"postgresql": "?", "kafka": "?"})
        (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
        write_results(Path(args.results), results)
        print(f"[bench] results: {args.results} (raw: {work / 'results.json'}, logs: {work / 'logs'})", flush=True)
        shutil.rmtree(work / "logs", ignore_errors=True) if os.environ.get("DVK_BENCH_KEEP_LOGS") != "1" else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
