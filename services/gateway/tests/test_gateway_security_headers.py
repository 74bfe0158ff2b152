"""Every answer of the gateway carries the browser's security headers: the URL map walked route by route, every
method, signed out and signed in as the admin, whatever the answer (page, redirect, static file, JSON, a refusal,
the error page of a service that does not answer)."""
from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from werkzeug.routing import IntegerConverter

from .conftest import add_user, login

REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=()",
}
POLICY_PARTS = ("default-src 'self'", "script-src 'self';", "style-src 'self';", "object-src 'none'",
                "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'")
# not a page (a file the browser shows itself, a static file, JSON): nothing runs, nothing frames it
FILE_POLICY_PARTS = ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'")


def addresses(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, a concrete address) for every rule of the URL map."""
    walked = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            values: dict[str, Any] = {}
            for name in rule.arguments:
                converter = rule._converters[name]  # noqa: SLF001 - werkzeug keeps the converters of a rule here
                values[name] = 1 if isinstance(converter, IntegerConverter) else ("app.css" if rule.endpoint == "static" else "x")
            path = url_for(rule.endpoint, **values)
            walked += [(rule.endpoint, method, path) for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return walked


def problems(response: Any) -> list[str]:
    found = [f"{name}: {response.headers.get(name)!r}" for name, value in REQUIRED.items()
             if value not in (response.headers.get(name) or "")]
    policy = response.headers.get("Content-Security-Policy") or ""
    page = response.mimetype == "text/html"
    found += [f"Content-Security-Policy lacks {part}" for part in (POLICY_PARTS if page else FILE_POLICY_PARTS)
              if part not in policy]
    if "unsafe-eval" in policy or ("script-src" in policy and not page) or (page and "unsafe-inline" in policy):
        found.append(f"Content-Security-Policy allows inline code: {policy}")
    return found


def test_every_route_answers_with_the_security_headers(make_gateway):
    app = make_gateway()
    add_user(app, "quantri", "admin")
    signed_out, signed_in = app.test_client(), app.test_client()
    assert login(signed_in, "quantri").status_code == 302
    walked = addresses(app)
    assert len({endpoint for endpoint, _, _ in walked}) > 40  # the whole map, pages and machines' endpoints alike
    missing = []
    statuses = set()
    pages = others = 0
    for endpoint, method, path in walked:
        for who, client in (("signed out", signed_out), ("admin", signed_in)):
            with client.open(path, method=method) as response:  # a static file's answer holds the file open
                statuses.add(response.status_code)
                pages, others = (pages + 1, others) if response.mimetype == "text/html" else (pages, others + 1)
                missing += [f"{method} {path} ({endpoint}, {who}, {response.status_code}): {p}" for p in problems(response)]
    assert not missing, "\n".join(missing)
    assert {200, 302, 400} <= statuses and pages > 10 and others > 5  # pages, redirects to sign in and refused forms were all among the answers
    assert signed_out.get("/khong-co-trang-nay").headers["Content-Security-Policy"]  # a 404 too


def test_strict_transport_security_only_over_https(make_gateway):
    assert "Strict-Transport-Security" not in make_gateway().test_client().get("/dang-nhap").headers
    secure = make_gateway(COOKIE_SECURE=True).test_client().get("/dang-nhap", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
