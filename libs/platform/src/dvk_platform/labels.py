"""Codes and their Vietnamese labels, read from the event contract.

A coded property (a model's field, an inspection's rating, a report's period, a unit's kind, a nominee's kind, an
award's catalogue) is a JSON Schema `enum` with `x-labels` {code: label}; the statuses of a model, a unit report, the
consolidated report and a nomination are named sets under the schemas' `$defs` (`model_status`, `report_status`,
`consolidated_status`, `nomination_status`), an `enum` with `x-labels` too. The contract is the one place the labels
are written, and every service and the gateway read them from it.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from dvk_core.contracts import ContractViolation, contracts_dir, load_schemas


def _properties(schema: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("$defs") or {}).items():  # a named set of codes (a lifecycle's statuses)
        if isinstance(sub, dict):
            yield name, sub
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            yield name, sub
            yield from _properties(sub)
            yield from _properties(sub.get("items"))


@functools.cache
def code_labels(prop: str) -> dict[str, str]:
    """{code: Vietnamese label} of a coded property, from its `x-labels` in the contract (the same in every event
    type that carries it, in the enum's order)."""
    found: dict[str, str] | None = None
    for event_type, schema in load_schemas().items():
        for name, sub in _properties(schema):
            if name != prop or "x-labels" not in sub:
                continue
            labels = {code: sub["x-labels"][code] for code in sub.get("enum", sub["x-labels"])}
            if found is not None and labels != found:
                raise ContractViolation(f"{event_type}: the labels of {prop!r} differ from another event type's")
            found = labels
    if not found:
        raise RuntimeError(f"the contract in {contracts_dir()} labels no property {prop!r}: set DVK_CONTRACTS_DIR")
    return found


def labelled_properties() -> dict[str, dict[str, str]]:
    """Every property the contract labels, with its labels."""
    names = {name for schema in load_schemas().values() for name, sub in _properties(schema) if "x-labels" in sub}
    return {name: code_labels(name) for name in sorted(names)}


class Labels(Mapping[str, str]):
    """A coded property's labels as a read-only mapping, read from the contract when first used (not at import)."""

    def __init__(self, prop: str) -> None:
        self.prop = prop

    def __getitem__(self, code: str) -> str:
        return code_labels(self.prop)[code]

    def __iter__(self) -> Iterator[str]:
        return iter(code_labels(self.prop))

    def __len__(self) -> int:
        return len(code_labels(self.prop))

    def __repr__(self) -> str:
        return f"Labels({self.prop!r})"
