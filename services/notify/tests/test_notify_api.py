"""The HTTP API: a user's inbox, the delivery log for Phòng VH-XH, webhook subscribers for the admin."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from dvk_core.envelope import CloudEvent
from dvk_testing.plugin import bearer
from notify.dispatcher import dispatch_due

RETURNED = CloudEvent(type="vn.dvk.registration.model-returned.v1", source="/wards/minh-xuan/registration", subject="7", ward="minh-xuan", data={
    "model_id": 7, "unit_id": 12, "year": 2026, "title": "Camera an ninh vì bình yên khu phố", "field": "quoc_phong_an_ninh",
    "status": "returned", "late": False, "occurred_at": "2026-02-03T02:00:00+00:00", "actor_role": "vhxh", "reason": "Bổ sung chỉ tiêu.",
})
SUBMITTED = CloudEvent(type="vn.dvk.reporting.report-submitted.v1", source="/wards/minh-xuan/reporting", subject="5", ward="minh-xuan", data={
    "report_id": 5, "unit_id": 12, "year": 2026, "period": "six_month", "status": "submitted", "late": True,
    "due_date": "2026-06-10", "occurred_at": "2026-06-12T02:00:00+00:00", "reason": None,
})


def test_inbox_lists_counts_and_marks_read_only_the_users_own_messages(kit, notify):
    kit.handle(notify, RETURNED, SUBMITTED)
    client = notify.test_client()
    officer = bearer(notify, "don_vi", 12, user_id="tdp1-tam")
    staff = bearer(notify, "vhxh", user_id="vhxh-hoa")

    assert client.get("/inbox/unread-count", headers=officer).get_json() == {"unread": 1}
    page = client.get("/inbox", headers=staff).get_json()
    assert page["total"] == 1 and page["unread"] == 1
    [message] = page["items"]
    # no unit-created event was seen for unit 12, so it is named by its number
    assert message["subject"] == "Đơn vị số 12 gửi báo cáo sơ kết 6 tháng năm 2026"
    assert "(trễ hạn)" in message["body"] and message["read"] is False and message["link"] == "/bao-cao/5"

    other = client.post(f"/inbox/{message['id']}/read", headers=officer)
    assert other.status_code == 404 and other.content_type == "application/problem+json"  # not the officer's: no leak
    marked = client.post(f"/inbox/{message['id']}/read", headers=staff).get_json()
    assert marked["read"] is True and marked["read_at"].endswith("+00:00")
    assert client.get("/inbox/unread-count", headers=staff).get_json() == {"unread": 0}
    assert client.get("/inbox?unread=true", headers=staff).get_json()["total"] == 0
    assert client.post("/inbox/read-all", headers=officer).get_json() == {"marked": 1}
    assert client.get("/inbox").status_code == 401


def test_a_notification_answered_matches_its_documented_shape_line_breaks_included(kit, notify):
    """The body of a notification has several lines (what happened, the reason, what to do): its document says so,
    so a client that checks answers against the document accepts it."""
    kit.handle(notify, RETURNED)
    client = notify.test_client()
    officer = bearer(notify, "don_vi", 12, user_id="tdp1-tam")
    [message] = client.get("/inbox", headers=officer).get_json()["items"]
    assert "\n" in message["body"]
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["InboxMessage"]
    assert re.fullmatch(schema["properties"]["body"]["pattern"], message["body"])


def test_a_subscriber_whose_secret_was_never_replaced_matches_its_documented_shape(notify):
    """A new subscriber has no replaced secret (previous_secret_until null): its document allows that."""
    client = notify.test_client()
    created = client.post("/webhook-subscribers", json={"name": "Sở Nội vụ tỉnh", "url": "https://sonoivu.example/su-kien"},
                          headers=bearer(notify, "admin"))
    assert created.status_code == 201 and created.get_json()["previous_secret_until"] is None
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["Subscriber"]
    assert "null" in schema["properties"]["previous_secret_until"]["type"]


def test_delivery_log_filters_by_status_and_channel_and_retries_failures(kit, notify, webhook_server):
    client = notify.test_client()
    admin = bearer(notify, "admin")
    created = client.post("/webhook-subscribers", json={"name": "Hệ thống của tỉnh", "url": webhook_server.url + "/loi"}, headers=admin)
    assert created.status_code == 201 and len(created.get_json()["secret"]) >= 32  # generated, shown once
    assert "secret" not in client.get("/webhook-subscribers", headers=admin).get_json()[0]
    kit.handle(notify, RETURNED)
    now = datetime.now(UTC)
    for seconds in (0, 30, 90):  # backoff 30 s, then 60 s; the third attempt is the last
        dispatch_due(notify, now + timedelta(seconds=seconds))

    staff = bearer(notify, "vhxh", user_id="vhxh-hoa")
    log = client.get("/deliveries", headers=staff).get_json()
    assert {(d["channel"], d["status"]) for d in log["items"]} == {("inbox", "sent"), ("email", "sent"), ("webhook", "failed")}
    [failed] = client.get("/deliveries?status=failed&channel=webhook", headers=staff).get_json()["items"]
    assert failed["attempts"] == 3 and "HTTP 500" in failed["last_error"]
    [sent_mail] = client.get("/deliveries?channel=email", headers=staff).get_json()["items"]

    again = client.post(f"/deliveries/{failed['id']}/retry", headers=staff)
    assert again.status_code == 200 and again.get_json()["status"] == "pending" and again.get_json()["attempts"] == 0
    refused = client.post(f"/deliveries/{sent_mail['id']}/retry", headers=staff)
    assert refused.status_code == 409 and refused.get_json()["detail"] == "Trạng thái hiện tại: đã gửi (sent)"
    assert client.get("/deliveries", headers=bearer(notify, "don_vi", 12)).status_code == 403
    bad = client.get("/deliveries?channel=fax", headers=staff)
    assert bad.status_code == 422 and bad.get_json()["errors"]["channel"] == ["Phải là một trong: inbox, email, webhook."]


def test_webhook_subscriber_edits_need_the_current_version(notify):
    client = notify.test_client()
    admin = bearer(notify, "admin")
    created = client.post("/webhook-subscribers", json={"name": "Đảng ủy phường", "url": "https://danguy.example/su-kien",
                                                        "secret": "mot-khoa-bi-mat-du-dai"}, headers=admin).get_json()
    path = f"/webhook-subscribers/{created['id']}"
    assert client.patch(path, json={"active": False}, headers=admin).status_code == 428
    ok = client.patch(path, json={"active": False}, headers={**admin, "If-Match": str(created["version"])})
    assert ok.status_code == 200 and ok.get_json()["active"] is False and ok.get_json()["version"] == created["version"] + 1
    stale = client.patch(path, json={"name": "Ghi đè"}, headers={**admin, "If-Match": str(created["version"])})
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    assert client.get(path, headers=admin).get_json()["name"] == "Đảng ủy phường"
    invalid = client.post("/webhook-subscribers", json={"name": "", "url": "khong-phai-url"}, headers=admin)
    assert invalid.status_code == 422 and invalid.get_json()["errors"]["url"] == ["Địa chỉ URL không hợp lệ."]
    assert client.post("/webhook-subscribers", json={"name": "x", "url": "https://a.example"}, headers=bearer(notify, "vhxh")).status_code == 403


def test_a_switched_off_subscriber_gets_nothing_more(kit, notify, webhook_server):
    client = notify.test_client()
    admin = bearer(notify, "admin")
    created = client.post("/webhook-subscribers", json={"name": "Hệ thống của tỉnh", "url": webhook_server.url + "/ok"}, headers=admin).get_json()
    kit.handle(notify, RETURNED)  # queued while the subscriber was on
    client.patch(f"/webhook-subscribers/{created['id']}", json={"active": False}, headers={**admin, "If-Match": str(created["version"])})
    kit.handle(notify, SUBMITTED)  # after: not queued at all
    result = dispatch_due(notify, datetime.now(UTC))
    assert webhook_server.posts("/ok") == []
    [given_up] = client.get("/deliveries?channel=webhook", headers=admin).get_json()["items"]
    assert given_up["status"] == "failed" and given_up["attempts"] == 1 and given_up["id"] in result.failed


def test_a_withdrawn_nomination_is_told_to_its_unit_and_the_leaders_with_the_reason(kit, notify):
    withdrawn = CloudEvent(type="vn.dvk.awards.nomination-withdrawn.v1", source="/wards/minh-xuan/awards", subject="9",
                           ward="minh-xuan", data={
        "nomination_id": 9, "unit_id": 12, "year": 2026, "nominee_kind": "individual", "person_name": "Lê Văn Tâm",
        "award_name": "Giấy khen của Chủ tịch UBND phường", "previous_status": "approved",
        "reason": "Cá nhân xin rút để nhường cho đồng chí khác.", "occurred_at": "2026-11-20T02:00:00+00:00"})
    kit.handle(notify, withdrawn)
    client = notify.test_client()
    told = {}
    for user, role, unit in (("tdp1-tam", "don_vi", 12), ("ld-minh", "lanh_dao", None), ("tdp2-lan", "don_vi", 13),
                             ("vhxh-hoa", "vhxh", None)):
        told[user] = client.get("/inbox", headers=bearer(notify, role, unit, user_id=user)).get_json()["items"]
    assert [len(told[u]) for u in ("tdp1-tam", "ld-minh", "tdp2-lan", "vhxh-hoa")] == [1, 1, 0, 0]
    [message] = told["tdp1-tam"]
    assert message["subject"] == "Rút đề nghị khen thưởng: Lê Văn Tâm — Giấy khen của Chủ tịch UBND phường"
    assert "Lý do: Cá nhân xin rút để nhường cho đồng chí khác." in message["body"]
    assert message["link"] == "/khen-thuong/de-nghi/9"
