"""Sự kiện: the event contract (contracts/asyncapi.yaml) as a Vietnamese page for provincial integration teams.

Public, like the contract itself: topics, each event type with its title, description, fields (type, required)
and example, and the CloudEvents headers. Built from the YAML the services are checked against."""
from __future__ import annotations

import json
from typing import Any

import yaml
from flask import Blueprint, render_template

from dvk_core.contracts import build_asyncapi, contracts_dir

bp = Blueprint("contract", __name__, url_prefix="/su-kien")

SERVICE_NAMES = {
    "registration": "Đăng ký mô hình (đơn vị, kỳ đăng ký, mô hình, kiểm tra)",
    "reporting": "Báo cáo sơ kết, tổng kết, chỉ tiêu và tiến độ",
    "awards": "Thi đua, khen thưởng",
    "notify": "Thông báo, nhắc hạn",
    "gateway": "Tài khoản cán bộ (tạo, sửa, khóa; không có mật khẩu)",
}


def load_contract() -> dict[str, Any]:
    """The committed contracts/asyncapi.yaml; built from the schemas when the file is not shipped."""
    path = contracts_dir() / "asyncapi.yaml"
    if path.exists():
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    return build_asyncapi()


def _type_text(schema: dict[str, Any]) -> str:
    if "const" in schema:
        return f"hằng {json.dumps(schema['const'], ensure_ascii=False)}"
    if "enum" in schema:
        return "một trong: " + ", ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    declared = schema.get("type", "bất kỳ")
    text = " hoặc ".join(declared) if isinstance(declared, list) else str(declared)
    if schema.get("format"):
        text += f" ({schema['format']})"
    elif schema.get("pattern"):
        text += f" (mẫu {schema['pattern']})"
    return text


def fields_of(schema: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """Each property (nested objects flattened as parent.child) with its type, required mark and description."""
    required = set(schema.get("required", []))
    rows: list[dict[str, Any]] = []
    for name, prop in (schema.get("properties") or {}).items():
        rows.append({"name": prefix + name, "type": _type_text(prop), "required": name in required,
                     "description": prop.get("description", "")})
        if isinstance(prop, dict) and prop.get("properties"):
            rows += fields_of(prop, f"{prefix}{name}.")
    return rows


def _channels(doc: dict[str, Any]) -> list[dict[str, Any]]:
    messages = doc.get("components", {}).get("messages", {})
    channels = []
    for key, channel in doc.get("channels", {}).items():
        events = []
        for ref in (channel.get("messages") or {}).values():
            message = messages[ref["$ref"].rsplit("/", 1)[-1]]
            payload = message.get("payload", {})
            events.append({
                "type": message["name"],
                "title": message.get("title", message["name"]),
                "summary": message.get("summary", ""),
                "fields": fields_of(payload),
                "examples": [json.dumps(ex.get("payload"), ensure_ascii=False, indent=2) for ex in message.get("examples", [])],
            })
        service = key.split(".")[1] if key.count(".") >= 1 else key
        channels.append({"address": channel.get("address", key), "description": channel.get("description", ""),
                         "service": SERVICE_NAMES.get(service, service), "dlq": key.endswith(".dlq"), "events": events})
    return channels


@bp.get("")
def index() -> str:
    doc = load_contract()
    headers = doc.get("components", {}).get("schemas", {}).get("CloudEventHeaders", {})
    header_rows = fields_of(headers)
    return render_template("contract/index.html", info=doc.get("info", {}), version=doc.get("asyncapi", ""),
                           channels=_channels(doc), headers=header_rows)
