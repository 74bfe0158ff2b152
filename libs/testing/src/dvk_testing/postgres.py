"""A throwaway PostgreSQL server from Debian's packages, run as a non-root user in a temporary directory."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
import warnings

import psycopg

from . import free_port, wait_until


class HarnessUnavailable(RuntimeError):
    """The harness could not provide a real server."""


def _pg_bin() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, capture_output=True)
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        raise HarnessUnavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
    return os.path.dirname(candidates[0])


class LocalPostgres:
    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = tempfile.mkdtemp(prefix="dvk-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.user = "postgres"
        self._run_as: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise HarnessUnavailable("no 'postgres' system user to run the server as") from exc
            shutil.chown(self.dir, "postgres", "postgres")
            self._run_as = ["runuser", "-u", "postgres", "--"]
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name

    def _pg(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._run_as, os.path.join(self.bin, tool), *args],
                              capture_output=True, text=True, check=False)

    def start(self) -> None:
        if not os.path.exists(self.data):
            done = self._pg("initdb", "-D", self.data, "-U", self.user, "--auth=trust", "-E", "UTF8",
                            "--locale=C.UTF-8", "--no-sync")
            if done.returncode != 0:
                raise HarnessUnavailable(f"initdb failed: {done.stderr}")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        done = self._pg("pg_ctl", "-D", self.data, "-o", opts, "-l", os.path.join(self.dir, "server.log"),
                        "-w", "-t", "60", "start")
        if done.returncode != 0:
            raise HarnessUnavailable(f"pg_ctl start failed: {done.stderr}{self.log_tail()}")
        if not wait_until(self._answers, 30):
            raise HarnessUnavailable("PostgreSQL did not answer")

    def log_tail(self) -> str:
        try:
            with open(os.path.join(self.dir, "server.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def _answers(self) -> bool:
        try:
            with psycopg.connect(self.admin_dsn, connect_timeout=2):
                return True
        except psycopg.Error:
            return False

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}"


class PostgresDatabases:
    """Creates a fresh database per request on one server (given, containerised or local)."""

    def __init__(self, base_url: str) -> None:
        # base_url: postgresql+psycopg://user:pw@host:port (no database part)
        self.base_url = base_url.rstrip("/")
        self.created: list[str] = []

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres",
                               autocommit=True, connect_timeout=5)

    def create(self, prefix: str = "dvk") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return f"{self.base_url}/{name}"

    def drop_all(self) -> None:
        """Drop the databases this run created; a server already gone leaves nothing to drop."""
        try:
            with self._admin() as conn:
                for name in self.created:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.OperationalError as exc:
            warnings.warn(f"test databases not dropped: {exc}", stacklevel=2)
        self.created.clear()
