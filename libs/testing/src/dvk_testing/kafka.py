"""Apache Kafka 4.x in KRaft combined mode, assembled from Maven Central jars (no Docker needed).

The jars are fetched once with maven-dependency-plugin into a cache outside the repository.
"""
from __future__ import annotations

import base64
import fcntl
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from . import free_port, wait_until
from .postgres import HarnessUnavailable

KAFKA_VERSION = "4.3.1"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.7.1:copy-dependencies"
HERE = Path(__file__).parent


def jar_cache() -> Path:
    base = os.environ.get("DVK_KAFKA_JARS") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "dvk", f"kafka-{KAFKA_VERSION}"
    )
    return Path(base)


def ensure_jars() -> Path:
    libs = jar_cache() / "libs"
    if (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        return libs
    if not shutil.which("mvn"):
        raise HarnessUnavailable("Maven (mvn) is needed once to fetch the Kafka jars from Maven Central")
    work = jar_cache()
    work.mkdir(parents=True, exist_ok=True)
    # several test processes may need the jars at once: one fetches, the others wait for it
    with open(work / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
            return libs
        shutil.copy(HERE / "kafka-pom.xml", work / "pom.xml")
        tmp = work / "libs.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        done = subprocess.run(
            ["mvn", "-q", "-B", "-f", str(work / "pom.xml"), DEPENDENCY_PLUGIN, f"-DoutputDirectory={tmp}"],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise HarnessUnavailable(f"fetching Kafka jars failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        shutil.rmtree(libs, ignore_errors=True)
        tmp.rename(libs)
    return libs


def java_binary() -> str:
    home = os.environ.get("DVK_KAFKA_JAVA_HOME")
    if home:
        return os.path.join(home, "bin", "java")
    java = shutil.which("java")
    if not java:
        raise HarnessUnavailable("Java 17+ is needed to run the test Kafka broker")
    return java


SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable={auto_create}
log.flush.interval.messages=10000
"""


def cluster_id() -> str:
    """A new cluster id as `kafka-storage random-uuid` prints it (16 random bytes, URL-safe base64 without padding, never
    starting with "-"), made here rather than by a second Java process before each format."""
    while True:
        made = base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()
        if not made.startswith("-"):
            return made


class LocalKafka:
    """One broker+controller process on free loopback ports; stop/kill/start keep its data and ports.

    Like the production brokers (docker-compose.yml, deploy/k8s), it does not create topics on a metadata request
    or a send: every topic is created by the service that writes to it (relays their topics, consumers their DLQs,
    KafkaBus on first send), so a client asking for a topic nobody owns leaves nothing behind."""

    def __init__(self, auto_create_topics: bool = False) -> None:
        self.libs = ensure_jars()
        self.java = java_binary()
        self.dir = Path(tempfile.mkdtemp(prefix="dvk-kafka-"))
        self.port = free_port()
        self.controller_port = free_port()
        self.config = self.dir / "server.properties"
        self.config.write_text(
            SERVER_PROPERTIES.format(port=self.port, controller_port=self.controller_port, data=self.dir / "data",
                                     auto_create=str(auto_create_topics).lower())
        )
        shutil.copy(HERE / "kafka-log4j2.properties", self.dir / "log4j2.properties")
        self.process: subprocess.Popen[bytes] | None = None
        self._format()

    def _java(self, main: str, *args: str, heap: str = "256m") -> list[str]:
        return [
            self.java, f"-Xmx{heap}", "-Xms128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={self.dir / 'log4j2.properties'}",
            "-cp", f"{self.libs}/*", main, *args,
        ]

    def _format(self) -> None:
        done = subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t", cluster_id(), "-c", str(self.config)),
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise HarnessUnavailable(f"StorageTool format failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> None:
        with open(self.dir / "kafka.log", "ab") as log:
            self.process = subprocess.Popen(self._java("kafka.Kafka", str(self.config), heap="768m"),
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            ready = wait_until(self.ready, timeout, interval=0.5)
        except BaseException:
            self.kill()
            raise
        if not ready:
            tail = (self.dir / "kafka.log").read_text(errors="replace")[-3000:]
            self.kill()
            raise HarnessUnavailable(f"Kafka did not become ready in {timeout}s: {tail}")

    def ready(self) -> bool:
        """Readiness by an admin call: the broker answers metadata and accepts a topic."""
        if self.process is None or self.process.poll() is not None:
            return False
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=2000)
        except (KafkaError, OSError):
            return False
        try:
            admin.describe_cluster()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
