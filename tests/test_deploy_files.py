"""docker-compose.yml and deploy/k8s describe a deployable system: health checks, dependencies on healthy
Kafka and PostgreSQL, commands that exist, and every DVK_* setting the code reads set or documented."""
from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from dvk_platform.config import NOT_FROM_ENVIRONMENT, PLATFORM_DEFAULTS
from dvk_platform.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["registration", "reporting", "awards", "notify", "feed", "gateway"]
INFRA = {"kafka", "postgres", "mailpit"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def k8s_documents() -> list[dict]:
    docs = []
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return docs


def assert_command_exists(command: list[str]) -> None:
    program = command[0]
    if program == "gunicorn":
        # the one configuration, which the image copies to /app/gunicorn.conf.py
        assert command[1:3] == ["-c", "/app/gunicorn.conf.py"], command
        assert (ROOT / "deploy" / "gunicorn.conf.py").is_file()
        module, _, attr = command[3].partition(":")
        assert importlib.util.find_spec(module), f"gunicorn target {module} does not exist"
        source = Path(importlib.util.find_spec(module).origin).read_text()
        assert re.search(rf"^{attr}\s*=", source, re.M), f"{module} defines no {attr}"
    elif program == "dvk-worker":
        verb, service = command[1], command[2]
        assert verb in {"migrate", "seed", "relay", "consume"}, verb
        assert service in SERVICES and importlib.util.find_spec(service)
        if verb == "consume":
            assert load_spec(service).subscribes, f"{service} consumes nothing"
    elif program == "python":
        assert command[1] == "-m" and importlib.util.find_spec(command[2]), f"no module {command[2]}"
    else:
        pytest.fail(f"unknown program {program}")


def test_every_compose_process_is_healthchecked_and_waits_for_healthy_infrastructure():
    services = compose()
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert "KAFKA_PROCESS_ROLES" in services["kafka"]["environment"]  # KRaft, no ZooKeeper
    for name, svc in services.items():
        hc = svc.get("healthcheck", {})
        if name.endswith("-migrate"):
            continue  # one-shot jobs; the others wait for them to complete
        assert hc.get("test") and not hc.get("disable"), f"{name} has no health check"
        if name in INFRA:
            continue
        deps = svc["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert deps["kafka"]["condition"] == "service_healthy", name
        assert any(d.endswith("-migrate") and c["condition"] == "service_completed_successfully"
                   for d, c in deps.items()), f"{name} does not wait for its migration"
        assert svc.get("read_only") is True, f"{name} root filesystem is writable"


def test_each_service_has_web_relay_and_consumer_with_its_own_database():
    services = compose()
    for service in SERVICES:
        assert services[service]["command"][0] == "gunicorn"
        url = services[service]["environment"]["DVK_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and url.endswith(f"/{service}")
        if load_spec(service).publishes:  # all but the feed
            assert services[f"{service}-relay"]["command"] == ["dvk-worker", "relay", service]
        if load_spec(service).subscribes:
            assert services[f"{service}-consumer"]["command"] == ["dvk-worker", "consume", service]
    init = (ROOT / "deploy/postgres/init-databases.sh").read_text()
    assert all(s in init for s in SERVICES)


def test_every_command_and_module_named_in_compose_and_k8s_exists():
    commands = [svc["command"] for name, svc in compose().items() if name not in INFRA]
    for doc in k8s_documents():
        if doc["kind"] == "Deployment":
            pod = doc["spec"]["template"]["spec"]
            commands += [c["command"] for c in pod["containers"] + pod.get("initContainers", [])]
    assert len(commands) >= 20
    for command in commands:
        assert_command_exists(command)
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    for service in SERVICES:
        assert f"AS {service}" in dockerfile
    assert "USER 10001" in dockerfile and "HEALTHCHECK" in dockerfile


def test_k8s_deployments_have_probes_limits_and_a_locked_down_container():
    docs = k8s_documents()
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} >= set(SERVICES)
    for d in deployments:
        for c in d["spec"]["template"]["spec"]["containers"]:
            assert c["readinessProbe"] and c["livenessProbe"], d["metadata"]["name"]
            assert c["resources"]["requests"] and c["resources"]["limits"]
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] and sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"]
        if d["metadata"]["name"] in SERVICES:
            c = d["spec"]["template"]["spec"]["containers"][0]
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "Service"} == set(SERVICES)
    kustomization = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in (ROOT / "deploy/k8s").glob("*.yaml")} - {"kustomization.yaml"}


