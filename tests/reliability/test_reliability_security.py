"""Nobody where they don't belong: every documented endpoint of every service (the gateway's: its JSON endpoints
for machines) refuses a missing, expired, forged, malformed or other-ward token and writes nothing (the feed's
GET /feed, which takes API keys and no service token, refuses each with 401); the gateway never returns or logs a
password; text a unit types is shown as text, never run as HTML. (The role × own/other-unit matrix of registration is in
services/registration/tests/test_registration_access.py; each service's tests check its own roles.)"""
from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import jwt
import pytest
from sqlalchemy import MetaData, select
from werkzeug.serving import make_server

from dvk_platform.auth import AUDIENCE, ISSUER, generate_key_pair, issue_token, key_id, parse_private_key
from dvk_testing.plugin import Caller, sign_token, test_signing_key

from .test_reliability_openapi_fuzz import SEEDERS

# The shared secret every service held before the gateway signed with its own private key: a token signed with it
# (the old development value, or any HMAC key) is no longer accepted anywhere.
OLD_SHARED_SECRET = "dev-only-change-me-dev-only-change-me"

# The gateway is here for what its OpenAPI document holds: its JSON endpoints for machines, which take a service
# token like every other service's (GET /internal/recipients). Its pages are for people, with a session and no
# token: they are not in that document, and the session tests below and in services/gateway/tests cover them.
SERVICES = ["registration", "reporting", "awards", "notify", "feed", "gateway"]
# Fewest operations a service documents (a floor proving its OpenAPI document was read, not a count to keep
# current): the feed has five (GET /feed, GET /audit, GET and POST /keys, POST /keys/{key_id}/revoke), the gateway
# one (GET /internal/recipients).
FEWEST_OPERATIONS = {"feed": 5, "gateway": 1}
# Endpoints that take no service token at all: the feed's GET /feed is read with a subscriber's API key
# (`Authorization: ApiKey …` or `X-API-Key`), so every bad token below — a bearer token of another ward
# included, which the endpoints taking service tokens refuse with 403 wrong-ward — is no API key to it: 401
# api-key-missing. (Its keys — missing, unknown, revoked, out of scope — are in services/feed/tests.)
API_KEY_ONLY = {("feed", "GET", "/feed"): (401, "api-key-missing")}


def _operations(app, ids: dict[str, Any]) -> list[tuple[str, str]]:
    """Every documented (method, path), each path naming a record the seeding made (an enumerated parameter: its
    first value), so a refusal is about the caller, never a record that is not there."""
    spec = app.test_client().get("/openapi.json").get_json()
    operations = []
    for path, item in spec["paths"].items():
        values = {}
        for parameter in item.get("parameters", []):
            schema = parameter.get("schema", {})
            if "enum" in schema:
                values[parameter["name"]] = str(schema["enum"][0])
            elif parameter["in"] == "path":
                assert parameter["name"] in ids, f"{path}: no seeded record for {{{parameter['name']}}}"
                values[parameter["name"]] = str(ids[parameter["name"]])
        filled = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)
        operations += [(method.upper(), filled) for method in item if method in {"get", "post", "put", "patch", "delete"}]
    return operations


def _rows(app) -> dict[str, list[str]]:
    """Every table's rows: a refused request must leave each record as it was, not only their number."""
    engine = app.extensions["dvk_db"].engine
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(repr(tuple(row)) for row in conn.execute(select(table))) for name, table in meta.tables.items()}


