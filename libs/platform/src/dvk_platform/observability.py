"""JSON logs with a request id, Prometheus metrics, and the /healthz, /readyz, /metrics endpoints."""
from __future__ import annotations

import hmac
import logging
import os
import sys
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, has_app_context, has_request_context, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from pythonjsonlogger.json import JsonFormatter

from .errors import problem_response
from .readiness import Readiness

REQUESTS = Counter("dvk_http_requests_total", "HTTP requests", ["service", "method", "endpoint", "status"])
LATENCY = Histogram("dvk_http_request_seconds", "HTTP request latency", ["service", "endpoint"])


class _ContextFilter(logging.Filter):
    """Stamps each line with the request id and the service whose app is handling it."""

    def __init__(self, process_name: str) -> None:
        super().__init__()
        self.process_name = process_name

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        record.service = current_app.config.get("SERVICE_NAME", self.process_name) if has_app_context() \
            else self.process_name
        return True


def configure_logging(level: str = "INFO", service: str = "dvk") -> None:
    """JSON lines on stderr; idempotent so app factories and workers may both call it."""
    root = logging.getLogger()
    if any(getattr(h, "_dvk", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._dvk = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(service)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level"},
        )
    )
    handler.addFilter(_ContextFilter(service))
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)


ops = Blueprint("ops", __name__)


@ops.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers. It asks nothing of the database or the bus, so an outage of either never
    makes an orchestrator restart a process that is otherwise fine."""
    return jsonify(status="ok", service=current_app.config["SERVICE_NAME"])


@ops.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness within half a second whatever the database and the bus do (see dvk_platform.readiness)."""
    readiness: Readiness = current_app.extensions["dvk_readiness"]
    body, status = readiness.report(current_app.config["SERVICE_NAME"])
    return jsonify(body), status


def _metrics_caller_allowed() -> bool:
    """With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` may read /metrics (Prometheus); without
    it (development) anyone may. /healthz and /readyz stay open: orchestrators probe them without credentials."""
    expected = str(current_app.config.get("METRICS_TOKEN") or "")
    if not expected:
        return True
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), expected.encode())


@ops.get("/metrics")
def metrics() -> Response:
    if not _metrics_caller_allowed():
        response = problem_response(401, "unauthenticated", "Cần mã truy cập số liệu giám sát (metrics).",
                                    detail="Gửi kèm Authorization: Bearer <DVK_METRICS_TOKEN>.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    """Under gunicorn with PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py): the sum over every worker's files;
    otherwise this process's own registry."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"], app.config["SERVICE_NAME"])
    app.register_blueprint(ops)
    service = app.config["SERVICE_NAME"]

    @app.before_request
    def _start() -> None:
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        REQUESTS.labels(service, request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(service, endpoint).observe(elapsed)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response


def log_extra(**fields: Any) -> dict[str, Any]:
    return {"extra": fields}
