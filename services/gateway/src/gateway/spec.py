"""What the gateway declares to the platform (`create_app`, `dvk-worker`, `dvk-dev`): its pages, its internal API
and its audited accounts; it publishes (user events) and consumes
nothing; its seed is the demo accounts (refused in production); it adds `dvk-worker create-admin gateway`."""
from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dvk_platform.spec import Audit, Command, CommandRefused, Seed, ServiceSpec
from dvk_platform.worker import CREATE_ADMIN_VARIABLE, read_new_password

from .config import DEFAULTS

log = logging.getLogger("dvk.worker")

# A refused form field, named as the command's option.
_OPTION_OF = {"username": "--username", "full_name": "--name", "email": "--email"}


def _trust_proxies(app: Flask) -> None:
    """Behind the TLS proxy every request comes from the proxy's address: believe the client address the last
    TRUSTED_PROXIES proxies put in X-Forwarded-For, so the per-address login throttle counts each client apart."""
    trusted = app.config["TRUSTED_PROXIES"]
    if isinstance(trusted, bool) or not isinstance(trusted, int) or trusted < 0:
        raise ValueError(f"DVK_TRUSTED_PROXIES phải là số nguyên không âm / must be a whole number >= 0, not {trusted!r}")
    if trusted:
        # Only the address: the scheme is gunicorn's (forwarded_allow_ips), host and prefix are the proxy's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=0, x_host=0, x_port=0, x_prefix=0)  # type: ignore[method-assign]


def _setup(app: Flask, _api: Any) -> None:
    from . import pages, security, user_events

    _trust_proxies(app)
    security.init_app(app)
    # account changes are published (outbox, same transaction): notify and higher levels learn the ward's users
    user_events.install(app.extensions["dvk_db"])
    pages.init_app(app)


def _signed_in_actor() -> tuple[str, str] | None:
    from .security import current_user

    user = current_user()
    return (str(user.id), user.role) if user is not None else None


def _audited() -> Sequence[type]:
    from .models import User

    return [User]


def _blueprints() -> Sequence[Any]:
    from .views import internal

    return [internal.blp]  # /internal/*: JSON for the other services, in /openapi.json


def _pages() -> Sequence[Any]:
    from .views import admin, auth, awards, contract, dashboard, dossier, evidence, inbox, models, public, reports, units

    # contract: /su-kien, the public page of the events
    return [m.bp for m in (auth, dashboard, models, evidence, reports, awards, dossier, inbox, units, admin, public, contract)]


def _seed(app: Flask, _args: argparse.Namespace) -> int:
    from . import seed

    seed.seed(app)
    return 0


def _admin_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--username", help="tên đăng nhập (chữ thường không dấu, số, . _ -)")
    group.add_argument("--name", help="họ và tên")
    group.add_argument("--email", default="", help="thư điện tử")
    group.add_argument("--password-env", default=CREATE_ADMIN_VARIABLE,
                       help=f"biến môi trường chứa mật khẩu (mặc định {CREATE_ADMIN_VARIABLE}); không có thì hỏi trong terminal")


def _check_admin(args: argparse.Namespace) -> str | None:
    return None if args.username and args.name else "create-admin cần --username và --name"


def _create_admin(app: Flask, args: argparse.Namespace) -> int:
    from .accounts import UserFormError, create_admin

    password = read_new_password(args.password_env)
    try:
        user_id, username = create_admin(app, args.username, args.name, args.email, password)
    except UserFormError as exc:  # the form's refusals, one per field
        raise CommandRefused("Không tạo được tài khoản / Account not created:\n"
                             + "\n".join(f"  - {_OPTION_OF.get(field, field)}: {message}"
                                         for field, message in exc.errors.items())) from None
    log.info("administrator account created", extra={"username": username, "user_id": user_id})
    print(f"Đã tạo tài khoản quản trị {username} (id {user_id}). / Created the administrator account {username}.")
    return 0


SPEC = ServiceSpec(
    name="gateway",
    title="Dân Vận Khéo — Cổng thông tin",
    defaults=DEFAULTS,
    setup=_setup,
    blueprints=_blueprints,
    pages=_pages,
    # Accounts are audited (who created, changed, disabled an account; `dvk-worker create-admin` too) in the
    # append-only audit_log table; logins only touch last_login_at, which is left out. Read it with SQL.
    audit=Audit(_audited, hidden=frozenset({"last_login_at", "updated_at"}), actor=_signed_in_actor, endpoint=False),
    seed=Seed(run=_seed, demo_only=True),
    commands=(Command("create-admin", "tài khoản quản trị đầu tiên (mật khẩu: biến môi trường hoặc nhập hai lần, "
                                      "không bao giờ trên dòng lệnh)", _create_admin,
                      arguments=_admin_arguments, check=_check_admin),),
)
