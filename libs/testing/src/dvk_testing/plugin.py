"""pytest plugin: real PostgreSQL and Kafka, chosen in this order: addresses from the environment
(DVK_TEST_DATABASE_URL, DVK_TEST_KAFKA_BOOTSTRAP); testcontainers where a Docker engine answers;
else servers this harness starts itself. Under CI=true a server that cannot be had fails the run."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from dvk_platform.auth import generate_key_pair, issue_token, one_line, parse_private_key
from dvk_platform.bus import Bus, Record, create_bus
from dvk_platform.migrations import upgrade

from . import wait_until
from .availability import unavailable
from .kafka import LocalKafka
from .postgres import HarnessUnavailable, LocalPostgres, PostgresDatabases
from .servers import RealServers, provide_kafka, provide_postgres

# Tests that stop, kill or restart servers of their own (fixtures of these names) and measure how the system
# recovers: they run one at a time, in a process of their own beside the others (see `--dvk-group`).
SERIAL_FIXTURES = frozenset({"own_kafka", "own_postgres"})
GROUPS = ("all", "parallel", "serial", "journeys")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("dvk").addoption(
        "--dvk-group", choices=list(GROUPS), default="all",
        help="run only the tests that may run side by side (parallel), only those marked serial or using a server "
             "of their own (serial), only the browser journeys, which run in one process (journeys, marked "
             "`journeys`), or all (default)",
    )


def use_test_token_keys(environ: Any = None) -> None:
    """Give this test run one Ed25519 key pair, through the environment so that every app and every process started
    from it reads it: the private key (read by the gateway only) and its public half (read by every service).
    Kept when already set (an xdist worker inherits its controller's)."""
    env = os.environ if environ is None else environ
    if env.get("DVK_SERVICE_TOKEN_PRIVATE_KEY") and env.get("DVK_SERVICE_TOKEN_PUBLIC_KEYS"):
        return
    private_pem, public_pem = generate_key_pair()
    env["DVK_SERVICE_TOKEN_PRIVATE_KEY"] = one_line(private_pem)
    env["DVK_SERVICE_TOKEN_PUBLIC_KEYS"] = one_line(public_pem)


def test_signing_key():
    """The test run's private key (the one the gateway of these tests holds)."""
    use_test_token_keys()
    return parse_private_key(os.environ["DVK_SERVICE_TOKEN_PRIVATE_KEY"])


test_signing_key.__test__ = False  # a helper, not a test


def sign_token(*, user_id: str = "u1", name: str = "Cán bộ thử", role: str, ward: str = "minh-xuan",
               unit_id: int | None = None, ttl: int = 300, now: float | None = None) -> str:
    """A service token as the gateway of these tests would sign it."""
    return issue_token(test_signing_key(), user_id=user_id, name=name, role=role, ward=ward, unit_id=unit_id,
                       ttl=ttl, now=now)


def pytest_configure(config: pytest.Config) -> None:
    use_test_token_keys()
    config.addinivalue_line("markers", "serial: runs one at a time, in the serial group (stops or kills servers, measures recovery)")
    config.addinivalue_line("markers", "journeys: a browser journey, or a test judging all of them; the journeys group, one process")
    if _is_xdist_controller(config):
        # one PostgreSQL and one Kafka for every worker: started here, before the workers, which inherit the addresses
        servers = RealServers(tolerate_missing=True)
        servers.__enter__()
        config.stash[_CONTROLLER_SERVERS] = servers
        os.environ.update(servers.environment())


def pytest_unconfigure(config: pytest.Config) -> None:
    servers = config.stash.get(_CONTROLLER_SERVERS, None)
    if servers is not None:
        servers.close()


_CONTROLLER_SERVERS = pytest.StashKey[RealServers]()


def _is_xdist_controller(config: pytest.Config) -> bool:
    return (not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", 0))
            and getattr(config.option, "dist", "no") != "no")


def is_serial(item: pytest.Item) -> bool:
    return item.get_closest_marker("serial") is not None or bool(SERIAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def group_of(item: pytest.Item) -> str:
    if item.get_closest_marker("journeys") is not None:
        return "journeys"
    return "serial" if is_serial(item) else "parallel"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    group = config.getoption("dvk_group")
    for item in items:
        if is_serial(item) and item.get_closest_marker("serial") is None:
            item.add_marker(pytest.mark.serial)
    if group == "all":
        return
    keep = [item for item in items if group_of(item) == group]
    dropped = [item for item in items if group_of(item) != group]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@dataclass
class PostgresServer:
    base_url: str
    local: LocalPostgres | None = None


@dataclass
class KafkaServer:
    bootstrap: str
    local: LocalKafka | None = None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        provided = provide_postgres()
    except HarnessUnavailable as exc:
        unavailable(str(exc))
    yield PostgresServer(provided.address, provided.local)  # type: ignore[arg-type]
    provided.stop()


@pytest.fixture(scope="session")
def postgres_databases(postgres_server: PostgresServer) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_server.base_url)
    yield databases
    databases.drop_all()


def _start_local_kafka() -> LocalKafka:
    try:
        broker = LocalKafka()
        broker.start()
        return broker
    except HarnessUnavailable as exc:
        unavailable(str(exc))
        raise


@pytest.fixture(scope="session")
def kafka_server() -> Iterator[KafkaServer]:
    try:
        provided = provide_kafka()
    except HarnessUnavailable as exc:
        unavailable(str(exc))
    yield KafkaServer(provided.address, provided.local)  # type: ignore[arg-type]
    provided.stop()


@pytest.fixture(scope="session")
def _own_kafka_broker() -> Iterator[LocalKafka]:
    broker = _start_local_kafka()
    yield broker
    broker.cleanup()


@pytest.fixture
def own_kafka(_own_kafka_broker: LocalKafka) -> Iterator[LocalKafka]:
    """A broker apart from the one the other tests share, for tests that stop, kill and restart it. These tests run
    one at a time (the serial group), so they take turns with one such broker, started once per session rather than
    once per test (formatting and starting a broker is most of a minute on a small machine): each test finds it
    running (started again if the test before left it stopped) and works on topics of its own prefix."""
    broker = _own_kafka_broker
    if broker.process is None or broker.process.poll() is not None or not broker.ready():
        broker.kill()
        broker.start()
    yield broker


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture(params=["kafka", "embedded"])
def bus_config(request: pytest.FixtureRequest, tmp_path: Path, topic_prefix: str) -> dict[str, Any]:
    """Bus settings for one test, on each transport in turn."""
    if request.param == "kafka":
        server: KafkaServer = request.getfixturevalue("kafka_server")
        return {"BUS": "kafka", "KAFKA_BOOTSTRAP": server.bootstrap, "TOPIC_PREFIX": topic_prefix}
    return {"BUS": "embedded", "EMBEDDED_BUS_PATH": str(tmp_path / "bus.db"), "TOPIC_PREFIX": topic_prefix}


@pytest.fixture(params=["postgresql", "sqlite"])
def database_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str, str], str]:
    """new_database_url(kind, name) -> a fresh, empty database of that kind."""

    def make(kind: str, name: str = "dvk") -> str:
        if kind == "postgresql":
            databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
            return databases.create(name)
        return f"sqlite:///{tmp_path / (name + '-' + uuid.uuid4().hex[:6] + '.db')}"

    return make


