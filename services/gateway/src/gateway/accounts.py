"""Accounts: password hashing, login with throttling, password changes and user administration."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dvk_core import text
from dvk_platform.audit import acting_as
from dvk_platform.db import get_db

from .models import ROLE_LABELS, LoginAttempt, User

_hasher = PasswordHasher()
# Verified when the username does not exist, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("không-có-tài-khoản-này")

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class AccountError(Exception):
    """A refusal to show next to the form; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LoginThrottled(AccountError):
    def __init__(self, wait_seconds: int) -> None:
        super().__init__(
            f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {format_wait(wait_seconds)}.", field=None
        )
        self.wait_seconds = wait_seconds


def format_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} giây"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} phút {rest} giây" if rest else f"{minutes} phút"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFC", username or "").strip().lower()


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    max_failures_per_ip: int
    lock_seconds: int
    lock_max_seconds: int
    window_seconds: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ThrottlePolicy:
        return cls(
            max_failures=int(config["LOGIN_MAX_FAILURES"]),
            max_failures_per_ip=int(config["LOGIN_MAX_FAILURES_PER_IP"]),
            lock_seconds=int(config["LOGIN_LOCK_SECONDS"]),
            lock_max_seconds=int(config["LOGIN_LOCK_MAX_SECONDS"]),
            window_seconds=int(config["LOGIN_FAILURE_WINDOW_SECONDS"]),
        )

    def wait_after(self, failures: int, limit: int) -> int:
        """Seconds to wait after `failures` consecutive wrong passwords: doubling from the limit onward."""
        if failures < limit:
            return 0
        return min(self.lock_seconds * 2 ** (failures - limit), self.lock_max_seconds)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _recent_failures(session: Session, column: Any, value: str, since: datetime) -> tuple[int, datetime | None]:
    """Wrong passwords for this username (or address) since its last success, within the window."""
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(column == value, LoginAttempt.succeeded.is_(True),
                                                          LoginAttempt.attempted_at >= since)
    )
    start = max(since, _as_utc(last_success)) if last_success else since
    count, latest = session.execute(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= start
        )
    ).one()
    return int(count), (_as_utc(latest) if latest else None)


def throttle_wait(session: Session, policy: ThrottlePolicy, username: str, ip: str, now: datetime) -> int:
    """Seconds this login must still wait (0 when it may go ahead)."""
    since = now - timedelta(seconds=policy.window_seconds)
    waits = []
    for column, value, limit in ((LoginAttempt.username, username, policy.max_failures),
                                 (LoginAttempt.ip, ip, policy.max_failures_per_ip)):
        failures, latest = _recent_failures(session, column, value, since)
        wait = policy.wait_after(failures, limit)
        if wait and latest is not None:
            remaining = (latest + timedelta(seconds=wait) - now).total_seconds()
            waits.append(max(0, int(remaining + 0.999)))
    return max(waits, default=0)


