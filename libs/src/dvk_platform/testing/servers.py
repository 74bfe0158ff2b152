"""Real PostgreSQL and Kafka for programs outside pytest (the benchmarks): the servers named in the environment
(DVK_TEST_DATABASE_URL, DVK_TEST_KAFKA_BOOTSTRAP, as for the tests) or, where none is named, servers the
harness starts itself (PostgreSQL from Debian's packages, Kafka from the cached Maven Central jars)."""
from __future__ import annotations

import os
from types import TracebackType

import psycopg

from .kafka import KAFKA_VERSION, LocalKafka
from .postgres import LocalPostgres, PostgresDatabases


def _server_url(given: str) -> str:
    """postgresql+psycopg://user@host:port[/database] -> the server part, as PostgresDatabases wants it."""
    return given.rsplit("/", 1)[0] if given.count("/") > 2 else given


class RealServers:
    """`with RealServers() as servers:` gives `servers.databases` (fresh databases, dropped at the end) and
    `servers.kafka_bootstrap`; servers it started itself are stopped and removed at the end."""

    def __init__(self) -> None:
        self.local_postgres: LocalPostgres | None = None
        self.local_kafka: LocalKafka | None = None
        self.postgres_url = ""
        self.kafka_bootstrap = ""
        self.databases: PostgresDatabases | None = None

    def __enter__(self) -> RealServers:
        try:
            given_db = os.environ.get("DVK_TEST_DATABASE_URL")
            if given_db:
                self.postgres_url = _server_url(given_db)
            else:
                self.local_postgres = LocalPostgres()
                self.local_postgres.start()
                self.postgres_url = self.local_postgres.base_url
            self.databases = PostgresDatabases(self.postgres_url)
            given_kafka = os.environ.get("DVK_TEST_KAFKA_BOOTSTRAP")
            if given_kafka:
                self.kafka_bootstrap = given_kafka
            else:
                self.local_kafka = LocalKafka()
                self.local_kafka.start()
                self.kafka_bootstrap = self.local_kafka.bootstrap
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self.databases is not None:
            self.databases.drop_all()
        if self.local_kafka is not None:
            self.local_kafka.cleanup()
            self.local_kafka = None
        if self.local_postgres is not None:
            self.local_postgres.cleanup()
            self.local_postgres = None

    def postgres_version(self) -> str:
        dsn = self.postgres_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            row = conn.execute("SELECT current_setting('server_version'), current_setting('fsync'), "
                               "current_setting('synchronous_commit')").fetchone()
        assert row is not None
        return f"PostgreSQL {row[0]} (fsync={row[1]}, synchronous_commit={row[2]})"

    def describe(self) -> dict[str, str]:
        """Where the servers came from, for the results page."""
        return {
            "postgresql": ("started by the harness" if self.local_postgres else "given by DVK_TEST_DATABASE_URL")
            + f": {self.postgres_version()}",
            "kafka": (f"started by the harness: Apache Kafka {KAFKA_VERSION}, KRaft, one broker"
                      if self.local_kafka else f"given by DVK_TEST_KAFKA_BOOTSTRAP ({self.kafka_bootstrap})"),
        }
