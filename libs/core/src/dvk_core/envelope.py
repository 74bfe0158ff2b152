"""CloudEvents 1.0 envelope in Kafka binary mode: data JSON in the value, attributes in ce_* headers."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED_ATTRIBUTES = ("id", "source", "type", "specversion")


class EnvelopeError(ValueError):
    """A message that is not a valid CloudEvent of ours."""


def binary_headers(*, id: str, source: str, type: str, subject: str, time: str, ward: str,  # noqa: A002 - CloudEvents names
                   specversion: str = SPEC_VERSION, datacontenttype: str = CONTENT_TYPE) -> list[tuple[str, bytes]]:
    """The Kafka headers of a CloudEvent in binary mode: its attributes as ce_*, and the data's content type."""
    return [
        ("ce_id", id.encode()),
        ("ce_source", source.encode()),
        ("ce_type", type.encode()),
        ("ce_specversion", specversion.encode()),
        ("ce_subject", subject.encode()),
        ("ce_time", time.encode()),
        ("ce_ward", ward.encode()),
        ("content-type", datacontenttype.encode()),
    ]


@dataclass(frozen=True)
class CloudEvent:
    type: str
    source: str
    subject: str
    ward: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))
    specversion: str = SPEC_VERSION
    datacontenttype: str = CONTENT_TYPE

    @property
    def key(self) -> str:
        """Kafka key: the aggregate id, so one aggregate's events stay ordered."""
        return self.subject

    def headers(self) -> list[tuple[str, bytes]]:
        return binary_headers(id=self.id, source=self.source, type=self.type, subject=self.subject, time=self.time,
                              ward=self.ward, specversion=self.specversion, datacontenttype=self.datacontenttype)

    def value(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()

    def to_structured(self) -> dict[str, Any]:
        """Structured-mode JSON (used by webhooks, the pull feed and the reference subscriber)."""
        return {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "ward": self.ward,
            "datacontenttype": self.datacontenttype,
            "data": self.data,
        }

    @classmethod
    def from_structured(cls, doc: dict[str, Any]) -> CloudEvent:
        missing = [a for a in REQUIRED_ATTRIBUTES if not doc.get(a)]
        if missing:
            raise EnvelopeError(f"missing CloudEvents attributes: {', '.join(missing)}")
        return cls(
            id=doc["id"], source=doc["source"], type=doc["type"], subject=doc.get("subject", ""),
            ward=doc.get("ward", ""), data=doc.get("data") or {}, time=doc.get("time", ""),
            specversion=doc["specversion"], datacontenttype=doc.get("datacontenttype", CONTENT_TYPE),
        )

    @classmethod
    def from_binary(cls, value: bytes | None, headers: list[tuple[str, bytes]] | None) -> CloudEvent:
        attrs: dict[str, str] = {}
        for name, raw in headers or []:
            if name.startswith("ce_"):
                try:
                    attrs[name[3:]] = raw.decode() if raw is not None else ""
                except UnicodeDecodeError as exc:
                    raise EnvelopeError(f"header {name} is not UTF-8") from exc
        missing = [a for a in REQUIRED_ATTRIBUTES if not attrs.get(a)]
        if missing:
            raise EnvelopeError(f"missing CloudEvents headers: {', '.join('ce_' + m for m in missing)}")
        if attrs["specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported specversion {attrs['specversion']}")
        try:
            data = json.loads(value.decode()) if value else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EnvelopeError(f"value is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise EnvelopeError("value is not a JSON object")
        return cls(
            id=attrs["id"], source=attrs["source"], type=attrs["type"], subject=attrs.get("subject", ""),
            ward=attrs.get("ward", ""), data=data, time=attrs.get("time", ""),
            specversion=attrs["specversion"],
        )
