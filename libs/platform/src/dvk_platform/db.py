"""Database setup: one engine and session factory per service, built in the app factory."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


# A pooled connection used again within this many seconds is handed out as it is: under load that is every request,
# and a ping on each would cost every request a round trip. One idle for longer (the server may have restarted, a
# firewall may have dropped it) is pinged first and replaced if dead. A connection that dies while busy fails its
# request (503), and SQLAlchemy then replaces every connection of the pool older than the failure.
IDLE_BEFORE_PING = 5.0


def _ping_when_idle(engine: Engine, idle_seconds: float = IDLE_BEFORE_PING) -> None:
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["dvk_returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("dvk_returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # just opened, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the pooled connection did not answer")


class Database:
    """Engine plus session factory. `with db.transaction() as s:` commits or rolls back as one unit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> Database:
    url = app.config["DATABASE_URL"]
    if not url:
        raise RuntimeError("DVK_DATABASE_URL is not set")
    db = Database(url)
    app.extensions["dvk_db"] = db
    return db


def get_db() -> Database:
    return current_app.extensions["dvk_db"]
