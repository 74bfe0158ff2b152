"""Where the real PostgreSQL and Kafka of a test run (or a benchmark) come from, in this order: the addresses named
in the environment (DVK_TEST_DATABASE_URL, DVK_TEST_KAFKA_BOOTSTRAP); testcontainers where a Docker engine answers;
else servers the harness starts itself (PostgreSQL from Debian's packages, Kafka from the cached Maven Central jars).

One place decides, for pytest's session fixtures, for the controller of a parallel (xdist) run that starts them once
for all its workers, for `python -m dvk_testing.groups` (`make test`), and for the benchmarks."""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

import psycopg

from .kafka import KAFKA_VERSION, LocalKafka
from .postgres import HarnessUnavailable, LocalPostgres, PostgresDatabases

POSTGRES_VARIABLE = "DVK_TEST_DATABASE_URL"
KAFKA_VARIABLE = "DVK_TEST_KAFKA_BOOTSTRAP"
# Set by a process that tried to provide a server and could not, so the processes it starts do not try again
# (each would fail the same way, after the same wait): their tests skip, or fail under CI=true, with this reason.
POSTGRES_UNAVAILABLE_VARIABLE = "DVK_TEST_DATABASE_UNAVAILABLE"
KAFKA_UNAVAILABLE_VARIABLE = "DVK_TEST_KAFKA_UNAVAILABLE"


def _server_url(given: str) -> str:
    """postgresql+psycopg://user@host:port[/database] -> the server part, as PostgresDatabases wants it."""
    return given.rsplit("/", 1)[0] if given.count("/") > 2 else given


@functools.cache
def docker_engine_answers() -> bool:
    if not (os.environ.get("DOCKER_HOST") or os.path.exists("/var/run/docker.sock")):
        return False
    import docker

    try:
        client = docker.from_env(timeout=2)
    except Exception:  # noqa: BLE001 - no usable engine configuration
        return False
    try:
        client.ping()
        return True
    except Exception:  # noqa: BLE001 - the client answers, no engine behind it
        return False
    finally:
        client.close()


@dataclass
class Provided:
    """One server: its address (a PostgreSQL URL without database, or a Kafka bootstrap), where it came from, and
    how to stop it if this process started it."""

    address: str
    origin: str  # "environment" | "testcontainers" | "harness"
    local: LocalPostgres | LocalKafka | None = None
    stop: Callable[[], None] = field(default=lambda: None, repr=False)


def provide_postgres() -> Provided:
    """Raises HarnessUnavailable when no server can be had."""
    given = os.environ.get(POSTGRES_VARIABLE)
    if given:
        return Provided(_server_url(given), "environment")
    reason = os.environ.get(POSTGRES_UNAVAILABLE_VARIABLE)
    if reason:
        raise HarnessUnavailable(reason)
    if docker_engine_answers():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:17-alpine", driver="psycopg").start()
        return Provided(container.get_connection_url().rsplit("/", 1)[0], "testcontainers", stop=container.stop)
    local = LocalPostgres()
    try:
        local.start()
    except BaseException:
        local.cleanup()
        raise
    return Provided(local.base_url, "harness", local, local.cleanup)


def provide_kafka() -> Provided:
    """Raises HarnessUnavailable when no broker can be had."""
    given = os.environ.get(KAFKA_VARIABLE)
    if given:
        return Provided(given, "environment")
    reason = os.environ.get(KAFKA_UNAVAILABLE_VARIABLE)
    if reason:
        raise HarnessUnavailable(reason)
    if docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        container = KafkaContainer("apache/kafka:4.3.1").with_kraft().with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false").start()
        return Provided(container.get_bootstrap_server(), "testcontainers", stop=container.stop)
    broker = LocalKafka()
    try:
        broker.start()
    except BaseException:
        broker.cleanup()
        raise
    return Provided(broker.bootstrap, "harness", broker, broker.cleanup)


class RealServers:
    """`with RealServers() as servers:` gives `servers.databases` (fresh databases, dropped at the end) and
    `servers.kafka_bootstrap`; servers it started itself are stopped and removed at the end.

    With `tolerate_missing=True` a server that cannot be had is not an error: its reason is kept in `missing`
    and passed on by `environment()`, for the test processes to skip (or fail under CI=true) with it."""

    def __init__(self, tolerate_missing: bool = False) -> None:
        self.tolerate_missing = tolerate_missing
        self.postgres: Provided | None = None
        self.kafka: Provided | None = None
        self.missing: dict[str, str] = {}
        self.databases: PostgresDatabases | None = None

    @property
    def postgres_url(self) -> str:
        return self.postgres.address if self.postgres else ""

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.address if self.kafka else ""

    @property
    def local_postgres(self) -> LocalPostgres | None:
        return self.postgres.local if self.postgres else None  # type: ignore[return-value]

    @property
    def local_kafka(self) -> LocalKafka | None:
        return self.kafka.local if self.kafka else None  # type: ignore[return-value]

    def __enter__(self) -> RealServers:
        try:
            for name, provide, unavailable_variable in (
                ("postgres", provide_postgres, POSTGRES_UNAVAILABLE_VARIABLE),
                ("kafka", provide_kafka, KAFKA_UNAVAILABLE_VARIABLE),
            ):
                try:
                    setattr(self, name, provide())
                except HarnessUnavailable as exc:
                    if not self.tolerate_missing:
                        raise
                    self.missing[unavailable_variable] = str(exc)
            if self.postgres is not None:
                self.databases = PostgresDatabases(self.postgres.address)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def environment(self) -> dict[str, str]:
        """The variables that hand these servers (or the reasons they are missing) to other processes."""
        env = dict(self.missing)
        if self.postgres is not None:
            env[POSTGRES_VARIABLE] = self.postgres.address
        if self.kafka is not None:
            env[KAFKA_VARIABLE] = self.kafka.address
        return env

    def close(self) -> None:
        if self.databases is not None:
            self.databases.drop_all()
            self.databases = None
        for name in ("kafka", "postgres"):
            provided: Provided | None = getattr(self, name)
            if provided is not None:
                provided.stop()
                setattr(self, name, None)

    def postgres_version(self) -> str:
        dsn = self.postgres_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            row = conn.execute("SELECT current_setting('server_version'), current_setting('fsync'), "
                               "current_setting('synchronous_commit')").fetchone()
        assert row is not None
        return f"PostgreSQL {row[0]} (fsync={row[1]}, synchronous_commit={row[2]})"

    def describe(self) -> dict[str, str]:
        """Where the servers came from, for the results page."""
        origin = {"environment": "given by DVK_TEST_DATABASE_URL", "testcontainers": "a testcontainers container",
                  "harness": "started by the harness"}
        kafka = {"environment": f"given by DVK_TEST_KAFKA_BOOTSTRAP ({self.kafka_bootstrap})",
                 "testcontainers": f"a testcontainers container: Apache Kafka {KAFKA_VERSION} ({self.kafka_bootstrap})",
                 "harness": f"started by the harness: Apache Kafka {KAFKA_VERSION}, KRaft, one broker"}
        return {
            "postgresql": f"{origin[self.postgres.origin] if self.postgres else 'none'}: {self.postgres_version()}",
            "kafka": kafka[self.kafka.origin] if self.kafka else "none",
        }