def authenticate(session: Session, policy: ThrottlePolicy, username: str, password: str, ip: str, now: datetime) -> User:
    """The user for these credentials; raises LoginThrottled or AccountError. Records the attempt."""
    username = normalise_username(username)
    wait = throttle_wait(session, policy, username, ip, now)
    if wait > 0:
        raise LoginThrottled(wait)
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password or "") and user is not None
    if ok and not user.active:
        session.add(LoginAttempt(username=username, ip=ip, succeeded=False, attempted_at=now))
        raise AccountError("Tài khoản đã bị khóa. Vui lòng liên hệ quản trị hệ thống.")
    session.add(LoginAttempt(username=username, ip=ip, succeeded=ok, attempted_at=now))
    if not ok:
        session.flush()
        if throttle_wait(session, policy, username, ip, now) > 0:
            raise LoginThrottled(throttle_wait(session, policy, username, ip, now))
        raise AccountError("Tên đăng nhập hoặc mật khẩu không đúng.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def check_password_strength(password: str, min_length: int, username: str = "") -> None:
    if len(password or "") < min_length:
        raise AccountError(f"Mật khẩu phải có ít nhất {min_length} ký tự.", field="new_password")
    if username and username.lower() in password.lower():
        raise AccountError("Mật khẩu không được chứa tên đăng nhập.", field="new_password")
    if password.isdigit() or password.isalpha():
        raise AccountError("Mật khẩu phải có cả chữ và số (hoặc ký tự đặc biệt).", field="new_password")


def change_password(user: User, current: str, new: str, confirm: str, min_length: int) -> None:
    if not verify_password(user.password_hash, current or ""):
        raise AccountError("Mật khẩu hiện tại không đúng.", field="current_password")
    if new != confirm:
        raise AccountError("Mật khẩu nhập lại không khớp.", field="confirm_password")
    if new == current:
        raise AccountError("Mật khẩu mới phải khác mật khẩu hiện tại.", field="new_password")
    check_password_strength(new, min_length, user.username)
    user.password_hash = hash_password(new)
    user.session_epoch += 1


# the users table's free text and its room (the columns' lengths)
FREE_TEXT = {"full_name": 200, "email": 254}


def user_text(value: Any) -> str:
    """A name or address as it is stored: NFC (Vietnamese typed on any keyboard compares equal) and trimmed."""
    return unicodedata.normalize("NFC", value if isinstance(value, str) else "").strip()


def _text_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """The services' text policy on the form's free text: one line, no control characters, within its column."""
    errors: dict[str, str] = {}
    for name, room in FREE_TEXT.items():
        value = user_text(data.get(name))
        char = text.refused_character(value, multiline=False)
        if char is not None:
            what = "xuống dòng (trường này chỉ gồm một dòng)" if char == "\n" else "ký tự điều khiển"
            errors[name] = f"Không được chứa {what} ({text.describe_character(char)})."
        elif len(value) > room:
            errors[name] = f"Tối đa {room} ký tự."
    return errors


def validate_user_fields(data: Mapping[str, Any]) -> dict[str, str]:
    """Field errors of a user form, in Vietnamese."""
    errors: dict[str, str] = {}
    if "username" in data and not USERNAME_RE.match(data.get("username") or ""):
        errors["username"] = "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới."
    if not user_text(data.get("full_name")):
        errors["full_name"] = "Vui lòng nhập họ và tên."
    email = user_text(data.get("email"))
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors["email"] = "Địa chỉ thư điện tử không hợp lệ."
    errors |= _text_errors(data)
    if data.get("role") not in ROLE_LABELS:
        errors["role"] = "Vui lòng chọn vai trò."
    elif data.get("role") == "don_vi" and data.get("unit_id") is None:
        errors["unit_id"] = "Cán bộ đơn vị phải gắn với một đơn vị."
    return errors


def create_user(session: Session, data: Mapping[str, Any], password: str, min_length: int) -> User:
    fields = dict(data)
    fields["username"] = normalise_username(fields.get("username", ""))
    errors = validate_user_fields(fields)  # every refusal at once, each beside its field
    if "username" not in errors and session.scalar(select(User.id).where(User.username == fields["username"])):
        errors["username"] = "Tên đăng nhập đã được dùng."
    try:
        check_password_strength(password, min_length, fields["username"])
    except AccountError as exc:
        errors["password"] = exc.message
    if errors:
        raise UserFormError(errors)
    user = User(
        username=fields["username"], full_name=user_text(fields["full_name"]), email=user_text(fields.get("email")) or None,
        role=fields["role"], unit_id=fields.get("unit_id") if fields["role"] == "don_vi" else None,
        password_hash=hash_password(password), active=bool(fields.get("active", True)),
    )
    session.add(user)
    session.flush()
    return user


def update_user(user: User, data: Mapping[str, Any], version: int) -> None:
    if version != user.version:
        raise UserFormError({"_": "Tài khoản đã bị người khác thay đổi; vui lòng tải lại trang trước khi sửa."})
    errors = validate_user_fields(data)
    if errors:
        raise UserFormError(errors)
    was_active = user.active
    role_changed = user.role != data["role"] or user.unit_id != data.get("unit_id")
    user.full_name = user_text(data["full_name"])
    user.email = user_text(data.get("email")) or None
    user.role = data["role"]
    user.unit_id = data.get("unit_id") if data["role"] == "don_vi" else None
    user.active = bool(data.get("active"))
    if (was_active and not user.active) or role_changed:
        user.session_epoch += 1
    user.version += 1


def reset_password(user: User, password: str, min_length: int) -> None:
    try:
        check_password_strength(password, min_length, user.username)
    except AccountError as exc:
        raise UserFormError({"password": exc.message}) from exc
    user.password_hash = hash_password(password)
    user.session_epoch += 1


class UserFormError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def create_admin(app: Flask, username: str, full_name: str, email: str | None, password: str) -> tuple[int, str]:
    """`dvk-worker create-admin gateway`: an active admin account, under the same rules as the admin form
    (username format, unused username, password strength; only the argon2 hash is stored). Logged in the
    audit log as made by the command. Returns (id, username); raises UserFormError with the refusals."""
    data = {"username": username, "full_name": full_name, "email": (email or "").strip(), "role": "admin",
            "unit_id": None, "active": True}
    with app.app_context(), acting_as("dvk-worker create-admin", "system"), get_db().transaction() as session:
        user = create_user(session, data, password, int(app.config["MIN_PASSWORD_LENGTH"]))
        return user.id, user.username


def account_names(user_ids: Any) -> dict[str, str]:
    """{user id as the service tokens carry it: full name} of the gateway's accounts among `user_ids`, for showing
    who did what in a service's history (the services keep the id and the role)."""
    from sqlalchemy import select

    from dvk_platform.db import get_db

    ids = {int(i) for i in user_ids if i is not None and str(i).isdigit()}
    if not ids:
        return {}
    with get_db().transaction() as s:
        return {str(u.id): u.full_name for u in s.scalars(select(User).where(User.id.in_(ids)))}
