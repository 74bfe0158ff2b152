"""Sign in, sign out and "change my password"."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from dvk_platform.clock import now
from dvk_platform.db import get_db

from ..accounts import AccountError, LoginThrottled, ThrottlePolicy, authenticate, change_password
from ..models import User
from ..security import current_user, login_required, login_user, logout_user

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect to another host)."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


def client_ip() -> str:
    return request.remote_addr or "unknown"


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        if current_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("auth/login.html", next=request.args.get("next", ""), username="")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    missing = {name: message for name, typed, message in (
        ("username", username.strip(), "Vui lòng nhập tên đăng nhập."), ("password", password, "Vui lòng nhập mật khẩu."))
        if not typed}
    if missing:  # nothing typed is no attempt: said beside the empty field, not counted against the account
        return render_template("auth/login.html", errors=missing, username=username,
                               next=request.form.get("next", "")), 422
    policy = ThrottlePolicy.from_config(current_app.config)
    error: AccountError | None = None
    with get_db().transaction() as s:
        # The attempt is recorded (committed) whether or not the password was right.
        try:
            user = authenticate(s, policy, username, password, client_ip(), now())
        except AccountError as exc:
            error = exc
            user = None
    if error is not None:
        status = 429 if isinstance(error, LoginThrottled) else 401
        response = current_app.make_response(
            (render_template("auth/login.html", error=error.message, username=username,
                             next=request.form.get("next", "")), status))
        if isinstance(error, LoginThrottled):
            response.headers["Retry-After"] = str(error.wait_seconds)
        return response
    assert user is not None
    login_user(user)
    flash(f"Xin chào {user.full_name}.", "success")
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/dang-xuat")
def logout() -> Any:
    logout_user()
    flash("Bạn đã đăng xuất.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/tai-khoan/mat-khau", methods=["GET", "POST"])
@login_required
def password() -> Any:
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    user = current_user()
    assert user is not None
    errors: dict[str, str] = {}
    with get_db().transaction() as s:
        account = s.get(User, user.id)
        try:
            change_password(account, request.form.get("current_password", ""), request.form.get("new_password", ""),
                            request.form.get("confirm_password", ""), int(current_app.config["MIN_PASSWORD_LENGTH"]))
        except AccountError as exc:
            errors[exc.field or "_"] = exc.message  # raised before anything changed
        else:
            s.flush()
            login_user(account)  # keep this session; every other session of the account ends
    if errors:
        return render_template("auth/password.html", errors=errors), 422
    flash("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc.", "success")
    return redirect(url_for("dashboard.index"))
