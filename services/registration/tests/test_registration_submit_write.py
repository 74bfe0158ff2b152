"""A workflow step writes the model (its version checked), its history step, its audit row and its event together,
on PostgreSQL and on SQLite; a refused step writes none of them."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from dvk_platform.errors import Problem
from dvk_platform.versioning import update_versioned
from registration.models import ModelRegistration

TDP_1 = 12  # Tổ dân phố 1 in the seed


def _rows(app, model_id: int) -> dict[str, list]:
    with app.extensions["dvk_db"].engine.connect() as conn:
        return {
            "audit": conn.execute(text("SELECT actor_id, actor_role, action, changes FROM audit_log "
                                       "WHERE entity = 'model_registrations' AND entity_id = :id AND action = 'update' "
                                       "ORDER BY id"), {"id": str(model_id)}).all(),
            "history": conn.execute(text("SELECT action, from_status, to_status, actor_id, note "
                                         "FROM registration_transitions WHERE model_id = :id ORDER BY id"),
                                    {"id": model_id}).all(),
            "events": conn.execute(text("SELECT type FROM outbox_messages WHERE aggregatetype = 'model' AND aggregateid = :id"),
                                   {"id": str(model_id)}).scalars().all(),
            "model": conn.execute(text("SELECT status, version, late FROM model_registrations WHERE id = :id"),
                                  {"id": model_id}).one(),
        }


def test_a_submit_writes_model_history_audit_and_event_and_answers_them(app, http, wf):
    draft = wf.draft(http, TDP_1)
    answer = http("POST", f"/models/{draft['id']}/submit", "don_vi", TDP_1, if_match=1,
                  json={"note": "Gửi Phòng VH-XH"})
    assert answer.status_code == 200, answer.json
    assert answer.headers["ETag"] == '"2"'
    body = answer.json
    assert (body["status"], body["version"], body["late"]) == ("submitted", 2, False)
    assert body["submitted_at"] is not None and body["title"] == draft["title"]
    assert [(h["action"], h["from_status"], h["to_status"], h["note"]) for h in body["history"]] == [
        ("create", None, "draft", None), ("submit", "draft", "submitted", "Gửi Phòng VH-XH")]
    assert body["files"] == [] and body["inspections"] == []
    assert "search_text" not in body and "created_by" not in body

    written = _rows(app, draft["id"])
    assert tuple(written["model"]) == ("submitted", 2, False)
    assert [tuple(h) for h in written["history"]][-1] == ("submit", "draft", "submitted", f"don_vi-{TDP_1}",
                                                         "Gửi Phòng VH-XH")
    assert written["events"] == ["vn.dvk.registration.model-submitted.v1"]
    [(actor_id, role, action, changes)] = written["audit"]
    changes = changes if isinstance(changes, dict) else json.loads(changes)
    assert (actor_id, role, action) == (f"don_vi-{TDP_1}", "don_vi", "update")
    assert changes["status"] == ["draft", "submitted"]
    assert changes["submitted_at"][0] is None and changes["submitted_at"][1] == body["submitted_at"].replace("Z", "+00:00")
    # on time, so `late` is unchanged; the test's clock stands still, so `updated_at` too: neither is logged
    assert set(changes) == {"status", "submitted_at"}

    # the step after it is logged the same way, with the reviewer as actor
    returned = http("POST", f"/models/{draft['id']}/return", "vhxh", if_match=2, json={"reason": "Bổ sung chỉ tiêu."})
    assert returned.status_code == 200
    later = _rows(app, draft["id"])
    assert len(later["audit"]) == 2 and later["audit"][-1][:3] == ("vhxh-0", "vhxh", "update")
    assert sorted(later["events"]) == ["vn.dvk.registration.model-returned.v1", "vn.dvk.registration.model-submitted.v1"]


@pytest.mark.parametrize(("role", "unit", "if_match", "status"), [
    ("don_vi", TDP_1, 2, 412),      # a version that is not the model's
    ("don_vi", TDP_1, None, 428),   # no version at all
    ("don_vi", 13, 1, 404),         # another unit's model
    ("vhxh", None, 1, 403),         # not a unit officer
])
def test_a_refused_submit_writes_nothing(app, http, wf, role, unit, if_match, status):
    draft = wf.draft(http, TDP_1)
    before = _rows(app, draft["id"])
    answer = http("POST", f"/models/{draft['id']}/submit", role, unit, if_match=if_match, json={})
    assert answer.status_code == status, answer.json
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert _rows(app, draft["id"]) == before


def test_a_second_submit_of_the_same_version_is_refused_by_state_and_writes_nothing(app, http, wf):
    draft = wf.draft(http, TDP_1)
    assert http("POST", f"/models/{draft['id']}/submit", "don_vi", TDP_1, if_match=1, json={}).status_code == 200
    before = _rows(app, draft["id"])
    again = http("POST", f"/models/{draft['id']}/submit", "don_vi", TDP_1, if_match=1, json={})
    assert again.status_code == 409 and again.json["current_status"] == "submitted"
    assert _rows(app, draft["id"]) == before


def test_the_versioned_update_writes_nothing_when_another_edit_came_first(app, http, wf):
    """The race the read-then-check cannot see: the row's version moved after it was read. The UPDATE's own
    WHERE refuses it (412) and the row keeps the other edit."""
    draft = wf.draft(http, TDP_1)
    edited = http("PATCH", f"/models/{draft['id']}", "don_vi", TDP_1, if_match=1, json={"title": "Bản sửa trước"})
    assert edited.status_code == 200 and edited.json["version"] == 2
    db = app.extensions["dvk_db"]
    table = ModelRegistration.__table__
    with pytest.raises(Problem) as refused, db.transaction() as session:
        update_versioned(session.connection(), table, draft["id"], 1, {"title": "Bản sửa muộn"})
    assert refused.value.status == 412
    with db.engine.connect() as conn:
        assert conn.execute(select(table.c.title, table.c.version).where(table.c.id == draft["id"])).one() == \
            ("Bản sửa trước", 2)
    with db.transaction() as session:
        assert update_versioned(session.connection(), table, draft["id"], 2, {"title": "Bản sửa đúng"}) == 3
