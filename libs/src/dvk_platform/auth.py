"""Service-to-service token: short-lived, signed, carrying user, role, unit and ward.

The gateway signs it for each call; every service verifies it and enforces its own authorisation.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import jwt
from flask import current_app, g, request

from .errors import Problem

ROLES = ("admin", "vhxh", "lanh_dao", "don_vi", "giam_sat")
ISSUER = "dvk-gateway"
AUDIENCE = "dvk-services"
ALGORITHM = "HS256"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str
    role: str
    unit_id: int | None
    ward: str

    @property
    def reads_everything(self) -> bool:
        return self.role in {"admin", "vhxh", "lanh_dao", "giam_sat"}


def issue_token(
    secret: str,
    *,
    user_id: str,
    name: str,
    role: str,
    ward: str,
    unit_id: int | None = None,
    ttl: int = 300,
    now: float | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role}")
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "name": name,
        "role": role,
        "unit": unit_id,
        "ward": ward,
        "iat": issued,
        "exp": issued + ttl,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, secret: str, ward: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Problem(401, "token-expired", "Mã xác thực đã hết hạn.") from exc
    except jwt.PyJWTError as exc:
        raise Problem(401, "token-invalid", "Mã xác thực không hợp lệ.") from exc
    if claims.get("role") not in ROLES:
        raise Problem(401, "token-invalid", "Mã xác thực không hợp lệ.", detail="Vai trò không xác định.")
    if claims.get("ward") != ward:
        raise Problem(403, "wrong-ward", "Mã xác thực thuộc phường khác.")
    unit = claims.get("unit")
    return Principal(
        user_id=claims["sub"], name=claims.get("name") or claims["sub"], role=claims["role"],
        unit_id=int(unit) if unit is not None else None, ward=claims["ward"],
    )


def current_principal() -> Principal:
    principal = getattr(g, "principal", None)
    if principal is None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Problem(401, "unauthenticated", "Chưa xác thực: thiếu mã xác thực dịch vụ.")
        principal = verify_token(
            header[7:].strip(), current_app.config["SERVICE_TOKEN_SECRET"], current_app.config["WARD_CODE"]
        )
        g.principal = principal
    return principal


def require_roles(*roles: str) -> Callable[[F], F]:
    """Allow the call only to these roles (authentication is checked first)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal.role not in roles:
                raise Problem(403, "forbidden", "Không có quyền thực hiện thao tác này.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def authenticated(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_principal()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
