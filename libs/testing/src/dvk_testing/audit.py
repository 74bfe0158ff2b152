"""The append-only check every audited service's tests share: nobody can change or remove an audit row."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc

from .plugin import bearer


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text("SELECT id, at, actor_id, actor_role, action, entity, entity_id "
                                                        "FROM audit_log ORDER BY id"))]


def assert_append_only(app: Flask) -> None:
    """GET /audit is the log's only method (any write → 405), and the database's triggers refuse UPDATE and DELETE
    of its rows: after the attempts the log is what it was. Call it once something has been logged."""
    client = app.test_client()
    admin = bearer(app, "admin")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/audit", method=method, json={}, headers=admin).status_code == 405, method
    engine = app.extensions["dvk_db"].engine
    before = _rows(engine)
    assert before, "nothing is logged: the check would prove nothing"
    for statement in ("UPDATE audit_log SET actor_id = 'someone-else'", "DELETE FROM audit_log"):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert _rows(engine) == before
