"""schemathesis as an outside tester runs it: the `st` command against each service served by gunicorn over HTTP
(not the Flask app in process), every check (`--checks all`, positive_data_acceptance and negative_data_rejection
included), the fuzzing and the stateful phase (the documents' links carry a created record's id into the next
call's path and its ETag into If-Match). Each operation is called with the token of a role the access table
(security/access/<service>.md) lets in, on a database seeded beforehand (every seeding call must succeed).

A run that only collects refusals proves little: every operation, reads and writes, must have been answered with a
success at least once (counted from the run's HAR report), so the generated requests really reach the use cases."""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from dvk_testing import access
from dvk_testing.plugin import Caller

from .test_reliability_openapi_fuzz import SEEDERS

BIN = Path(sys.executable).parent
MAX_EXAMPLES = 10
SEED = 20261203
# Reporting and awards are not in this run yet: their state changes (a report per unit and period, the consolidated
# report's sign-off, the nomination workflow) each need a seeded record pinned as registration's are (see
# docs/reliability.md, "Not yet covered"); the in-process run fuzzes them.
SERVICES = ["notify", "feed", "registration"]
# a role's unit in the seeded ward (Tổ dân phố 1)
UNIT = 12
# Write operations that need what a fuzzer cannot make up (a real file to import): their successes are checked
# elsewhere.
NO_SUCCESS_EXPECTED = {
    "registration": {"POST /units/import"},
}
# Statuses schema-valid data may also get from one operation, each for a rule of the service that its document states
# in words but JSON Schema cannot (one date against another or against today, what a file holds); a schema-valid
# request refused with any other status, or by any other operation, fails the run.
RULES: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "registration": {
        "POST /models": (("422",), "the end date is not before the start date"),
        "PATCH /models/{model_id}": (("422",), "the end date is not before the start date"),
        "POST /models/{model_id}/files": (("415",), "the file's content is a JPEG, PNG, WebP, HEIC, PDF, DOCX or XLSX"),
        "POST /models/{model_id}/inspections/{inspection_id}/files": (("415",), "the file's content is a JPEG, PNG, WebP, HEIC, PDF, DOCX or XLSX"),
        "POST /models/{model_id}/inspections": (("422",), "an inspection is not dated after today"),
        "POST /periods": (("422",), "the deadline falls inside the period's year"),
        "PATCH /periods/{year}": (("422",), "the deadline falls inside the year and not before the period opened"),
        "POST /units/import": (("422",), "the file is a CSV or XLSX table of units"),
    },
}
# Multipart fields are text: a "boolean" or "number" caption the negative phase makes up arrives as the text "false"
# or "1.5", a valid caption. These operations get schema-valid data only (their refusals of real bad input, an
# unknown file type or a control character in the caption, are tested in the services' own tests).
MULTIPART_TEXT = {"registration": {"POST /models/{model_id}/files", "POST /models/{model_id}/inspections/{inspection_id}/files"}}
# Operations whose free-text fields make many long patterns to satisfy at once (a model's nine fields, an
# inspection's findings): fewer examples, so the run stays within a few minutes.
FEWER_EXAMPLES = {"registration": {"POST /models": 4, "PATCH /models/{model_id}": 4, "POST /models/{model_id}/inspections": 4}}
# How often a pinned value (below) is used instead of a generated one.
PINNED_PROBABILITY = 0.5
# A version that has the form of one but is not the record's current one is a state conflict, like 409; and an
# If-Match that is no version at all can never match the current one: both are 412 (RFC 9110, 13.1.1). An edit
# needs its version in If-Match or in the body's "version" (428 without either), which a schema cannot say.
POSITIVE_ALSO = ["412", "428"]
NEGATIVE = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "428", "429"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(service: str, config: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """The service's WSGI app under gunicorn, on the seeded database, until the block ends."""
    port = _free_port()
    env = {**os.environ, "DVK_ENV": "development"}
    for key in ("DATABASE_URL", "WARD_CODE", "WARD_NAME", "BUS", "EMBEDDED_BUS_PATH", "TOPIC_PREFIX"):
        if config.get(key) not in (None, ""):
            env[f"DVK_{key}"] = str(config[key])
    log = (tmp_path / f"{service}-gunicorn.log").open("w")
    process = subprocess.Popen([str(BIN / "gunicorn"), f"{service}.wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--threads", "4", "--graceful-timeout", "5"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, (tmp_path / f"{service}-gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _role_of(table: access.AccessTable, method: str, path: str) -> tuple[str, int | None] | None:
    """The first caller of the access table that the operation answers with a success."""
    route = f"{method} {re.sub(r'{[^}]+}', '{}', path)}"
    for endpoint, statuses in table.rows:
        if access.route_of(endpoint) == route:
            for caller, status in zip(table.callers, statuses, strict=True):
                if 200 <= status < 300:
                    role = caller.split(":")[0]
                    return role, UNIT if role == "don_vi" else None
    return None


def _succeeded(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def pins_registration(app, ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A record for each state change, in the state it starts from (a draft to withdraw, a submitted model to accept
    and one to return, an accepted one to inspect, an inspected one to mark typical, a unit to deactivate and one to
    activate), and a deadline inside the period's window."""
    call = Caller(app)
    body = {"title": "Đèn chiếu sáng ngõ", "field": "kinh_te_do_thi", "goals": "Ngõ sáng.", "content": "Lắp đèn.",
            "target_group": "Hộ dân", "person_in_charge": "Lê Văn Tâm", "start_date": "2026-03-01",
            "end_date": "2026-12-31", "expected_results": "Mười ngõ có đèn."}

    def model(*steps: str) -> dict[str, Any]:
        made = _succeeded(call("POST", "/models", "don_vi", UNIT, json=body), 201)
        for step in steps:
            if step == "submit":
                made = _succeeded(call("POST", f"/models/{made['id']}/submit", "don_vi", UNIT, json={}, if_match=made["version"]))
            elif step == "accept":
                made = _succeeded(call("POST", f"/models/{made['id']}/accept", "vhxh", json={}, if_match=made["version"]))
            elif step == "inspect":
                _succeeded(call("POST", f"/models/{made['id']}/inspections", "vhxh", json={
                    "inspected_on": "2026-11-20", "inspector": "Trần Thị Mai", "rating": "tot", "findings": "Đèn sáng đủ."}), 201)
                made = _succeeded(call("GET", f"/models/{made['id']}", "vhxh"))
        return made

    def unit(code: str, active: bool) -> dict[str, Any]:
        made = _succeeded(call("POST", "/units", "admin", json={"code": code, "name": f"Chi hội {code}", "kind": "mttq_doan_the"}), 201)
        if not active:
            made = _succeeded(call("POST", f"/units/{made['id']}/deactivate", "admin", json={}, if_match=made["version"]))
        return made

    def on(record: dict[str, Any], name: str) -> dict[str, Any]:
        return {f"path.{name}": record["id"], "header.If-Match": f'"{record["version"]}"'}

    def photo(path: str, role: str, colour: tuple[int, int, int]) -> int:
        picture = io.BytesIO()
        Image.new("RGB", (8, 8), colour).save(picture, format="PNG")  # a file already there is not stored twice
        uploaded = call("POST", path, role, data={"file": (io.BytesIO(picture.getvalue()), "kiem-tra.png"),
                                                   "caption": "Biên bản kiểm tra"}, content_type="multipart/form-data")
        return _succeeded(uploaded, 201)["id"]

    # an accepted model's inspection with two photos: one to read, one to delete
    inspected = model("submit", "accept")
    inspection = _succeeded(call("POST", f"/models/{inspected['id']}/inspections", "vhxh", json={
        "inspected_on": "2026-11-20", "inspector": "Trần Thị Mai", "rating": "kha", "findings": "Đèn sáng đủ."}), 201)
    files = f"/models/{inspected['id']}/inspections/{inspection['id']}/files"
    kept, deleted = photo(files, "vhxh", (46, 125, 50)), photo(files, "vhxh", (200, 30, 30))
    of_inspection = {"path.model_id": inspected["id"], "path.inspection_id": inspection["id"]}
    of_photo = {**of_inspection, "path.file_id": kept}
    period = _succeeded(call("GET", "/periods/2026", "admin"))
    return {
        "GET /models/{model_id}/inspections/{inspection_id}/files": of_inspection,
        "POST /models/{model_id}/inspections/{inspection_id}/files": of_inspection,
        "GET /models/{model_id}/inspections/{inspection_id}/files/{file_id}": of_photo,
        "GET /models/{model_id}/inspections/{inspection_id}/files/{file_id}/preview": of_photo,
        "GET /models/{model_id}/inspections/{inspection_id}/files/{file_id}/thumbnail": of_photo,
        "DELETE /models/{model_id}/inspections/{inspection_id}/files/{file_id}": {**of_inspection, "path.file_id": deleted},
        "POST /models/{model_id}/submit": on(model(), "model_id"),
        "POST /models/{model_id}/withdraw": on(model(), "model_id"),
        "POST /models/{model_id}/accept": on(model("submit"), "model_id"),
        "POST /models/{model_id}/return": on(model("submit"), "model_id"),
        "POST /models/{model_id}/inspections": {"path.model_id": model("submit", "accept")["id"]},
        "POST /models/{model_id}/typical": on(model("submit", "accept", "inspect"), "model_id"),
        "POST /units/{unit_id}/deactivate": on(unit("ch-mo", True), "unit_id"),
        "POST /units/{unit_id}/activate": on(unit("ch-dong", False), "unit_id"),
        "PATCH /periods/{year}": {"path.year": 2026, "header.If-Match": f'"{period["version"]}"', "body.deadline": "2026-12-28"},
    }


def pins_notify(app, ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The seeded delivery the dispatcher gave up on, and the unread notification of Tổ dân phố 1's officer."""
    return {"POST /deliveries/{delivery_id}/retry": {"path.delivery_id": ids["delivery_id"]},
            "POST /inbox/{message_id}/read": {"path.message_id": ids["message_id"]}}


PINS = {"registration": pins_registration, "notify": pins_notify}


def config_file(app, document: dict[str, Any], service: str, tmp_path: Path, ids: dict[str, Any],
                pins: dict[str, dict[str, Any]]) -> Path:
    """schemathesis.toml: per operation, the credential of a caller the access table lets in, the statuses its
    business rules add, and the values pinned for it (drawn as often as generated ones)."""
    table = access.load(service)
    rules = RULES.get(service, {})
    dictionaries = []
    lines = [f"seed = {SEED}", "", "[checks.positive_data_acceptance]",
             f"expected-statuses = {json.dumps(['2xx', '3xx', '401', '403', '404', '409', '429', *POSITIVE_ALSO])}", "",
             "[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(NEGATIVE)}", ""]
    for path, item in document["paths"].items():
        for method in item:
            if method == "parameters":
                continue
            if path == "/feed":
                # a subscriber's key, as the credential of the document's apiKey scheme (else one is generated)
                lines += ["[auth.openapi.apiKey]", f"api_key = {json.dumps(ids['api_keys']['/feed'][0])}", ""]
                continue
            else:
                who = _role_of(table, method.upper(), path)
                if who is None:
                    continue
                headers = Caller(app).headers(*who)
            name = f"{method.upper()} {path}"
            lines += ["[[operations]]", f"include-name = {json.dumps(name)}",
                      "[operations.headers]", *[f"{json.dumps(k)} = {json.dumps(v)}" for k, v in headers.items()], ""]
            if name in rules:
                lines += ["[operations.checks.positive_data_acceptance]", "expected-statuses = " + json.dumps(
                    ["2xx", "3xx", "401", "403", "404", "409", "429", *POSITIVE_ALSO, *rules[name][0]]), ""]
            generation = []
            if name in MULTIPART_TEXT.get(service, set()):
                generation += ['mode = "positive"']
            if name in FEWER_EXAMPLES.get(service, {}):
                generation += [f"max-examples = {FEWER_EXAMPLES[service][name]}"]
            if generation:
                lines += ["[operations.generation]", *generation, ""]
            if name in pins:
                lines += ["[operations.parameters]"]
                for key, value in pins[name].items():
                    dictionary = f"pin-{len(dictionaries) // 3}"
                    dictionaries += [f"[dictionaries.{dictionary}]", f"values = {json.dumps([value])}", ""]
                    lines += [f"{json.dumps(key)} = {{ dictionary = {json.dumps(dictionary)}, probability = {PINNED_PROBABILITY} }}"]
                lines += [""]
    target = tmp_path / "schemathesis.toml"
    target.write_text("\n".join(lines[:1] + [""] + dictionaries + lines[1:]), encoding="utf-8")
    return target


def successes(har: Path, document: dict[str, Any]) -> Counter[str]:
    """How many requests of each operation were answered 2xx, from the run's HAR report."""
    patterns = [(method.upper(), path, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"))
                for path, item in document["paths"].items() for method in item if method != "parameters"]
    counted: Counter[str] = Counter()
    for entry in json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]:
        url = entry["request"]["url"].split("?")[0]
        route = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        if 200 <= entry["response"]["status"] < 300:
            for method, path, pattern in patterns:
                if method == entry["request"]["method"] and pattern.match(route):
                    counted[f"{method} {path}"] += 1
                    break
    return counted


def answers(har: Path) -> dict[str, Counter[int]]:
    found: dict[str, Counter[int]] = {}
    for entry in json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]:
        route = re.sub(r"/[0-9]+", "/{id}", "/" + entry["request"]["url"].split("?")[0].split("/", 3)[3])
        found.setdefault(f"{entry['request']['method']} {route}", Counter())[entry["response"]["status"]] += 1
    return found


@pytest.mark.slow
@pytest.mark.timeout(900)  # registration's run: about 3 minutes alone on 2 cores, past 5 when it shares them
@pytest.mark.parametrize("service", SERVICES)
def test_every_check_of_schemathesis_passes_against_the_service_under_gunicorn(make_service, ward_clock, tmp_path, service):
    app = make_service(service, "postgresql", CLOCK=ward_clock)
    ids = SEEDERS[service](app)
    document = app.test_client().get("/openapi.json").get_json()
    pins = PINS[service](app, ids) if service in PINS else {}
    settings = config_file(app, document, service, tmp_path, ids, pins)
    har = tmp_path / "run.har"
    with gunicorn(service, app.config, tmp_path) as base:
        run = subprocess.run([str(BIN / "st"), "--config-file", str(settings), "run", f"{base}/openapi.json",
                              "--checks", "all", "--phases", "examples,fuzzing,stateful", "--max-examples", str(MAX_EXAMPLES),
                              "--workers", "1", "--suppress-health-check", "too_slow", "--report", "har", "--report-har-path", str(har),
                              "--no-color"],
                             capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = run.stdout[-20000:] + run.stderr[-5000:]
    assert run.returncode == 0, f"schemathesis found failures in {service}:\n{output}"
    counted = successes(har, document)
    statuses = answers(har)
    operations = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item if method != "parameters"}
    never = sorted(operations - set(counted) - NO_SUCCESS_EXPECTED.get(service, set()))
    assert not never, f"operations of {service} that never succeeded in the run: {never}\n" + "\n".join(
        f"{label}: {dict(statuses.get(re.sub(r'{[^}]+}', '{id}', label), {}))}" for label in never)
