"""The bus: one small interface, two transports (Apache Kafka; an embedded SQLite log for `make run`)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dvk_core.records import Bus, BusError, Consumer, Message, Record, Sending, Sent, dlq_topic

__all__ = ["Bus", "BusError", "Consumer", "Message", "Record", "Sending", "Sent", "create_bus", "dlq_topic", "get_bus"]


def create_bus(config: Mapping[str, Any], client_id: str = "dvk") -> Bus:
    kind = config["BUS"]
    if kind == "kafka":
        from .kafka import KafkaBus

        return KafkaBus(config["KAFKA_BOOTSTRAP"], client_id=client_id, partitions=int(config["KAFKA_PARTITIONS"]))
    if kind == "embedded":
        from dvk_core.filelog import EmbeddedLogBus

        return EmbeddedLogBus(config["EMBEDDED_BUS_PATH"])
    raise ValueError(f"DVK_BUS must be 'kafka' or 'embedded', not {kind!r}")


def get_bus() -> Bus:
    """The bus of the current app's process, made on first use (web processes only need it for /readyz)."""
    from flask import current_app

    bus = current_app.extensions.get("dvk_bus")
    if bus is None:
        bus = create_bus(current_app.config, client_id=current_app.config["SERVICE_NAME"])
        current_app.extensions["dvk_bus"] = bus
    return bus
