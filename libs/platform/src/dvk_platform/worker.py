"""Worker processes of a service: `dvk-worker {migrate,seed,relay,consume,republish} <service>`, and the commands
a service declares in its `ServiceSpec` (`<service>.spec`), e.g. `dvk-worker create-admin gateway --username … --name …`
(a ward's first administrator), `dvk-worker seed registration --units FILE` (a ward's own units) or
`dvk-worker feed-key feed {issue … | list | revoke ID}` (the pull feed's API keys).
`dvk-worker republish <service> --since DATETIME [--until DATETIME]` sends published events again, same ids.

The same image runs the web process (gunicorn <service>.wsgi:app) and these, with another command.
"""
from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import os
import sys

from flask import Flask

from dvk_core.moments import parse_moment

from .bus import BusError, create_bus
from .config import InsecureConfiguration, event_source, is_production, topic_name
from .consumer import ConsumerRunner
from .migrations import upgrade
from .observability import configure_logging
from .relay import Relay
from .running import LongRunning
from .spec import CommandRefused, ServiceSpec, UnknownService, load_spec

__all__ = ["CommandRefused", "build_consumer", "build_relay", "main", "read_new_password"]

log = logging.getLogger("dvk.worker")

# sysexits' EX_CONFIG: the process was given a configuration it must not run with.
EXIT_CONFIG = 78
# Where `create-admin` reads the new password from when it is not asked for in a terminal.
CREATE_ADMIN_VARIABLE = "DVK_ADMIN_PASSWORD"
# The platform's own commands, for every service; a service adds its own in its spec.
PLATFORM_COMMANDS = ("migrate", "seed", "relay", "consume", "republish")


def load_app(service: str) -> Flask:
    """The service's app as a worker process: it signs no service token, so it needs no private key."""
    return importlib.import_module(service).create_app({"PROCESS_ROLE": "worker"})


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
    spec = load_spec(cfg["SERVICE_NAME"])
    if not spec.subscribes or spec.handlers is None:
        raise CommandRefused(f"Dịch vụ {spec.name} không nhận sự kiện nào. / The {spec.name} service consumes no events.")
    return ConsumerRunner(
        app.extensions["dvk_db"],
        create_bus(cfg, client_id=f"{spec.name}-consumer"),
        # one group per ward and service, so wards sharing a cluster neither split a group nor mix events
        group=f"{cfg['TOPIC_PREFIX']}dvk.{cfg['WARD_CODE']}.{spec.name}",
        topics=[topic_name(cfg, s) for s in spec.subscribes],
        handlers=spec.handlers(app),
        max_attempts=int(cfg["CONSUMER_MAX_ATTEMPTS"]),
        retry_backoff=float(cfg["CONSUMER_RETRY_BACKOFF"]),
        ward=None if spec.all_wards else cfg["WARD_CODE"],
    )


def read_new_password(env_name: str = CREATE_ADMIN_VARIABLE) -> str:
    """The new account's password: from the environment variable `env_name`, else typed twice in the terminal
    without echo. Never from the command line (it would stay in the shell history and the process list)."""
    given = os.environ.get(env_name)
    if given:
        return given
    if not sys.stdin.isatty():
        raise CommandRefused(
            f"Chưa có mật khẩu: đặt biến môi trường {env_name} hoặc chạy lệnh trong một terminal để nhập mật khẩu. / "
            f"No password: set {env_name} or run the command in a terminal to type it."
        )
    first = getpass.getpass("Mật khẩu / Password: ")
    if getpass.getpass("Nhập lại mật khẩu / Repeat the password: ") != first:
        raise CommandRefused("Mật khẩu nhập lại không khớp. / The passwords do not match.")
    return first


def republish_events(app: Flask, args: argparse.Namespace) -> int:
    from .republish import republish

    cfg = app.config
    service = cfg["SERVICE_NAME"]
    bus = create_bus(cfg, client_id=f"{service}-republish")
    try:
        with app.app_context():
            sent = republish(app.extensions["dvk_db"], bus, topic=topic_name(cfg, service),
                             source=event_source(cfg, service), ward=cfg["WARD_CODE"], since=args.since, until=args.until)
    except BusError as exc:
        raise CommandRefused(f"Không gửi được lên Kafka / cannot send to Kafka: {exc}") from None
    finally:
        bus.close()
    print(f"Đã gửi lại {sent} sự kiện của {service} lên {topic_name(cfg, service)}. / "
          f"Sent {sent} {service} events again (same ids).")
    return 0



def _base_parser(commands: list[str]) -> argparse.ArgumentParser:
    # no abbreviations: `--pass …` must not be taken for --password-env (and the password then shown as a name)
    parser = argparse.ArgumentParser(prog="dvk-worker", description="Chạy tiến trình nền của một dịch vụ.", allow_abbrev=False,
                                     epilog="Mỗi dịch vụ có thể thêm lệnh riêng (xem `dvk-worker LỆNH DỊCH-VỤ -h`).")
    parser.add_argument("command", choices=commands)
    parser.add_argument("service")
    return parser


