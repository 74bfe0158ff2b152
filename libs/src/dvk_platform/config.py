"""One configuration loader: defaults, then DVK_* environment variables, then explicit overrides."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

# Settings every service understands; each service adds its own defaults on top.
PLATFORM_DEFAULTS: dict[str, Any] = {
    "WARD_CODE": "minh-xuan",
    "WARD_NAME": "Minh Xuân",
    "DATABASE_URL": None,  # set per service; make run points it at var/<service>.db
    "BUS": "embedded",  # "embedded" (SQLite log file) or "kafka"
    "EMBEDDED_BUS_PATH": "var/bus.db",
    "KAFKA_BOOTSTRAP": "127.0.0.1:9092",
    "KAFKA_PARTITIONS": 3,
    "TOPIC_PREFIX": "",
    "SERVICE_TOKEN_SECRET": "dev-only-change-me-dev-only-change-me",
    "SERVICE_TOKEN_TTL": 300,
    "MAX_CONTENT_LENGTH": 1_048_576,
    "LOG_LEVEL": "INFO",
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "RELAY_BATCH_SIZE": 2000,
    "RELAY_POLL_INTERVAL": 0.2,
    "CONSUMER_MAX_ATTEMPTS": 3,
    "CONSUMER_RETRY_BACKOFF": 0.2,
    "HEARTBEAT_FILE": "",  # workers touch it each loop; the container health check reads its age
}

ENV_PREFIX = "DVK_"
# Hooks that only code passes (tests inject the clock); never read from the environment.
NOT_FROM_ENVIRONMENT = frozenset({"CLOCK"})


def _coerce(raw: str, like: Any) -> Any:
    if isinstance(like, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(raw)
    if isinstance(like, float):
        return float(raw)
    return raw


def load_config(
    defaults: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Merge platform defaults, service defaults, DVK_* variables and overrides (in that order)."""
    env = os.environ if environ is None else environ
    config: dict[str, Any] = dict(PLATFORM_DEFAULTS)
    config.update(defaults or {})
    for key, like in list(config.items()):
        if key in NOT_FROM_ENVIRONMENT:
            continue
        raw = env.get(ENV_PREFIX + key)
        if raw is not None:
            config[key] = _coerce(raw, like)
    config.update(overrides or {})
    return config


def topic_name(config: Mapping[str, Any], service: str) -> str:
    """The topic a service publishes to, e.g. dvk.registration."""
    return f"{config.get('TOPIC_PREFIX', '')}dvk.{service}"


def event_source(config: Mapping[str, Any], service: str) -> str:
    return f"/wards/{config['WARD_CODE']}/{service}"
