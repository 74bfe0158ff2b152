"""Service-to-service token: short-lived, signed, carrying user, role, unit and ward.

The gateway alone holds the private Ed25519 signing key and signs a token for each call it makes for a signed-in
user (EdDSA, the key's id in the `kid` header); every service verifies it with public keys only and enforces its own
authorisation. A service acting on its own behalf (a relay, a consumer, a reminder run) carries no user token.

Keys (PEM text, the one-line base64 body of a PEM, or a PEM file):
- `DVK_SERVICE_TOKEN_PRIVATE_KEY` / `DVK_SERVICE_TOKEN_PRIVATE_KEY_FILE` — the gateway's web process only (its
  `dvk-worker` processes, migrations and relay, neither get nor need it);
- `DVK_SERVICE_TOKEN_PUBLIC_KEYS` / `DVK_SERVICE_TOKEN_PUBLIC_KEYS_FILE` — every service: one or more public keys
  (PEM blocks, or one-line keys separated by commas or spaces). During a rotation both the old and the new public key
  are listed: a token signed with the old key stays valid until its `exp`, new ones carry the new key's id.
A key's id is its RFC 7638 JWK thumbprint, so it needs no configuration of its own.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app, g, request

from .errors import Problem

ROLES = ("admin", "vhxh", "lanh_dao", "don_vi", "giam_sat")
ISSUER = "dvk-gateway"
AUDIENCE = "dvk-services"
ALGORITHM = "EdDSA"

F = TypeVar("F", bound=Callable[..., Any])

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


class TokenKeyError(ValueError):
    """A configured key cannot be read or is not an Ed25519 key of the expected kind."""


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


# --------------------------------------------------------------------------- keys

def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint (base64url SHA-256 of its canonical JWK)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def generate_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a new Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private_pem, public_pem


def one_line(pem: str) -> str:
    """A PEM key as one line (its base64 body), for an environment variable."""
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def _pieces(text: str) -> list[str]:
    """PEM blocks and one-line keys in a text, each as PEM."""
    blocks = [m.group(0) for m in _PEM_BLOCK.finditer(text)]
    rest = _PEM_BLOCK.sub(" ", text)
    for item in re.split(r"[\s,]+", rest.strip()):
        if item:
            blocks.append(item)
    return blocks


def _der(piece: str) -> bytes:
    if piece.startswith("-----"):
        return piece.encode()
    try:
        return base64.b64decode(piece, validate=True)
    except ValueError as exc:
        raise TokenKeyError("not PEM and not base64") from exc


def _read(value: str, path: str, name: str) -> str:
    text = str(value or "").strip()
    if str(path or "").strip():
        try:
            text = (text + "\n" + Path(str(path).strip()).read_text(encoding="utf-8")).strip()
        except OSError as exc:
            raise TokenKeyError(f"{name}_FILE: {exc.strerror or exc}") from exc
    return text


def parse_public_keys(text: str) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for piece in _pieces(text):
        data = _der(piece)
        try:
            key = (serialization.load_pem_public_key(data) if piece.startswith("-----")
                   else serialization.load_der_public_key(data))
        except ValueError as exc:
            raise TokenKeyError("a public key cannot be read") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise TokenKeyError("a public key is not an Ed25519 key")
        keys[key_id(key)] = key
    return keys


def parse_private_key(text: str) -> Ed25519PrivateKey:
    pieces = _pieces(text)
    if len(pieces) != 1:
        raise TokenKeyError("expected exactly one private key")
    data = _der(pieces[0])
    try:
        key = (serialization.load_pem_private_key(data, password=None) if pieces[0].startswith("-----")
               else serialization.load_der_private_key(data, password=None))
    except (ValueError, TypeError) as exc:
        raise TokenKeyError("the private key cannot be read") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise TokenKeyError("the private key is not an Ed25519 key")
    return key


def public_keys_from(config: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The public keys this service accepts (empty when none is configured)."""
    text = _read(config.get("SERVICE_TOKEN_PUBLIC_KEYS", ""), config.get("SERVICE_TOKEN_PUBLIC_KEYS_FILE", ""),
                 "DVK_SERVICE_TOKEN_PUBLIC_KEYS")
    return parse_public_keys(text) if text else {}


