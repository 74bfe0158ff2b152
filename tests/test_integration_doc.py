"""docs/integration.md walked as written: every fenced `sh` block runs, against the test broker, a ward's
registration service and a feed served over HTTP, with the documented addresses replaced by the test's, and
exits 0. The tools are installed as the document says (the platform package alone, in a fresh virtualenv), and
`dvk-subscribe`/`dvk-rollup` run from that installation."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent
from dvk_core.webhooks import new_secret, signed_headers
from dvk_platform.bus import Message, create_bus
from dvk_platform.worker import build_relay
from dvk_testing.plugin import bearer

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "integration.md"
FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
PYTHON = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def documented_verification() -> Any:
    """The document's standard-library verification, run as written: its `verified` function (with its own
    store of seen ids)."""
    [block] = [b for b in PYTHON.findall(DOC.read_text(encoding="utf-8")) if "def verified(" in b]
    namespace: dict[str, Any] = {}
    exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the document's own example
    return namespace["verified"]


def shell_blocks(text: str) -> list[str]:
    return [m.group(1) for m in FENCE.finditer(text)]


def commands(block: str) -> list[str]:
    """The block's commands, continuation lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


class Receiver:
    """The province's endpoint, checking every POST with the document's own verification."""

    def __init__(self, secret: str) -> None:
        self.ids: list[str] = []
        self.refused = 0
        receiver, verified = self, documented_verification()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if verified(body, self.headers, [secret]):
                    receiver.ids.append(json.loads(body)["id"])
                    self.send_response(204)
                else:
                    receiver.refused += 1
                    self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/dvk/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_every_documented_command_is_found():
    everything = [c for block in shell_blocks(DOC.read_text(encoding="utf-8")) for c in commands(block)]
    programs = {c.split()[0] for c in everything}
    assert {"dvk-subscribe", "dvk-rollup", "dvk-worker", "curl", "python3"} <= programs
    assert any("--from-beginning" in c for c in everything) and any("republish" in c for c in everything)
    assert not any("examples/province_rollup.py" in c for c in everything)


def test_the_documented_verification_refuses_a_replay_a_stale_message_and_a_tampered_body():
    verified = documented_verification()
    secret = new_secret()
    body = json.dumps({"id": str(uuid.uuid4()), "type": "vn.dvk.awards.award-decided.v1", "data": {"đơn vị": "Tổ 12"}},
                      ensure_ascii=False).encode()
    message_id = str(uuid.uuid4())
    headers = signed_headers(body, [secret], message_id=message_id)
    assert verified(body, headers, [secret]) is True
    assert verified(body, headers, [secret]) is False  # the same webhook-id again: a replay
    assert verified(body, signed_headers(body, [secret], message_id=message_id), [secret]) is False  # re-signed, same id
    stale = signed_headers(body, [secret], message_id=str(uuid.uuid4()), now=datetime.now(UTC) - timedelta(minutes=10))
    assert verified(body, stale, [secret]) is False
    fresh = signed_headers(body, [secret], message_id=str(uuid.uuid4()))
    assert verified(body.replace("Tổ 12".encode(), "Tổ 13".encode()), fresh, [secret]) is False  # tampered
    assert verified(body, fresh, [new_secret()]) is False  # not signed with the receiver's secret
    assert verified(body, fresh, [secret]) is True  # refusals took nothing away from the genuine message
    # rotation: a message signed with the new and the old secret passes a receiver holding either
    old, new = "khoa-cu-cua-tinh-2026", new_secret()
    both = signed_headers(body, [new, old], message_id=str(uuid.uuid4()))
    assert verified(body, both, [old]) is True
    assert verified(body, {**both, "webhook-id": str(uuid.uuid4())}, [new]) is False  # the id is signed too
    assert int(both["webhook-timestamp"]) <= time.time()


