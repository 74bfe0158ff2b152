"""The access matrix: every endpoint × credential gives the status in security/access/feed.md.

Service tokens (the gateway's, per signed-in user) manage keys and read the audit log; API keys (the subscribers')
read the feed. The feed holds one event of Minh Xuân and one of An Phú; the GET /feed row asks for Minh Xuân's.
"""
from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent
from dvk_core.webhooks import Unverified, Verifier
from dvk_testing import access
from dvk_testing.plugin import bearer
from feed import services

THIS, OTHER = "minh-xuan", "an-phu"
TABLE = access.load("feed")  # security/access/feed.md
ROLES = {"admin": ("admin", None), "vhxh": ("vhxh", None), "lanh_dao": ("lanh_dao", None), "giam_sat": ("giam_sat", None),
         "don_vi": ("don_vi", 12)}
KEYS = {"key:this-ward": [THIS], "key:all-wards": ["*"], "key:other-ward": [OTHER], "key:revoked": [THIS]}
TYPE = "vn.dvk.registration.model-submitted.v1"

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"])


def ward_event(ward: str) -> CloudEvent:
    data = {**load_schemas()[TYPE]["examples"][0], "unit_id": 12}
    return CloudEvent(type=TYPE, source=f"/wards/{ward}/registration", subject="7", ward=ward, data=data)


class Target:
    """The feed's events, one key per key column, and for each call a fresh record in the state it acts on."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self.counter = itertools.count(1)
        self.issued: list[dict] = []  # every key issued, for the check that the audit log shows none of them
        self.events = {ward: ward_event(ward) for ward in (THIS, OTHER)}
        with app.extensions["dvk_db"].transaction() as session:
            for event in self.events.values():
                services.store_event(session, event)
        self.keys = {column: self.issue(wards) for column, wards in KEYS.items()}
        revoked = self.http("POST", f"/keys/{self.keys['key:revoked']['id']}/revoke", "admin", json={},
                            if_match=self.keys["key:revoked"]["version"])
        assert revoked.status_code == 200, revoked.get_json()

    def issue(self, wards: list[str]) -> dict:
        response = self.http("POST", "/keys", "admin", json=self.key_body(wards))
        assert response.status_code == 201, response.get_json()
        self.issued.append(response.get_json())
        return response.get_json()

    def key_body(self, wards: list[str]) -> dict:
        return {"subscriber": f"Hệ thống cấp trên thử {next(self.counter)}", "wards": wards}

    def http(self, method: str, path: str, caller: str | None, json: Any = None, if_match: int | None = None) -> Any:
        headers = {}
        if caller in ROLES:
            role, unit = ROLES[caller]
            headers.update(bearer(self.app, role, unit, user_id=f"{role}-{unit or 0}", name=f"Cán bộ {role}"))
        elif caller is not None:
            headers["Authorization"] = f"ApiKey {self.keys[caller]['api_key']}"
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return self.client.open(path, method=method, json=json, headers=headers)

    def request(self, endpoint: str) -> tuple[str, str, dict[str, Any]]:
        method, template = endpoint.split(" ")
        kwargs: dict[str, Any] = {}
        if "{active}" in template:
            key = self.issue([THIS])
            template = template.replace("{active}", str(key["id"]))
            kwargs["if_match"] = key["version"]
        if endpoint == "GET /feed":
            template += f"?ward={THIS}"
        if endpoint == "POST /keys":
            kwargs["json"] = self.key_body([THIS])
        elif method == "POST":
            kwargs["json"] = {}
        return method, template, kwargs


def what_leaked(target: Target, endpoint: str, caller: str, response: Any) -> str | None:
    """A feed page holds this ward's event and nothing else, signed with the caller's key; key lists and the audit
    log show no key, no key's hash and no signing secret."""
    body = response.get_json()
    if endpoint == "GET /feed":
        wards = [event["ward"] for event in body["events"]]
        secret = target.keys[caller]["signing_secret"]
        if wards != [THIS] or body["events"][0]["id"] != target.events[THIS].id:
            return f"page holds events of {wards}"
        try:
            Verifier([secret]).verify(dict(response.headers), response.data)
        except Unverified:
            return "page not signed with the key's secret"
    elif endpoint == "GET /keys" and any("api_key" in key or "signing_secret" in key for key in body):
        return "a key or signing secret is listed"
    elif endpoint == "GET /audit":
        text = response.get_data(as_text=True)
        if {entry["entity"] for entry in body["items"]} != {"api_keys"}:
            return f"the log holds {body['items']!r}, not the keys issued and revoked"
        for key in target.issued:
            if any(secret in text for secret in (key["api_key"], key["signing_secret"], services.hash_key(key["api_key"]))):
                return f"key {key['id']}: its key, hash or signing secret is in the log"
    return None


def test_every_endpoint_and_credential_gets_the_expected_status(app):
    target = Target(app)

    def ask(endpoint: str, caller: str):
        method, path, kwargs = target.request(endpoint)
        return target.http(method, path, caller, **kwargs)

    def gives_nothing_away(endpoint: str, caller: str, got) -> str | None:
        if got.status_code >= 400:
            if got.mimetype != "application/problem+json" or "events" in got.get_json():
                return "the refusal is not a bare problem"
            return None
        return what_leaked(target, endpoint, caller, got)

    assert access.mismatches(TABLE, ask, gives_nothing_away) == []
    assert len(TABLE.rows) * len(TABLE.callers) == 54
    assert set(TABLE.callers) == set(ROLES) | set(KEYS)


def test_a_key_of_another_ward_reads_none_of_this_wards_events_without_a_filter_either(app):
    target = Target(app)
    response = target.http("GET", "/feed", "key:other-ward")
    assert response.status_code == 200
    assert [(event["ward"], event["id"]) for event in response.get_json()["events"]] == [(OTHER, target.events[OTHER].id)]
    assert target.http("GET", "/feed", "key:this-ward").get_json()["events"][0]["id"] == target.events[THIS].id
    assert [e["ward"] for e in target.http("GET", "/feed", "key:all-wards").get_json()["events"]] == [THIS, OTHER]
    # the scope holds with every way of asking: another ward by filter, the "*" ward, a type glob, the X-API-Key header
    this_key = target.keys["key:this-ward"]["api_key"]
    other_key = target.keys["key:other-ward"]["api_key"]
    assert target.client.get(f"/feed?ward={OTHER}", headers={"Authorization": f"ApiKey {this_key}"}).status_code == 403
    assert target.client.get("/feed?ward=*", headers={"X-API-Key": other_key}).status_code == 403
    typed = target.client.get("/feed?type=vn.dvk.*", headers={"X-API-Key": other_key}).get_json()
    assert [e["ward"] for e in typed["events"]] == [OTHER]
    revoked = target.keys["key:revoked"]["api_key"]
    assert target.client.get("/feed", headers={"X-API-Key": revoked}).status_code == 401


def test_the_table_lists_every_documented_endpoint(app):
    assert access.undocumented(TABLE, app) == {"missing from the table": set(), "not documented": set()}


def test_without_any_credential_every_endpoint_answers_401(app):
    target = Target(app)

    def ask(endpoint: str):
        method, path, kwargs = target.request(endpoint)
        return target.http(method, path, None, **kwargs)

    assert access.unauthenticated_answers(TABLE, ask) == []
