"""Signed messages (Standard Webhooks, dvk_core.webhooks) as the province's receiver meets them: the reference
receiver of dvk_subscriber, served over real HTTP, takes a fresh signed message once and refuses a replay
(same webhook-id), a stale one (signed ten minutes ago), a tampered body and a wrong secret; it remembers the ids it
took across a restart; secrets rotate with overlap.
(tests/fast/test_signing_in_one_module.py: the HMAC is computed in one module of the platform.)"""
from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook
from werkzeug.serving import make_server

from dvk_core import webhooks
from dvk_subscriber import HttpSink, Receiver

ROOT = Path(__file__).resolve().parents[1]
SECRET = webhooks.new_secret()


def event(n: int = 1) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "type": "vn.dvk.registration.unit-created.v1",
            "source": "/wards/minh-xuan/registration", "subject": str(n), "ward": "minh-xuan",
            "data": {"unit_id": n, "name": f"Tổ dân phố {n}"}}


class Served:
    """The reference receiver on a real port; `taken` is what it handed on."""

    def __init__(self, secrets: list[str], seen_ids: Path | None = None, fail: int = 0) -> None:
        self.taken: list[dict[str, Any]] = []
        self.fail = fail

        def handle(doc: dict[str, Any]) -> None:
            if self.fail:
                self.fail -= 1
                raise RuntimeError("kho lưu trữ của bên nhận đang bận")
            self.taken.append(doc)

        self.server = make_server("127.0.0.1", 0, Receiver(secrets, handle, seen_ids=str(seen_ids) if seen_ids else None),
                                  threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/dvk/su-kien"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def post(self, body: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(self.url, data=body, headers={"Content-Type": "application/cloudevents+json", **headers},
                             timeout=10)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(tmp_path) -> Iterator[Served]:
    served = Served([SECRET], tmp_path / "webhook-ids.db")
    yield served
    served.close()


def signed(doc: dict[str, Any], secrets: list[str] | None = None, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return body, webhooks.signed_headers(body, secrets or [SECRET], message_id=doc["id"], now=now)


def test_a_fresh_message_is_taken_once_and_its_replay_is_refused(receiver):
    doc = event()
    body, headers = signed(doc)
    first = receiver.post(body, headers)
    assert first.status_code == 204
    replay = receiver.post(body, headers)  # captured and sent again, byte for byte
    assert replay.status_code == 409 and replay.headers["Content-Type"] == "application/problem+json"
    assert replay.json()["type"] == "urn:dvk:problem:webhook-replayed" and "đã được nhận" in replay.json()["title"]
    # the same id signed afresh (a new timestamp) is still the same message: refused too
    again = receiver.post(*signed(doc))
    assert again.status_code == 409
    assert receiver.taken == [doc]


def test_a_stale_a_future_a_tampered_and_a_foreign_message_are_refused(receiver):
    ten_minutes = timedelta(minutes=10)
    stale = receiver.post(*signed(event(), now=datetime.now(UTC) - ten_minutes))
    assert stale.status_code == 401 and stale.json()["type"] == "urn:dvk:problem:webhook-stale"
    assert "lệch quá 5 phút" in stale.json()["title"]
    ahead = receiver.post(*signed(event(), now=datetime.now(UTC) + ten_minutes))
    assert ahead.status_code == 401 and ahead.json()["type"] == "urn:dvk:problem:webhook-stale"
    body, headers = signed(event(2))
    tampered = body.replace(b'"unit_id":2', b'"unit_id":3')
    assert tampered != body
    refused = receiver.post(tampered, headers)
    assert refused.status_code == 401 and refused.json()["type"] == "urn:dvk:problem:webhook-bad-signature"
    foreign = receiver.post(*signed(event(), secrets=[webhooks.new_secret()]))
    assert foreign.status_code == 401 and foreign.json()["type"] == "urn:dvk:problem:webhook-bad-signature"
    unsigned = receiver.post(body, {})
    assert unsigned.status_code == 401 and unsigned.json()["type"] == "urn:dvk:problem:webhook-missing-headers"
    assert receiver.taken == []
    # the untampered original is still taken: refusals record no id
    assert receiver.post(body, headers).status_code == 204 and len(receiver.taken) == 1


def test_a_restarted_receiver_still_refuses_the_ids_of_the_window(tmp_path):
    store = tmp_path / "webhook-ids.db"
    doc = event()
    body, headers = signed(doc)
    before = Served([SECRET], store)
    try:
        assert before.post(body, headers).status_code == 204
    finally:
        before.close()
    after = Served([SECRET], store)  # a new process, the same file
    try:
        assert after.post(body, headers).status_code == 409
        assert after.taken == []
        assert after.post(*signed(event(2))).status_code == 204
    finally:
        after.close()


def test_a_message_the_receiver_failed_to_store_is_taken_on_the_senders_retry(tmp_path):
    served = Served([SECRET], tmp_path / "ids.db", fail=1)
    doc = event()
    try:
        assert served.post(*signed(doc)).status_code == 500
        assert served.post(*signed(doc)).status_code == 204  # the retry: the failed attempt left no id behind
        assert served.taken == [doc]
    finally:
        served.close()


def test_secrets_rotate_with_overlap():
    old, new = "khoa-cu-cua-tinh-2026", webhooks.new_secret()
    doc = event()
    body, headers = signed(doc, secrets=[new, old])  # the sender signs with both while the overlap lasts
    assert len(headers["webhook-signature"].split(" ")) == 2
    for knows in ([old], [new], [old, new]):  # a receiver not yet switched over, one switched, one in between
        webhooks.Verifier(knows).verify(headers, body)
    only_old = signed(event(), secrets=[old])
    webhooks.Verifier([old, new]).verify(only_old[1], only_old[0])  # the receiver holds both during its switch
    with pytest.raises(webhooks.Unverified):
        webhooks.Verifier([new]).verify(only_old[1], only_old[0])
    # a secret given before the whsec_ form is its UTF-8 bytes: a Standard Webhooks library takes it in that form
    Webhook(webhooks.standard_form(old)).verify(body, headers, json_parse=False)


def test_the_reference_subscriber_posts_signed_and_takes_409_as_already_received(receiver):
    docs = [event(1), event(2)]
    sink = HttpSink(receiver.url, secrets=[SECRET], backoff=0.01, max_backoff=0.02, err=io.StringIO())
    for doc in docs:
        sink(doc)
    sink(docs[0])  # handed on again after a crash before its commit: the receiver has it already
    assert receiver.taken == docs and sink.attempts == 3


def test_the_memory_store_is_bounded_and_forgets_expired_ids():
    store = webhooks.MemorySeenIds(limit=3)
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert all(store.add(f"id-{n}", later) for n in range(5))
    assert not store.add("id-4", later) and store.add("id-0", later)  # the oldest went once it was full
    roomy = webhooks.MemorySeenIds()
    assert roomy.add("het-han", datetime.now(UTC) - timedelta(seconds=1)) and roomy.add("moi", later)
    assert roomy.add("het-han", later)  # its window had passed: forgotten (its timestamp is refused as stale anyway)
    assert not roomy.add("moi", later)
