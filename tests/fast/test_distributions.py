"""The platform's distributions, read from their pyproject.toml files: a production image installs the runtime
(dvk-core, dvk-platform) and the documents without python-docx or pytest coming along with the runtime, and only the
test harness registers a pytest plugin; each service declares the distributions it imports."""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def project(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))["project"]


def requirement_names(spec: dict) -> set[str]:
    return {re.split(r"[\s\[<>=!~;@]", dep, maxsplit=1)[0].lower() for dep in spec.get("dependencies", [])}


def distributions() -> dict[str, dict]:
    return {project(p)["name"]: project(p) for p in sorted(REPO.glob("libs/*/pyproject.toml"))}


def test_the_libs_are_the_five_distributions():
    assert sorted(distributions()) == ["dvk-core", "dvk-documents", "dvk-platform", "dvk-subscriber", "dvk-testing"]


def closure(name: str, dists: dict[str, dict]) -> set[str]:
    """Every requirement `name` brings, through the platform's own distributions."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for dep in requirement_names(dists[todo.pop()]):
            if dep not in seen:
                seen.add(dep)
                if dep in dists:
                    todo.append(dep)
    return seen


def test_the_runtime_brings_neither_word_documents_nor_a_test_runner():
    dists = distributions()
    runtime = closure("dvk-platform", dists)
    assert "dvk-core" in runtime and "flask" in runtime  # the closure does follow the platform's own distributions
    assert runtime.isdisjoint({"python-docx", "pytest", "dvk-documents", "dvk-testing", "dvk-subscriber"})


def test_the_province_tools_bring_no_web_framework_database_or_test_runner():
    dists = distributions()
    province = closure("dvk-subscriber", dists)
    assert {"dvk-core", "kafka-python"} <= province
    assert province.isdisjoint({"flask", "flask-smorest", "sqlalchemy", "alembic", "gunicorn", "psycopg", "pytest",
                                "dvk-platform", "dvk-testing"})


def test_only_the_test_harness_registers_a_pytest_plugin():
    files = [*REPO.glob("libs/*/pyproject.toml"), *REPO.glob("services/*/pyproject.toml")]
    assert len(files) >= 10
    plugins = {project(p)["name"]: project(p).get("entry-points", {}).get("pytest11") for p in files}
    assert {name: entry for name, entry in plugins.items() if entry} == {"dvk-testing": {"dvk_harness": "dvk_testing.plugin"}}


def test_no_production_distribution_depends_on_the_harness_or_the_province_tools():
    files = [*REPO.glob("libs/*/pyproject.toml"), *REPO.glob("services/*/pyproject.toml")]
    depending = sorted(f"{project(p)['name']} needs {dep}" for p in files for dep in requirement_names(project(p))
                       if dep in {"dvk-testing", "dvk-subscriber", "pytest"} and project(p)["name"] != "dvk-testing")
    assert depending == []


def imported_platform_distributions(src: Path) -> set[str]:
    found = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            found |= {name.split(".")[0].replace("_", "-") for name in names if name.startswith("dvk_")}
    return found


def test_each_service_declares_the_platform_distributions_it_imports():
    services = sorted(REPO.glob("services/*/pyproject.toml"))
    assert len(services) >= 6
    missing = {}
    for path in services:
        used = imported_platform_distributions(path.parent / "src")
        assert "dvk-platform" in used, path
        undeclared = used - requirement_names(project(path))
        if undeclared:
            missing[project(path)["name"]] = sorted(undeclared)
    assert missing == {}


def test_the_image_installs_the_runtime_and_the_documents_and_not_the_harness_or_the_province_tools():
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    installed = re.search(r"pip install --no-deps (.*?)\n(?!\s)", dockerfile, re.S)
    assert installed, "the code layer's pip install"
    parts = installed.group(1).split()
    assert {"./libs/core", "./libs/platform", "./libs/documents"} <= set(parts)
    assert not {"./libs/testing", "./libs/subscriber"} & set(parts)
    assert "COPY libs/testing" not in dockerfile and "COPY libs/subscriber" not in dockerfile
