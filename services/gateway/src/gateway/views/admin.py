"""User administration (role admin): create accounts, change role or unit, disable, reset passwords."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from dvk_platform.db import get_db

from ..accounts import UserFormError, create_user, reset_password, update_user
from ..clients import ServiceProblem, ServiceUnavailable
from ..models import User
from ..security import current_user, roles_required
from .units import load_units

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")


def _form_data() -> dict[str, Any]:
    unit = request.form.get("unit_id", "").strip()
    return {
        "username": request.form.get("username", ""),
        "full_name": request.form.get("full_name", ""),
        "email": request.form.get("email", ""),
        "role": request.form.get("role", ""),
        "unit_id": int(unit) if unit.isdigit() else None,
        "active": request.form.get("active") == "on",
    }


def _units_or_message() -> tuple[list[dict[str, Any]], str | None]:
    try:
        return load_units(), None
    except (ServiceUnavailable, ServiceProblem) as exc:
        return [], exc.message


@bp.get("/nguoi-dung")
@roles_required("admin")
def users() -> Any:
    with get_db().transaction() as s:
        accounts = s.scalars(select(User).order_by(User.role, User.username)).all()
    units, units_error = _units_or_message()
    names = {u["id"]: u["name"] for u in units}
    return render_template("admin/users.html", users=accounts, unit_names=names, units_error=units_error)


@bp.route("/nguoi-dung/moi", methods=["GET", "POST"])
@roles_required("admin")
def new_user() -> Any:
    units, units_error = _units_or_message()
    if request.method == "GET":
        return render_template("admin/user_form.html", user=None, data={"active": True}, errors={}, units=units,
                               units_error=units_error)
    data = _form_data()
    try:
        with get_db().transaction() as s:
            user = create_user(s, data, request.form.get("password", ""), int(current_app.config["MIN_PASSWORD_LENGTH"]))
    except UserFormError as exc:
        return render_template("admin/user_form.html", user=None, data=data, errors=exc.errors, units=units,
                               units_error=units_error), 422
    flash(f"Đã tạo tài khoản {user.username}.", "success")
    return redirect(url_for("admin.users"))


def _account_data(user: User) -> dict[str, Any]:
    return {"full_name": user.full_name, "email": user.email, "role": user.role, "unit_id": user.unit_id,
            "active": user.active}


def _is_me(user: User) -> bool:
    me = current_user()
    return me is not None and me.id == user.id


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int) -> Any:
    units, units_error = _units_or_message()
    with get_db().transaction() as s:
        user = s.get(User, user_id)
        if user is None:
            abort(404)
        if request.method == "GET":
            return render_template("admin/user_form.html", user=user, data=_account_data(user), errors={}, units=units,
                                   units_error=units_error, is_me=_is_me(user))
        data = _form_data()
        data.pop("username")  # the username never changes
        errors: dict[str, str] = {}
        if _is_me(user) and (data["role"] != "admin" or not data["active"]):
            errors["role"] = "Không thể tự bỏ quyền quản trị hoặc tự khóa tài khoản của mình."
        else:
            try:
                update_user(user, data, int(request.form.get("version", "0") or 0))
            except UserFormError as exc:
                errors = exc.errors
        if errors:
            return render_template("admin/user_form.html", user=user, data=data, errors=errors, units=units,
                                   units_error=units_error, is_me=_is_me(user)), 422
    flash(f"Đã lưu tài khoản {user.username}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/nguoi-dung/<int:user_id>/dat-lai-mat-khau")
@roles_required("admin")
def reset(user_id: int) -> Any:
    """Reset the password of the account shown, once the administrator has ticked the confirmation. The
    administrator's own password changes only through "Đổi mật khẩu", which asks for the current one."""
    errors: dict[str, str] = {}
    with get_db().transaction() as s:
        user = s.get(User, user_id)
        if user is None:
            abort(404)
        if _is_me(user):
            errors["_"] = "Mật khẩu của chính bạn chỉ đổi được ở trang “Đổi mật khẩu” (cần mật khẩu hiện tại)."
        elif request.form.get("confirm") != "on":
            errors["confirm"] = f"Hãy đánh dấu xác nhận đặt lại mật khẩu cho tài khoản {user.username}."
        else:
            try:
                reset_password(user, request.form.get("password", ""), int(current_app.config["MIN_PASSWORD_LENGTH"]))
            except UserFormError as exc:
                errors = exc.errors
        if errors:
            units, units_error = _units_or_message()
            return render_template("admin/user_form.html", user=user, data=_account_data(user), errors={},
                                   reset_errors=errors, units=units, units_error=units_error, is_me=_is_me(user)), 422
        username = user.username
    flash(f"Đã đặt lại mật khẩu cho {username}; người dùng cần đăng nhập lại.", "success")
    return redirect(url_for("admin.users"))
