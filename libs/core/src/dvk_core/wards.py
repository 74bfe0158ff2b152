"""The province's ward registry: every ward's code, Vietnamese name and expected number of units.

A file the province keeps (YAML or CSV), read by `dvk-subscribe`, `dvk-rollup` and the pull feed so that a
mistyped ward code is refused with the list of known ones, and a ward that has published nothing is still shown.

    # YAML                                   # CSV (header row)
    wards:                                   code,name,expected_units
      - code: minh-xuan                      minh-xuan,Phường Minh Xuân,21
        name: Phường Minh Xuân
        expected_units: 21

Which file: the path given (`--wards-file`), else `DVK_WARDS_FILE`, else the default shipped with the platform.
"""
from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

WARDS_FILE_VARIABLE = "DVK_WARDS_FILE"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class RegistryError(ValueError):
    """The registry file cannot be used; the message says which file, which entry and why."""


class UnknownWard(ValueError):
    """Ward codes the registry does not know; the message lists the known ones."""

    def __init__(self, unknown: list[str], registry: WardRegistry) -> None:
        self.unknown = unknown
        self.known = registry.codes()
        known = ", ".join(f"{w.code} ({w.name})" for w in registry)
        super().__init__(
            f"Mã phường không có trong danh sách phường của tỉnh: {', '.join(unknown)}. Các mã đã biết: {known}. / "
            f"Unknown ward code {', '.join(unknown)}; known codes: {', '.join(self.known)}."
        )


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    expected_units: int


class WardRegistry:
    def __init__(self, wards: Iterable[Ward], origin: str = "") -> None:
        self.wards = list(wards)
        self.origin = origin
        self._by_code = {w.code: w for w in self.wards}

    def __iter__(self):  # noqa: ANN204 - an iterator of Ward
        return iter(self.wards)

    def __len__(self) -> int:
        return len(self.wards)

    def codes(self) -> list[str]:
        return [w.code for w in self.wards]

    def get(self, code: str) -> Ward | None:
        return self._by_code.get(code)

    def name(self, code: str) -> str:
        ward = self._by_code.get(code)
        return ward.name if ward else code

    def check(self, codes: Iterable[str], allow_all: bool = False) -> list[str]:
        """The codes, in order, when every one is known (and `*` when `allow_all`); else UnknownWard."""
        codes = list(codes)
        unknown = [c for c in codes if c not in self._by_code and not (allow_all and c == "*")]
        if unknown:
            raise UnknownWard(unknown, self)
        return codes


def _entry(raw: Any, where: str) -> Ward:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: mỗi phường phải có code, name, expected_units / each ward needs code, name, expected_units")
    code = str(raw.get("code") or "").strip()
    name = str(raw.get("name") or "").strip()
    if not CODE.match(code):
        raise RegistryError(f"{where}: mã phường {code!r} không hợp lệ (chữ thường không dấu, số, dấu -) / "
                            f"invalid ward code {code!r} (lowercase ASCII letters, digits, -)")
    if not name:
        raise RegistryError(f"{where}: phường {code} thiếu tên / ward {code} has no name")
    units = raw.get("expected_units")
    try:
        expected = int(str(units).strip())
        if isinstance(units, bool) or expected < 0 or str(expected) != str(units).strip():
            raise ValueError(units)
    except (TypeError, ValueError):
        raise RegistryError(f"{where}: phường {code}: expected_units phải là số nguyên không âm, không phải {units!r} / "
                            f"ward {code}: expected_units must be a whole number >= 0, not {units!r}") from None
    return Ward(code, name, expected)


def parse(text: str, origin: str, kind: str) -> WardRegistry:
    if kind == "csv":
        rows = list(csv.DictReader(text.splitlines()))
        missing = {"code", "name", "expected_units"} - set(rows[0] if rows else {})
        if missing:
            raise RegistryError(f"{origin}: thiếu cột {', '.join(sorted(missing))} / missing columns {', '.join(sorted(missing))}")
        entries = [(row, f"{origin}, dòng {n + 2}") for n, row in enumerate(rows)]
    else:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RegistryError(f"{origin}: không đọc được YAML / not valid YAML: {exc}") from None
        items = doc.get("wards") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise RegistryError(f"{origin}: cần khóa 'wards' là một danh sách / expected a 'wards' list")
        entries = [(item, f"{origin}, phường thứ {n + 1}") for n, item in enumerate(items)]
    wards = [_entry(raw, where) for raw, where in entries]
    if not wards:
        raise RegistryError(f"{origin}: danh sách phường trống / the registry lists no ward")
    seen: set[str] = set()
    for ward in wards:
        if ward.code in seen:
            raise RegistryError(f"{origin}: mã phường {ward.code} xuất hiện hai lần / ward code {ward.code} appears twice")
        seen.add(ward.code)
    return WardRegistry(wards, origin)


def load_registry(path: str | os.PathLike[str] | None = None) -> WardRegistry:
    """The registry from `path`, else DVK_WARDS_FILE, else the default shipped with the platform."""
    chosen = path or os.environ.get(WARDS_FILE_VARIABLE)
    if not chosen:
        text = resources.files("dvk_core").joinpath("data/wards.yaml").read_text(encoding="utf-8")
        return parse(text, "dvk_core/data/wards.yaml", "yaml")
    file = Path(chosen)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RegistryError(f"Không đọc được danh sách phường {file} / cannot read the ward registry {file}: "
                            f"{exc.strerror}") from None
    return parse(text, str(file), "csv" if file.suffix.lower() == ".csv" else "yaml")


__all__ = ["WARDS_FILE_VARIABLE", "RegistryError", "UnknownWard", "Ward", "WardRegistry", "load_registry", "parse"]
