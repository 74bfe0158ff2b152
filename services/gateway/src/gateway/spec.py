"""What the gateway declares to the platform (`dvk-worker`, `dvk-dev`): it publishes (user events) and consumes
nothing; its seed is the demo accounts (refused in production); it adds `dvk-worker create-admin gateway`."""
from __future__ import annotations

import argparse
import logging

from flask import Flask

from dvk_platform.spec import Command, CommandRefused, Seed, ServiceSpec
from dvk_platform.worker import CREATE_ADMIN_VARIABLE, read_new_password

log = logging.getLogger("dvk.worker")

# A refused form field, named as the command's option.
_OPTION_OF = {"username": "--username", "full_name": "--name", "email": "--email"}


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
    seed=Seed(run=_seed, demo_only=True),
    commands=(Command("create-admin", "tài khoản quản trị đầu tiên (mật khẩu: biến môi trường hoặc nhập hai lần, "
                                      "không bao giờ trên dòng lệnh)", _create_admin,
                      arguments=_admin_arguments, check=_check_admin),),
)