@pytest.mark.slow
def test_integration_doc_walked_as_written(make_service, kafka_server, topic_prefix, tmp_path):
    if not (shutil.which("curl") and shutil.which("openssl")):
        pytest.fail("curl and openssl are needed to walk the document (scripts/system-deps.sh installs them)")
    kafka = {"BUS": "kafka", "KAFKA_BOOTSTRAP": kafka_server.bootstrap, "KAFKA_PARTITIONS": 3}
    registration = make_service("registration", "postgresql", WARD_CODE="minh-xuan", **kafka)
    for n in (1, 2):
        answer = registration.test_client().post("/units", json={"code": f"tdp-{n}", "name": f"Tổ dân phố {n}",
                                                                 "kind": "to_dan_pho"}, headers=bearer(registration, "admin"))
        assert answer.status_code == 201
    relay = build_relay(registration)
    try:
        assert relay.publish_pending() == 2
    finally:
        relay.bus.close()
    feed = make_service("feed", "sqlite")
    key = feed.test_client().post("/keys", json={"subscriber": "Thử tài liệu", "wards": ["*"]},
                                  headers=bearer(feed, "admin")).get_json()
    server = make_server("127.0.0.1", 0, feed, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # `make run`'s embedded log, where the document's embedded example reads it
    work = tmp_path / "work"
    (work / "var").mkdir(parents=True)
    data = load_schemas()["vn.dvk.registration.unit-created.v1"]["examples"][0]
    event = CloudEvent(type="vn.dvk.registration.unit-created.v1", source="/wards/minh-xuan/registration",
                       subject="1", ward="minh-xuan", data=data)
    embedded = create_bus({"BUS": "embedded", "EMBEDDED_BUS_PATH": str(work / "var" / "bus.db")})
    embedded.publish(f"{topic_prefix}dvk.registration", [Message(b"1", event.value(), event.headers())])  # the walk's DVK_TOPIC_PREFIX
    embedded.close()

    # the release's source tree, where the document's installation runs (nothing is built inside the checkout)
    release = tmp_path / "release"
    junk = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests")
    for part in ("libs", "requirements", "contracts"):
        shutil.copytree(ROOT / part, release / part, ignore=junk)

    receiver = Receiver(key["signing_secret"])
    home = tmp_path / "home"
    home.mkdir()
    installed = home / ".venvs" / "dvk" / "bin"
    project_bin = Path(sys.executable).parent
    base_env = {
        **os.environ, "HOME": str(home), "PIP_CACHE_DIR": os.path.expanduser("~/.cache/pip"),
        "DVK_TOPIC_PREFIX": topic_prefix, "DVK_CONTRACTS_DIR": str(release / "contracts"),
        "LGSP_TOKEN": "thu-tai-lieu", "SECRET": key["signing_secret"], "KEY": key["api_key"], "CURSOR": "0",
        "DVK_BUS": "kafka", "DVK_KAFKA_BOOTSTRAP": kafka_server.bootstrap, "DVK_WARD_CODE": "minh-xuan",
    }
    databases = {"registration": registration.config["DATABASE_URL"], "feed": feed.config["DATABASE_URL"]}
    substitutions = {"kafka.tinh.gov.vn:9092": kafka_server.bootstrap, "https://lgsp.tinh.gov.vn/dvk/events": receiver.url,
                     "https://dvk.tinh.gov.vn": f"http://127.0.0.1:{server.server_port}"}
    ran: list[str] = []
    stopped: dict[str, dict] = {}  # each dvk-subscribe run's closing counts, by its command
    said: dict[str, str] = {}  # what each block wrote on stderr, for the assertions' messages
    try:
        for block in shell_blocks(DOC.read_text(encoding="utf-8")):
            script_lines = []
            for command in commands(block):
                for documented, here in substitutions.items():
                    command = command.replace(documented, here)
                if command.startswith("dvk-subscribe") and "--stop-after-idle" not in command:
                    command += " --stop-after-idle 3"  # a subscriber runs until stopped; the walk stops it when idle
                script_lines.append(command)
            env = dict(base_env)
            worker = re.search(r"dvk-worker [\w-]+ (\w+)", block)
            if worker:  # a ward's operator runs dvk-worker with that service's settings, from the project
                env["DVK_DATABASE_URL"] = databases[worker.group(1)]
                env["PATH"] = f"{project_bin}:{env['PATH']}"
            else:  # the province's tools, from the installation the document describes
                env["PATH"] = f"{installed}:{project_bin}:{env['PATH']}"
            cwd = release if "./libs" in block else work
            script = "set -euo pipefail\n" + "\n".join(script_lines) + "\n"
            done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=600, check=False)
            assert done.returncode == 0, f"{script}\nexit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            ran.append(script)
            runs = [c for c in script_lines if c.startswith("dvk-subscribe")]
            counts = [json.loads(line) for line in done.stderr.splitlines() if line.startswith('{"subscriber": "stopped"')]
            assert len(counts) == len(runs), done.stderr[-3000:]
            stopped.update(zip(runs, counts, strict=True))
            said.update(dict.fromkeys(runs, done.stderr[-3000:]))
            if "openssl dgst" in script:  # the shell check of the signature: the computed one is the header's
                computed = next(line for line in done.stdout.splitlines() if line.startswith("v1,"))
                header = next(line for line in done.stdout.splitlines() if line.lower().startswith("webhook-signature"))
                assert computed in header.split(":", 1)[1].split(), (computed, header)
    finally:
        receiver.close()
        server.shutdown()
    assert len(ran) == len(shell_blocks(DOC.read_text(encoding="utf-8"))) >= 7
    assert (installed / "dvk-rollup").exists() and (installed / "dvk-subscribe").exists()
    posted = next(command for command in stopped if "--post" in command)
    # the POST example handed on both units' events, once each
    assert len(receiver.ids) == len(set(receiver.ids)) == 2 and receiver.refused == 0, (receiver.ids, said[posted])
    for command, counts in stopped.items():
        if "--post" in command:  # the ward's two units, each handed on once
            assert (counts["received"], counts["delivered"]) == (2, 2), said[command]
        elif "--type" in command:  # units are neither models nor reports: read and passed over
            assert (counts["received"], counts["filtered"], counts["delivered"]) == (2, 2, 0), said[command]
        elif "--embedded" in command:  # `make run`'s log holds the one event written there
            assert counts["delivered"] == 1, said[command]
        else:  # --from-beginning and --reset-to read the committed group's events again
            assert counts["delivered"] == 2, said[command]
    assert len(stopped) == 5  # every dvk-subscribe command of the document ran (and said how it ended)
    rolled = json.loads((work / "tong-hop-2026.json").read_text(encoding="utf-8"))
    by_code = {w["code"]: w for w in rolled["wards"]}
    assert by_code["minh-xuan"]["name"] == "Phường Minh Xuân" and by_code["minh-xuan"]["units_active"] == 2
    assert by_code["an-phu"]["has_data"] is False  # a ward of the registry that published nothing is still shown
    assert (work / "tong-hop-2026.xlsx").stat().st_size > 0
