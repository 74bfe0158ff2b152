"""`dvk-worker create-admin gateway`: the ward's first administrator, made by the real command (a subprocess) in a
real PostgreSQL database, under the gateway's own rules, and then signed in through the gateway."""
from __future__ import annotations

import os
import secrets
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select as sql_select
from sqlalchemy import text

from dvk_platform.db import get_db
from gateway.models import User

from .conftest import PASSWORD as TEST_PASSWORD
from .conftest import add_user, form_post, login

BIN = Path(sys.executable).parent
PASSWORD = "Quan-Tri#Phuong2026"
COMMAND = [str(BIN / "dvk-worker"), "create-admin", "gateway", "--username", "quantri", "--name", "Nguyễn Văn Quản",
           "--email", "quantri@minhxuan.example.vn"]


def worker_env(app, tmp_path: Path, **settings: str) -> dict[str, str]:
    """What the container gives the command: the gateway's database, DEBUG logs (the most they ever say)."""
    return {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(tmp_path), "DVK_DATABASE_URL": app.config["DATABASE_URL"],
            "DVK_LOG_LEVEL": "DEBUG", **settings}


def token_keys() -> dict[str, str]:
    """The test run's service-token keys (the gateway's private key and its public half)."""
    return {name: os.environ[name] for name in ("DVK_SERVICE_TOKEN_PRIVATE_KEY", "DVK_SERVICE_TOKEN_PUBLIC_KEYS")}


def create_admin(app, tmp_path, *args: str, command=COMMAND, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, *args], env=worker_env(app, tmp_path, **settings), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def users(app) -> list[User]:
    with app.app_context(), get_db().transaction() as s:
        return list(s.scalars(sql_select(User)))


def audit_rows(app) -> list[dict]:
    with app.extensions["dvk_db"].engine.connect() as conn:
        return [dict(r) for r in conn.execute(text("SELECT * FROM audit_log WHERE entity = 'users' ORDER BY id")).mappings()]


@pytest.fixture
def gateway(make_gateway):
    return make_gateway("postgresql")


def test_the_command_creates_an_active_admin_who_signs_in_and_the_password_is_nowhere(gateway, tmp_path):
    production = {"DVK_ENV": "production", **token_keys(),
                  "DVK_SECRET_KEY": secrets.token_urlsafe(48), "DVK_METRICS_TOKEN": secrets.token_urlsafe(48)}
    done = create_admin(gateway, tmp_path, DVK_ADMIN_PASSWORD=PASSWORD, **production)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Đã tạo tài khoản quản trị quantri" in done.stdout
    assert "administrator account created" in done.stderr  # the JSON log line, at DEBUG level
    assert PASSWORD not in done.stdout + done.stderr and "$argon2" not in done.stdout + done.stderr

    [admin] = users(gateway)
    assert (admin.username, admin.full_name, admin.email, admin.role, admin.active, admin.unit_id) == \
        ("quantri", "Nguyễn Văn Quản", "quantri@minhxuan.example.vn", "admin", True, None)
    assert admin.password_hash.startswith("$argon2id$") and PASSWORD not in admin.password_hash

    [created] = audit_rows(gateway)
    assert (created["action"], created["actor_id"], created["actor_role"]) == ("insert", "dvk-worker create-admin", "system")
    changes = created["changes"]  # JSONB on PostgreSQL
    assert changes["username"] == [None, "quantri"] and changes["role"] == [None, "admin"]
    assert "password_hash" not in changes and PASSWORD not in str(created)

    client = gateway.test_client()
    signed_in = login(client, "quantri", PASSWORD)
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[-1000:]
    assert client.get("/quan-tri/nguoi-dung").status_code == 200  # an admin's page
    assert login(gateway.test_client(), "quantri", PASSWORD.lower()).status_code == 401

    again = create_admin(gateway, tmp_path, "--name", "Người khác", DVK_ADMIN_PASSWORD="Khac-Hoan-Toan#2026",
                         command=COMMAND[:4] + ["QuanTri"])  # the same username, in other letters' case
    assert again.returncode == 1
    assert "--username: Tên đăng nhập đã được dùng." in again.stderr, again.stderr[-2000:]
    assert [u.full_name for u in users(gateway)] == ["Nguyễn Văn Quản"] and len(audit_rows(gateway)) == 1
    assert "Khac-Hoan-Toan#2026" not in again.stdout + again.stderr


