"""Worker processes of a service: `dvk-worker {migrate,seed,relay,consume} <service>`, and the one-offs
`dvk-worker create-admin gateway --username … --name … [--email …]` (a ward's first administrator),
`dvk-worker seed registration --units FILE` (a ward's own units, the CSV/XLSX the units import takes),
`dvk-worker republish <service> --since DATETIME [--until DATETIME]` (send published events again, same ids) and
`dvk-worker feed-key feed {issue --subscriber … --ward … | list | revoke ID | rotate-secret ID}` (the pull feed's API keys, audited).

The same image runs the web process (gunicorn <service>.wsgi:app) and these, with another command.
"""
from __future__ import annotations

import argparse
import getpass
import importlib
import importlib.util
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask

from .bus import BusError, create_bus
from .config import InsecureConfiguration, event_source, is_production, topic_name
from .consumer import ConsumerRunner
from .migrations import upgrade
from .observability import configure_logging
from .relay import Relay
from .subscriber import parse_moment

log = logging.getLogger("dvk.worker")

# sysexits' EX_CONFIG: the process was given a configuration it must not run with.
EXIT_CONFIG = 78
# Where `create-admin` reads the new password from when it is not asked for in a terminal.
CREATE_ADMIN_VARIABLE = "DVK_ADMIN_PASSWORD"


class CommandRefused(Exception):
    """A one-off command that cannot go ahead; its message (Vietnamese / English) is shown as is."""


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


# A refused form field, named as the command's option.
_OPTION_OF = {"username": "--username", "full_name": "--name", "email": "--email"}


def create_admin(app: Flask, service: str, args: argparse.Namespace) -> int:
    accounts = importlib.import_module(f"{service}.accounts") if importlib.util.find_spec(f"{service}.accounts") else None
    if accounts is None or not callable(getattr(accounts, "create_admin", None)):
        raise CommandRefused(f"Dịch vụ {service} không quản lý tài khoản (dùng: gateway). / "
                             f"The {service} service keeps no accounts (use: gateway).")
    password = read_new_password(args.password_env)
    try:
        user_id, username = accounts.create_admin(app, args.username, args.name, args.email, password)
    except Exception as exc:  # the service's form error: its messages, one per field
        errors = getattr(exc, "errors", None)
        if not isinstance(errors, dict):
            raise
        raise CommandRefused("Không tạo được tài khoản / Account not created:\n"
                             + "\n".join(f"  - {_OPTION_OF.get(field, field)}: {message}" for field, message in errors.items())) from None
    log.info("administrator account created", extra={"username": username, "user_id": user_id})
    print(f"Đã tạo tài khoản quản trị {username} (id {user_id}). / Created the administrator account {username}.")
    return 0


def seed_units(app: Flask, seed: Any, path: str) -> int:
    """The ward's own units from a spreadsheet, all or nothing; units already there (same code) are kept."""
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise CommandRefused(f"Không đọc được tệp {path}: {exc.strerror} / cannot read {path}") from None
    created, kept, problems = seed.seed_units(app, Path(path).name, content)
    if problems:
        raise CommandRefused(f"Không nạp đơn vị nào từ {path} / no unit loaded from {path}:\n" + "\n".join(problems))
    print(f"Đã thêm {created} đơn vị, giữ nguyên {kept} đơn vị đã có. / Added {created} units, kept {kept} already there.")
    return 0


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


def feed_key(app: Flask, args: argparse.Namespace) -> int:
    from feed import cli  # the feed service's own module: installed with it

    from .errors import Problem

    action = args.action[0]
    try:
        if action == "issue":
            print(cli.dumps(cli.issue(app, args.subscriber, args.ward, args.note)))
            print("Khóa (api_key) và bí mật ký (signing_secret) chỉ hiện lần này. / api_key and signing_secret are "
                  "shown this once only.", file=sys.stderr)
        elif action == "list":
            print(cli.dumps(cli.listing(app)))
        elif action == "rotate-secret":
            print(cli.dumps(cli.rotate_secret(app, int(args.action[1]))))
            print("Bí mật ký mới chỉ hiện lần này. / The new signing_secret is shown this once only.", file=sys.stderr)
        else:
            print(cli.dumps(cli.revoke(app, int(args.action[1]))))
    except Problem as exc:
        raise CommandRefused(f"{exc.title} {exc.detail or ''}".strip()) from None
    return 0


