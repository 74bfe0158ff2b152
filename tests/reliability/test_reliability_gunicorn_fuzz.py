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
MAX_EXAMPLES = 10  # per operation: about 1½ minutes per service alone on 2 cores
SEED = 20261203
SERVICES = ["notify", "feed", "registration", "reporting", "awards"]
# a role's unit in the seeded ward (Tổ dân phố 1)
UNIT = 12
# Write operations that need what a fuzzer cannot make up (a real file to import): their successes are checked
# elsewhere.
NO_SUCCESS_EXPECTED = {
    "registration": {"POST /units/import"},
    "reporting": {"POST /target-figures/import"},
    # A decision and a proposal letter cite approved nominations as a list of {id, version} objects, which cannot be
    # pinned (schemathesis' dictionaries hold strings and numbers only) and which generation does not hit; the
    # seeding makes one of each (asserted), and services/awards/tests sign them in every way.
    "awards": {"POST /decisions", "POST /proposal-letters"},
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
    "reporting": {
        "PATCH /reports/{report_id}": (("422",), "a model's result cites an accepted model of the unit in the report's year"),
        "POST /reports/{report_id}/submit": (("422",), "a report is sent only with every section written"),
        "POST /reports/{report_id}/files": (("415", "422"), "the file's content is a JPEG, PNG, WebP, PDF, DOCX or XLSX, "
                                                            "and not empty"),
        "PUT /deadlines/{year}/{period}": (("422",), "the due date falls inside the reporting year"),
        # The figures' one rule between fields (a part is never more than its whole: files on time ≤ files resolved,
        # satisfied ≤ surveyed, officials violating ≤ officials) is not JSON Schema's to say, so generated figures
        # may be refused; the parts are pinned to 0 (PINS) so that most requests are accepted, and the success of
        # consistent figures and the refusal of each inconsistent part (nothing stored) are tested by hand in
        # tests/test_bad_input_figures.py.
        "PUT /target-figures/{unit_id}/{year}/{period}": (("422",), "a part of the figures is not more than its whole"),
        "POST /target-figures/import": (("422",), "the file is a CSV or XLSX table of figures"),
    },
    "awards": {
        "POST /catalogue/forms": (("422",), "an award is for individuals, collectives or both"),
        "PATCH /catalogue/forms/{entry_id}": (("422",), "an award is for individuals, collectives or both"),
        "POST /catalogue/titles": (("422",), "a title is for individuals, collectives or both"),
        "PATCH /catalogue/titles/{entry_id}": (("422",), "a title is for individuals, collectives or both"),
        "POST /nominations": (("422",), "an individual nominee has a name; the award exists, is for that kind of "
                                        "nominee and is confirmed; the cited records exist"),
        "PATCH /nominations/{nomination_id}": (("422",), "the same rules as a new nomination's"),
        "POST /nominations/{nomination_id}/review": (("422",), "the council met on or before today"),
        "POST /nominations/{nomination_id}/files": (("415", "422"), "the file's content is a JPEG, PNG, WebP, PDF, "
                                                                    "DOCX or XLSX, and not empty"),
        "POST /decisions": (("422",), "the nominations cited exist and were approved by the council"),
        "POST /proposal-letters": (("422",), "the nominations cited exist and were approved by the council"),
    },
}
# Multipart fields are text: a "boolean" or "number" caption the negative phase makes up arrives as the text "false"
# or "1.5", a valid caption. These operations get schema-valid data only (their refusals of real bad input, an
# unknown file type or a control character in the caption, are tested in the services' own tests).
MULTIPART_TEXT = {"registration": {"POST /models/{model_id}/files", "POST /models/{model_id}/inspections/{inspection_id}/files"},
                  "reporting": {"POST /reports/{report_id}/files"}, "awards": {"POST /nominations/{nomination_id}/files"}}
# Operations whose free-text fields make many long patterns to satisfy at once (a model's nine fields, an
# inspection's findings): fewer examples, so the run stays within a few minutes.
FEWER_EXAMPLES = {"registration": {"POST /models": 4, "PATCH /models/{model_id}": 4, "POST /models/{model_id}/inspections": 4}}
# How often a pinned value (below) is used instead of a generated one.
PINNED_PROBABILITY = 0.5
# Operations with many pins that must all hold at once for a success (the figures' three parts, the unit and the
# period; a nomination's id and its version in If-Match and in the body): each pin more often, so that some requests carry them all.
PINNED_MORE_OFTEN = {"reporting": {"PUT /target-figures/{unit_id}/{year}/{period}": 0.9},
                     "awards": {"PATCH /nominations/{nomination_id}": 0.9}}
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


