"""The gateway publishes its accounts: every account created, edited or disabled becomes an event in the outbox, in
the same transaction, matching its contract, with no password hash; a login or a password change is not news; the
accounts that existed before publishing began are published once by the migration; the relay puts them on
dvk.gateway."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from dvk_platform.config import topic_name
from dvk_platform.migrations import upgrade
from dvk_platform.worker import build_relay
from dvk_testing.contract import assert_outbox_matches_contract
from dvk_testing.plugin import bus_for, read_topic

from .conftest import add_user, csrf_from, form_post, login

CREATED, UPDATED, DEACTIVATED = (f"vn.dvk.gateway.user-{k}.v1" for k in ("created", "updated", "deactivated"))


def test_account_changes_are_published_with_their_change_and_never_a_password(make_gateway, database_kind):
    app = make_gateway(database_kind)
    admin_id = add_user(app, "quantri", "admin")
    admin = app.test_client()
    assert login(admin, "quantri").status_code == 302
    created = form_post(admin, "/quan-tri/nguoi-dung/moi", "/quan-tri/nguoi-dung/moi", {
        "username": "tdp3", "full_name": "Đỗ Văn Hùng", "email": "hung@minhxuan.example.vn", "role": "don_vi",
        "unit_id": "14", "password": "BaoCao@2026", "active": "on",
    })
    assert created.status_code == 302
    rows = assert_outbox_matches_contract(app)
    new_id = rows[-1]["aggregateid"]
    page = admin.get(f"/quan-tri/nguoi-dung/{new_id}").get_data(as_text=True)
    edited = admin.post(f"/quan-tri/nguoi-dung/{new_id}", data={
        "csrf_token": csrf_from(page), "version": "1", "full_name": "Đỗ Văn Hùng", "email": "hung.dv@minhxuan.example.vn",
        "role": "don_vi", "unit_id": "14", "active": "on"})
    assert edited.status_code == 302
    page = admin.get(f"/quan-tri/nguoi-dung/{new_id}").get_data(as_text=True)
    disabled = admin.post(f"/quan-tri/nguoi-dung/{new_id}", data={
        "csrf_token": csrf_from(page), "version": "2", "full_name": "Đỗ Văn Hùng", "email": "hung.dv@minhxuan.example.vn",
        "role": "don_vi", "unit_id": "14"})
    assert disabled.status_code == 302
    assert login(app.test_client(), "quantri").status_code == 302  # a login is no news

    rows = assert_outbox_matches_contract(app)
    assert [(r["type"], r["aggregateid"]) for r in rows] == [
        (CREATED, str(admin_id)), (CREATED, new_id), (UPDATED, new_id), (DEACTIVATED, new_id)]
    created_fact, updated_fact, gone_fact = (r["payload"] for r in rows[1:])
    assert {k: created_fact[k] for k in ("user_id", "name", "email", "role", "unit_id", "active", "version")} == {
        "user_id": new_id, "name": "Đỗ Văn Hùng", "email": "hung@minhxuan.example.vn", "role": "don_vi", "unit_id": 14,
        "active": True, "version": 1}
    assert (updated_fact["email"], updated_fact["version"]) == ("hung.dv@minhxuan.example.vn", 2)
    assert (gone_fact["active"], gone_fact["version"]) == (False, 3)
    everything = json.dumps(rows, default=str)
    assert "argon2" not in everything and "BaoCao@2026" not in everything and "password" not in everything


def test_existing_accounts_are_published_once_by_the_migration_and_the_relay_sends_them(
        make_service, new_database_url, tmp_path, topic_prefix):
    url = new_database_url("postgresql", "gateway")
    upgrade("gateway", url, "0003")  # a ward's gateway from before account events
    engine = create_engine(url)
    with engine.begin() as conn:
        for username, role, unit, active in (("quantri", "admin", None, True), ("tdp1", "don_vi", 12, True),
                                             ("nghi", "don_vi", 13, False)):
            conn.execute(text(
                "INSERT INTO users (username, full_name, email, role, unit_id, password_hash, active, session_epoch, "
                "version, created_at, updated_at) VALUES (:u, :n, :e, :r, :unit, '$argon2id$v=19$x', :a, 1, 1, now(), now())"),
                {"u": username, "n": f"Cán bộ {username}", "e": f"{username}@minhxuan.example.vn", "r": role,
                 "unit": unit, "a": active})
    engine.dispose()
    app = make_service("gateway", DATABASE_URL=url)  # migrates to head
    upgrade("gateway", url)  # again: nothing more is published
    rows = assert_outbox_matches_contract(app)
    assert sorted((r["type"], r["payload"]["email"], r["payload"]["unit_id"]) for r in rows) == [
        (CREATED, "quantri@minhxuan.example.vn", None), (CREATED, "tdp1@minhxuan.example.vn", 12),
        (DEACTIVATED, "nghi@minhxuan.example.vn", 13)]
    assert "argon2" not in json.dumps(rows, default=str)

    relay = build_relay(app)
    try:
        relay.bus.ensure_topics([relay.topic])
        assert relay.publish_pending() == 3
    finally:
        relay.bus.close()
    bus = bus_for({"BUS": "embedded", "EMBEDDED_BUS_PATH": app.config["EMBEDDED_BUS_PATH"], "TOPIC_PREFIX": topic_prefix})
    try:
        records = read_topic(bus, topic_name(app.config, "gateway"), 3)
    finally:
        bus.close()
    assert sorted(r.header("ce_type").decode() for r in records) == sorted([CREATED, CREATED, DEACTIVATED])


def test_the_contract_page_lists_the_account_events(make_gateway):
    page = make_gateway().test_client().get("/su-kien").get_data(as_text=True)
    for event_type, title in ((CREATED, "Tài khoản được tạo"), (UPDATED, "Tài khoản được sửa"),
                              (DEACTIVATED, "Tài khoản bị khóa")):
        assert event_type in page and title in page
    assert "Tài khoản cán bộ (tạo, sửa, khóa; không có mật khẩu)" in page
