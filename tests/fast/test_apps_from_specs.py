"""Every service's web app is built by the platform from its ServiceSpec: what the spec declares is what the app
serves, and no service wires blueprints, audit or the app's base by hand."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from dvk_platform import audit
from dvk_platform.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.parent.name for p in (REPO / "services").glob("*/src"))


def _app(service: str):  # noqa: ANN202 - a Flask app
    return importlib.import_module(service).create_app({"DATABASE_URL": "sqlite://", "TESTING": True})


@pytest.mark.parametrize("service", SERVICES)
def test_the_app_serves_exactly_the_blueprints_its_spec_declares(service):
    spec = load_spec(service)
    app = _app(service)
    declared = [*spec.blueprints(), *spec.pages()]
    assert declared, f"{service} declares no blueprint"
    for blueprint in declared:
        assert app.blueprints.get(blueprint.name) is blueprint, (service, blueprint.name)
    platform_own = {"api-docs", "ops"} | ({"audit"} if spec.audit and spec.audit.endpoint else set())
    assert set(app.blueprints) == {b.name for b in declared} | platform_own
    assert ("audit" in app.blueprints) == bool(spec.audit and spec.audit.endpoint)
    assert app.config["API_TITLE"] == spec.title and spec.title.startswith("Dân Vận Khéo — ")


def test_every_service_audits_the_records_it_declares_and_serves_the_audit_log_but_the_gateway():
    specs = {service: load_spec(service) for service in SERVICES}
    assert all(spec.audit is not None and spec.audit.records() for spec in specs.values())
    assert {s for s, spec in specs.items() if not spec.audit.endpoint} == {"gateway"}
    assert audit.blp.name == "audit"


def _calls(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_module_wires_the_app_by_hand(service):
    wired = {str(path.relative_to(REPO)): sorted(_calls(path) & {"register_blueprint", "create_service_app"})
             for path in (REPO / "services" / service / "src" / service).rglob("*.py")}
    assert {path: calls for path, calls in wired.items() if calls} == {}
    # the package's create_app hands the spec to the platform and does nothing else
    package = REPO / "services" / service / "src" / service / "__init__.py"
    assert _calls(package) == {"create_app"}, package
