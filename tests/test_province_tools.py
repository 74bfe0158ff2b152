"""The province's tools fail loudly and replay: a dead bootstrap ends `dvk-subscribe` and `dvk-rollup` within the
timeout with exit 69; a mistyped ward is refused by the subscriber, the roll-up, the feed's POST /keys and
`dvk-worker feed-key`; `dvk-worker republish` then `dvk-subscribe --from-beginning` hands every event to an
idempotent receiver, which keeps each one once; reading creates no topic; `dvk-worker seed registration --units`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from kafka import KafkaAdminClient
from sqlalchemy import select

from dvk_core.wards import RegistryError, load_registry
from dvk_platform.tables import audit_log, outbox_messages
from dvk_platform.worker import build_relay
from dvk_subscriber import EXIT_CONFIG, EXIT_UNAVAILABLE, EXIT_USAGE, default_topics
from dvk_testing.plugin import bearer

ROOT = Path(__file__).resolve().parents[1]


def run(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=timeout,
                          check=False, env={**os.environ, **(env or {})})


# --- failing loudly ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["dvk_subscriber", "dvk_subscriber.rollup"])
def test_a_dead_bootstrap_fails_within_the_timeout_with_exit_69(module):
    args = ["--bootstrap", "127.0.0.1:1", "--connect-timeout", "3"] + (["--group", "tinh"] if module.endswith("subscriber") else [])
    started = time.monotonic()
    done = run(module, *args, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == EXIT_UNAVAILABLE == 69, done.stderr
    # the 3 s wait plus starting Python; a subscriber that retried forever would have been killed at 120 s
    assert elapsed < 60
    last = json.loads(done.stderr.splitlines()[-1])
    assert last["subscriber"] == "unreachable" and last["timeout_seconds"] == 3
    assert "Không kết nối được Kafka tại 127.0.0.1:1 trong 3 giây" in last["error"] and "Cannot reach Kafka" in last["error"]
    assert not done.stdout


def test_a_mistyped_ward_is_refused_by_subscriber_and_rollup_with_the_known_codes():
    for module, extra in (("dvk_subscriber", ["--group", "tinh"]), ("dvk_subscriber.rollup", [])):
        done = run(module, "--bootstrap", "127.0.0.1:1", *extra, "--ward", "minh-xuan", "--ward", "an-phuu")
        assert done.returncode == EXIT_USAGE, (module, done.stderr)
        assert "Mã phường không có trong danh sách phường của tỉnh: an-phuu." in done.stderr
        assert "minh-xuan (Phường Minh Xuân), an-phu (Phường An Phú)" in done.stderr
        assert "Cannot reach" not in done.stderr  # refused before any connection


def test_the_registry_file_is_validated_with_a_clear_error(tmp_path):
    good = tmp_path / "phuong.csv"
    good.write_text("code,name,expected_units\nphu-hoi,Phường Phú Hội,12\nvinh-ninh,Phường Vĩnh Ninh,9\n", encoding="utf-8")
    registry = load_registry(good)
    assert [(w.code, w.name, w.expected_units) for w in registry] == [("phu-hoi", "Phường Phú Hội", 12),
                                                                      ("vinh-ninh", "Phường Vĩnh Ninh", 9)]
    cases = {
        "wards:\n  - {code: Minh Xuan, name: X, expected_units: 3}\n": "mã phường 'Minh Xuan' không hợp lệ",
        "wards:\n  - {code: a, name: A, expected_units: 3}\n  - {code: a, name: B, expected_units: 1}\n": "xuất hiện hai lần",
        "wards:\n  - {code: a, name: A, expected_units: ba}\n": "expected_units phải là số nguyên không âm",
        "wards:\n  - {code: a, expected_units: 3}\n": "phường a thiếu tên",
        "phuong: []\n": "cần khóa 'wards'",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.yaml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(RegistryError, match=message):
            load_registry(bad)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("ma,ten\nx,y\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="thiếu cột code, expected_units, name"):
        load_registry(bad_csv)
    done = run("dvk_subscriber", "--bootstrap", "127.0.0.1:1", "--group", "g", "--wards-file", str(bad))
    assert done.returncode == EXIT_CONFIG and "bad.yaml" in done.stderr


# --- the feed's keys --------------------------------------------------------------------------------------


def worker_env(app, **more: str) -> dict[str, str]:
    cfg = app.config
    env = {"DVK_DATABASE_URL": cfg["DATABASE_URL"], "DVK_BUS": cfg["BUS"], "DVK_TOPIC_PREFIX": cfg["TOPIC_PREFIX"],
           "DVK_WARD_CODE": cfg["WARD_CODE"], "DVK_EMBEDDED_BUS_PATH": cfg["EMBEDDED_BUS_PATH"], **more}
    if cfg["BUS"] == "kafka":
        env["DVK_KAFKA_BOOTSTRAP"] = cfg["KAFKA_BOOTSTRAP"]
    return env


def test_feed_keys_by_command_audited_and_unknown_wards_refused(make_service):
    feed = make_service("feed", "postgresql")
    client = feed.test_client()
    refused = client.post("/keys", json={"subscriber": "Văn phòng UBND tỉnh", "wards": ["minh-xuan", "an-phuu"]},
                          headers=bearer(feed, "admin"))
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    problem = refused.get_json()
    assert problem["title"] == "Mã phường không có trong danh sách phường của tỉnh."
    assert problem["unknown"] == ["an-phuu"] and {"minh-xuan", "an-phu"} <= set(problem["known"])
    assert "an-phu (Phường An Phú)" in problem["detail"]
    env = worker_env(feed)

    typo = run("dvk_platform.worker", "feed-key", "feed", "issue", "--subscriber", "LGSP", "--ward", "an-phuu", env=env)
    assert typo.returncode == 1 and "an-phuu" in typo.stderr and "minh-xuan (Phường Minh Xuân)" in typo.stderr
    issued = run("dvk_platform.worker", "feed-key", "feed", "issue", "--subscriber", "Văn phòng UBND tỉnh — LGSP",
                 "--ward", "minh-xuan", "--ward", "an-phu", "--note", "cấp theo công văn 12", env=env)
    assert issued.returncode == 0, issued.stderr
    key = json.loads(issued.stdout)
    assert key["api_key"].startswith("dvkf_") and len(key["signing_secret"]) == 64 and key["wards"] == ["an-phu", "minh-xuan"]
    page = client.get("/feed", headers={"X-API-Key": key["api_key"]})
    assert page.status_code == 200 and page.get_json()["events"] == []

    listed = run("dvk_platform.worker", "feed-key", "feed", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    shown = json.loads(listed.stdout)
    assert [k["id"] for k in shown] == [key["id"]] and "api_key" not in shown[0] and "signing_secret" not in shown[0]
    assert key["api_key"] not in listed.stdout

    revoked = run("dvk_platform.worker", "feed-key", "feed", "revoke", str(key["id"]), env=env)
    assert revoked.returncode == 0, revoked.stderr and json.loads(revoked.stdout)["revoked_at"]
    assert client.get("/feed", headers={"X-API-Key": key["api_key"]}).status_code == 401
    again = run("dvk_platform.worker", "feed-key", "feed", "revoke", str(key["id"]), env=env)
    assert again.returncode == 1 and "Khóa API đã bị thu hồi." in again.stderr

    with feed.extensions["dvk_db"].engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.entity == "api_keys").order_by(audit_log.c.id)).mappings().all()
    assert [r["action"] for r in rows] == ["insert", "update"]
    assert all(r["actor_id"].startswith("dvk-worker feed-key:") and r["actor_role"] == "admin" for r in rows)
    assert key["api_key"] not in json.dumps([dict(r) for r in rows], default=str)


# --- replay -----------------------------------------------------------------------------------------------


class IdempotentReceiver:
    """A provincial endpoint that keeps each event once by its id and counts what it was handed."""

    def __init__(self) -> None:
        self.deliveries: list[str] = []
        self.kept: dict[str, dict[str, Any]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                doc = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.deliveries.append(doc["id"])
                receiver.kept.setdefault(doc["id"], doc)
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


@pytest.mark.slow
def test_republish_then_subscribe_from_the_beginning_hands_every_event_once_to_an_idempotent_receiver(
        make_service, kafka_server, topic_prefix):
    kafka = {"BUS": "kafka", "KAFKA_BOOTSTRAP": kafka_server.bootstrap, "KAFKA_PARTITIONS": 3}
    registration = make_service("registration", "postgresql", WARD_CODE="minh-xuan", **kafka)
    client = registration.test_client()
    since = datetime.now(UTC) - timedelta(seconds=5)
    for n in range(1, 6):
        created = client.post("/units", json={"code": f"tdp-{n}", "name": f"Tổ dân phố {n}", "kind": "to_dan_pho"},
                              headers=bearer(registration, "admin"))
        assert created.status_code == 201, created.get_json()
    relay = build_relay(registration)
    try:
        assert relay.publish_pending() == 5
    finally:
        relay.bus.close()
    with registration.extensions["dvk_db"].engine.connect() as conn:
        ids = set(conn.scalars(select(outbox_messages.c.id)))
    assert len(ids) == 5

    receiver = IdempotentReceiver()
    group = f"{topic_prefix}tinh-lgsp"
    subscribe = ["--bootstrap", kafka_server.bootstrap, "--group", group, "--topic-prefix", topic_prefix,
                 "--ward", "minh-xuan", "--post", receiver.url, "--stop-after-idle", "3"]
    try:
        first = run("dvk_subscriber", *subscribe)
        assert first.returncode == 0, first.stderr
        assert sorted(receiver.deliveries) == sorted(ids)
        # a province that lost the topic's retention asks the ward to publish again: the same events, same ids
        republished = run("dvk_platform.worker", "republish", "registration", "--since", since.isoformat(),
                          env=worker_env(registration))
        assert republished.returncode == 0, republished.stderr
        assert "Đã gửi lại 5 sự kiện của registration" in republished.stdout
        # the group has committed everything; --from-beginning reads the topic again: 5 original + 5 republished
        again = run("dvk_subscriber", *subscribe, "--from-beginning")
        assert again.returncode == 0, again.stderr
        assert len(receiver.deliveries) == 5 + 10
        assert sorted(receiver.kept) == sorted(ids) and all(receiver.deliveries.count(i) == 3 for i in ids)
        stopped = json.loads(again.stderr.splitlines()[-1])
        assert stopped["subscriber"] == "stopped" and stopped["delivered"] == 10
        # without a reset the group goes on from its commits: nothing more
        plain = run("dvk_subscriber", *subscribe)
        assert plain.returncode == 0 and json.loads(plain.stderr.splitlines()[-1])["delivered"] == 0
        # --reset-to a moment after everything: nothing; to `since`: all ten records again
        later = run("dvk_subscriber", *subscribe, "--reset-to", (datetime.now(UTC) + timedelta(hours=1)).isoformat())
        assert later.returncode == 0 and json.loads(later.stderr.splitlines()[-1])["delivered"] == 0
        back = run("dvk_subscriber", *subscribe, "--reset-to", since.isoformat())
        assert back.returncode == 0 and json.loads(back.stderr.splitlines()[-1])["delivered"] == 10
    finally:
        receiver.close()
    assert sorted(receiver.kept) == sorted(ids)

    # reading every dvk.* topic created none: only the relay's own topic exists under this prefix
    admin = KafkaAdminClient(bootstrap_servers=kafka_server.bootstrap, request_timeout_ms=10_000)
    try:
        topics = {t for t in admin.list_topics() if t.startswith(topic_prefix)}
    finally:
        admin.close()
    assert topics == {f"{topic_prefix}dvk.registration"}
    assert not any("No partition metadata" in line for line in first.stderr.splitlines())
    missing = [json.loads(line) for line in first.stderr.splitlines() if '"missing-topics"' in line]
    assert missing and set(missing[0]["topics"]) == set(default_topics(topic_prefix)) - topics


# --- seeds per ward ---------------------------------------------------------------------------------------


def test_seed_registration_with_a_wards_own_units(make_service, tmp_path):
    registration = make_service("registration", "sqlite", WARD_CODE="an-phu")
    env = worker_env(registration, DVK_WARD_CODE="an-phu")
    sheet = tmp_path / "don-vi-an-phu.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"])
    book.active.append(["kp-1", "Khu phố 1", "Tổ dân phố"])
    book.active.append(["kp-2", "Khu phố 2", "Tổ dân phố"])
    book.active.append(["ca-phuong", "Công an phường An Phú", "Công an"])
    book.save(sheet)
    done = run("dvk_platform.worker", "seed", "registration", "--units", str(sheet), env=env)
    assert done.returncode == 0, done.stderr
    assert "Đã thêm 3 đơn vị, giữ nguyên 0 đơn vị đã có." in done.stdout
    again = run("dvk_platform.worker", "seed", "registration", "--units", str(sheet), env=env)
    assert again.returncode == 0 and "Đã thêm 0 đơn vị, giữ nguyên 3 đơn vị đã có." in again.stdout
    units = registration.test_client().get("/units", headers=bearer(registration, "admin")).get_json()
    items = units["items"] if isinstance(units, dict) else units
    assert sorted(u["code"] for u in items) == ["ca-phuong", "kp-1", "kp-2"]
    assert not any(u["code"].startswith("tdp-") for u in items)  # not Minh Xuân's demo units

    wrong = tmp_path / "sai.csv"
    wrong.write_text("Mã đơn vị,Tên đơn vị,Loại đơn vị\nkp-3,Khu phố 3,Tổ dân phố\nkp-4,,Không biết\n", encoding="utf-8")
    refused = run("dvk_platform.worker", "seed", "registration", "--units", str(wrong), env=env)
    assert refused.returncode == 1 and "dòng 3" in refused.stderr
    units = registration.test_client().get("/units", headers=bearer(registration, "admin")).get_json()
    assert len(units["items"] if isinstance(units, dict) else units) == 3  # all or nothing: kp-3 not added
    other = run("dvk_platform.worker", "seed", "reporting", "--units", str(sheet), env=env)
    assert other.returncode == 2 and "--units" in other.stderr
