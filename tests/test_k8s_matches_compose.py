"""deploy/k8s rendered as `kubectl apply -k` would (a small renderer of this kustomization: namespace, resources,
secretGenerator; anything else in kustomization.yaml fails the test), then every Deployment checked against the
docker-compose.yml service of the same name: image, command, environment, probes and security context, so that
the two descriptions of a ward do not drift apart."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
INFRA = {"kafka", "postgres", "mailpit"}
HEARTBEAT_CHECK = "import os,sys,time; sys.exit(0 if time.time() - os.path.getmtime('/tmp/dvk-heartbeat') < 60 else 1)"


def dotenv(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def compose_default(value: str) -> str:
    """What compose gives a variable when .env leaves it out: `${NAME:-default}` is `default`."""
    match = re.fullmatch(r"\$\{[A-Z_]+:-(.*)\}", value)
    return match.group(1) if match else value


def render() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    known = {"apiVersion", "kind", "namespace", "resources", "secretGenerator", "generatorOptions"}
    assert set(kustomization) <= known, f"the renderer does not know {set(kustomization) - known}"
    documents = [doc for resource in kustomization["resources"]
                 for doc in yaml.safe_load_all((K8S / resource).read_text(encoding="utf-8")) if doc]
    renames = {}
    for generator in kustomization.get("secretGenerator", []):
        data: dict[str, str] = {}
        for env_file in generator.get("envs", []):  # secrets.env is not committed: its example stands in
            data.update(dotenv(K8S / f"{env_file}.example"))
        name = generator["name"]
        if not kustomization.get("generatorOptions", {}).get("disableNameSuffixHash"):
            digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
            renames[name] = f"{name}-{digest}"
        documents.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                          "metadata": {"name": renames.get(name, name)}, "stringData": data})
    for doc in documents:
        doc["metadata"]["namespace"] = kustomization["namespace"]
    text = yaml.safe_dump_all(documents, sort_keys=False)
    for old, new in renames.items():  # references to a generated Secret follow its new name
        text = text.replace(f"name: {old}\n", f"name: {new}\n")
    return list(yaml.safe_load_all(text))


def test_every_deployment_matches_its_compose_service():
    rendered = render()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    config = next(d for d in rendered if d["kind"] == "ConfigMap")["data"]
    secrets = {d["metadata"]["name"].rsplit("-", 1)[0]: d for d in rendered if d["kind"] == "Secret"}
    secret = secrets["dvk-secrets"]
    assert all(d["metadata"]["namespace"] == "dvk-minh-xuan" for d in rendered)
    deployments = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "Deployment"}
    long_running = {name for name in compose if name not in INFRA and not name.endswith("-migrate")}
    assert set(deployments) == long_running

    # the README requires a TLS proxy in front of the gateway: both descriptions believe its X-Forwarded-For
    assert compose_default(compose["gateway"]["environment"]["DVK_TRUSTED_PROXIES"]) == "1"

    for name, deployment in deployments.items():
        service = compose[name]
        pod = deployment["spec"]["template"]["spec"]
        (app,) = pod["containers"]
        assert app["image"] == service["image"], name
        assert app["command"] == service["command"], name

        # environment: every variable compose sets is set here too (ConfigMap, the generated Secret or env)
        refs = {ref.get("configMapRef", ref.get("secretRef", {})).get("name") for ref in app.get("envFrom", [])}
        # the gateway's web container alone also reads its signing key's Secret (as compose gives the key to it alone)
        own = {secrets["dvk-gateway-secrets"]["metadata"]["name"]} if name == "gateway" else set()
        assert refs == {"dvk-config", secret["metadata"]["name"], *own}, (name, refs)
        provided = set(config) | set(secret["stringData"]) | {e["name"] for e in app.get("env", [])}
        provided |= {key for s in secrets.values() if s["metadata"]["name"] in refs for key in s["stringData"]}
        missing = set(service.get("environment") or {}) - provided
        assert not missing, f"{name}: compose sets {sorted(missing)}, the Deployment does not"
        literal = {**config, **{e["name"]: e["value"] for e in app.get("env", []) if "value" in e}}
        for key in ("DVK_ENV", "DVK_BUS", "DVK_HEARTBEAT_FILE", "DVK_LOG_LEVEL", "DVK_TRUSTED_PROXIES",
                    "DVK_COOKIE_SECURE"):
            if key in (service.get("environment") or {}):
                assert literal.get(key) == compose_default(service["environment"][key]), (name, key)
        for env in app.get("env", []):
            if "valueFrom" in env:
                ref = env["valueFrom"]["secretKeyRef"]
                assert ref["name"] == secret["metadata"]["name"] and ref["key"] in secret["stringData"], (name, env)

        # probes: /readyz and /healthz for web processes as compose's check of /readyz; the heartbeat otherwise
        check = service["healthcheck"]["test"]
        if service["command"][0] == "gunicorn":
            assert "/readyz" in check[-1], name
            assert app["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert app["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert {p["containerPort"] for p in app["ports"]} == {8000}
        else:
            assert check[1:] == ["python", "-c", HEARTBEAT_CHECK], name
            assert app["readinessProbe"]["exec"]["command"] == check[1:], name
            assert app["livenessProbe"]["exec"]["command"] == check[1:], name

        # security: non-root, read-only root with /tmp as the one writable (in-memory) folder, as compose's
        # read_only and tmpfs
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name
        context = app["securityContext"]
        assert context["readOnlyRootFilesystem"] is True and context["runAsNonRoot"] is True, name
        assert context["allowPrivilegeEscalation"] is False and context["capabilities"]["drop"] == ["ALL"], name
        assert context["runAsUser"] == pod["securityContext"]["runAsUser"] == 10001, name
        mounts = {m["mountPath"]: m["name"] for m in app["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes[mounts["/tmp"]]["emptyDir"].get("medium") == "Memory", f"{name}: /tmp is not a tmpfs"

        # the migration job compose runs first is the Deployment's init container, with the same image and command
        migrate = compose.get(f"{name}-migrate")
        if migrate is not None and name in {n.removesuffix("-migrate") for n in compose}:
            inits = {c["name"]: c for c in pod.get("initContainers", [])}
            assert inits["migrate"]["image"] == migrate["image"] and inits["migrate"]["command"] == migrate["command"]
            assert inits["migrate"]["securityContext"] == context
