"""The committed access tables (security/access/*.md): who may call what, as the ward's auditors read it.

Each file holds one Markdown table: the first column names an endpoint ("METHOD /path", where a {placeholder}
names the record the call acts on and the state it is in), every other column a caller, and each cell the HTTP
status that caller gets. Tests load the table, make each call as each caller and compare; a second check holds
the table to the service's OpenAPI document, so an endpoint added without a row fails the run.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

ROOT = Path(__file__).resolve().parents[4]
ACCESS_DIR = ROOT / "security" / "access"

_ROW = re.compile(r"^\|(.+)\|\s*$")
_SEPARATOR = re.compile(r"^\|[\s:|-]+\|\s*$")


@dataclass(frozen=True)
class AccessTable:
    name: str
    callers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def endpoints(self) -> list[str]:
        return [endpoint for endpoint, _ in self.rows]

    def cells(self) -> Iterable[tuple[str, str, int]]:
        """(endpoint, caller, expected status) for every cell of the table."""
        for endpoint, statuses in self.rows:
            for caller, status in zip(self.callers, statuses, strict=True):
                yield endpoint, caller, status


def load(name: str, directory: Path = ACCESS_DIR) -> AccessTable:
    """Read security/access/<name>.md; the first Markdown table in it is the matrix."""
    lines = (directory / f"{name}.md").read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if _ROW.match(line)]
    if len(table) < 3 or not _SEPARATOR.match(table[1]):
        raise ValueError(f"{name}.md: no Markdown table with a header row")
    header = [cell.strip() for cell in table[0].strip().strip("|").split("|")]
    callers = tuple(header[1:])
    rows = []
    for line in table[2:]:
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) != len(header):
            raise ValueError(f"{name}.md: row {cells[0]!r} has {len(cells)} cells, the header {len(header)}")
        rows.append((cells[0], tuple(int(cell) for cell in cells[1:])))
    endpoints = [endpoint for endpoint, _ in rows]
    if len(set(endpoints)) != len(endpoints):
        raise ValueError(f"{name}.md: an endpoint is listed twice")
    return AccessTable(name, callers, tuple(rows))


def route_of(endpoint: str) -> str:
    """"POST /models/{submitted}/accept" -> "POST /models/{}/accept": the route without the record's state."""
    method, path = endpoint.split(" ", 1)
    return f"{method} {re.sub(r'{[^}]+}', '{}', path)}"


def documented_routes(spec: dict, skip: Callable[[str], bool] = lambda path: False) -> set[str]:
    """Every (method, path) of an OpenAPI document, in route_of's form."""
    routes = set()
    for path, item in spec["paths"].items():
        if skip(path):
            continue
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                routes.add(route_of(f"{method.upper()} {path}"))
    return routes


def compare_with_spec(table: AccessTable, spec: dict, skip: Callable[[str], bool] = lambda path: False) -> dict[str, set[str]]:
    """Routes the service documents but the table lacks, and rows that name no documented route."""
    documented = documented_routes(spec, skip)
    listed = {route_of(endpoint) for endpoint in table.endpoints}
    return {"missing from the table": documented - listed, "not documented": listed - documented}


def rule_path(rule: str) -> str:
    """"/models/<int:model_id>/<action>" -> "/models/{}/{}": a Flask (werkzeug) rule in route_of's form."""
    return re.sub(r"<[^>]+>", "{}", rule)


def compare_with_url_map(table: AccessTable, url_map: Map, skip_endpoints: Iterable[str] = ("static",)) -> dict[str, set[str]]:
    """Rules of a Flask app the table lacks, and rows that name no rule. Each row is routed as the app would route
    it, a placeholder standing for a value, so a row may spell out a segment the rule leaves variable
    ("POST /models/{draft}/submit" is a row of the rule "/models/<int:model_id>/<action>")."""
    skipped = set(skip_endpoints)
    rules = {f"{method} {rule_path(rule.rule)}" for rule in url_map.iter_rules() if rule.endpoint not in skipped
             for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    adapter = url_map.bind("localhost")
    listed, unknown = set(), set()
    for endpoint in table.endpoints:
        method, path = endpoint.split(" ", 1)
        try:
            rule, _ = adapter.match(re.sub(r"{[^}]+}", "1", path), method=method, return_rule=True)
        except HTTPException:  # no such path or method (RequestRedirect too: a path the app only redirects)
            unknown.add(endpoint)
            continue
        if rule.endpoint in skipped:
            unknown.add(endpoint)
        else:
            listed.add(f"{method} {rule_path(rule.rule)}")
    return {"missing from the table": rules - listed, "not a rule": unknown}


Response = Any  # a Flask test client's answer


def mismatches(table: AccessTable, call: Callable[[str, str], Response],
               check: Callable[[str, str, Response], str | None] | None = None) -> list[str]:
    """Make every cell's call — call(endpoint, caller) builds a fresh record and asks as that caller — and name each
    answer whose status is not the table's; check(endpoint, caller, answer), for the answers with the right status,
    may name what else is wrong (a refusal that shows the record, a list that shows another unit's rows)."""
    found = []
    for endpoint, caller, want in table.cells():
        got = call(endpoint, caller)
        if got.status_code != want:
            found.append(f"{endpoint} as {caller}: expected {want}, got {got.status_code} {got.get_data(as_text=True)[:160]}")
        elif check is not None and (problem := check(endpoint, caller, got)):
            found.append(f"{endpoint} as {caller}: {problem}")
    return found


def unauthenticated_answers(table: AccessTable, call: Callable[[str], Response]) -> list[str]:
    """Every endpoint asked with no credentials — call(endpoint) — must answer 401 problem+json; names the others."""
    found = []
    for endpoint in table.endpoints:
        got = call(endpoint)
        if got.status_code != 401 or got.headers.get("Content-Type") != "application/problem+json":
            found.append(f"{endpoint}: {got.status_code} {got.headers.get('Content-Type')}")
    return found


def undocumented(table: AccessTable, app: Any) -> dict[str, set[str]]:
    """compare_with_spec against the app's own /openapi.json."""
    return compare_with_spec(table, app.test_client().get("/openapi.json").get_json())


def role_columns(own: int, other: int) -> dict[str, tuple[str, int | None]]:
    """The usual columns, as (role, unit): each ward role, and the officer of the record's own unit and of another."""
    return {"admin": ("admin", None), "vhxh": ("vhxh", None), "lanh_dao": ("lanh_dao", None),
            "giam_sat": ("giam_sat", None), "don_vi:own": ("don_vi", own), "don_vi:other": ("don_vi", other)}