def _settings_read_by_code() -> set[str]:
    keys = set(PLATFORM_DEFAULTS)
    for service in SERVICES:
        keys |= set(importlib.import_module(f"{service}.config").DEFAULTS)
    return {f"DVK_{k}" for k in keys - NOT_FROM_ENVIRONMENT}


def test_every_dvk_variable_the_code_reads_is_set_or_documented():
    documented = (ROOT / "README.md").read_text(encoding="utf-8") + (ROOT / ".env.example").read_text(encoding="utf-8")
    documented += "".join(p.read_text(encoding="utf-8") for p in (ROOT / "services").glob("*/README.md"))
    set_in_compose = {k for svc in compose().values() for k in (svc.get("environment") or {})}
    missing = sorted(v for v in _settings_read_by_code() if v not in set_in_compose and v not in documented)
    assert not missing, f"DVK_* settings neither set in docker-compose.yml nor documented: {missing}"


SECRETS = ("DVK_SERVICE_TOKEN_PUBLIC_KEYS", "DVK_METRICS_TOKEN")
SERVICE_SECRETS = {"gateway": ("DVK_SECRET_KEY",), "feed": ("DVK_FEED_SIGNING_KEY",)}
PRIVATE_KEY = "DVK_SERVICE_TOKEN_PRIVATE_KEY"
SECRET_NAME = re.compile(r"^DVK_\w*(SECRET|KEY|TOKEN|PASSWORD)\w*$")


def _image_service(name: str, svc: dict) -> str:
    return svc["build"]["target"] if "build" in svc else name


def test_every_compose_process_runs_in_production_with_its_secrets_from_the_env_file():
    """Each process says DVK_ENV=production (so it refuses unsafe secrets), gets the metrics token and every secret
    its service checks, and each secret is a ${VAR:?…} reference to .env, never a value written in the file."""
    for name, svc in compose().items():
        if name in INFRA:
            continue
        env = svc["environment"]
        assert env.get("DVK_ENV") == "production", f"{name} does not run in production mode"
        for secret in SECRETS + SERVICE_SECRETS.get(_image_service(name, svc), ()) + ((PRIVATE_KEY,) if name == "gateway" else ()):
            assert secret in env, f"{name} lacks {secret} (it would refuse to start)"
        for key, value in env.items():
            if SECRET_NAME.match(key):
                assert re.fullmatch(rf"\$\{{{key}:\?[^}}]+\}}", str(value)), f"{name}: {key} is not a required .env reference"
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for secret in SECRETS + ("DVK_SECRET_KEY", "DVK_FEED_SIGNING_KEY", PRIVATE_KEY):
        assert re.search(rf"^{secret}=.*change-me", example, re.M), f".env.example has no placeholder for {secret}"


