"""The connection pool does not ping PostgreSQL before every request (a round trip each), yet a pooled connection
that died while idle (server restarted, connection dropped) is replaced before a request gets it."""
from __future__ import annotations

import time

import psycopg

from dvk_platform import db as db_module
from dvk_testing.plugin import Caller


def _backends(app) -> list[int]:
    url = app.config["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        return [pid for (pid,) in admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,))]


def _terminate_all(app) -> int:
    url = app.config["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        return len(admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)).fetchall())


def test_a_connection_that_died_while_idle_is_replaced_before_a_request_gets_it(make_service):
    app = make_service("registration", "postgresql", USES_BUS=False)
    call = Caller(app)
    assert call("GET", "/units", "giam_sat").status_code == 200
    assert _terminate_all(app) >= 1  # what a server restart does to the pool's connections
    time.sleep(db_module.IDLE_BEFORE_PING + 0.5)
    answer = call("GET", "/units", "giam_sat")
    assert answer.status_code == 200, answer.get_json()


def test_a_connection_used_a_moment_ago_is_not_pinged(make_service):
    """Under load every request finds a connection used moments before: it gets it without a ping, so a connection
    killed in that moment fails that one request (503, as for any database failure), and the next gets a new one."""
    app = make_service("registration", "postgresql", USES_BUS=False)
    call = Caller(app)
    assert call("GET", "/units", "giam_sat").status_code == 200
    before = _backends(app)
    assert _terminate_all(app) >= 1
    assert call("GET", "/units", "giam_sat").status_code == 503  # no ping: the dead connection was used
    assert call("GET", "/units", "giam_sat").status_code == 200
    assert not set(before) & set(_backends(app))
