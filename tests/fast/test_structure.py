"""The code's shape, read from its imports and its files: no import circle within libs/ and services/, no service
importing another service, no module of services/*/src or libs/*/src over 400 lines; and the platform's
distributions depend only downwards (core <- platform, documents <- subscriber, testing), so an image needs neither the
test harness nor the province's tools and the province's tools need no web framework or database."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = [*sorted((REPO / "libs").glob("*/src")), *sorted((REPO / "services").glob("*/src"))]
SERVICES = sorted(p.parent.name for p in (REPO / "services").glob("*/src"))
MAX_LINES = 400

# Modules still over the limit, to be split; this list only shrinks (a module listed here that fits fails the test).
KNOWN_LONG = {
}


# What each of the platform's distributions may import (first-party top-level packages). The runtime never reaches the
# documents, the harness or the province's tools; the province's tools never reach the runtime (Flask, SQLAlchemy).
MAY_IMPORT = {
    "dvk_core": set(),
    "dvk_platform": {"dvk_core"},
    "dvk_documents": {"dvk_core"},
    "dvk_subscriber": {"dvk_core", "dvk_documents"},
    "dvk_testing": {"dvk_core", "dvk_platform", "dvk_documents"},
}
# Third-party packages the province's tools and the event core must not import (they come with the runtime).
SERVER_PACKAGES = {"flask", "flask_smorest", "sqlalchemy", "alembic", "gunicorn", "psycopg", "werkzeug", "marshmallow",
                   "pytest"}


@functools.cache
def modules() -> dict[str, tuple[Path, bool]]:
    """{dotted module name: (file, is a package)} of every first-party module."""
    found = {}
    for root in SOURCE_ROOTS:
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if any(part.endswith(".egg-info") for part in parts):
                continue
            package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(name: str, path: Path, package: bool, known: set[str]) -> set[str]:
    """The first-party modules `name` imports, anywhere in the file (a function-level import is still an import);
    imports only for type checkers are left out, they never run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if _type_checking_only(node) for n in ast.walk(node)}
    here = name.split(".") if package else name.split(".")[:-1]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here[: len(here) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module; `from module import name` the module
            candidates = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for candidate in candidates:
            # the longest first-party module the name starts with (a module, or a package whose __init__ runs)
            parts = candidate.split(".")
            for end in range(len(parts), 0, -1):
                if ".".join(parts[:end]) in known:
                    targets.add(".".join(parts[:end]))
                    break
    targets.discard(name)
    return targets


@functools.cache
def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, package, known) for name, (path, package) in found.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_within_libs_and_services():
    assert circles(import_graph()) == []


def test_no_service_imports_another_service():
    crossing = sorted(f"{name} imports {target}" for name, targets in import_graph().items() for target in targets
                      if name.split(".")[0] in SERVICES and target.split(".")[0] in SERVICES
                      and target.split(".")[0] != name.split(".")[0])
    assert crossing == []


def test_the_platform_imports_no_service():
    reaching = sorted(f"{name} imports {target}" for name, targets in import_graph().items() for target in targets
                      if name.split(".")[0] == "dvk_platform" and target.split(".")[0] in SERVICES)
    assert reaching == []  # a service's own commands, handlers and seed reach the platform through its ServiceSpec


def test_no_module_is_over_400_lines():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, (path, _) in modules().items()}
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES and name not in KNOWN_LONG}
    assert too_long == {}, f"split these modules (at most {MAX_LINES} lines): {sorted(too_long.items())}"
    fitting_now = sorted(name for name in KNOWN_LONG if lengths.get(name, 0) <= MAX_LINES)
    assert fitting_now == [], f"take these out of KNOWN_LONG, they fit now: {fitting_now}"


def test_the_libs_are_five_distributions_each_with_its_own_source_root():
    assert sorted(p.parent.name for p in (REPO / "libs").glob("*/src")) == ["core", "documents", "platform", "subscriber", "testing"]
    packages = {name.split(".")[0] for name in modules()}
    assert set(MAY_IMPORT) <= packages


def test_each_platform_distribution_imports_only_what_it_may():
    reaching = sorted(f"{name} imports {target}" for name, targets in import_graph().items() for target in targets
                      if name.split(".")[0] in MAY_IMPORT and target.split(".")[0] != name.split(".")[0]
                      and target.split(".")[0] not in MAY_IMPORT[name.split(".")[0]])
    assert reaching == []


def third_party_imports(top: str) -> dict[str, set[str]]:
    """{module of `top`: the top-level names it imports that are not first-party}, function-level imports included."""
    first_party = {name.split(".")[0] for name in modules()}
    found: dict[str, set[str]] = {}
    for name, (path, _) in modules().items():
        if name.split(".")[0] != top:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
        found[name] = names - first_party
    return found


def test_the_province_tools_and_the_event_core_import_no_web_framework_database_or_test_runner():
    for top in ("dvk_core", "dvk_documents", "dvk_subscriber"):
        imported = third_party_imports(top)
        assert imported, top
        offending = sorted(f"{name} imports {package}" for name, packages in imported.items() for package in packages
                           if package in SERVER_PACKAGES)
        assert offending == [], top


def test_the_finder_sees_a_server_package_imported_inside_a_function():
    assert "flask" in third_party_imports("dvk_platform")["dvk_platform.bus"]
