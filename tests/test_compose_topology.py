"""The production topology, run here without Docker: every process docker-compose.yml defines, started with
the exact command and environment the file gives it, from a fresh virtualenv outside the checkout into which the
packages are installed as the image installs them (a plain, non-editable `pip install`, so migrations and templates
must come with the packages), against the harness's real PostgreSQL (one database per
service) and Kafka. Only what a container network provides is mapped: host names (postgres, kafka, mailpit,
<service>) to loopback addresses, the web processes' shared port 8000 to free ports, database names to unique
ones, and each container's own /tmp to a folder of its own. Every process runs as production (DVK_ENV=production,
secrets from the .env the test writes); the ward's first administrator comes from `dvk-worker create-admin` and opens
the staff's accounts in the web UI. One registration then goes from the gateway, through Kafka, to a notification
in Phòng VH-XH's inbox."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from dvk_testing import free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
INFRA = {"kafka", "postgres", "mailpit"}
SERVICES = ("registration", "reporting", "awards", "notify", "feed", "gateway")
IMAGE_LIBS = ("core", "platform", "documents")  # what deploy/Dockerfile installs: no test harness, no province tools
ADMIN_PASSWORD = "Quan-Tri#Phuong-2026"
PASSWORDS = {"vhxh": "Van-Hoa#Phuong-2026", "tdp1": "To-Dan-Pho#1-2026"}
SUBSTITUTION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def substitute(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.groups()
        if env.get(name):
            return env[name]
        if op == "?":
            raise AssertionError(f"compose requires {name}: {arg}")
        return arg if op == "-" else ""

    return SUBSTITUTION.sub(one, value)


def install_like_the_image(where: Path) -> Path:
    """deploy/Dockerfile's install step, outside the checkout: a copy of libs/ and services/, a new virtualenv, a plain
    `pip install -c constraints.txt ./libs/core ./libs/platform ./libs/documents ./services/...`. Returns the virtualenv's bin/ folder."""
    source = where / "source"
    skip = shutil.ignore_patterns(".venv", "build", "*.egg-info", "__pycache__", "tests", "var", "test-artifacts")
    for lib in IMAGE_LIBS:
        shutil.copytree(ROOT / "libs" / lib, source / "libs" / lib, ignore=skip)
    for service in SERVICES:
        shutil.copytree(ROOT / "services" / service, source / "services" / service, ignore=skip)
    shutil.copy(ROOT / "requirements" / "constraints.txt", source / "constraints.txt")
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-c", "constraints.txt",
                           *(f"./libs/{lib}" for lib in IMAGE_LIBS),
                           *(f"./services/{service}" for service in SERVICES)],
                          cwd=source, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    shutil.rmtree(source)  # nothing may be read from the sources once installed
    # The image's working directory holds the event contract (COPY contracts /app/contracts, WORKDIR /app) and the one
    # gunicorn configuration; the processes here run in `where`, so it gets the same copies.
    shutil.copytree(ROOT / "contracts", where / "contracts")
    shutil.copy(ROOT / "deploy" / "gunicorn.conf.py", where / "gunicorn.conf.py")  # COPY … /app/gunicorn.conf.py
    where_from = subprocess.run([str(venv / "bin" / "python"), "-c", "import dvk_platform, registration, gateway; "
                                 "print(dvk_platform.__file__, registration.__file__, gateway.__file__)"],
                                cwd=where, capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert all(path.startswith(str(venv)) for path in where_from), where_from
    return venv / "bin"


class Topology:
    def __init__(self, tmp: Path, pg_base_url: str, kafka_bootstrap: str, smtp_port: int, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.workdir = bin_dir.parents[1]  # the image's /app: the installed folder, with contracts/ and no sources
        self.compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
        self.tmp = tmp
        pg = make_url(pg_base_url)
        self.prefix = f"topo{uuid.uuid4().hex[:8]}"
        self.dotenv = {  # what ops put in .env
            "POSTGRES_USER": pg.username or "postgres",
            "POSTGRES_PASSWORD": pg.password or "trust-auth-ignores-it",
            # the test run's key pair: the harness signs the tokens it sends the way this gateway does
            "DVK_SERVICE_TOKEN_PRIVATE_KEY": os.environ["DVK_SERVICE_TOKEN_PRIVATE_KEY"],
            "DVK_SERVICE_TOKEN_PUBLIC_KEYS": os.environ["DVK_SERVICE_TOKEN_PUBLIC_KEYS"],
            "DVK_SECRET_KEY": uuid.uuid4().hex * 2,
            "DVK_FEED_SIGNING_KEY": uuid.uuid4().hex * 2,
            "DVK_METRICS_TOKEN": uuid.uuid4().hex * 2,
            "DVK_TOPIC_PREFIX": f"{self.prefix}.",
            "DVK_COOKIE_SECURE": "false",  # plain HTTP on loopback here
        }
        self.ports = {name: free_port() for name, svc in self.compose.items()
                      if name not in INFRA and svc["command"][0] == "gunicorn"}
        self.hosts = {"postgres:5432": f"{pg.host}:{pg.port}", "kafka:9092": kafka_bootstrap}
        for name, port in self.ports.items():
            self.hosts[f"http://{name}:8000"] = f"http://127.0.0.1:{port}"
        self.smtp_port = smtp_port
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def database_name(self, service: str) -> str:
        return f"{self.prefix}_{service}"

    def env(self, name: str) -> dict[str, str]:
        svc = self.compose[name]
        env = {"PATH": f"{self.bin}:{os.environ['PATH']}", "HOME": str(self.tmp)}
        for key, raw in (svc.get("environment") or {}).items():
            value = substitute(str(raw), self.dotenv)
            for host, local in self.hosts.items():
                value = value.replace(host, local)
            if key == "DVK_DATABASE_URL":
                value = re.sub(r"/(\w+)$", lambda m: "/" + self.database_name(m.group(1)), value)
            env[key] = value
        if env.get("DVK_SMTP_HOST") == "mailpit":
            env["DVK_SMTP_HOST"], env["DVK_SMTP_PORT"] = "127.0.0.1", str(self.smtp_port)
        own_tmp = self.tmp / name
        own_tmp.mkdir(exist_ok=True)
        if "DVK_HEARTBEAT_FILE" in env:
            env["DVK_HEARTBEAT_FILE"] = env["DVK_HEARTBEAT_FILE"].replace("/tmp/", f"{own_tmp}/")
        env["TMPDIR"] = str(own_tmp)
        return env

    def command(self, name: str) -> list[str]:
        command = [part.replace("/app/", f"{self.workdir}/") for part in self.compose[name]["command"]]
        if command[0] == "gunicorn":
            command += ["--bind", f"127.0.0.1:{self.ports[name]}"]
        return command

    def healthcheck(self, name: str) -> list[str]:
        test = list(self.compose[name]["healthcheck"]["test"])
        assert test[0] == "CMD"
        text = " ".join(test[1:])
        if name in self.ports:
            test = [part.replace("127.0.0.1:8000", f"127.0.0.1:{self.ports[name]}") for part in test]
        elif "/tmp/dvk-heartbeat" in text:
            test = [part.replace("/tmp/dvk-heartbeat", str(self.tmp / name / "dvk-heartbeat")) for part in test]
        return test[1:]

    def run_once(self, name: str, command: list[str] | None = None, **extra_env: str) -> str:
        done = subprocess.run(command or self.command(name), env={**self.env(name), **extra_env}, capture_output=True,
                              text=True, timeout=120, cwd=self.workdir)
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr[-3000:]}"
        return done.stdout

    def start(self, name: str) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - the process owns it until it ends
        self.processes[name] = subprocess.Popen(self.command(name), env=self.env(name), stdout=log, cwd=self.workdir,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-2000:]

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _login(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/dang-nhap", timeout=10)
    response = session.post(f"{base}/dang-nhap", data={"username": username, "password": password,
                                                        "csrf_token": _csrf(page.text)}, timeout=10)
    assert response.status_code == 200 and "Đăng xuất" in response.text, response.text[-1500:]
    return session


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_compose_processes_carry_a_registration_through_kafka_to_the_inbox(
        tmp_path, postgres_server, postgres_databases, kafka_server):
    bin_dir = install_like_the_image(tmp_path / "installed")
    assert shutil.which("gunicorn", path=str(bin_dir)), "gunicorn did not come with the packages"
    mails: list = []

    class Catcher:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            mails.append(envelope)
            return "250 OK"

    smtp = Controller(Catcher(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    topo = Topology(tmp_path, postgres_server.base_url, kafka_server.bootstrap, smtp.port, bin_dir)
    import psycopg

    admin_url = postgres_server.base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    services = sorted({name.removesuffix("-migrate") for name in topo.compose if name.endswith("-migrate")})
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for service in services:
            conn.execute(f'CREATE DATABASE "{topo.database_name(service)}"')
    try:
        for service in services:  # one-shot jobs first, as compose orders them
            topo.run_once(f"{service}-migrate")
        # Initialising a ward (README, "First start"): the units directory, then its first administrator; the
        # demo accounts' seed is refused, every process here runs with DVK_ENV=production.
        topo.run_once("registration", ["dvk-worker", "seed", "registration"])
        refused = subprocess.run(["dvk-worker", "seed", "gateway"], env=topo.env("gateway"), capture_output=True, text=True,
                                 timeout=120, cwd=topo.workdir)
        assert refused.returncode != 0 and "create-admin" in refused.stderr, refused.stderr[-2000:]
        created = topo.run_once("gateway", ["dvk-worker", "create-admin", "gateway", "--username", "quantri",
                                            "--name", "Quản trị hệ thống", "--email", "quantri@minhxuan.example.vn"],
                                DVK_ADMIN_PASSWORD=ADMIN_PASSWORD)
        assert "quantri" in created and ADMIN_PASSWORD not in created

        long_running = [n for n in topo.compose if n not in INFRA and not n.endswith("-migrate")]
        assert {"notify-consumer", "registration-relay", "gateway"} <= set(long_running)

        def ready(name: str) -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{topo.ports[name]}/readyz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        # The administrator signs in first and opens the accounts of Phòng VH-XH and of Tổ dân phố 1's officer in
        # the web UI (units come from registration); the rest of the ward starts once its staff have accounts
        # (notify caches the gateway's list of recipients for a minute).
        first = ["registration", "gateway"]
        for name in first:
            topo.start(name)
        for name in first:
            assert wait_until(lambda n=name: ready(n), 90, 0.5), f"{name} never ready:\n{topo.log(name)}"
        gateway = f"http://127.0.0.1:{topo.ports['gateway']}"
        admin = _login(gateway, "quantri", ADMIN_PASSWORD)
        for username, name, role, unit in (("vhxh", "Nguyễn Thị Hoa", "vhxh", ""), ("tdp1", "Phạm Văn Nam", "don_vi", "12")):
            form = admin.get(f"{gateway}/quan-tri/nguoi-dung/moi", timeout=10)
            assert "Tổ dân phố 1" in form.text, form.text[-1500:]
            made = admin.post(f"{gateway}/quan-tri/nguoi-dung/moi", data={
                "csrf_token": _csrf(form.text), "username": username, "full_name": name, "role": role, "unit_id": unit,
                "email": f"{username}@minhxuan.example.vn", "password": PASSWORDS[username], "active": "on",
            }, timeout=15, allow_redirects=False)
            assert made.status_code == 302, made.text[-1500:]

        for name in long_running:
            if name not in first:
                topo.start(name)
        for name in topo.ports:
            assert wait_until(lambda n=name: ready(n), 90, 0.5), f"{name} never ready:\n{topo.log(name)}"
        for name in long_running:  # compose's own health checks pass for every process
            assert topo.processes[name].poll() is None, f"{name} exited:\n{topo.log(name)}"
            check = topo.healthcheck(name)
            assert wait_until(lambda c=check, n=name: subprocess.run(c, env=topo.env(n), capture_output=True).returncode == 0,
                              60, 1.0), f"{name} health check fails: {check}\n{topo.log(name)}"
        for name in ("gateway", "registration"):  # /metrics only with the token Prometheus is given
            metrics = f"http://127.0.0.1:{topo.ports[name]}/metrics"
            assert requests.get(metrics, timeout=5).status_code == 401
            token = {"Authorization": f"Bearer {topo.dotenv['DVK_METRICS_TOKEN']}"}
            assert requests.get(metrics, headers=token, timeout=5).status_code == 200

        officer = _login(gateway, "tdp1", PASSWORDS["tdp1"])
        form = officer.get(f"{gateway}/mo-hinh/moi", timeout=10)
        title = f"Dân vận khéo trong thu gom rác thải {uuid.uuid4().hex[:6]}"
        created = officer.post(f"{gateway}/mo-hinh/moi", data={
            "csrf_token": _csrf(form.text), "title": title, "field": "van_hoa_xa_hoi", "year": "2026",
            "goals": "Khu phố sạch, người dân tự giác phân loại rác.", "content": "Vận động từng hộ, tổ tự quản.",
            "target_group": "Hộ dân Tổ dân phố 1", "person_in_charge": "Phạm Văn Nam",
            "expected_results": "100% hộ phân loại rác tại nguồn", "start_date": "2026-03-01", "end_date": "2026-12-31",
        }, timeout=15, allow_redirects=False)
        assert created.status_code == 302, created.text[-1500:]
        model_path = created.headers["Location"]
        detail = officer.get(f"{gateway}{model_path}", timeout=10)
        submitted = officer.post(f"{gateway}{model_path}/submit",
                                 data={"csrf_token": _csrf(detail.text), "version": "1"}, timeout=15)
        assert submitted.status_code == 200 and "Đã gửi mô hình" in submitted.text, submitted.text[-1500:]

        reviewer = _login(gateway, "vhxh", PASSWORDS["vhxh"])
        arrived = wait_until(lambda: title in reviewer.get(f"{gateway}/thong-bao", timeout=10).text, 60, 1.0)
        assert arrived, (f"no notification reached the inbox\n{topo.log('registration-relay')}\n"
                         f"{topo.log('notify-consumer')}")
        assert wait_until(lambda: any(title in env.content.decode("utf-8", "replace") or
                                      "vhxh@minhxuan.example.vn" in env.rcpt_tos for env in mails), 60, 1.0), \
            f"no e-mail left the dispatcher\n{topo.log('notify-dispatcher')}"
    finally:
        topo.stop_all()
        smtp.stop()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for service in services:
                conn.execute(f'DROP DATABASE IF EXISTS "{topo.database_name(service)}" WITH (FORCE)')
