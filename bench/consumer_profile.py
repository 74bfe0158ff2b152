"""Where notify's consumer spends its time, in process: model-submitted events on a fresh topic of the bench's Kafka,
handled by the production runner (`dvk_platform.worker.build_consumer`, notify's handlers, its own new PostgreSQL
database, the ward's users known from the gateway's account events) while cProfile counts CPU time
(`time.process_time`, so the machine's other load does not count) and every SQL statement sent is counted.

Prints the events handled, CPU ms and statements per event, and the top functions by own CPU time.

    .venv/bin/python bench/consumer_profile.py [EVENTS] [--top N]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import consumer  # noqa: E402
from common import service_env  # noqa: E402
from lag import RECIPIENTS  # noqa: E402
from sqlalchemy import event  # noqa: E402

from dvk_platform.bus.kafka import KafkaBus  # noqa: E402
from dvk_platform.migrations import upgrade  # noqa: E402
from dvk_platform.worker import build_consumer, load_app  # noqa: E402
from dvk_testing.recipients import publish_users  # noqa: E402
from dvk_testing.servers import RealServers  # noqa: E402


def run(servers: Any, events: int, top: int) -> dict[str, Any]:
    messages = consumer._messages(servers, events)
    prefix = f"bp{uuid.uuid4().hex[:8]}."
    bus = KafkaBus(servers.kafka_bootstrap, client_id="bench-consumer-profile-load")
    bus.ensure_topics([f"{prefix}dvk.{s}" for s in ("registration", "reporting", "awards", "gateway")])
    publish_users(bus, {"TOPIC_PREFIX": prefix}, RECIPIENTS)  # who works in the ward, as the gateway tells notify
    url = servers.databases.create("bench_consumer_profile")
    upgrade("notify", url)
    os.environ.update(service_env(url, servers.kafka_bootstrap, prefix, DVK_LOG_LEVEL="WARNING"))
    runner = build_consumer(load_app("notify"))
    statements = [0]

    @event.listens_for(runner.db.engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements[0] += 1

    # the account events first (who the ward's users are), unmeasured, as they were handled long before
    deadline = time.monotonic() + 300
    while runner.outcome.handled < len(RECIPIENTS) and time.monotonic() < deadline:
        runner.run_once(timeout=1.0)
    assert bus.publish(f"{prefix}dvk.registration", messages) == len(messages)
    bus.close()
    before_handled, statements[0] = runner.outcome.handled, 0
    profiler = cProfile.Profile(time.process_time)
    wall = time.monotonic()
    profiler.enable()
    while runner.outcome.handled - before_handled < events and time.monotonic() < deadline:
        runner.run_once(timeout=1.0)
    profiler.disable()
    wall = time.monotonic() - wall
    runner.close()
    handled = runner.outcome.handled - before_handled
    stats = pstats.Stats(profiler)
    cpu = stats.total_tt  # type: ignore[attr-defined]
    rows = sorted(((v[2], v[3], f"{Path(k[0]).name}:{k[1]}({k[2]})") for k, v in stats.stats.items()),  # type: ignore[attr-defined]
                  reverse=True)[:top]
    runner.db.dispose()
    return {"events": handled, "cpu_ms_per_event": 1000 * cpu / max(handled, 1),
            "statements_per_event": statements[0] / max(handled, 1), "wall_events_per_s": handled / wall if wall else 0,
            "top": [(name, own, cumulative) for own, cumulative, name in rows]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("events", nargs="?", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with RealServers() as servers:
        out = run(servers, args.events, args.top)
    print(f"events handled: {out['events']}; CPU per event: {out['cpu_ms_per_event']:.2f} ms; "
          f"SQL statements per event (BEGIN and COMMIT not counted): {out['statements_per_event']:.2f}; "
          f"wall: {out['wall_events_per_s']:.1f} events/s")
    print(f"{'own CPU s':>10} {'cumulative s':>13}  function")
    for name, own, cumulative in out["top"]:
        print(f"{own:10.3f} {cumulative:13.3f}  {name}")


if __name__ == "__main__":
    main()
