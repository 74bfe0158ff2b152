"""DVK_ENV=production: every web process and worker refuses to start while a secret is missing, a development
value or shorter than 32 bytes, or a service-token key is missing or malformed, saying which variable (in Vietnamese
and English) and exiting non-zero; with good secrets and keys it starts. In development (make run, the tests) the
development defaults keep working, and a malformed key is refused there too."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from dvk_platform.auth import generate_key_pair, one_line
from dvk_platform.config import InsecureConfiguration, check_production_secrets
from dvk_testing import free_port, wait_until

BIN = Path(sys.executable).parent


def good_secrets() -> dict[str, str]:
    private_pem, public_pem = generate_key_pair()
    return {**{name: secrets.token_urlsafe(48) for name in ("DVK_METRICS_TOKEN", "DVK_SECRET_KEY", "DVK_FEED_SIGNING_KEY")},
            "DVK_SERVICE_TOKEN_PRIVATE_KEY": one_line(private_pem), "DVK_SERVICE_TOKEN_PUBLIC_KEYS": one_line(public_pem)}


def process_env(tmp_path: Path, service: str, **settings: str) -> dict[str, str]:
    """A clean environment, as a container has: only PATH, HOME and the DVK_* settings given."""
    env = {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
           "DVK_DATABASE_URL": f"sqlite:///{tmp_path / (service + '.db')}", "DVK_EMBEDDED_BUS_PATH": str(tmp_path / "bus.db")}
    env.update(settings)
    return env


def test_a_worker_refuses_to_start_with_a_short_secret_and_no_token_key(tmp_path):
    env = process_env(tmp_path, "registration", DVK_ENV="production", DVK_METRICS_TOKEN="ngan-qua")
    # no DVK_SERVICE_TOKEN_PUBLIC_KEYS: nothing to verify the gateway's tokens with
    done = subprocess.run([str(BIN / "dvk-worker"), "relay", "registration"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 78, (done.returncode, done.stderr[-2000:])
    message = done.stderr
    assert "Từ chối khởi động" in message and "Refusing to start" in message
    assert "DVK_SERVICE_TOKEN_PUBLIC_KEYS chưa được đặt" in message
    assert "DVK_SERVICE_TOKEN_PUBLIC_KEYS is not set" in message
    assert "DVK_METRICS_TOKEN ngắn hơn 32 byte" in message and "DVK_METRICS_TOKEN is shorter than 32 bytes" in message
    assert "Traceback" not in message
    assert not (tmp_path / "registration.db").exists(), "it touched the database before refusing"


@pytest.fixture
def gunicorn() -> Path:
    path = shutil.which("gunicorn", path=str(BIN))
    if not path:
        pytest.fail("gunicorn is not installed in the test environment")
    return Path(path)


def test_the_gateway_web_process_refuses_its_development_session_key(tmp_path, gunicorn):
    env = process_env(tmp_path, "gateway", DVK_ENV="production", **good_secrets())
    del env["DVK_SECRET_KEY"]  # the gateway's session key falls back to its development default
    done = subprocess.run([str(gunicorn), "gateway.wsgi:app", "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "DVK_SECRET_KEY đang là giá trị dùng cho phát triển" in done.stderr, done.stderr[-3000:]
    assert "DVK_SECRET_KEY is a development default" in done.stderr
    assert "DVK_SERVICE_TOKEN" not in done.stderr.split("Refusing to start", 1)[1].split("Đặt mỗi biến")[0]


def test_a_worker_exits_78_on_a_malformed_public_key_and_the_gateway_web_on_a_missing_private_key(tmp_path, gunicorn):
    values = good_secrets()
    env = process_env(tmp_path, "registration", DVK_ENV="production", **{**values,
                      "DVK_SERVICE_TOKEN_PUBLIC_KEYS": "MCowBQYDK2VwAyEAkhong-phai-khoa"})
    done = subprocess.run([str(BIN / "dvk-worker"), "relay", "registration"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 78, (done.returncode, done.stderr[-2000:])
    assert "DVK_SERVICE_TOKEN_PUBLIC_KEYS không đọc được" in done.stderr
    assert "DVK_SERVICE_TOKEN_PUBLIC_KEYS is malformed" in done.stderr and "Traceback" not in done.stderr
    del values["DVK_SERVICE_TOKEN_PRIVATE_KEY"]
    env = process_env(tmp_path, "gateway", DVK_ENV="production", DVK_COOKIE_SECURE="true", **values)
    done = subprocess.run([str(gunicorn), "gateway.wsgi:app", "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0, done.stderr[-2000:]
    assert "DVK_SERVICE_TOKEN_PRIVATE_KEY is not set" in done.stderr, done.stderr[-3000:]


def test_the_gateways_migrations_and_relay_need_no_private_key(tmp_path):
    """Only the gateway's web process signs service tokens: its migrations and relay run in production without the
    private key (compose and k8s give it to the web container alone), and refuse nothing else they need."""
    values = good_secrets()
    del values["DVK_SERVICE_TOKEN_PRIVATE_KEY"]
    env = process_env(tmp_path, "gateway", DVK_ENV="production", DVK_COOKIE_SECURE="true",
                      DVK_HEARTBEAT_FILE=str(tmp_path / "dvk-heartbeat"), **values)
    migrate = subprocess.run([str(BIN / "dvk-worker"), "migrate", "gateway"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    assert (tmp_path / "gateway.db").exists() and "DVK_SERVICE_TOKEN_PRIVATE_KEY" not in migrate.stderr
    log = tmp_path / "relay.log"
    with log.open("w") as err, subprocess.Popen([str(BIN / "dvk-worker"), "relay", "gateway"], env=env, stderr=err) as relay:
        try:
            assert wait_until(lambda: relay.poll() is not None or (tmp_path / "dvk-heartbeat").exists(), timeout=60)
            assert relay.poll() is None, log.read_text()[-3000:]  # running, its heartbeat beating
        finally:
            relay.send_signal(signal.SIGTERM)
            relay.wait(timeout=60)
    # a worker refuses what it does need all the same: without the public keys the relay exits 78
    no_public = {k: v for k, v in env.items() if k != "DVK_SERVICE_TOKEN_PUBLIC_KEYS"}
    refused = subprocess.run([str(BIN / "dvk-worker"), "relay", "gateway"], env=no_public, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 78 and "DVK_SERVICE_TOKEN_PUBLIC_KEYS is not set" in refused.stderr, refused.stderr[-2000:]


def test_with_good_secrets_the_gateway_starts_answers_health_and_guards_metrics(tmp_path, gunicorn):
    values = good_secrets()
    port = free_port()
    env = process_env(tmp_path, "gateway", DVK_ENV="production", DVK_COOKIE_SECURE="true", **values)
    log = open(tmp_path / "gateway.log", "wb")  # noqa: SIM115 - the process owns it until it ends
    process = subprocess.Popen([str(gunicorn), "gateway.wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        assert wait_until(healthy, 60, 0.3), (tmp_path / "gateway.log").read_text(errors="replace")[-3000:]
        assert requests.get(f"{base}/readyz", timeout=5).json()["checks"] == {"database": "ok"}
        anonymous = requests.get(f"{base}/metrics", timeout=5)
        assert anonymous.status_code == 401
        assert anonymous.headers["Content-Type"].startswith("application/problem+json")
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        assert requests.get(f"{base}/metrics", headers={"Authorization": "Bearer " + values["DVK_SECRET_KEY"]},
                            timeout=5).status_code == 401
        scraped = requests.get(f"{base}/metrics", headers={"Authorization": "Bearer " + values["DVK_METRICS_TOKEN"]},
                               timeout=5)
        assert scraped.status_code == 200 and "dvk_http_requests_total" in scraped.text
        assert process.poll() is None
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


# The rule itself, in process: every case a deployment can get wrong.
_PRIVATE, _PUBLIC = generate_key_pair()
_OTHER_PRIVATE, _OTHER_PUBLIC = generate_key_pair()
BASE = {"SERVICE_TOKEN_PUBLIC_KEYS": one_line(_PUBLIC), "METRICS_TOKEN": "y" * 40}
GATEWAY = {**BASE, "SERVICE_TOKEN_PRIVATE_KEY": one_line(_PRIVATE)}


@pytest.mark.parametrize(("settings", "expected"), [
    ({"SERVICE_TOKEN_PUBLIC_KEYS": ""}, "DVK_SERVICE_TOKEN_PUBLIC_KEYS is not set"),
    ({"SERVICE_TOKEN_PUBLIC_KEYS": None}, "DVK_SERVICE_TOKEN_PUBLIC_KEYS is not set"),
    ({"SERVICE_TOKEN_PUBLIC_KEYS": "change-me"}, "DVK_SERVICE_TOKEN_PUBLIC_KEYS is malformed"),
    ({"SERVICE_TOKEN_PUBLIC_KEYS": one_line(_PRIVATE)}, "DVK_SERVICE_TOKEN_PUBLIC_KEYS is malformed"),
    ({"SERVICE_TOKEN_PUBLIC_KEYS_FILE": "/khong/co/tep.pem"}, "DVK_SERVICE_TOKEN_PUBLIC_KEYS is malformed"),
    ({"SERVICE_TOKEN_PRIVATE_KEY": ""}, "DVK_SERVICE_TOKEN_PRIVATE_KEY is not set"),
    ({"SERVICE_TOKEN_PRIVATE_KEY": one_line(_PUBLIC)}, "DVK_SERVICE_TOKEN_PRIVATE_KEY is malformed"),
    ({"SERVICE_TOKEN_PRIVATE_KEY": one_line(_OTHER_PRIVATE)}, "is not among DVK_SERVICE_TOKEN_PUBLIC_KEYS"),
    ({"METRICS_TOKEN": ""}, "DVK_METRICS_TOKEN is not set"),
    ({"SECRET_KEY": "dev-only-session-key-change-me-dev-only"}, "DVK_SECRET_KEY is a development default"),
    ({"FEED_SIGNING_KEY": "ngắn"}, "DVK_FEED_SIGNING_KEY is shorter than 32 bytes"),
])
def test_production_refuses_each_unsafe_secret(settings, expected):
    with pytest.raises(InsecureConfiguration, match=expected):
        check_production_secrets({"ENV": "production", **GATEWAY, **settings})


def test_production_accepts_both_keys_of_a_rotation_from_text_or_file(tmp_path):
    both = tmp_path / "public.pem"
    both.write_text(_OTHER_PUBLIC + _PUBLIC, encoding="utf-8")
    private = tmp_path / "private.pem"
    private.write_text(_PRIVATE, encoding="utf-8")
    check_production_secrets({"ENV": "production", **BASE, "SERVICE_TOKEN_PUBLIC_KEYS": "",
                              "SERVICE_TOKEN_PUBLIC_KEYS_FILE": str(both), "SERVICE_TOKEN_PRIVATE_KEY_FILE": str(private),
                              "SERVICE_TOKEN_PRIVATE_KEY": ""})
    check_production_secrets({"ENV": "production", **GATEWAY,
                              "SERVICE_TOKEN_PUBLIC_KEYS": f"{one_line(_OTHER_PUBLIC)},{one_line(_PUBLIC)}"})


def test_production_accepts_long_random_secrets_and_counts_bytes_not_characters():
    check_production_secrets({"ENV": "production", **BASE, "SECRET_KEY": "đ" * 16, "FEED_SIGNING_KEY": "z" * 32})
    with pytest.raises(InsecureConfiguration, match="DVK_SECRET_KEY is shorter"):
        check_production_secrets({"ENV": "production", **BASE, "SECRET_KEY": "đ" * 15 + "a"})


def test_a_misspelt_environment_is_refused_rather_than_taken_for_development():
    with pytest.raises(InsecureConfiguration, match="DVK_ENV='prodution' is not valid"):
        check_production_secrets({"ENV": "prodution", **BASE})


def test_development_keeps_the_development_defaults(make_service):
    app = make_service("feed")  # no DVK_ENV: development, every default secret in place
    assert app.config["ENV"] == "development" and app.config["FEED_SIGNING_KEY"].startswith("dev-only")
    with pytest.raises(InsecureConfiguration, match="DVK_FEED_SIGNING_KEY is a development default"):
        make_service("feed", ENV="production", **BASE)
    with pytest.raises(InsecureConfiguration, match="DVK_SERVICE_TOKEN_PUBLIC_KEYS is malformed"):
        make_service("feed", SERVICE_TOKEN_PUBLIC_KEYS="change-me")
