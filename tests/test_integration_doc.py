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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from dvk_platform.bus import Message, create_bus
from dvk_platform.contracts import load_schemas
from dvk_platform.envelope import CloudEvent
from dvk_platform.testing.plugin import bearer
from dvk_platform.worker import build_relay

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "integration.md"
FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def shell_blocks(text: str) -> list[str]:
    return [m.group(1) for m in FENCE.finditer(text)]


def commands(block: str) -> list[str]:
    """The block's commands, continuation lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


class Receiver:
    def __init__(self) -> None:
        self.ids: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                receiver.ids.append(json.loads(self.rfile.read(int(self.headers["Content-Length"])))["id"])
                self.send_response(204)
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

    receiver = Receiver()
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
                computed = next(line for line in done.stdout.splitlines() if line.startswith("sha256="))
                header = next(line for line in done.stdout.splitlines() if line.lower().startswith("x-dvk-signature"))
                assert header.split(":", 1)[1].strip() == computed
    finally:
        receiver.close()
        server.shutdown()
    assert len(ran) == len(shell_blocks(DOC.read_text(encoding="utf-8"))) >= 7
    assert (installed / "dvk-rollup").exists() and (installed / "dvk-subscribe").exists()
    posted = next(command for command in stopped if "--post" in command)
    # the POST example handed on both units' events, once each
    assert len(receiver.ids) == len(set(receiver.ids)) == 2, (receiver.ids, said[posted])
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