def _bad_tokens(app) -> dict[str, tuple[dict[str, str], int, str]]:
    """name -> (headers, expected status, expected problem slug)."""
    ward = app.config["WARD_CODE"]
    claims = {"user_id": "u1", "name": "Kẻ lạ", "role": "admin", "unit_id": None}
    expired = sign_token(ward=ward, ttl=60, now=time.time() - 3600, **claims)
    # another Ed25519 key: any service's own, a leaked test key, one made up
    forged = issue_token(parse_private_key(generate_key_pair()[0]), ward=ward, **claims)
    gateway_kid = key_id(test_signing_key().public_key())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u1", "name": "Kẻ lạ", "role": "admin", "unit": None, "ward": ward,
            "iat": int(time.time()), "exp": int(time.time()) + 300}
    # forged with another key but naming the gateway's key id
    forged_kid = jwt.encode(body, parse_private_key(generate_key_pair()[0]), algorithm="EdDSA",
                            headers={"kid": gateway_kid})
    old_secret = jwt.encode(body, OLD_SHARED_SECRET, algorithm="HS256")
    old_secret_kid = jwt.encode(body, OLD_SHARED_SECRET, algorithm="HS256", headers={"kid": gateway_kid})
    other_ward = sign_token(ward="phuong-khac", **claims)
    unsigned = jwt.encode(body, key=None, algorithm="none", headers={"kid": gateway_kid})
    unknown_role = jwt.encode({**body, "role": "superuser"}, test_signing_key(), algorithm="EdDSA",
                              headers={"kid": gateway_kid})
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    return {
        "missing": ({}, 401, "unauthenticated"),
        "not bearer": ({"Authorization": f"Basic {expired}"}, 401, "unauthenticated"),
        "garbage": (bearer("khong.phai.jwt"), 401, "token-invalid"),
        "expired": (bearer(expired), 401, "token-expired"),
        "forged": (bearer(forged), 401, "token-invalid"),
        "forged with the gateway's key id": (bearer(forged_kid), 401, "token-invalid"),
        "old shared secret": (bearer(old_secret), 401, "token-invalid"),
        "old shared secret with the gateway's key id": (bearer(old_secret_kid), 401, "token-invalid"),
        "unsigned": (bearer(unsigned), 401, "token-invalid"),
        "unknown role": (bearer(unknown_role), 401, "token-invalid"),
        "other ward": (bearer(other_ward), 403, "wrong-ward"),
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_endpoint_refuses_a_bad_token_and_writes_nothing(make_service, service):
    app = make_service(service)
    ids = SEEDERS[service](app)
    client = app.test_client()
    operations = _operations(app, ids)
    assert len(operations) >= FEWEST_OPERATIONS.get(service, 8), f"{service} documents only {len(operations)} operations"
    special = {(method, path) for (name, method, path) in API_KEY_ONLY if name == service}
    assert special <= set(operations), f"{service} no longer documents {special - set(operations)}"
    before = _rows(app)
    assert sum(map(len, before.values())), "nothing was seeded"
    wrong = []
    for method, path in operations:
        for name, (headers, status, slug) in _bad_tokens(app).items():
            status, slug = API_KEY_ONLY.get((service, method, path), (status, slug))
            response = client.open(path, method=method, json={}, headers=headers)
            body = response.get_json(silent=True) or {}
            if (response.status_code, response.mimetype, body.get("type")) != (status, "application/problem+json",
                                                                             f"urn:dvk:problem:{slug}"):
                wrong.append(f"{method} {path} with a {name} token: {response.status_code} {body.get('type')}")
    assert not wrong, "\n".join(wrong)
    after = _rows(app)
    assert after == before, [name for name in before if after[name] != before[name]]


# --------------------------------------------------------------------------- the gateway: passwords, escaping

PASSWORD = "Mat-Khau-Rat-Rieng@2026"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def _login(client, username: str, password: str):
    page = client.get("/dang-nhap")
    return client.post("/dang-nhap", data={"username": username, "password": password, "csrf_token": _csrf(page.get_data(as_text=True))})


def _gateway(make_service, **urls: str):
    from gateway.accounts import hash_password
    from gateway.models import User

    closed = "http://127.0.0.1:9"
    app = make_service("gateway", COOKIE_SECURE=False, SERVICE_CONNECT_TIMEOUT=1.0, SERVICE_READ_TIMEOUT=5.0,
                       **{f"{s}_URL": urls.get(s, closed) for s in ("REGISTRATION", "REPORTING", "AWARDS", "NOTIFY")})
    with app.extensions["dvk_db"].transaction() as session:
        for username, role, unit in (("vhxh", "vhxh", None), ("tdp1", "don_vi", 12)):
            session.add(User(username=username, full_name=f"Cán bộ {username}", role=role, unit_id=unit,
                             email=f"{username}@minhxuan.example.vn", password_hash=hash_password(PASSWORD), active=True))
    return app


def test_passwords_are_never_returned_or_logged(make_service, caplog):
    app = _gateway(make_service)
    client = app.test_client()
    wrong = "Sai-Mat-Khau-Hoan-Toan@1"
    with caplog.at_level(logging.DEBUG):
        refused = _login(client, "vhxh", wrong)
        signed_in = _login(client, "vhxh", PASSWORD)
        pages = [client.get(path) for path in ("/", "/tai-khoan/mat-khau")]
    assert refused.status_code == 401 and signed_in.status_code == 302
    recipients = app.test_client().get("/internal/recipients", headers=Caller(app).headers("admin"))
    assert recipients.status_code == 200 and {r["email"] for r in recipients.json} >= {"vhxh@minhxuan.example.vn"}
    shown = [refused, signed_in, recipients, *pages]
    for response in shown:
        text = response.get_data(as_text=True)
        assert PASSWORD not in text and wrong not in text, f"a password is shown by {response.request.path}"
        assert "$argon2" not in text and "password_hash" not in text
    assert all("password" not in key for row in recipients.json for key in row)
    assert caplog.records, "nothing was logged: the check would prove nothing"
    for record in caplog.records:
        logged = record.getMessage() + repr(record.__dict__)
        assert PASSWORD not in logged and wrong not in logged and "$argon2" not in logged, f"logged: {record.getMessage()}"


class _Served:
    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served_registration(make_service, ward_clock):
    from registration.seed import seed

    app = make_service("registration", CLOCK=ward_clock)
    seed(app)
    served = _Served(app)
    yield app, served.url
    served.stop()


SCRIPT = "<script>alert(1)</script>"


def test_a_model_titled_with_a_script_tag_is_shown_as_text(make_service, served_registration):
    registration, url = served_registration
    made = Caller(registration)("POST", "/models", "don_vi", 12, json={
        "title": SCRIPT, "field": "van_hoa_xa_hoi", "goals": "<img src=x onerror=alert(2)>", "content": "Nội dung.",
        "target_group": "Hộ dân", "person_in_charge": "Tổ trưởng", "start_date": "2026-03-01", "end_date": "2026-12-31",
        "expected_results": "Kết quả."})
    assert made.status_code == 201 and made.json["title"] == SCRIPT  # stored as typed
    gateway = _gateway(make_service, REGISTRATION=url)
    client = gateway.test_client()
    assert _login(client, "tdp1", PASSWORD).status_code == 302
    pages: dict[str, Any] = {path: client.get(path) for path in ("/mo-hinh", f"/mo-hinh/{made.json['id']}")}
    for path, page in pages.items():
        html = page.get_data(as_text=True)
        assert page.status_code == 200, (path, page.status_code)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, f"{path} does not show the title"
        assert SCRIPT not in html and "<img src=x" not in html, f"{path} renders the unit's text as HTML"