@pytest.fixture
def make_service(new_database_url: Callable[[str, str], str], tmp_path: Path, topic_prefix: str):
    """make_service(service, database_kind="sqlite", **config) -> a migrated Flask app of that service."""
    apps: list[Flask] = []

    def make(service: str, database_kind: str = "sqlite", **config: Any) -> Flask:
        import importlib

        url = config.pop("DATABASE_URL", None) or new_database_url(database_kind, service)
        upgrade(service, url)
        settings = {
            "DATABASE_URL": url,
            "EMBEDDED_BUS_PATH": str(tmp_path / "bus.db"),
            "TOPIC_PREFIX": topic_prefix,
            **config,
        }
        app = importlib.import_module(service).create_app(settings)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        bus = app.extensions.get("dvk_bus")
        if bus is not None:
            bus.close()
        app.extensions["dvk_db"].dispose()


def bearer(app: Flask, role: str, unit_id: int | None = None, user_id: str = "u1", name: str = "Cán bộ thử",
           ward: str | None = None, ttl: int = 300) -> dict[str, str]:
    token = sign_token(user_id=user_id, name=name, role=role, unit_id=unit_id, ward=ward or app.config["WARD_CODE"],
                       ttl=ttl)
    return {"Authorization": f"Bearer {token}"}


class Caller:
    """Calls one app as a role (optionally of a unit), the way the gateway would: with a signed service token, and
    the version the caller saw in If-Match. A role of None sends no token."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()

    def headers(self, role: str, unit: int | None = None) -> dict[str, str]:
        return bearer(self.app, role, unit, user_id=f"{role}-{unit or 0}", name=f"Cán bộ {role}")

    def __call__(self, method: str, path: str, role: str | None, unit: int | None = None, json: Any = None,
                 if_match: int | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers.update(self.headers(role, unit))
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)


def read_topic(bus: Bus, topic: str, count: int, timeout: float = 30.0) -> list[Record]:
    """Read at least `count` records from the start of a topic with a fresh consumer group."""
    consumer = bus.consumer(f"reader-{uuid.uuid4().hex[:8]}", [topic])
    records: list[Record] = []
    try:
        wait_until(lambda: len(records.__iadd__(consumer.poll(0.5, 1000))) >= count, timeout, interval=0)
    finally:
        consumer.close()
    return records


def bus_for(config: dict[str, Any]) -> Bus:
    return create_bus({"KAFKA_PARTITIONS": 3, **config}, client_id="test")


# LibreOffice rendering of official documents (fixture `office`).
from .office import office  # noqa: E402,F401
