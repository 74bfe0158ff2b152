"""A consumer process for the kill test: records one side effect per event, prints its tally on SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import sys

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from dvk_platform.bus import create_bus
from dvk_platform.consumer import ConsumerRunner
from dvk_platform.db import Database

effects = Table("observed_effects", MetaData(), Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(64), nullable=False))


def main() -> int:
    db = Database(os.environ["DVK_DATABASE_URL"])
    bus = create_bus({"BUS": os.environ["DVK_BUS"], "KAFKA_BOOTSTRAP": os.environ.get("DVK_KAFKA_BOOTSTRAP", ""),
                      "EMBEDDED_BUS_PATH": os.environ.get("DVK_EMBEDDED_BUS_PATH", ""), "KAFKA_PARTITIONS": 3})

    def record(session, event) -> None:
        session.execute(insert(effects).values(event_id=event.id))

    runner = ConsumerRunner(db, bus, group=os.environ["GROUP"], topics=[os.environ["TOPIC"]],
                            handlers={os.environ["EVENT_TYPE"]: record})
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    runner.run()
    print(json.dumps(runner.outcome.__dict__), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
