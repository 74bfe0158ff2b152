"""The event contract: one JSON Schema per event type in contracts/events/, assembled into
contracts/asyncapi.yaml (AsyncAPI 3) by `make contracts`. Provincial systems read the YAML."""
from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

TOPIC_SERVICES = ("registration", "reporting", "awards", "notify", "gateway")


def contracts_dir() -> Path:
    given = os.environ.get("DVK_CONTRACTS_DIR")
    if given:
        return Path(given)
    beside_source = Path(__file__).resolve().parents[4] / "contracts"  # libs/core/src/dvk_core -> repo root
    if beside_source.is_dir():
        return beside_source
    # an installed (non-editable) package, as in the images: the contract is copied to the working directory
    return Path.cwd() / "contracts"


@functools.cache
def load_schemas(directory: str | None = None) -> dict[str, dict[str, Any]]:
    """{event type: JSON Schema} from contracts/events/*.json (file name = the event type)."""
    base = Path(directory) if directory else contracts_dir() / "events"
    schemas: dict[str, dict[str, Any]] = {}
    for path in sorted(base.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.stem] = schema
    return schemas


class ContractViolation(AssertionError):
    """An event whose payload breaks its schema in contracts/events/."""


def validate_event(event_type: str, payload: dict[str, Any]) -> None:
    schemas = load_schemas()
    if event_type not in schemas:
        raise ContractViolation(f"{event_type} has no schema in contracts/events/")
    try:
        jsonschema.validate(payload, schemas[event_type], cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as exc:
        raise ContractViolation(f"{event_type}: {exc.message} at {list(exc.absolute_path)}") from exc


# --- what a consumer checks of an incoming event ----------------------------------------------------
#
# A consumer checks an event's data before handling it, against what no `.v1` producer may ever change (the
# evolution rules below): which properties are required, their types and consts, nested the same way. What a
# newer producer may still loosen within `.v1` (a widened enum, a lower minimum or minLength, a dropped pattern
# or format) is left out of the check, and unknown properties pass, so an event from a newer ward or service
# is never refused. Validators are built once per event type.

_LOOSENABLE = frozenset({
    "enum", "pattern", "format", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    # annotations, and conditions whose relaxation would make them stricter (the contracts use none of them)
    "title", "description", "examples", "default", "not", "if", "then", "else",
})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SUBSCHEMAS = frozenset({"items", "additionalItems", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
                         "contains", "propertyNames"})


def consumer_schema(schema: Any) -> Any:
    """`schema` without the constraints a newer `.v1` producer may loosen (see above)."""
    if not isinstance(schema, dict):
        return schema
    relaxed: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _LOOSENABLE:
            continue
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            relaxed[key] = {name: consumer_schema(sub) for name, sub in value.items()}
        elif key in _SUBSCHEMAS:
            relaxed[key] = consumer_schema(value)
        elif key in ("allOf", "anyOf", "oneOf", "prefixItems") and isinstance(value, list):
            # relaxed branches may overlap, so "exactly one" becomes "at least one"
            relaxed["anyOf" if key == "oneOf" else key] = [consumer_schema(sub) for sub in value]
        else:
            relaxed[key] = value
    return relaxed


class PayloadChecker:
    """{event type: compiled validator of its consumer schema}; `problems()` names what an event's data lacks."""

    def __init__(self, schemas: dict[str, dict[str, Any]] | None = None) -> None:
        schemas = load_schemas() if schemas is None else schemas
        self._validators: dict[str, jsonschema.Draft202012Validator] = {}
        for event_type, schema in schemas.items():
            relaxed = consumer_schema(schema)
            jsonschema.Draft202012Validator.check_schema(relaxed)
            self._validators[event_type] = jsonschema.Draft202012Validator(relaxed)

    def covers(self, event_type: str) -> bool:
        return event_type in self._validators

    def problems(self, event_type: str, data: Any, limit: int = 10) -> list[str]:
        """What breaks the contract, one line each naming the property; [] if valid or the type has no schema."""
        validator = self._validators.get(event_type)
        if validator is None or validator.is_valid(data):
            return []
        lines = []
        for error in validator.iter_errors(data):
            where = "/".join(str(part) for part in error.absolute_path)
            lines.append(f"{where}: {error.message}" if where else error.message)
        return sorted(lines)[:limit]


@functools.cache
def payload_checker() -> PayloadChecker:
    """The checker of contracts/events/, built once per process; no schemas there is a broken install, not "valid"."""
    schemas = load_schemas()
    if not schemas:
        raise RuntimeError(f"no event schemas in {contracts_dir() / 'events'}: set DVK_CONTRACTS_DIR")
    return PayloadChecker(schemas)


def service_of(event_type: str) -> str:
    return event_type.split(".")[2]  # vn.dvk.<service>.<name>.v1


CE_HEADERS = {
    "type": "object",
    "required": ["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_subject", "ce_time", "ce_ward"],
    "properties": {
        "ce_id": {"type": "string", "description": "Mã sự kiện duy nhất (UUID); người nhận dùng để loại trùng."},
        "ce_source": {"type": "string", "description": "/wards/<mã phường>/<dịch vụ>"},
        "ce_type": {"type": "string", "description": "Loại sự kiện có phiên bản, ví dụ vn.dvk.registration.model-submitted.v1"},
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_subject": {"type": "string", "description": "Mã đối tượng (aggregate id); cũng là khóa Kafka."},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_ward": {"type": "string", "description": "Mã phường phát sự kiện."},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def build_asyncapi(schemas: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    schemas = schemas if schemas is not None else load_schemas()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for service in TOPIC_SERVICES:
        topic = f"dvk.{service}"
        owned = {t: s for t, s in schemas.items() if service_of(t) == service}
        channel_messages = {}
        for event_type, schema in owned.items():
            name = event_type.removeprefix("vn.dvk.").replace(".", "-")
            payload = {k: v for k, v in schema.items() if k not in ("examples", "$schema")}
            messages[name] = {
                "name": event_type,
                "title": schema.get("title", event_type),
                "summary": schema.get("description", ""),
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                "payload": payload,
                "bindings": {"kafka": {"key": {"type": "string", "description": "ce_subject (aggregate id)"}}},
                "examples": [{"name": "example", "payload": ex} for ex in schema.get("examples", [])],
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[topic] = {
            "address": topic,
            "description": f"Sự kiện của dịch vụ {service}. Khóa = mã đối tượng; thứ tự giữ theo từng đối tượng.",
            "messages": channel_messages,
        }
        channels[f"{topic}.dlq"] = {
            "address": f"{topic}.dlq",
            "description": "Hàng đợi thư chết: sự kiện không xử lý được, nguyên văn, kèm header dvk_error, "
            "dvk_original_topic, dvk_original_partition, dvk_original_offset, dvk_consumer_group.",
        }
        operations[f"publish-{service}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "messages": [{"$ref": f"#/channels/{topic}/messages/{m}"} for m in channel_messages],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Dân Vận Khéo — sự kiện của phường",
            "version": "1.0.0",
            "description": (
                "Sự kiện phong trào thi đua \"Dân vận khéo\" mà cấp trên (Đảng ủy phường, hệ thống của tỉnh) "
                "đăng ký nhận. CloudEvents 1.0, Kafka binary mode: dữ liệu JSON trong value, thuộc tính trong "
                "các header ce_*. Trong một loại .v1 chỉ thêm trường, không xóa hay đổi kiểu; người nhận bỏ qua "
                "trường lạ."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": {"CloudEventHeaders": CE_HEADERS}, "messages": messages},
    }


def render_asyncapi() -> str:
    header = "# Generated from contracts/events/*.json by `make contracts`; edit the schemas, not this file.\n"
    return header + yaml.safe_dump(build_asyncapi(), allow_unicode=True, sort_keys=False, width=110)


# --- evolution rules ---------------------------------------------------------------------------------
#
# Within a `.v1` type the contract only grows: a new optional property or a new event type is fine; a removed
# property, a changed type, a property newly required (or no longer required), a narrowed enum or a tighter
# constraint is breaking and needs a new type `.v2` published beside the old one. contracts/snapshot/v1.json
# keeps every schema as it was promised; `python -m dvk_core.contracts --check` compares against it.

SNAPSHOT_NAME = "v1.json"
_NARROWING_BOUNDS = (("minimum", 1), ("exclusiveMinimum", 1), ("minLength", 1), ("minItems", 1),
                     ("maximum", -1), ("exclusiveMaximum", -1), ("maxLength", -1), ("maxItems", -1))


def snapshot_path() -> Path:
    return contracts_dir() / "snapshot" / SNAPSHOT_NAME


def snapshot_of(schemas: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the snapshot keeps of each schema: everything but the examples."""
    return {t: {k: v for k, v in s.items() if k != "examples"} for t, s in sorted(schemas.items())}


def load_snapshot(path: Path | None = None) -> dict[str, dict[str, Any]]:
    return json.loads((path or snapshot_path()).read_text(encoding="utf-8"))


def render_snapshot(schemas: dict[str, dict[str, Any]] | None = None) -> str:
    return json.dumps(snapshot_of(schemas if schemas is not None else load_schemas()), ensure_ascii=False, indent=2) + "\n"


def _types(schema: dict[str, Any]) -> set[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    return {declared} if isinstance(declared, str) else set(declared)


def _schema_changes(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    old_types, new_types = _types(old), _types(new)
    if old_types != new_types and (old_types is not None or new_types is not None):
        problems.append(f"{where}: changed type {sorted(old_types or [])} -> {sorted(new_types or [])}")
    if "enum" in new:
        if "enum" not in old:
            problems.append(f"{where}: narrowed to enum {new['enum']}")
        else:
            dropped = [v for v in old["enum"] if v not in new["enum"]]
            if dropped:
                problems.append(f"{where}: narrowed enum, removed {dropped}")
    if "const" in new and new.get("const") != old.get("const", object()):
        problems.append(f"{where}: const changed {old.get('const')!r} -> {new['const']!r}")
    for key in ("format", "pattern"):
        if key in new and new[key] != old.get(key):
            problems.append(f"{where}: {key} changed {old.get(key)!r} -> {new[key]!r}")
    for key, direction in _NARROWING_BOUNDS:
        if key in new and (key not in old or (new[key] - old[key]) * direction > 0):
            problems.append(f"{where}: {key} tightened {old.get(key)!r} -> {new[key]!r}")
    if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
        problems.append(f"{where}: additionalProperties closed")
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        problems.append(f"{where}.{name}: property newly required")
    for name in sorted(old_required - new_required):
        problems.append(f"{where}.{name}: property no longer required (consumers rely on it)")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_prop in old_props.items():
        if name not in new_props:
            problems.append(f"{where}.{name}: property removed")
        elif isinstance(old_prop, dict) and isinstance(new_props[name], dict):
            problems += _schema_changes(f"{where}.{name}", old_prop, new_props[name])
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        problems += _schema_changes(f"{where}[]", old["items"], new["items"])
    return problems


def breaking_changes(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[str]:
    """Changes from `old` to `new` ({event type: schema}) that would break a consumer or an old event.

    Each is one line naming the type and the property path. An empty list means `new` only added."""
    problems: list[str] = []
    for event_type, old_schema in sorted(old.items()):
        if event_type not in new:
            problems.append(f"{event_type}: event type removed")
            continue
        problems += _schema_changes(event_type, old_schema, new[event_type])
    return problems


def additive_changes(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[str]:
    """New event types and new optional properties (top level), for the report of `--check`."""
    notes = [f"{t}: new event type" for t in sorted(set(new) - set(old))]
    for event_type in sorted(set(new) & set(old)):
        added = set(new[event_type].get("properties", {})) - set(old[event_type].get("properties", {}))
        notes += [f"{event_type}.{name}: new optional property" for name in sorted(added)]
    return notes


def check(snapshot: Path | None = None) -> int:
    """Exit status of `--check`: 1 when the schemas break the snapshot or asyncapi.yaml is stale."""
    current = load_schemas()
    problems = breaking_changes(load_snapshot(snapshot), snapshot_of(current))
    for line in additive_changes(load_snapshot(snapshot), snapshot_of(current)):
        print(f"ok (additive): {line}")
    for line in problems:
        print(f"BREAKING: {line}", file=sys.stderr)
    asyncapi = contracts_dir() / "asyncapi.yaml"
    stale = not asyncapi.exists() or asyncapi.read_text(encoding="utf-8") != render_asyncapi()
    if stale:
        print("contracts/asyncapi.yaml is stale: run `make contracts`", file=sys.stderr)
    if problems:
        print("A breaking change needs a new event type (.v2) beside the old one; see docs/integration.md.", file=sys.stderr)
    return 1 if problems or stale else 0


def write_snapshot(force: bool = False) -> int:
    """Record the current schemas as the promise; refused when that would break the old promise."""
    target = snapshot_path()
    if target.exists() and not force:
        problems = breaking_changes(load_snapshot(target), snapshot_of(load_schemas()))
        if problems:
            for line in problems:
                print(f"BREAKING: {line}", file=sys.stderr)
            return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_snapshot(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dvk_core.contracts",
                                     description="Build contracts/asyncapi.yaml; check or record the schema snapshot.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="fail on a breaking change against contracts/snapshot/")
    group.add_argument("--snapshot", action="store_true", help="record the current schemas (additive changes only)")
    parser.add_argument("--force", action="store_true", help="with --snapshot: record even a breaking change")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    if args.snapshot:
        return write_snapshot(force=args.force)
    target = contracts_dir() / "asyncapi.yaml"
    target.write_text(render_asyncapi(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
