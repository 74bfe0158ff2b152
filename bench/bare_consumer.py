"""The ceiling of benchmark 4: a bare consumer loop reading the same events as notify's consumer — the platform's
Kafka consumer (the same settings as every service's), each record decoded as a CloudEvent, offsets committed after
each poll, no database. Prints one JSON line: records read, time of the first and of the last.

    python bench/bare_consumer.py BOOTSTRAP GROUP TOPIC COUNT
"""
from __future__ import annotations

import json
import sys
import time

from dvk_core.envelope import CloudEvent
from dvk_platform.bus.kafka import KafkaBus


def main(bootstrap: str, group: str, topic: str, count: int) -> None:
    consumer = KafkaBus(bootstrap, client_id="bench-bare-consumer").consumer(group, [topic])
    read, first, last = 0, 0.0, 0.0
    deadline = time.monotonic() + 300
    try:
        while read < count and time.monotonic() < deadline:
            records = consumer.poll(0.5)
            for record in records:
                CloudEvent.from_binary(record.value, record.headers)
                read += 1
                last = time.time()
                first = first or last
            consumer.commit(records)
    finally:
        consumer.close()
    print(json.dumps({"read": read, "first": first, "last": last}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
