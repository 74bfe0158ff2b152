"""`make run` brings up every service on the embedded default, all ready; Ctrl-C stops everything."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from dvk_testing import free_port_block, wait_until

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"gateway": 0, "registration": 1, "reporting": 2, "awards": 3, "notify": 4, "feed": 5}


def _ready(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


def _free_block(size: int) -> int:
    while True:
        base = free_port_block(size)
        if all(_ready(base + i) is None for i in range(size)):
            return base


@pytest.mark.slow
@pytest.mark.serial  # six services of the embedded default started and stopped with Ctrl-C: minutes, mostly waiting
def test_make_run_starts_every_service_ready_and_stops_on_ctrl_c(tmp_path):
    base = _free_block(len(SERVICES))
    env = {**os.environ, "DVK_VAR_DIR": str(tmp_path / "var"), "DVK_PORT_BASE": str(base)}
    env.pop("DVK_DATABASE_URL", None)
    log = open(tmp_path / "make-run.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url_line = f"http://127.0.0.1:{base}/"
        printed = wait_until(lambda: url_line in (tmp_path / "make-run.log").read_text(errors="replace"), 120, 0.5)
        output = (tmp_path / "make-run.log").read_text(errors="replace")
        assert printed, f"make run never printed the address to open:\n{output[-3000:]}"
        for service, offset in SERVICES.items():
            body = _ready(base + offset)
            assert body and body["status"] == "ready", f"{service}: {body}"
            assert body["service"] == service and body["checks"]["database"] == "ok"
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            code = process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        finally:
            log.close()
    output = (tmp_path / "make-run.log").read_text(errors="replace")
    # make itself re-raises the interrupt (-SIGINT); the supervisor underneath must have stopped cleanly.
    assert code in (0, -signal.SIGINT), output[-3000:]
    assert "Đã dừng." in output and "buộc dừng" not in output, output[-3000:]
    assert all(_ready(base + off) is None for off in SERVICES.values()), "a service outlived Ctrl-C"
