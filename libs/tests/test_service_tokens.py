"""Service tokens are signed by the gateway's Ed25519 key alone and verified with public keys: a key rotation
keeps the old token valid until its expiry while new ones carry the new key id; once the old public key is
dropped its tokens are refused; the gateway signs with its key and no other service holds one."""
from __future__ import annotations

import time

import jwt
import pytest
from flask import Flask

from dvk_platform.auth import (
    ALGORITHM,
    TokenKeyError,
    generate_key_pair,
    issue_token,
    key_id,
    one_line,
    parse_private_key,
    parse_public_keys,
)

CLAIMS = {"user_id": "vhxh-1", "name": "Cán bộ văn hóa", "role": "vhxh", "ward": "minh-xuan", "unit_id": None}


def _status(app: Flask, token: str) -> tuple[int, str | None]:
    response = app.test_client().get("/periods", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, (response.get_json(silent=True) or {}).get("type")


def test_a_rotation_accepts_the_old_key_until_expiry_and_new_tokens_carry_the_new_key_id(make_service):
    old_private, old_public = generate_key_pair()
    new_private, new_public = generate_key_pair()
    old_key, new_key = parse_private_key(old_private), parse_private_key(new_private)
    assert key_id(old_key.public_key()) != key_id(new_key.public_key())

    # before: the old key only
    before = make_service("registration", SERVICE_TOKEN_PUBLIC_KEYS=one_line(old_public))
    old_token = issue_token(old_key, ttl=60, **CLAIMS)
    assert _status(before, old_token) == (200, None)
    assert _status(before, issue_token(new_key, **CLAIMS))[0] == 401

    # during the rotation window: both public keys (PEM text here, one-line in env files)
    during = make_service("registration", SERVICE_TOKEN_PUBLIC_KEYS=old_public + new_public)
    gateway = make_service("gateway", SERVICE_TOKEN_PRIVATE_KEY=new_private,
                           SERVICE_TOKEN_PUBLIC_KEYS=f"{one_line(old_public)},{one_line(new_public)}")
    with gateway.test_request_context():
        from gateway import clients

        new_token = clients.service_token(role="vhxh", user_id="vhxh-1", name="Cán bộ văn hóa")
    assert jwt.get_unverified_header(new_token) == {"alg": ALGORITHM, "typ": "JWT", "kid": key_id(new_key.public_key())}
    assert _status(during, old_token) == (200, None), "a token signed before the switch is refused before its exp"
    assert _status(during, new_token) == (200, None)
    expired_old = issue_token(old_key, ttl=60, now=time.time() - 120, **CLAIMS)
    assert _status(during, expired_old) == (401, "urn:dvk:problem:token-expired")

    # after: the old public key dropped
    after = make_service("registration", SERVICE_TOKEN_PUBLIC_KEYS=one_line(new_public))
    assert _status(after, new_token) == (200, None)
    assert _status(after, old_token) == (401, "urn:dvk:problem:token-invalid")


def test_keys_are_read_from_pem_one_line_and_files_and_anything_else_is_refused(tmp_path):
    private_pem, public_pem = generate_key_pair()
    kid = key_id(parse_private_key(private_pem).public_key())
    assert list(parse_public_keys(public_pem)) == [kid]
    assert list(parse_public_keys(one_line(public_pem))) == [kid]
    for wrong in ("change-me", one_line(private_pem), "MCowBQYDK2VwAyEA"):
        with pytest.raises(TokenKeyError):
            parse_public_keys(wrong)
    with pytest.raises(TokenKeyError):
        parse_private_key(public_pem)
    with pytest.raises(TokenKeyError):
        parse_private_key(private_pem + generate_key_pair()[0])  # two private keys: which one signs?


def test_only_the_gateway_has_a_signing_key_setting(make_service):
    for service in ("registration", "reporting", "awards", "notify", "feed"):
        app = make_service(service)
        assert not [k for k in app.config if "PRIVATE" in k], service
    assert "SERVICE_TOKEN_PRIVATE_KEY" in make_service("gateway").config


def test_make_run_makes_one_development_pair_under_var_and_gives_the_private_key_to_the_gateway_only(tmp_path):
    from dvk_platform.devstack import _token_keys

    common = {"PATH": "/usr/bin"}
    signing = _token_keys(tmp_path, common)
    private_file, public_file = tmp_path / "service-token-private.pem", tmp_path / "service-token-public.pem"
    assert signing == {"DVK_SERVICE_TOKEN_PRIVATE_KEY_FILE": str(private_file)}
    assert common["DVK_SERVICE_TOKEN_PUBLIC_KEYS_FILE"] == str(public_file)
    assert not [k for k in common if "PRIVATE" in k]
    assert private_file.stat().st_mode & 0o077 == 0, "the private key is readable by others"
    key = parse_private_key(private_file.read_text())
    assert list(parse_public_keys(public_file.read_text())) == [key_id(key.public_key())]
    before = private_file.read_text()
    _token_keys(tmp_path, {"PATH": "/usr/bin"})  # the next make run keeps the pair (tokens stay valid)
    assert private_file.read_text() == before
    given = {"DVK_SERVICE_TOKEN_PRIVATE_KEY": "k", "DVK_SERVICE_TOKEN_PUBLIC_KEYS": "p"}
    assert _token_keys(tmp_path / "other", given) == {"DVK_SERVICE_TOKEN_PRIVATE_KEY": "k"}  # the environment's own
    assert given == {"DVK_SERVICE_TOKEN_PUBLIC_KEYS": "p"}
