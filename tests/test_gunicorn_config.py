"""deploy/gunicorn.conf.py, the one gunicorn configuration of every web process: with two workers, requests
served by both are all counted by a single /metrics scrape (Prometheus multiprocess mode), and every access line
is one JSON object; gunicorn's own 414/431 refusals are problem+json."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from dvk_testing import free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REQUESTS = 120


@pytest.mark.slow
def test_one_scrape_counts_the_requests_of_every_worker(tmp_path):
    env = {
        "PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
        "DVK_ENV": "development", "DVK_BUS": "embedded", "DVK_EMBEDDED_BUS_PATH": str(tmp_path / "bus.db"),
        "DVK_DATABASE_URL": f"sqlite:///{tmp_path / 'feed.db'}", "DVK_METRICS_TOKEN": "",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    subprocess.run(["dvk-worker", "migrate", "feed"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "stale.db").write_bytes(b"left by an earlier run")  # emptied at start
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - gunicorn owns it until it ends
    server = subprocess.Popen(["gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "feed.wsgi:app",
                               "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "1"],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        assert wait_until(answers, 90, 0.5), (tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:]
        assert not (tmp_path / "prometheus" / "stale.db").exists()

        def one(_: int) -> int:
            with requests.Session() as session:  # a new connection each time, so both workers accept some
                return session.get(f"{base}/healthz", timeout=10, headers={"User-Agent": 'probe "quoted"'}).status_code

        def access_lines() -> list[dict]:
            return [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()
                    if line.startswith("{") and '"type": "access"' in line]

        def probes_logged() -> list[dict]:
            return [line for line in access_lines()
                    if line["path"] == "/healthz" and line["user_agent"] == 'probe "quoted"']

        # the first worker may answer alone while the second is still loading the application on a busy machine:
        # batches go on (for a minute at most) until both have answered some
        sent, deadline = 0, time.monotonic() + 60
        with ThreadPoolExecutor(8) as pool:
            while True:
                statuses = list(pool.map(one, range(REQUESTS)))
                assert statuses == [200] * REQUESTS
                sent += REQUESTS
                # a worker writes its access line just after the answer has gone
                assert wait_until(lambda: len(probes_logged()) == sent, 20, 0.2), (len(probes_logged()), sent)
                if len({line["pid"] for line in probes_logged()}) == 2 or time.monotonic() > deadline:
                    break
        lines, probes = access_lines(), probes_logged()
        workers = {line["pid"] for line in probes}
        assert len(workers) == 2, f"one worker served everything: {workers}"
        assert all(line["status"] == 200 and line["method"] == "GET" for line in probes)

        scrape = requests.get(f"{base}/metrics", timeout=10)
        assert scrape.status_code == 200
        counted = sum(sample.value for family in text_string_to_metric_families(scrape.text)
                      for sample in family.samples
                      if sample.name == "dvk_http_requests_total" and sample.labels.get("method") == "GET"
                      and "healthz" in sample.labels.get("endpoint", "") and sample.labels.get("status") == "200")
        # every probe of the test plus the readiness polls before it, whichever worker answered them
        polls = len([line for line in lines if line["path"] == "/healthz"])
        assert counted == polls >= sent, (counted, polls)

        # gunicorn's own refusals, before the application, come as problem+json in Vietnamese
        too_long = requests.get(f"{base}/healthz?q={'x' * 5000}", timeout=10)
        assert too_long.status_code == 414
        assert too_long.headers["Content-Type"] == "application/problem+json"
        assert too_long.json() == {"type": "urn:dvk:problem:uri-too-long", "status": 414,
                                   "title": "Địa chỉ (URL) của yêu cầu quá dài."}
        big_header = requests.get(f"{base}/healthz", headers={"X-Filler": "y" * 9000}, timeout=10)
        assert big_header.status_code == 431
        assert big_header.headers["Content-Type"] == "application/problem+json"
        assert big_header.json()["title"] == "Phần tiêu đề (header) của yêu cầu quá lớn."
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
