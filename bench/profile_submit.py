"""Where a submit's CPU goes, in process: registration's app configured as benchmark 1 configures its gunicorn
workers (the same environment, the bench's own PostgreSQL database with its drafts), each POST /models/<id>/submit
sent through the whole WSGI stack (Flask, flask-smorest, the platform's hooks) by werkzeug's test client, under
cProfile with a CPU clock (time.process_time): the machine's other load hardly moves it.

Prints the CPU per submit, the SQL statements per submit (BEGIN and COMMIT not counted) and the top frames.

Usage: .venv/bin/python bench/profile_submit.py [--requests 300] [--top 30] [--sort tottime|cumulative]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import service_env, token  # noqa: E402
from wards import add_drafts, pg_dsn, registration_database, unit_of  # noqa: E402

from dvk_testing.servers import RealServers  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hồ sơ CPU của một lần gửi mô hình, trong tiến trình.")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args(argv)
    import psycopg
    from sqlalchemy import event

    with RealServers() as servers:
        config = {"BUS": "kafka", "KAFKA_BOOTSTRAP": servers.kafka_bootstrap, "TOPIC_PREFIX": "profile."}
        url = registration_database(servers.databases, config)
        with psycopg.connect(pg_dsn(url)) as conn:
            year = conn.execute("SELECT max(year) FROM registration_periods").fetchone()[0]
        warm, count = 50, args.requests
        add_drafts(url, 1000, warm + count, year)
        os.environ.update(service_env(url, servers.kafka_bootstrap, "profile."))
        from registration.wsgi import app

        client = app.test_client()
        tokens = {unit: f"Bearer {token('don_vi', unit)}" for unit in range(1, 22)}

        def submit(model_id: int) -> None:
            answer = client.post(f"/models/{model_id}/submit", json={"note": "Đơn vị gửi đăng ký mô hình"},
                                 headers={"Authorization": tokens[unit_of(model_id)], "If-Match": '"1"'})
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.get_data(as_text=True)}")

        for model_id in range(1000, 1000 + warm):
            submit(model_id)
        statements = 0

        def _count(*_args: object) -> None:
            nonlocal statements
            statements += 1

        engine = app.extensions["dvk_db"].engine
        event.listen(engine, "before_cursor_execute", _count)
        profiler = cProfile.Profile(time.process_time)
        started_cpu, started = time.process_time(), time.perf_counter()
        profiler.enable()
        for model_id in range(1000 + warm, 1000 + warm + count):
            submit(model_id)
        profiler.disable()
        cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", _count)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        print(f"{count} submits: {cpu * 1000 / count:.2f} ms of CPU per submit (profiler on; wall {wall * 1000 / count:.2f} "
              f"ms), {statements / count:.1f} SQL statements per submit")
        started_cpu = time.process_time()
        add_drafts(url, 1000 + warm + count, count, year)
        started_cpu = time.process_time()
        for model_id in range(1000 + warm + count, 1000 + warm + 2 * count):
            submit(model_id)
        print(f"without the profiler: {(time.process_time() - started_cpu) * 1000 / count:.2f} ms of CPU per submit")
        app.extensions["dvk_db"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