def private_key_from(config: Mapping[str, Any]) -> Ed25519PrivateKey | None:
    """The gateway's signing key (None when none is configured)."""
    text = _read(config.get("SERVICE_TOKEN_PRIVATE_KEY", ""), config.get("SERVICE_TOKEN_PRIVATE_KEY_FILE", ""),
                 "DVK_SERVICE_TOKEN_PRIVATE_KEY")
    return parse_private_key(text) if text else None


def check_token_keys(config: Mapping[str, Any], production: bool) -> list[str]:
    """Problems with this service's token keys, one line each (Vietnamese / English). A key that is set but cannot be
    read is always a problem; a missing one only in production."""
    problems: list[str] = []
    try:
        public = public_keys_from(config)
    except TokenKeyError as exc:
        problems.append(f"DVK_SERVICE_TOKEN_PUBLIC_KEYS không đọc được ({exc}) / "
                        f"DVK_SERVICE_TOKEN_PUBLIC_KEYS is malformed ({exc})")
        public = None
    else:
        if not public and production:
            problems.append("DVK_SERVICE_TOKEN_PUBLIC_KEYS chưa được đặt / DVK_SERVICE_TOKEN_PUBLIC_KEYS is not set")
    if "SERVICE_TOKEN_PRIVATE_KEY" not in config or config.get("PROCESS_ROLE", "web") != "web":
        return problems  # only the gateway's web process signs: its migrations, relay and commands get no key
    try:
        private = private_key_from(config)
    except TokenKeyError as exc:
        problems.append(f"DVK_SERVICE_TOKEN_PRIVATE_KEY không đọc được ({exc}) / "
                        f"DVK_SERVICE_TOKEN_PRIVATE_KEY is malformed ({exc})")
        return problems
    if private is None:
        if production:
            problems.append("DVK_SERVICE_TOKEN_PRIVATE_KEY chưa được đặt / DVK_SERVICE_TOKEN_PRIVATE_KEY is not set")
    elif public and key_id(private.public_key()) not in public:
        problems.append("khóa công khai của DVK_SERVICE_TOKEN_PRIVATE_KEY không có trong DVK_SERVICE_TOKEN_PUBLIC_KEYS / "
                        "the public half of DVK_SERVICE_TOKEN_PRIVATE_KEY is not among DVK_SERVICE_TOKEN_PUBLIC_KEYS")
    return problems


# --------------------------------------------------------------------------- tokens

def issue_token(
    private_key: Ed25519PrivateKey,
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
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": key_id(private_key.public_key())})


def verify_token(token: str, public_keys: Mapping[str, Ed25519PublicKey], ward: str) -> Principal:
    invalid = Problem(401, "token-invalid", "Mã xác thực không hợp lệ.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise invalid from exc
    key = public_keys.get(str(header.get("kid") or ""))
    if key is None or header.get("alg") != ALGORITHM:
        raise invalid
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Problem(401, "token-expired", "Mã xác thực đã hết hạn.") from exc
    except jwt.PyJWTError as exc:
        raise invalid from exc
    if claims.get("role") not in ROLES:
        raise Problem(401, "token-invalid", "Mã xác thực không hợp lệ.", detail="Vai trò không xác định.")
    if claims.get("ward") != ward:
        raise Problem(403, "wrong-ward", "Mã xác thực thuộc phường khác.")
    unit = claims.get("unit")
    return Principal(
        user_id=claims["sub"], name=claims.get("name") or claims["sub"], role=claims["role"],
        unit_id=int(unit) if unit is not None else None, ward=claims["ward"],
    )


def accepted_keys() -> dict[str, Ed25519PublicKey]:
    """This app's public keys, read once."""
    keys = current_app.extensions.get("dvk_token_public_keys")
    if keys is None:
        keys = current_app.extensions["dvk_token_public_keys"] = public_keys_from(current_app.config)
    return keys


def current_principal() -> Principal:
    principal = getattr(g, "principal", None)
    if principal is None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Problem(401, "unauthenticated", "Chưa xác thực: thiếu mã xác thực dịch vụ.")
        principal = verify_token(header[7:].strip(), accepted_keys(), current_app.config["WARD_CODE"])
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


def main() -> None:
    """`python -m dvk_platform.auth`: a new key pair as two lines for an env file (the private one for the gateway
    only, the public one for every service)."""
    private_pem, public_pem = generate_key_pair()
    print(f"DVK_SERVICE_TOKEN_PRIVATE_KEY={one_line(private_pem)}")
    print(f"DVK_SERVICE_TOKEN_PUBLIC_KEYS={one_line(public_pem)}")


if __name__ == "__main__":
    main()
