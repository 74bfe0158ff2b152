"""`make test`: the suite in three groups on one PostgreSQL and one Kafka, run at the same time, each group's time
printed at the end.

1. parallel: every test that can run beside others, spread over DVK_TEST_WORKERS pytest-xdist workers (each test
   has its own databases and topic prefix, so they never see each other's data);
2. serial: the tests that stop, kill or restart servers of their own and measure the recovery (marked `serial`, or
   using `own_kafka` / `own_postgres`), one at a time, in one process of their own: mostly waiting (a broker killed
   for two minutes, a relay killed and restarted), they take little of the machine;
3. journeys: the browser journeys of each role and the route coverage judged after them, in one process (the
   coverage counts the routes every journey of the process reached).

The three groups are three pytest processes started together: no test of one group shares a server of its own, a
port or a database with a test of another (servers of their own and fixed ports are taken below the range the
system hands out for port 0, see `dvk_testing.free_port`). Each output line is prefixed with its group.
The servers are provided once for all groups (the environment's, testcontainers', or the harness's own; see
dvk_testing.servers). Arguments are passed to pytest in every group: `make test PYTEST_ARGS="-k unit"`;
with `-x` the first group to fail stops the others.

    python -m dvk_testing.groups [pytest arguments…]
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from .servers import RealServers

NO_TESTS_COLLECTED = 5  # pytest's exit code when a group has nothing to run for the arguments given


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def workers() -> str:
    """DVK_TEST_WORKERS, else one per core: on a small shared machine the parallel group is bound by CPU, and more
    workers than cores only made each test slower (README, "Suite time")."""
    return os.environ.get("DVK_TEST_WORKERS", "").strip() or str(os.cpu_count() or 2)


@dataclass
class Group:
    name: str
    how: str
    command: list[str]
    process: subprocess.Popen[str] | None = None
    code: int | None = None
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)


def plan(args: list[str]) -> list[Group]:
    # each group ends with its ten slowest tests, so where the suite's time goes is read from every run's log
    pytest = [sys.executable, "-m", "pytest", "--durations=10", "--durations-min=5"]
    return [
        Group("parallel", f"{workers()} workers",
              [*pytest, "-n", workers(), "--dist", "worksteal", "--dvk-group", "parallel", *args]),
        Group("serial", "one at a time", [*pytest, "--dvk-group", "serial", *args, "-n", "0"]),
        Group("journeys", "one at a time", [*pytest, "--dvk-group", "journeys", *args, "-n", "0"]),
    ]


def _run(group: Group, env: dict[str, str], out: threading.Lock, failed: threading.Event, stop_all: bool) -> None:
    started = time.monotonic()
    group.process = subprocess.Popen(group.command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace", bufsize=1)
    lines = group.process.stdout
    if lines is None:  # stdout=PIPE always gives one; said for the type checker
        raise RuntimeError(f"no output pipe for the {group.name} group")
    for line in lines:
        with out:
            sys.stdout.write(f"[{group.name}] {line}")
            sys.stdout.flush()
    group.code = group.process.wait()
    group.seconds = time.monotonic() - started
    if group.code not in (0, NO_TESTS_COLLECTED) and stop_all:
        failed.set()


def run_groups(args: list[str]) -> int:
    groups = plan(args)
    stop_at_first_failure = "-x" in args or "--exitfirst" in args
    started = time.monotonic()
    out, failed = threading.Lock(), threading.Event()
    with RealServers(tolerate_missing=True) as servers:
        env = {**os.environ, **servers.environment()}
        print(f"\n=== test groups {', '.join(f'{g.name} ({g.how})' for g in groups)}, at the same time ===", flush=True)
        threads = [threading.Thread(target=_run, args=(g, env, out, failed, stop_at_first_failure), daemon=True)
                   for g in groups]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads) and not failed.wait(1.0):
            pass
        if failed.is_set():  # -x: the first group to fail stops the others (pytest's own Ctrl-C)
            for group in groups:
                if group.process is not None and group.process.poll() is None:
                    group.process.send_signal(signal.SIGINT)
        for thread in threads:
            thread.join()
    print("\n=== test groups ===")
    for group in groups:
        outcome = {0: "passed", NO_TESTS_COLLECTED: "no tests selected"}.get(group.code, f"FAILED (exit {group.code})")  # type: ignore[arg-type]
        print(f"{group.name:<9} {group.how:<14} {_duration(group.seconds):>12}  {outcome}")
    print(f"{'total':<9} {'at once':<14} {_duration(time.monotonic() - started):>12}", flush=True)
    codes = [group.code for group in groups]
    failures = [code for code in codes if code not in (0, NO_TESTS_COLLECTED)]
    if failures:
        return failures[0] or 1
    return NO_TESTS_COLLECTED if all(code == NO_TESTS_COLLECTED for code in codes) else 0


def main() -> int:
    return run_groups(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
