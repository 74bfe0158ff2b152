"""What every benchmark shares: web processes under gunicorn, wrk runs, service tokens, percentiles, RSS."""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dvk_platform.auth import generate_key_pair, issue_token, one_line, parse_private_key
from dvk_testing import free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The benchmark's own key pair: it signs its tokens as the gateway would; the services verify with the public half.
_BENCH_PRIVATE_PEM, BENCH_PUBLIC_KEY = generate_key_pair()
BENCH_SIGNING_KEY = parse_private_key(_BENCH_PRIVATE_PEM)
WARD = "minh-xuan"

# The production web configuration (deploy/Dockerfile, docker-compose.yml): the same for every service and for
# the bare Flask ceiling, so the ratio compares the applications, not the servers.
# The production configuration (deploy/gunicorn.conf.py: 2 workers x 4 threads, JSON access log, multiprocess metrics).
GUNICORN_ARGS = ["-c", str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py")]


def token(role: str, unit_id: int | None = None, user_id: str | None = None, ttl: int = 7200) -> str:
    return issue_token(BENCH_SIGNING_KEY, user_id=user_id or f"{role}-{unit_id or 0}", name=f"Cán bộ {role}", role=role,
                       ward=WARD, unit_id=unit_id, ttl=ttl)


def service_env(database_url: str, kafka_bootstrap: str, topic_prefix: str, **extra: str) -> dict[str, str]:
    """Environment of a service process as production sets it (docker-compose.yml), on the bench's servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVK_")}
    env.update({
        "DVK_WARD_CODE": WARD,
        "DVK_DATABASE_URL": database_url,
        "DVK_BUS": "kafka",
        "DVK_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "DVK_TOPIC_PREFIX": topic_prefix,
        "DVK_SERVICE_TOKEN_PUBLIC_KEYS": one_line(BENCH_PUBLIC_KEY),
        "DVK_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


class Process:
    """A process this benchmark started, in its own session so that it and only it can be stopped."""

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str], logs: Path) -> None:
        self.name = name
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(list(args), env=dict(env), stdout=log, stderr=subprocess.STDOUT,
                                          cwd=ROOT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""


class Gunicorn(Process):
    def __init__(self, name: str, app_spec: str, env: Mapping[str, str], logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(name, [str(BIN / "gunicorn"), *GUNICORN_ARGS, app_spec, "--bind", f"127.0.0.1:{self.port}"],
                         env, logs)
        if not wait_until(self._answers, 60, interval=0.2):
            self.stop()
            raise RuntimeError(f"{name} did not start:\n{self.log_tail()}")

    def _answers(self) -> bool:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310 - loopback
                return response.status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) its workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def worker_rss_mb(self) -> list[float]:
        return [rss_mb(pid) for pid in self.worker_pids()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ensure_wrk() -> str:
    """wrk from Debian's package, installed here when missing (as scripts/system-deps.sh does for the tests)."""
    for candidate in ("/usr/bin/wrk", "/usr/local/bin/wrk"):
        if os.access(candidate, os.X_OK):
            return candidate
    if os.geteuid() != 0:
        raise RuntimeError("wrk is missing: apt-get install -y wrk (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"], env=env,
                       capture_output=True, check=True)
    return "/usr/bin/wrk"


# wrk prints this line from the Lua done() hook; every script the benchmarks write ends with it.
WRK_DONE = r'''
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"timeouts":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, latency.mean / 1000))
end
'''


def run_wrk(url: str, script: Path, duration: float, connections: int, threads: int = 2) -> dict[str, Any]:
    """One wrk run; returns requests/s, latency percentiles (ms) and error counts."""
    args = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
            "-s", str(script), url]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=duration + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRKJSON "))
    seconds = result["duration_us"] / 1e6
    result["ok"] = result["requests"] - result["status_errors"]
    result["rps"] = result["ok"] / seconds if seconds else 0.0
    result["command"] = " ".join(["wrk", *args[1:]])
    return result


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def profile_by_package(pid: int, seconds: float) -> list[tuple[str, float]] | None:
    """Where a busy process spends its CPU: py-spy samples (idle threads left out), self time per package."""
    py_spy = BIN / "py-spy"
    if not py_spy.exists():
        return None
    out = Path(tempfile.gettempdir()) / f"dvk-bench-profile-{pid}.txt"
    done = subprocess.run([str(py_spy), "record", "-p", str(pid), "-d", str(round(seconds)), "-r", "200", "-f", "raw",
                           "-o", str(out), "--nonblocking"], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not out.exists():
        return None
    totals: dict[str, int] = {}
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        leaf = stack.split(";")[-1]
        where = leaf[leaf.rfind("(") + 1:].split(":")[0] if "(" in leaf else leaf
        package = where.split("/")[0] if "/" in where else "python (stdlib)"
        if where.startswith(("registration/", "reporting/", "notify/", "awards/", "gateway/")):
            package = where.split("/")[0] + " (service code)"
        totals[package] = totals.get(package, 0) + int(count)
    out.unlink(missing_ok=True)
    whole = sum(totals.values()) or 1
    return sorted(((k, 100 * v / whole) for k, v in totals.items()), key=lambda kv: -kv[1])