def _parser() -> argparse.ArgumentParser:
    # no abbreviations: `--pass …` must not be taken for --password-env (and the password then shown as a name)
    parser = argparse.ArgumentParser(prog="dvk-worker", description="Chạy tiến trình nền của một dịch vụ.", allow_abbrev=False)
    parser.add_argument("command", choices=["migrate", "seed", "relay", "consume", "create-admin", "republish", "feed-key"])
    parser.add_argument("service")
    parser.add_argument("action", nargs="*", help="feed-key: issue | list | revoke ID | rotate-secret ID")
    seed = parser.add_argument_group("seed")
    seed.add_argument("--units", metavar="FILE", help="seed registration: the ward's units from this CSV/XLSX (the "
                      "columns the units import takes) instead of Minh Xuân's demo units")
    again = parser.add_argument_group("republish", "gửi lại các sự kiện đã phát (cùng id; bên nhận bỏ qua bản trùng)")
    again.add_argument("--since", type=parse_moment, help="events committed at or after (ISO 8601; Vietnam time without an offset)")
    again.add_argument("--until", type=parse_moment, help="and before this moment (default: now)")
    keys = parser.add_argument_group("feed-key", "khóa API của nguồn sự kiện (feed)")
    keys.add_argument("--subscriber", help="issue: the receiving system's name")
    keys.add_argument("--ward", action="append", default=[], help="issue: ward code of the key's scope (repeatable; '*' = every ward)")
    keys.add_argument("--note", default=None, help="issue: a note kept with the key")
    admin = parser.add_argument_group("create-admin", "tài khoản quản trị đầu tiên (mật khẩu: biến môi trường hoặc nhập "
                                                      "hai lần, không bao giờ trên dòng lệnh)")
    admin.add_argument("--username", help="tên đăng nhập (chữ thường không dấu, số, . _ -)")
    admin.add_argument("--name", help="họ và tên")
    admin.add_argument("--email", default="", help="thư điện tử")
    admin.add_argument("--password-env", default=CREATE_ADMIN_VARIABLE,
                       help=f"biến môi trường chứa mật khẩu (mặc định {CREATE_ADMIN_VARIABLE}); không có thì hỏi trong terminal")
    admin.add_argument("--password", nargs="?", const="", help=argparse.SUPPRESS)  # only to refuse it, below
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.password is not None or any(arg.startswith("--pass") for arg in unknown):
        # argparse would repeat the arguments it refuses; a password typed by mistake must not be shown again
        parser.print_usage(sys.stderr)
        print(f"dvk-worker: mật khẩu không được nhận trên dòng lệnh; dùng biến môi trường {CREATE_ADMIN_VARIABLE} hoặc "
              f"nhập khi được hỏi. / The password is never taken on the command line: set {CREATE_ADMIN_VARIABLE} or type "
              "it when asked.", file=sys.stderr)
        return 2
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "create-admin" and not (args.username and args.name):
        parser.error("create-admin cần --username và --name")
    if args.command == "republish" and args.since is None:
        parser.error("republish cần --since DATETIME / republish needs --since DATETIME")
    if args.command == "feed-key":
        if args.service != "feed":
            parser.error("feed-key chỉ dùng với dịch vụ feed / feed-key is for the feed service")
        action = args.action[:1]
        with_id = action in (["revoke"], ["rotate-secret"])
        if action not in (["issue"], ["list"], ["revoke"], ["rotate-secret"]) or with_id != (len(args.action) == 2) \
                or (not with_id and len(args.action) != 1):
            parser.error("feed-key feed issue --subscriber TÊN --ward MÃ | feed-key feed list | feed-key feed revoke ID "
                         "| feed-key feed rotate-secret ID")
        if with_id and not args.action[1].isdigit():
            parser.error(f"mã khóa phải là số, không phải {args.action[1]!r} / the key id is a number")
        if action == ["issue"] and not (args.subscriber and args.ward):
            parser.error("feed-key feed issue cần --subscriber và ít nhất một --ward / needs --subscriber and --ward")
    elif args.action:
        parser.error(f"unrecognized arguments: {' '.join(args.action)}")
    if args.units and not (args.command == "seed" and args.service == "registration"):
        parser.error("--units chỉ dùng với `seed registration` / --units is for `seed registration`")
    try:
        return _run(args)
    except InsecureConfiguration as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except CommandRefused as exc:
        print(exc, file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    app = load_app(args.service)
    configure_logging(app.config["LOG_LEVEL"], f"{args.service}-{args.command}")
    if args.command == "migrate":
        upgrade(args.service, app.config["DATABASE_URL"])
        log.info("migrated %s", args.service)
        return 0
    if args.command == "create-admin":
        return create_admin(app, args.service, args)
    if args.command == "republish":
        return republish_events(app, args)
    if args.command == "feed-key":
        return feed_key(app, args)
    if args.command == "seed":
        try:
            seed = importlib.import_module(f"{args.service}.seed")
        except ModuleNotFoundError:
            return 0
        if getattr(seed, "DEMO_ONLY", False) and is_production(app.config):
            raise CommandRefused(
                f"Dữ liệu mẫu của {args.service} (tài khoản thử nghiệm, mật khẩu công khai) không được nạp khi "
                f"DVK_ENV=production; tạo quản trị viên đầu tiên bằng `dvk-worker create-admin gateway`. / "
                f"The {args.service} demo seed (demo accounts with published passwords) is refused in production; "
                "create the first administrator with `dvk-worker create-admin gateway`."
            )
        with app.app_context():
            if args.units:
                return seed_units(app, seed, args.units)
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