def _parser(spec: ServiceSpec, command: str) -> argparse.ArgumentParser:
    """The arguments of `command` for this service: the platform's commands and the service's own; only the
    options of the command being run are known (an option of another command is refused)."""
    own = {c.name: c for c in spec.commands}
    parser = _base_parser([*PLATFORM_COMMANDS, *own])
    if command in own:
        if own[command].takes_actions:
            parser.add_argument("action", nargs="*")
        own[command].arguments(parser.add_argument_group(command, own[command].help))
    elif command == "seed" and spec.seed is not None:
        spec.seed.arguments(parser.add_argument_group("seed"))
    elif command == "republish":
        again = parser.add_argument_group("republish", "gửi lại các sự kiện đã phát (cùng id; bên nhận bỏ qua bản trùng)")
        again.add_argument("--since", type=parse_moment, required=True,
                           help="events committed at or after (ISO 8601; Vietnam time without an offset)")
        again.add_argument("--until", type=parse_moment, help="and before this moment (default: now)")
    return parser


def _password_given(argv: list[str]) -> bool:
    """A password typed on the command line (`--password …`, `--pass=…`): refused without repeating it."""
    return any(arg.startswith("--pass") and arg.split("=", 1)[0] != "--password-env" for arg in argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if _password_given(argv):
        # argparse would repeat the arguments it refuses; a password typed by mistake must not be shown again
        _base_parser([*PLATFORM_COMMANDS]).print_usage(sys.stderr)
        print(f"dvk-worker: mật khẩu không được nhận trên dòng lệnh; dùng biến môi trường {CREATE_ADMIN_VARIABLE} hoặc "
              f"nhập khi được hỏi. / The password is never taken on the command line: set {CREATE_ADMIN_VARIABLE} or type "
              "it when asked.", file=sys.stderr)
        return 2
    if len(argv) < 2 or argv[0].startswith("-") or argv[1].startswith("-"):
        _base_parser([*PLATFORM_COMMANDS]).parse_args(argv)  # help, or the usage error
        return 2
    command, service = argv[0], argv[1]
    try:
        spec = load_spec(service)
    except UnknownService:
        _base_parser([*PLATFORM_COMMANDS]).error(f"không có dịch vụ {service!r} / no such service")
    if command not in PLATFORM_COMMANDS and command not in {c.name for c in spec.commands}:
        owned = ", ".join(c.name for c in spec.commands) or "không có"
        _base_parser([*PLATFORM_COMMANDS]).error(
            f"dịch vụ {service} không có lệnh {command!r} (lệnh riêng của dịch vụ: {owned}) / "
            f"the {service} service has no command {command!r}")
    parser = _parser(spec, command)
    args = parser.parse_args(argv)
    own = next((c for c in spec.commands if c.name == command), None)
    if own is not None:
        problem = own.check(args)
        if problem:
            parser.error(problem)
    try:
        return _run(spec, args, own)
    except InsecureConfiguration as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except CommandRefused as exc:
        print(exc, file=sys.stderr)
        return 1


def _run(spec: ServiceSpec, args: argparse.Namespace, own: object) -> int:
    app = load_app(spec.name)
    configure_logging(app.config["LOG_LEVEL"], f"{spec.name}-{args.command}")
    if own is not None:
        return own.run(app, args)  # type: ignore[attr-defined]
    if args.command == "migrate":
        upgrade(spec.name, app.config["DATABASE_URL"])
        log.info("migrated %s", spec.name)
        return 0
    if args.command == "republish":
        return republish_events(app, args)
    if args.command == "seed":
        if spec.seed is None:
            return 0
        if spec.seed.demo_only and is_production(app.config):
            raise CommandRefused(
                f"Dữ liệu mẫu của {spec.name} (tài khoản thử nghiệm, mật khẩu công khai) không được nạp khi "
                f"DVK_ENV=production; tạo quản trị viên đầu tiên bằng `dvk-worker create-admin gateway`. / "
                f"The {spec.name} demo seed (demo accounts with published passwords) is refused in production; "
                "create the first administrator with `dvk-worker create-admin gateway`."
            )
        with app.app_context():
            return spec.seed.run(app, args) or 0
    if args.command == "relay" and not spec.publishes:
        raise CommandRefused(f"Dịch vụ {spec.name} không phát sự kiện. / The {spec.name} service publishes no events.")
    with app.app_context():
        runner = build_relay(app) if args.command == "relay" else build_consumer(app)
        with LongRunning(app.config["HEARTBEAT_FILE"], on_stop=runner.stop) as life:
            runner.on_tick = life.tick
            log.info("%s %s started", spec.name, args.command)
            runner.run()
    log.info("%s %s stopped", spec.name, args.command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