def test_k8s_runs_in_production_with_secrets_from_the_secret_never_the_configmap():
    docs = k8s_documents()
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "dvk-config")["data"]
    assert config["DVK_ENV"] == "production"
    assert not [k for k in config if SECRET_NAME.match(k)], "a secret is in the ConfigMap"
    for d in (d for d in docs if d["kind"] == "Deployment"):
        pod = d["spec"]["template"]["spec"]
        for c in pod["containers"] + pod.get("initContainers", []):
            sources = sorted((next(iter(s)), next(iter(s.values()))["name"]) for s in c["envFrom"])
            signs = d["metadata"]["name"] == "gateway" and c in pod["containers"]  # the web container alone
            own = [("secretRef", "dvk-gateway-secrets")] if signs else []
            assert sources == sorted([("configMapRef", "dvk-config"), ("secretRef", "dvk-secrets"), *own]), \
                d["metadata"]["name"]
            for var in c.get("env", []):
                if SECRET_NAME.match(var["name"]) or var["name"] == "DVK_DATABASE_URL":
                    assert "value" not in var and var["valueFrom"]["secretKeyRef"]["name"] == "dvk-secrets", var
    kustomization = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    assert kustomization["secretGenerator"][0]["envs"] == ["secrets.env"]
    assert kustomization["secretGenerator"][1] == {"name": "dvk-gateway-secrets", "envs": ["gateway-secrets.env"]}
    example = (ROOT / "deploy/k8s/secrets.env.example").read_text(encoding="utf-8")
    for secret in SECRETS + ("DVK_SECRET_KEY", "DVK_FEED_SIGNING_KEY"):
        assert re.search(rf"^{secret}=change-me", example, re.M), f"secrets.env.example lacks {secret}"
    assert "DVK_ENV=production" in (ROOT / "deploy/Dockerfile").read_text()  # an image left unconfigured is production too


@pytest.mark.parametrize("name", ["prometheus.yml", "prometheus-k8s.yml"])
def test_prometheus_scrapes_metrics_with_the_token_from_a_file(name):
    config = yaml.safe_load((ROOT / "deploy/prometheus" / name).read_text(encoding="utf-8"))
    jobs = config["scrape_configs"]
    assert jobs
    for job in jobs:
        assert job.get("metrics_path", "/metrics") == "/metrics"
        auth = job["authorization"]
        assert auth.get("type", "Bearer") == "Bearer" and auth["credentials_file"].startswith("/"), job["job_name"]
        assert "credentials" not in auth and "bearer_token" not in job, "a token written into the scrape config"
    if name == "prometheus.yml":
        targets = {t for job in jobs for sc in job["static_configs"] for t in sc["targets"]}
        assert targets == {f"{s}:8000" for s in SERVICES}


def test_no_container_but_the_gateway_web_is_given_the_token_signing_key():
    """Only the gateway can speak for a user, and only its web process signs: the private key reaches that container
    alone, in compose (its environment) and in k8s (a Secret only the gateway Deployment's web container reads);
    every other process — the gateway's own migrations and relay included — gets public keys only."""
    for name, svc in compose().items():
        if name in INFRA:
            continue
        env = svc["environment"]
        assert "DVK_SERVICE_TOKEN_SECRET" not in env, f"{name} still has the old shared secret"
        assert "DVK_SERVICE_TOKEN_PUBLIC_KEYS" in env, f"{name} cannot verify service tokens"
        gets_private = any(PRIVATE_KEY in key for key in env)
        assert gets_private == (name == "gateway"), f"{name}: private key {gets_private}"
    shared = (ROOT / "deploy/k8s/secrets.env.example").read_text(encoding="utf-8")
    assert PRIVATE_KEY not in shared and "DVK_SERVICE_TOKEN_SECRET" not in shared
    assert re.search(rf"^{PRIVATE_KEY}=change-me", (ROOT / "deploy/k8s/gateway-secrets.env.example").read_text(), re.M)
    for d in (d for d in k8s_documents() if d["kind"] == "Deployment"):
        pod = d["spec"]["template"]["spec"]
        for c in pod["containers"] + pod.get("initContainers", []):
            reads = {next(iter(s.values()))["name"] for s in c["envFrom"]} | {
                e["valueFrom"]["secretKeyRef"]["name"] for e in c.get("env", []) if "valueFrom" in e}
            web = d["metadata"]["name"] == "gateway" and c in pod["containers"]
            assert ("dvk-gateway-secrets" in reads) == web, (d["metadata"]["name"], c["name"], reads)
            assert not any(PRIVATE_KEY in e["name"] for e in c.get("env", [])), d["metadata"]["name"]
