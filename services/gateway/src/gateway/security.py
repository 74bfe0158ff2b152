"""Sessions, the signed-in user, role checks and CSRF protection for every form."""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, render_template, request, session, url_for

from dvk_platform.db import get_db

from .models import User

F = TypeVar("F", bound=Callable[..., Any])

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Machine endpoints authenticate with a bearer token, never with the session cookie.
CSRF_EXEMPT_PREFIXES = ("/internal/",)
# Every script, style, image and font comes from the gateway itself (vendored under static/), none inline: an
# injected <script> or style="" does not run. Forms post only here; no page can be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Any other answer (an evidence photo or PDF shown by the browser's own viewer, a static file, JSON): nothing may run
# at all; only the viewer's own inline styling is allowed (Chromium styles the document it builds around an image).
FILE_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return bool(expected) and hmac.compare_digest(str(expected), str(sent))


def login_user(user: User) -> None:
    """Start a fresh session (a new CSRF token too) so a session id planted before login is worthless."""
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    csrf_token()


def logout_user() -> None:
    session.clear()


def current_user() -> User | None:
    return g.get("user")


def _load_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    with get_db().transaction() as s:
        user = s.get(User, uid)
    if user is None or not user.active or user.session_epoch != session.get("epoch"):
        session.clear()
        return
    g.user = user


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def has_role(*roles: str) -> bool:
    user = current_user()
    return user is not None and user.role in roles


def init_app(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="dvk_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config["COOKIE_SECURE"]),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=int(app.config["SESSION_HOURS"])),
    )
    app.secret_key = app.config["SECRET_KEY"]

    @app.before_request
    def _protect() -> Any:
        _load_user()
        # a form that carries a file (tệp minh chứng) may be larger than the ordinary body limit; set before the
        # CSRF check reads the form
        larger = current_app.extensions.get("large_bodies", {}).get(request.endpoint)
        if larger:
            request.max_content_length = larger
        unsafe = request.method in UNSAFE_METHODS and not request.path.startswith(CSRF_EXEMPT_PREFIXES)
        if unsafe and not _csrf_ok():
            current_app.logger.warning("form refused: missing or wrong CSRF token on %s", request.path)
            return render_template("errors/csrf.html"), 400
        return None

    @app.after_request
    def _headers(response: Any) -> Any:
        # on every answer (pages, static files, JSON, errors): no inline script or style anywhere, every asset
        # from the gateway itself (vendored), no framing
        html = response.mimetype == "text/html"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY if html else FILE_SECURITY_POLICY
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["COOKIE_SECURE"]:  # served over HTTPS: browsers keep to it
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user, has_role=has_role)