@pytest.mark.parametrize(("password", "reason"), [
    ("Ngan#1", "Mật khẩu phải có ít nhất 10 ký tự."),
    ("chiduychucai", "Mật khẩu phải có cả chữ và số"),
    ("quantri-2026#", "Mật khẩu không được chứa tên đăng nhập."),
])
def test_a_weak_password_is_refused_and_creates_nothing(gateway, tmp_path, password, reason):
    done = create_admin(gateway, tmp_path, DVK_ADMIN_PASSWORD=password)
    assert done.returncode == 1 and reason in done.stderr, done.stderr[-2000:]
    assert "Không tạo được tài khoản / Account not created" in done.stderr
    assert password not in done.stdout + done.stderr
    assert users(gateway) == [] and audit_rows(gateway) == []


def test_without_a_terminal_or_the_variable_it_asks_for_neither_and_refuses(gateway, tmp_path):
    done = create_admin(gateway, tmp_path)
    assert done.returncode == 1
    assert "DVK_ADMIN_PASSWORD" in done.stderr and "No password" in done.stderr
    assert users(gateway) == []
    for option in ("--password", "--pass", "--password="):  # no password on the command line, not even by mistake
        refused = subprocess.run([*COMMAND, f"{option}{PASSWORD}" if option.endswith("=") else option, PASSWORD],
                                 env=worker_env(gateway, tmp_path), capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and users(gateway) == [], option
        assert PASSWORD not in refused.stdout + refused.stderr, f"{option}: the password was repeated"


def run_in_terminal(argv: list[str], env: dict[str, str], answers: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run `argv` with a pseudo-terminal as stdin, stdout and stderr (no controlling terminal of its own, so getpass
    switches echo off on stdin); type each answer when a password prompt shows. Returns (exit code, screen)."""
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(argv, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    screen, answered = b"", 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the command ended and closed the terminal
                    break
                if not chunk:
                    break
                screen += chunk
            if answered < len(answers) and screen.count(b"assword: ") > answered:
                os.write(master, answers[answered].encode() + b"\n")
                answered += 1
            if process.poll() is not None and not ready:
                break
        return process.wait(timeout=10), screen.decode("utf-8", "replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def test_in_a_terminal_it_asks_twice_without_echo(gateway, tmp_path):
    env = worker_env(gateway, tmp_path)
    code, screen = run_in_terminal(COMMAND, env, [PASSWORD, PASSWORD + "x"])
    assert code == 1 and "Mật khẩu nhập lại không khớp. / The passwords do not match." in screen, screen
    assert users(gateway) == []

    code, screen = run_in_terminal(COMMAND, env, [PASSWORD, PASSWORD])
    assert code == 0, screen
    assert "Mật khẩu / Password: " in screen and "Nhập lại mật khẩu / Repeat the password: " in screen
    assert "Đã tạo tài khoản quản trị quantri" in screen
    assert PASSWORD not in screen, "the password was echoed"
    assert login(gateway.test_client(), "quantri", PASSWORD).status_code == 302


def test_the_demo_seed_is_refused_in_production(gateway, tmp_path):
    production = {"DVK_ENV": "production", **token_keys(),
                  "DVK_SECRET_KEY": secrets.token_urlsafe(48), "DVK_METRICS_TOKEN": secrets.token_urlsafe(48)}
    done = create_admin(gateway, tmp_path, command=[str(BIN / "dvk-worker"), "seed", "gateway"], **production)
    assert done.returncode == 1 and "create-admin" in done.stderr, done.stderr[-2000:]
    assert users(gateway) == []


def test_account_changes_in_the_web_ui_are_audited_with_the_signed_in_admin_and_logins_are_not(make_gateway, database_kind):
    app = make_gateway(database_kind)
    admin_id = add_user(app, "quantri", "admin")
    before = len(audit_rows(app))
    client = app.test_client()
    assert login(client, "quantri", TEST_PASSWORD).status_code == 302
    assert len(audit_rows(app)) == before, "a login wrote to the audit log"
    created = form_post(client, "/quan-tri/nguoi-dung/moi", "/quan-tri/nguoi-dung/moi", {
        "username": "tdp3", "full_name": "Đỗ Văn Hùng", "role": "don_vi", "unit_id": "14", "password": "BaoCao@2026",
        "active": "on"})
    assert created.status_code == 302
    row = audit_rows(app)[-1]
    assert (row["action"], row["actor_id"], row["actor_role"]) == ("insert", str(admin_id), "admin")
    assert "BaoCao@2026" not in str(row) and "argon2" not in str(row)
