"""The event contract: every event type the services can emit has a schema and an example, and
contracts/asyncapi.yaml is the one built from those schemas."""
from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from dvk_core.contracts import build_asyncapi, load_schemas, render_asyncapi

ROOT = Path(__file__).resolve().parents[1]
EVENT_TYPE = re.compile(r"""["'](vn\.dvk\.[a-z]+\.[a-z0-9-]+\.v\d+)["']""")


def emitted_types() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "services").glob("*/src/*/**/*.py"):
        found |= set(EVENT_TYPE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_event_type_in_the_code_has_a_schema():
    schemas = load_schemas()
    missing = sorted(emitted_types() - set(schemas))
    assert not missing, f"event types without a schema in contracts/events/: {missing}"


@pytest.mark.parametrize("event_type", sorted(load_schemas()))
def test_schema_is_valid_and_its_examples_validate(event_type):
    schema = load_schemas()[event_type]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema.get("title") and schema.get("examples"), f"{event_type} needs a title and an example"
    for example in schema["examples"]:
        jsonschema.validate(example, schema, cls=jsonschema.Draft202012Validator)


def test_asyncapi_document_is_current_and_lists_every_topic_and_dlq():
    committed = (ROOT / "contracts" / "asyncapi.yaml").read_text(encoding="utf-8")
    assert committed == render_asyncapi(), "contracts/asyncapi.yaml is stale: run `make contracts`"
    doc = yaml.safe_load(committed)
    assert doc["asyncapi"].startswith("3.")
    for service in ("registration", "reporting", "awards", "notify", "gateway"):
        assert f"dvk.{service}" in doc["channels"] and f"dvk.{service}.dlq" in doc["channels"]
    assert len(build_asyncapi()["components"]["messages"]) == len(load_schemas())
