"""The province's tools over the wards' events: `dvk-subscribe` (cli, sources, delivery) and `dvk-rollup` (rollup).

Installed alone on the province's machine (`pip install ./libs/core ./libs/documents ./libs/subscriber`): it needs
the event core (envelope, contract, ward registry, webhook signatures) and, for the roll-up's workbook, the printed
sheets — no web framework and no database. The pieces are a library too: `Subscriber(source, sink, Filters(...))`.
"""
from __future__ import annotations

from dvk_core.moments import parse_moment

from .cli import EXIT_CONFIG, EXIT_UNAVAILABLE, EXIT_USAGE, main
from .delivery import (
    Filters,
    HttpSink,
    LineSink,
    Receiver,
    Refused,
    Stats,
    Subscriber,
    contract_problem,
    decode,
    structured,
)
from .sources import KafkaSource, Unreachable, default_topics, embedded_source

__all__ = ["EXIT_CONFIG", "EXIT_UNAVAILABLE", "EXIT_USAGE", "Filters", "HttpSink", "KafkaSource", "LineSink", "Receiver",
           "Refused", "Stats", "Subscriber", "Unreachable", "contract_problem", "decode", "default_topics",
           "embedded_source", "main", "parse_moment", "structured"]
