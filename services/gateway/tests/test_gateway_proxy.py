"""Behind the TLS proxy every request reaches the gateway from the proxy's address. With DVK_TRUSTED_PROXIES=1 the
gateway takes the client's address from the proxy's X-Forwarded-For, so one client's wrong passwords lock that
client only; with 0 (the default) the header is ignored, so nobody can pick the address they are counted under."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from dvk_platform.db import get_db
from gateway.models import LoginAttempt

from .conftest import PASSWORD, add_user, login

GUESSER, COLLEAGUE = "203.0.113.7", "198.51.100.4"


def behind_the_proxy(app, client_address: str, sent_by_client: str | None = None):
    """A browser reaching the gateway through the proxy on the same host (127.0.0.1): the proxy appends the
    address it saw to whatever X-Forwarded-For the client sent."""
    client = app.test_client()
    forwarded = f"{sent_by_client}, {client_address}" if sent_by_client else client_address
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def attempts_from(app) -> set[str]:
    with app.app_context(), get_db().transaction() as s:
        return set(s.scalars(select(LoginAttempt.ip)))


def test_with_one_trusted_proxy_a_guesser_is_locked_and_a_colleague_behind_the_same_proxy_signs_in(make_gateway):
    app = make_gateway(TRUSTED_PROXIES=1)
    add_user(app, "lanhdao", "lanh_dao")
    guesser = behind_the_proxy(app, GUESSER)
    statuses = [login(guesser, f"doan-{i}", "sai-mat-khau").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    assert login(guesser, "lanhdao", PASSWORD).status_code == 429  # that address waits, even with a right password

    # Sending a made-up X-Forwarded-For does not help: the proxy appends the real address, and that one counts.
    spoofing = behind_the_proxy(app, GUESSER, sent_by_client="10.9.8.7")
    assert login(spoofing, "lanhdao", PASSWORD).status_code == 429

    colleague = behind_the_proxy(app, COLLEAGUE)
    signed_in = login(colleague, "lanhdao", PASSWORD)
    assert signed_in.status_code == 302
    assert "Đăng xuất" in colleague.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert attempts_from(app) == {GUESSER, COLLEAGUE}


def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_gateway):
    app = make_gateway()
    assert app.config["TRUSTED_PROXIES"] == 0
    add_user(app, "lanhdao", "lanh_dao")
    guesser = behind_the_proxy(app, GUESSER)
    statuses = [login(guesser, f"doan-{i}", "sai-mat-khau").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    # A new X-Forwarded-For does not escape the lock: the gateway counts the connection's own address.
    assert login(behind_the_proxy(app, COLLEAGUE), "lanhdao", PASSWORD).status_code == 429
    assert attempts_from(app) == {"127.0.0.1"}


def test_the_count_comes_from_dvk_trusted_proxies_and_a_negative_one_is_refused(make_gateway, monkeypatch):
    monkeypatch.setenv("DVK_TRUSTED_PROXIES", "2")
    assert make_gateway().config["TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("DVK_TRUSTED_PROXIES", "-1")
    with pytest.raises(ValueError, match="DVK_TRUSTED_PROXIES"):
        make_gateway()
