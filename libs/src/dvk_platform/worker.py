"""Worker processes of a service: `dvk-worker {migrate,relay,consume} <service>`.

The same image runs the web process (gunicorn <service>.wsgi:app) and these, with another command.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from flask import Flask

from .bus import create_bus
from .config import event_source, topic_name
from .consumer import ConsumerRunner
from .migrations import upgrade
from .observability import configure_logging
from .relay import Relay

log = logging.getLogger("dvk.worker")


def load_app(service: str) -> Flask:
    return importlib.import_module(service).create_app()


def build_relay(app: Flask) -> Relay:
    cfg = app.config
    service = cfg["SERVICE_NAME"]
    return Relay(
        app.extensions["dvk_db"],
        create_bus(cfg, client_id=f"{service}-relay"),
        service=service,
        topic=topic_name(cfg, service),
        source=event_source(cfg, service),
        ward=cfg["WARD_CODE"],
        batch_size=int(cfg["RELAY_BATCH_SIZE"]),
        poll_interval=float(cfg["RELAY_POLL_INTERVAL"]),
    )


def build_consumer(app: Flask) -> ConsumerRunner:
    cfg = app.config
    service = cfg["SERVICE_NAME"]
    events = importlib.import_module(f"{service}.events")
    handlers = events.handlers(app) if callable(getattr(events, "handlers", None)) else events.HANDLERS
    topics = [topic_name(cfg, s) for s in events.SUBSCRIBES]
    return ConsumerRunner(
        app.extensions["dvk_db"],
        create_bus(cfg, client_id=f"{service}-consumer"),
        # one group per ward and service, so wards sharing a cluster neither split a group nor mix events;
        # a service that gathers every ward (the pull feed) says ALL_WARDS = True in its events module
        group=f"{cfg['TOPIC_PREFIX']}dvk.{cfg['WARD_CODE']}.{service}",
        topics=topics,
        handlers=handlers,
        max_attempts=int(cfg["CONSUMER_MAX_ATTEMPTS"]),
        retry_backoff=float(cfg["CONSUMER_RETRY_BACKOFF"]),
        ward=None if getattr(events, "ALL_WARDS", False) else cfg["WARD_CODE"],
    )


def heartbeat(path: str, every: float = 5.0) -> Callable[[], None]:
    """A tick that touches `path` at most every few seconds; the container health check reads its age."""
    last = 0.0

    def tick() -> None:
        nonlocal last
        if path and time.monotonic() - last >= every:
            Path(path).touch()
            last = time.monotonic()

    return tick


def _stop_on_signals(stop) -> None:  # noqa: ANN001 - any callable
    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dvk-worker", description="Chạy tiến trình nền của một dịch vụ.")
    parser.add_argument("command", choices=["migrate", "seed", "relay", "consume"])
    parser.add_argument("service")
    args = parser.parse_args(argv)
    app = load_app(args.service)
    configure_logging(app.config["LOG_LEVEL"], f"{args.service}-{args.command}")
    if args.command == "migrate":
        upgrade(args.service, app.config["DATABASE_URL"])
        log.info("migrated %s", args.service)
        return 0
    if args.command == "seed":
        try:
            seed = importlib.import_module(f"{args.service}.seed")
        except ModuleNotFoundError:
            return 0
        with app.app_context():
            seed.seed(app)
        return 0
    with app.app_context():
        runner = build_relay(app) if args.command == "relay" else build_consumer(app)
        _stop_on_signals(runner.stop)
        runner.on_tick = heartbeat(app.config["HEARTBEAT_FILE"])
        log.info("%s %s started", args.service, args.command)
        runner.run()
    log.info("%s %s stopped", args.service, args.command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
