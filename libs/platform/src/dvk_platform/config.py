"""One configuration loader: defaults, then DVK_* environment variables, then explicit overrides."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

# Settings every service understands; each service adds its own defaults on top.
PLATFORM_DEFAULTS: dict[str, Any] = {
    # "development" (make run, tests: the development secrets below work) or "production" (every process refuses
    # to start while a secret in SECRET_SETTINGS is missing, a development value or shorter than 32 bytes).
    "ENV": "development",
    # Which process this is: "web" (gunicorn <service>.wsgi:app, make run, the tests) or "worker" (every
    # dvk-worker command). Set by the process itself, never from the environment: only the gateway's web process
    # signs service tokens, so only it needs (and is checked for) the private key.
    "PROCESS_ROLE": "web",
    "WARD_CODE": "minh-xuan",
    "WARD_NAME": "Minh Xuân",
    # How the ward's official documents are headed, dated and signed (every service that writes one, and the gateway
    # that fills in the signer): the agency's two header lines, the place in the date line, the Chairman's name only.
    "WARD_AGENCY": "ỦY BAN NHÂN DÂN",
    "WARD_AGENCY_PLACE": "PHƯỜNG MINH XUÂN",
    "WARD_PLACE_NAME": "Minh Xuân",
    "CHAIRMAN_NAME": "",
    "DATABASE_URL": None,  # set per service; make run points it at var/<service>.db
    "BUS": "embedded",  # "embedded" (SQLite log file) or "kafka"
    "EMBEDDED_BUS_PATH": "var/bus.db",
    "KAFKA_BOOTSTRAP": "127.0.0.1:9092",
    "KAFKA_PARTITIONS": 3,
    "TOPIC_PREFIX": "",
    # Ed25519 public key(s) verifying the gateway's service tokens (PEM text or one-line base64 body, several during
    # a key rotation), or a PEM file holding them; see dvk_platform.auth. The private key is the gateway's alone.
    "SERVICE_TOKEN_PUBLIC_KEYS": "",
    "SERVICE_TOKEN_PUBLIC_KEYS_FILE": "",
    "SERVICE_TOKEN_TTL": 300,
    # When set, GET /metrics answers only `Authorization: Bearer <this token>` (401 otherwise); required in production.
    "METRICS_TOKEN": "",
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
ENVIRONMENTS = ("development", "production")
# Settings that are secrets, wherever a service has them (the gateway's session key, the feed's signing key).
# In production each one present in a service's configuration must be set, not a development value, and long.
# The service-token keys are checked apart (dvk_platform.auth.check_token_keys): present and readable Ed25519 keys.
SECRET_SETTINGS = ("METRICS_TOKEN", "SECRET_KEY", "FEED_SIGNING_KEY")
MIN_SECRET_BYTES = 32
# Parts of the development defaults and of the placeholders in .env.example and deploy/k8s/secrets.env.example.
_PLACEHOLDER_MARKERS = ("dev-only", "change-me", "changeme")
# Hooks that only code passes (tests inject the clock); never read from the environment.
NOT_FROM_ENVIRONMENT = frozenset({"CLOCK", "PROCESS_ROLE"})


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


class InsecureConfiguration(RuntimeError):
    """A production process was given a missing, development or too short secret; it must not start."""


def is_production(config: Mapping[str, Any]) -> bool:
    return str(config.get("ENV") or "").strip().lower() == "production"


def check_production_secrets(config: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> None:
    """Raise InsecureConfiguration (its message in Vietnamese and English, one line per variable) when this is
    production and a secret is missing, is a development value (the code's default or a placeholder) or is
    shorter than MIN_SECRET_BYTES, or a service-token key is missing or malformed. In development only a
    service-token key that is set but malformed is refused: make run and the tests keep the other defaults."""
    from .auth import check_token_keys

    env = str(config.get("ENV") or "").strip().lower()
    if env not in ENVIRONMENTS:
        raise InsecureConfiguration(
            f"Từ chối khởi động: {ENV_PREFIX}ENV={config.get('ENV')!r} không hợp lệ; chỉ nhận "
            f"'development' hoặc 'production'. / Refusing to start: {ENV_PREFIX}ENV={config.get('ENV')!r} is not "
            "valid; use 'development' or 'production'."
        )
    if env != "production":
        malformed = check_token_keys(config, production=False)
        if malformed:
            raise InsecureConfiguration(
                "Từ chối khởi động: khóa ký mã xác thực dịch vụ không hợp lệ / Refusing to start: a service-token key "
                "is unusable:\n" + "\n".join(f"  - {p}" for p in malformed)
            )
        return
    code_defaults = {**PLATFORM_DEFAULTS, **(defaults or {})}
    problems = []
    for key in SECRET_SETTINGS:
        if key not in config:
            continue  # not a setting of this service
        name = ENV_PREFIX + key
        value = str(config.get(key) or "").strip()
        if not value:
            problems.append(f"{name} chưa được đặt / {name} is not set")
        elif value == code_defaults.get(key) or any(m in value.lower() for m in _PLACEHOLDER_MARKERS):
            problems.append(f"{name} đang là giá trị dùng cho phát triển hoặc giá trị mẫu / "
                            f"{name} is a development default or a placeholder")
        elif len(value.encode("utf-8")) < MIN_SECRET_BYTES:
            problems.append(f"{name} ngắn hơn {MIN_SECRET_BYTES} byte / {name} is shorter than {MIN_SECRET_BYTES} bytes")
    problems += check_token_keys(config, production=True)
    if problems:
        raise InsecureConfiguration(
            f"Từ chối khởi động vì {ENV_PREFIX}ENV=production và bí mật không an toàn / Refusing to start: "
            f"{ENV_PREFIX}ENV=production and a secret is unsafe:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + f"\nĐặt mỗi biến một giá trị ngẫu nhiên dài ít nhất {MIN_SECRET_BYTES} byte, ví dụ "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`; cặp khóa Ed25519 mới: "
            "`python -m dvk_platform.auth`. / Give each a random value of at least "
            f"{MIN_SECRET_BYTES} bytes, a new Ed25519 key pair from `python -m dvk_platform.auth` (for a local trial "
            f"set {ENV_PREFIX}ENV=development)."
        )
