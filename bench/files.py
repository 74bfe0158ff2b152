"""Benchmark 7, evidence files: a unit officer uploads a 10 MB PDF to a draft model (POST /models/<id>/files,
multipart, the production registration web process) and downloads it again (GET …/files/<file_id>), against the
same bytes moved minimally (bare_files.py: the same multipart parser, SHA-256, chunks into PostgreSQL and back) under
the identical gunicorn command; interleaved runs, ratios per pair; the web workers' peak resident memory (VmHWM)
over the runs against their resident memory before them."""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg
import requests
from common import ROOT, Gunicorn, median, service_env, token
from wards import add_drafts, pg_dsn, registration_database, unit_of


def pdf_bytes(megabytes: int, seed: int) -> bytes:
    """A file the services take as a PDF by its content: the signature, then incompressible bytes."""
    body = hashlib.shake_256(f"minh-chung-{seed}".encode()).digest(megabytes * 1024 * 1024 - 64)
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + b"\n%%EOF\n"


def _status_kb(pid: int, field: str) -> int:
    """A figure of /proc/<pid>/status in kB; 0 for a worker that has exited since its pid was read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith(field + ":")), 0)


class Side:
    """One web process and how a file goes up to it and comes back."""

    def __init__(self, name: str, server: Gunicorn, upload_url: Any, download_url: Any, headers: Any) -> None:
        self.name, self.server = name, server
        self.upload_url, self.download_url, self.headers = upload_url, download_url, headers

    def rss_kb(self) -> dict[int, int]:
        return {pid: _status_kb(pid, "VmRSS") for pid in self.server.worker_pids()}

    def peak_kb(self) -> dict[int, int]:
        return {pid: _status_kb(pid, "VmHWM") for pid in self.server.worker_pids()}


def run(servers: Any, work: Path, *, megabytes: int, files: int, rounds: int, topic_prefix: str) -> dict[str, Any]:
    config = {"BUS": "kafka", "KAFKA_BOOTSTRAP": servers.kafka_bootstrap, "TOPIC_PREFIX": topic_prefix}
    url = registration_database(servers.databases, config)
    with psycopg.connect(pg_dsn(url)) as conn:
        year = conn.execute("SELECT max(year) FROM registration_periods").fetchone()[0]
    first = 5000
    drafts = files * 2 * (rounds + 1)  # every run of either side takes fresh draft ids (warm-up included)
    add_drafts(url, first, drafts, year)
    logs = work / "logs"
    env = service_env(url, servers.kafka_bootstrap, topic_prefix)
    registration = Gunicorn("bench7-registration-web", "registration.wsgi:app", env, logs)
    ceiling = Gunicorn("bench7-bare-files-web", "bare_files:app", {**env, "PYTHONPATH": str(ROOT / "bench")}, logs)
    models = iter(range(first, first + drafts))
    sides = {
        "registration": Side("registration", registration,
                             lambda m: f"{registration.url}/models/{m}/files",
                             lambda m, f: f"{registration.url}/models/{m}/files/{f}",
                             lambda m: {"Authorization": f"Bearer {token('don_vi', unit_of(m))}"}),
        "ceiling": Side("ceiling", ceiling, lambda m: f"{ceiling.url}/files", lambda m, f: f"{ceiling.url}/files/{f}",
                        lambda m: {}),
    }
    payloads = [pdf_bytes(megabytes, i) for i in range(files)]
    hashes = [hashlib.sha256(p).hexdigest() for p in payloads]
    runs: list[dict[str, Any]] = []
    mismatches = 0
    failures: list[str] = []

    def one(side: Side, record: bool) -> None:
        nonlocal mismatches
        stored: list[tuple[int, int, str]] = []
        with requests.Session() as http:
            t = time.perf_counter()
            for i, payload in enumerate(payloads):
                model = next(models)
                answer = http.post(side.upload_url(model), headers=side.headers(model), timeout=300,
                                   files={"file": (f"Biên bản họp dân {i + 1}.pdf", payload, "application/pdf")},
                                   data={"caption": "Biên bản họp dân"})
                if answer.status_code != 201:
                    failures.append(f"{side.name} upload {answer.status_code}: {answer.text[:300]}")
                    continue
                stored.append((model, answer.json()["id"], hashes[i]))
            up_s = time.perf_counter() - t
            t = time.perf_counter()
            got = 0
            for model, file_id, expected in stored:
                digest = hashlib.sha256()
                with http.get(side.download_url(model, file_id), headers=side.headers(model), stream=True,
                              timeout=300) as answer:
                    if answer.status_code != 200:
                        failures.append(f"{side.name} download {answer.status_code}")
                        continue
                    for piece in answer.iter_content(256 * 1024):
                        digest.update(piece)
                        got += len(piece)
                mismatches += digest.hexdigest() != expected
            down_s = time.perf_counter() - t
        if record:
            sent = len(stored) * len(payloads[0])
            runs.append({"target": side.name, "files": len(stored), "upload_mb_s": sent / 1e6 / up_s,
                         "download_mb_s": got / 1e6 / down_s})

    try:
        one(sides["ceiling"], False)  # warm both (imports, connections, the spool files) before measuring
        one(sides["registration"], False)
        before = {name: side.rss_kb() for name, side in sides.items()}
        for r in range(rounds):
            for name in (["registration", "ceiling"] if r % 2 == 0 else ["ceiling", "registration"]):
                one(sides[name], True)
        peak = {name: side.peak_kb() for name, side in sides.items()}
    finally:
        registration.stop()
        ceiling.stop()
    reg = [x for x in runs if x["target"] == "registration"]
    bare = [x for x in runs if x["target"] == "ceiling"]
    memory = {name: {"rss_before_mb": max(before[name].values(), default=0) / 1024,
                     "peak_mb": max(peak[name].values(), default=0) / 1024,
                     "growth_mb": max((peak[name].get(pid, 0) - kb) / 1024 for pid, kb in before[name].items())
                     if before[name] else None}
              for name in sides}
    return {
        "runs": runs,
        "megabytes": megabytes,
        "files_per_run": files,
        "registration": {k: median([x[k] for x in reg]) for k in ("upload_mb_s", "download_mb_s")} if reg else None,
        "ceiling": {k: median([x[k] for x in bare]) for k in ("upload_mb_s", "download_mb_s")} if bare else None,
        "upload_ratios": [a["upload_mb_s"] / b["upload_mb_s"] for a, b in zip(reg, bare, strict=True)],
        "download_ratios": [a["download_mb_s"] / b["download_mb_s"] for a, b in zip(reg, bare, strict=True)],
        "memory": memory,
        "mismatches": mismatches,
        "failures": failures[:5],
        "config": json.dumps({"megabytes": megabytes, "files": files, "rounds": rounds,
                              "workers": os.environ.get("DVK_WEB_WORKERS", "2")}),
    }
