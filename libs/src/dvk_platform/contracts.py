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

TOPIC_SERVICES = ("registration", "reporting", "awards", "notify")


def contracts_dir() -> Path:
    given = os.environ.get("DVK_CONTRACTS_DIR")
    if given:
        return Path(given)
    return Path(__file__).resolve().parents[3] / "contracts"  # libs/src/dvk_platform -> repo root


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


def main() -> int:
    target = contracts_dir() / "asyncapi.yaml"
    target.write_text(render_asyncapi(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