def pins_reporting(app, ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Tổ dân phố 1's reports and the ward's consolidated reports, one for each state change in the state it starts
    from (each report of a period of its own, as there is one per unit and period), and a due date inside its year."""
    call = Caller(app)
    periods = iter([(year, period) for year in range(2027, 2040) for period in ("six_month", "annual")])
    # every section written, so a report can be submitted
    sections = {"leadership": "Chi bộ ra nghị quyết.", "effectiveness": "Hộ dân đồng thuận.", "good_practices": "Họp tổ mỗi tháng.",
                "difficulties": "Kinh phí ít.", "recommendations": "Hỗ trợ đèn.", "next_direction": "Nhân rộng mô hình."}
    consolidated_periods = iter([(year, period) for year in range(2027, 2040) for period in ("six_month", "annual")])

    def report(submitted: bool = False) -> dict[str, Any]:
        year, period = next(periods)
        made = _succeeded(call("POST", "/reports", "don_vi", UNIT, json={
            "year": year, "period": period, "sections": sections}), 201)
        if submitted:
            made = _succeeded(call("POST", f"/reports/{made['id']}/submit", "don_vi", UNIT, json={}, if_match=made["version"]))
        return made

    def consolidated(*steps: tuple[str, str]) -> dict[str, Any]:
        year, period = next(consolidated_periods)
        made = _succeeded(call("POST", "/consolidated-reports", "vhxh", json={"year": year, "period": period}), 201)
        for action, role in steps:
            made = _succeeded(call("POST", f"/consolidated-reports/{made['id']}/{action}", role, json={}, if_match=made["version"]))
        return made

    def on(record: dict[str, Any], name: str) -> dict[str, Any]:
        return {f"path.{name}": record["id"], "header.If-Match": f'"{record["version"]}"'}

    signing = ("submit-for-signature", "vhxh")
    return {
        "PATCH /reports/{report_id}": on(report(), "report_id"),
        "POST /reports/{report_id}/refresh-models": on(report(), "report_id"),
        "POST /reports/{report_id}/submit": on(report(), "report_id"),
        "POST /reports/{report_id}/files": {"path.report_id": report()["id"]},
        "DELETE /reports/{report_id}/files/{file_id}": {"path.report_id": ids["report_id"], "path.file_id": ids["file_id"]},
        "POST /reports/{report_id}/return": on(report(submitted=True), "report_id"),
        "POST /reports/{report_id}/accept": on(report(submitted=True), "report_id"),
        "PATCH /consolidated-reports/{consolidated_id}": on(consolidated(), "consolidated_id"),
        "POST /consolidated-reports/{consolidated_id}/submit-for-signature": on(consolidated(), "consolidated_id"),
        "POST /consolidated-reports/{consolidated_id}/approve": on(consolidated(signing), "consolidated_id"),
        "POST /consolidated-reports/{consolidated_id}/return": on(consolidated(signing), "consolidated_id"),
        "POST /consolidated-reports/{consolidated_id}/finalise": on(consolidated(signing, ("approve", "lanh_dao")), "consolidated_id"),
        "PUT /deadlines/{year}/{period}": {"path.year": 2026, "path.period": "six_month", "body.due_date": "2026-06-12"},
        # a period of Tổ dân phố 1 with no figures yet: the first figures need no version
        "PUT /target-figures/{unit_id}/{year}/{period}": {"path.unit_id": UNIT, "path.year": 2027, "path.period": "annual",
                                                            "body.files_on_time": 0, "body.satisfied_responses": 0,
                                                            "body.officials_violating": 0},
    }


def pins_awards(app, ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Nominations of Tổ dân phố 1 in each state a step starts from (a draft to edit, propose or attach to, a proposed
    one to review or withdraw, a decided one to revoke, approved ones for a decision and a proposal letter), with their
    versions, and a catalogue entry of each kind at its version."""
    call = Caller(app)
    forms = _succeeded(call("GET", "/catalogue/forms", "admin"))
    titles = _succeeded(call("GET", "/catalogue/titles", "admin"))
    ward_form = next(e for e in forms if e["code"] == "giay-khen-chu-tich-ubnd-phuong")  # confirmed by the seeding
    upper_form = next(e for e in forms if e["code"] == "bang-khen-chu-tich-ubnd-tinh")
    review = {"approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0,
              "minutes": "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026."}

    # one nominee per nomination (the same person proposed twice for one award in a year is a duplicate)
    nominees = iter(["Nguyễn Thị Hòa", "Trần Văn Bình", "Lê Thị Cúc", "Phạm Văn Dũng", "Hoàng Thị Én", "Vũ Văn Giang",
                     "Đặng Thị Hạnh", "Bùi Văn Khoa", "Đỗ Thị Lan", "Ngô Văn Minh"])

    def nomination(*steps: str, form: dict[str, Any] = ward_form) -> dict[str, Any]:
        made = _succeeded(call("POST", "/nominations", "vhxh", json={
            "year": 2026, "nominee_kind": "individual", "unit_id": UNIT, "catalogue": "form", "award_id": form["id"],
            "person_name": next(nominees), "person_position": "Tổ trưởng tổ dân phố",
            "achievements": "Vận động 100% hộ dân tham gia."}), 201)
        for step in steps:
            if step == "propose":
                made = _succeeded(call("POST", f"/nominations/{made['id']}/propose", "vhxh", json={}, if_match=made["version"]))
            elif step == "approve":
                made = _succeeded(call("POST", f"/nominations/{made['id']}/review", "vhxh", json=review, if_match=made["version"]))
            elif step == "decide":
                _succeeded(call("POST", "/decisions", "lanh_dao", json={
                    "nominations": [{"id": made["id"], "version": made["version"]}], "signer_name": "Phạm Quốc Chương"}), 201)
                made = _succeeded(call("GET", f"/nominations/{made['id']}", "vhxh"))
        return made

    def on(record: dict[str, Any], name: str) -> dict[str, Any]:
        return {f"path.{name}": record["id"], "header.If-Match": f'"{record["version"]}"'}

    # the edited draft's award: an entry of its own, so that the fuzzing of the catalogue (which may withdraw an
    # award) leaves it in force
    own_form = _succeeded(call("POST", "/catalogue/forms", "admin", json={
        "name": "Giấy khen của Chủ tịch UBND phường (chuyên đề dân vận)", "granting_level": "phuong",
        "legal_basis": "Luật Thi đua, khen thưởng năm 2022."}), 201)
    draft = nomination(form=own_form)
    with_file = nomination()
    document = _succeeded(call("POST", f"/nominations/{with_file['id']}/files", "vhxh", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "to-trinh.pdf"), "caption": "Tờ trình"}), 201)
    return {
        "PATCH /catalogue/forms/{entry_id}": on(upper_form, "entry_id"),
        "PATCH /catalogue/titles/{entry_id}": on(titles[0], "entry_id"),
        "PATCH /nominations/{nomination_id}": {**on(draft, "nomination_id"), "body.version": draft["version"],
                                               "body.award_id": own_form["id"], "body.catalogue": "form"},
        "POST /nominations/{nomination_id}/propose": on(nomination(), "nomination_id"),
        # a file attached changes the nomination's version: a draft of its own, not the one edited above
        "POST /nominations/{nomination_id}/files": {"path.nomination_id": nomination()["id"]},
        "DELETE /nominations/{nomination_id}/files/{file_id}": {"path.nomination_id": with_file["id"],
                                                               "path.file_id": document["id"]},
        "POST /nominations/{nomination_id}/review": {**on(nomination("propose"), "nomination_id"), "body.meeting_date": "2026-11-28"},
        "POST /nominations/{nomination_id}/withdraw": on(nomination("propose"), "nomination_id"),
        "POST /nominations/{nomination_id}/revoke": on(nomination("propose", "approve", "decide"), "nomination_id"),
    }


PINS = {"registration": pins_registration, "notify": pins_notify, "reporting": pins_reporting, "awards": pins_awards}


def _toml(value: Any) -> str:
    """A value in TOML: as JSON, but an object is an inline table (`{ "id" = 1 }`)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


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
                    dictionaries += [f"[dictionaries.{dictionary}]", f"values = {_toml([value])}", ""]
                    probability = PINNED_MORE_OFTEN.get(service, {}).get(name, PINNED_PROBABILITY)
                    lines += [f"{json.dumps(key)} = {{ dictionary = {json.dumps(dictionary)}, probability = {probability} }}"]
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
