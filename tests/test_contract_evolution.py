"""Evolution rules of the event contract: within a .v1 type only additive changes. The committed snapshot in
contracts/snapshot/v1.json is the promise; the checker names every breaking change; consumers ignore fields
they do not know."""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import escape

from dvk_core.contracts import (
    breaking_changes,
    contracts_dir,
    load_schemas,
    load_snapshot,
    render_snapshot,
    snapshot_of,
)
from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Record
from dvk_platform.config import topic_name
from dvk_platform.worker import build_consumer
from dvk_testing.plugin import bearer

ROOT = Path(__file__).resolve().parents[1]
SUBMITTED = "vn.dvk.registration.model-submitted.v1"


@pytest.fixture
def promised() -> dict:
    return load_snapshot()


def changed(promised: dict, event_type: str, edit) -> dict:
    new = copy.deepcopy(promised)
    edit(new[event_type])
    return new


def test_current_schemas_keep_every_promise_of_the_snapshot(promised):
    assert breaking_changes(promised, snapshot_of(load_schemas())) == []
    # every type the services emit is in the promise, so a removal would be caught
    assert set(promised) == set(load_schemas())


def test_the_committed_snapshot_is_the_one_the_tool_writes():
    committed = (contracts_dir() / "snapshot" / "v1.json").read_text(encoding="utf-8")
    assert committed == render_snapshot(), "run `python -m dvk_core.contracts --snapshot` after an additive change"


def test_a_removed_field_is_breaking(promised):
    def remove_title(schema):
        del schema["properties"]["title"]
        schema["required"].remove("title")

    problems = breaking_changes(promised, changed(promised, SUBMITTED, remove_title))
    assert f"{SUBMITTED}.title: property removed" in problems


def test_a_retyped_field_is_breaking(promised):
    def unit_id_as_text(schema):
        schema["properties"]["unit_id"]["type"] = "string"

    problems = breaking_changes(promised, changed(promised, SUBMITTED, unit_id_as_text))
    assert problems == [f"{SUBMITTED}.unit_id: changed type ['integer'] -> ['string']"]


def test_a_new_required_field_is_breaking(promised):
    def require_district(schema):
        schema["properties"]["district_code"] = {"type": "string"}
        schema["required"].append("district_code")

    problems = breaking_changes(promised, changed(promised, SUBMITTED, require_district))
    assert problems == [f"{SUBMITTED}.district_code: property newly required"]


def test_a_narrowed_enum_and_a_removed_type_are_breaking(promised):
    def drop_a_field_value(schema):
        schema["properties"]["field"]["enum"].remove("chinh_quyen")

    problems = breaking_changes(promised, changed(promised, SUBMITTED, drop_a_field_value))
    assert problems == [f"{SUBMITTED}.field: narrowed enum, removed ['chinh_quyen']"]
    without = {t: s for t, s in promised.items() if t != SUBMITTED}
    assert breaking_changes(promised, without) == [f"{SUBMITTED}: event type removed"]


def test_a_nested_retyped_figure_is_breaking(promised):
    figures_type = "vn.dvk.reporting.target-figures-updated.v1"

    def figure_as_number(schema):
        schema["properties"]["figures"]["properties"]["files_received"]["type"] = "number"

    problems = breaking_changes(promised, changed(promised, figures_type, figure_as_number))
    assert problems == [f"{figures_type}.figures.files_received: changed type ['integer'] -> ['number']"]


def test_an_optional_field_and_a_new_type_are_additive(promised):
    def add_optional(schema):
        schema["properties"]["district_code"] = {"type": "string", "description": "Mã quận (nếu có)."}
        schema["properties"]["field"]["enum"].append("moi_truong")  # a widened enum adds, it does not remove

    new = changed(promised, SUBMITTED, add_optional)
    new["vn.dvk.registration.model-archived.v1"] = {"type": "object", "properties": {"model_id": {"type": "integer"}}}
    assert breaking_changes(promised, new) == []


def _contracts_copy(tmp_path: Path) -> Path:
    target = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), target)
    return target


def _run_check(contracts: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dvk_core.contracts", "--check"], capture_output=True, text=True,
                          env={**os.environ, "DVK_CONTRACTS_DIR": str(contracts)}, timeout=60)


def test_check_command_fails_on_a_deliberately_broken_schema_file(tmp_path):
    contracts = _contracts_copy(tmp_path)
    assert _run_check(contracts).returncode == 0
    path = contracts / "events" / f"{SUBMITTED}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    del schema["properties"]["late"]
    schema["required"].remove("late")
    schema["properties"]["year"]["type"] = "string"
    schema["examples"][0]["year"] = str(schema["examples"][0]["year"])
    del schema["examples"][0]["late"]
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    done = _run_check(contracts)
    assert done.returncode == 1
    assert f"BREAKING: {SUBMITTED}.late: property removed" in done.stderr
    assert f"BREAKING: {SUBMITTED}.year: changed type ['integer'] -> ['string']" in done.stderr


def test_consumers_ignore_fields_they_do_not_know(make_service):
    """A later producer adds fields (top level and nested); reporting's real handler still takes the event."""
    app = make_service("reporting", "sqlite")
    runner = build_consumer(app)
    event = CloudEvent(
        type="vn.dvk.registration.unit-created.v1", source="/wards/minh-xuan/registration", subject="12",
        ward="minh-xuan", time="2026-03-01T02:00:00.000+00:00",
        data={"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho", "active": True,
              "district_code": "HM", "contact": {"phone": "0243 000 000", "leader": "Nguyễn Văn An"}},
    )
    try:
        runner.process(Record(topic_name(app.config, "registration"), 0, 0, b"12", event.value(), event.headers()))
    finally:
        runner.close()
    assert runner.outcome.handled == 1 and runner.outcome.dead_lettered == 0
    progress = app.test_client().get("/progress?year=2026", headers=bearer(app, "vhxh"))
    assert progress.status_code == 200
    assert progress.get_json()["units"]["active"] == 1


def test_contract_page_lists_every_event_type_with_its_title_and_fields(make_service):
    """/su-kien, public, generated from contracts/asyncapi.yaml."""
    app = make_service("gateway", "sqlite")
    page = app.test_client().get("/su-kien")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for event_type, schema in load_schemas().items():
        assert f'id="{event_type}"' in html, event_type
        assert schema["title"] in html
    for topic in ("dvk.registration", "dvk.reporting", "dvk.awards", "dvk.notify", "dvk.notify.dlq"):
        assert f"<code>{topic}</code>" in html
    for header in ("ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "ce_ward"):
        assert header in html
    # each field with its required mark, and each example as JSON
    assert "<td><code>figures.files_on_time</code></td><td>integer</td><td><span class=\"required\">bắt buộc</span></td>" in html
    for schema in load_schemas().values():
        example = json.dumps(schema["examples"][0], ensure_ascii=False, indent=2)
        assert str(escape(example)) in html
