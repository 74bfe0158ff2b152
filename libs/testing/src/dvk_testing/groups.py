"""`make test`: the suite in two groups on one PostgreSQL and one Kafka, each group's time printed at the end.

1. parallel: every test that can run beside others, spread over DVK_TEST_WORKERS pytest-xdist workers (each test
   has its own databases and topic prefix, so they never see each other's data);
2. serial: the tests that stop, kill or restart servers of their own and measure the recovery (marked `serial`, or
   using `own_kafka` / `own_postgres`), one at a time, after the first group, so neither group slows the other.

The servers are provided once for both groups (the environment's, testcontainers', or the harness's own; see
dvk_testing.servers). Arguments are passed to pytest in both groups: `make test PYTEST_ARGS="-k unit"`.

    python -m dvk_testing.groups [pytest arguments…]
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from .servers import RealServers

NO_TESTS_COLLECTED = 5  # pytest's exit code when a group has nothing to run for the arguments given


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def workers() -> str:
    """DVK_TEST_WORKERS, else one per core: on a small shared machine the suite is bound by CPU, and more workers
    than cores only made each test slower (README, "Suite time")."""
    return os.environ.get("DVK_TEST_WORKERS", "").strip() or str(os.cpu_count() or 2)


def run_groups(args: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest"]
    plan = [
        ("parallel", f"{workers()} workers", [*pytest, "-n", workers(), "--dist", "worksteal", "--dvk-group", "parallel", *args]),
        ("serial", "one at a time", [*pytest, "--dvk-group", "serial", *args, "-n", "0"]),
    ]
    stop_at_first_failure = "-x" in args or "--exitfirst" in args
    results: list[tuple[str, str, int, float]] = []
    started = time.monotonic()
    with RealServers(tolerate_missing=True) as servers:
        env = {**os.environ, **servers.environment()}
        for name, how, command in plan:
            print(f"\n=== test group {name} ({how}) ===", flush=True)
            t = time.monotonic()
            code = subprocess.run(command, env=env, check=False).returncode
            results.append((name, how, code, time.monotonic() - t))
            if code not in (0, NO_TESTS_COLLECTED) and stop_at_first_failure:
                break
    print("\n=== test groups ===")
    for name, how, code, seconds in results:
        outcome = {0: "passed", NO_TESTS_COLLECTED: "no tests selected"}.get(code, f"FAILED (exit {code})")
        print(f"{name:<9} {how:<14} {_duration(seconds):>12}  {outcome}")
    print(f"{'total':<9} {'':<14} {_duration(time.monotonic() - started):>12}", flush=True)
    codes = [code for _, _, code, _ in results]
    failed = [code for code in codes if code not in (0, NO_TESTS_COLLECTED)]
    if failed:
        return failed[0]
    if len(codes) < len(plan):
        return 1
    return NO_TESTS_COLLECTED if all(code == NO_TESTS_COLLECTED for code in codes) else 0


def main() -> int:
    return run_groups(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
