"""The ceiling of benchmark 1: POST /models/<id>/submit doing the same work as the registration service, minimally.

A bare Flask view that checks the unit officer's token (the same check as the services), then in ONE statement on a
psycopg connection of its own thread (autocommit: the statement is its transaction) moves the draft to `submitted`
with its version check, and inserts the history row, the audit row and the outbox row; it answers the model with
its history as JSON, with the ETag of the new version. No ORM, no schemas, no pool: the physical limit of this stack
(Flask, gunicorn, psycopg, PostgreSQL) for this write. Served with the services' gunicorn configuration."""
from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from flask import Flask, Response, request
from psycopg.rows import dict_row

from dvk_platform.auth import parse_public_keys, verify_token
from dvk_platform.errors import Problem

app = Flask(__name__)
PUBLIC_KEYS = parse_public_keys(os.environ["DVK_SERVICE_TOKEN_PUBLIC_KEYS"])
WARD = os.environ["DVK_WARD_CODE"]
DSN = os.environ["DVK_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
WARD_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
SUBMITTED = "vn.dvk.registration.model-submitted.v1"
RESUBMITTED = "vn.dvk.registration.model-resubmitted.v1"
_local = threading.local()

# old: the row as it was (and locked); moved: the row as it is now, if the version and the state allowed the step.
SUBMIT = """
WITH old AS (
  SELECT * FROM model_registrations WHERE id = %(id)s FOR UPDATE
), moved AS (
  UPDATE model_registrations m SET
    status = 'submitted',
    late = CASE WHEN m.submitted_at IS NULL
                THEN coalesce(%(today)s > (SELECT deadline FROM registration_periods p WHERE p.year = m.year), false)
                ELSE m.late END,
    submitted_at = coalesce(m.submitted_at, %(now)s),
    updated_at = %(now)s,
    version = m.version + 1
  FROM old
  WHERE m.id = old.id AND old.version = %(version)s AND old.unit_id = %(unit)s AND old.status IN ('draft', 'returned')
  RETURNING m.*, old.status AS old_status, old.late AS old_late, old.submitted_at AS old_submitted_at,
            old.updated_at AS old_updated_at
), step AS (
  INSERT INTO registration_transitions (model_id, from_status, to_status, action, actor_id, actor_name, actor_role,
                                        note, occurred_at)
  SELECT id, old_status, status, 'submit', %(actor_id)s, %(actor_name)s, %(role)s, %(note)s::text, %(now)s FROM moved
  RETURNING id, action, from_status, to_status, actor_id, actor_name, actor_role, note, occurred_at
), audit AS (
  INSERT INTO audit_log (at, actor_id, actor_role, action, entity, entity_id, changes)
  SELECT %(now)s, %(actor_id)s, %(role)s, 'update', 'model_registrations', id::text,
         jsonb_build_object('status', jsonb_build_array(old_status, status),
                            'updated_at', jsonb_build_array(to_jsonb(old_updated_at), to_jsonb(updated_at)))
         || CASE WHEN old_submitted_at IS NULL
                 THEN jsonb_build_object('submitted_at', jsonb_build_array(null, to_jsonb(submitted_at))) ELSE '{}' END
         || CASE WHEN old_late <> late THEN jsonb_build_object('late', jsonb_build_array(old_late, late)) ELSE '{}' END
  FROM moved
), event AS (
  INSERT INTO outbox_messages (id, aggregatetype, aggregateid, type, payload, created_at, attempts)
  SELECT %(event_id)s, 'model', id::text, CASE WHEN old_status = 'returned' THEN %(resubmitted)s::text ELSE %(submitted)s::text END,
         jsonb_build_object('model_id', id, 'unit_id', unit_id, 'year', year, 'title', title, 'field', field,
                            'status', status, 'late', late, 'occurred_at', %(now_text)s::text, 'actor_role', %(role)s::text,
                            'reason', null::text),
         %(now)s, 0
  FROM moved
)
SELECT 'model' AS kind, to_jsonb(moved) - 'old_status' - 'old_late' - 'old_submitted_at' - 'old_updated_at'
       - 'search_text' - 'created_by' AS body, 0 AS id FROM moved
UNION ALL
SELECT 'step', to_jsonb(t) - 'id' - 'model_id', t.id FROM registration_transitions t
 WHERE t.model_id = %(id)s AND EXISTS (SELECT 1 FROM moved)
UNION ALL
SELECT 'step', to_jsonb(step) - 'id', step.id FROM step
ORDER BY kind, id
"""


def _connection() -> psycopg.Connection[Any]:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(DSN, autocommit=True, row_factory=dict_row, options="-c timezone=UTC")
        _local.conn = conn
    return conn


def _problem(status: int, kind: str, title: str) -> Response:
    return Response(json.dumps({"type": kind, "title": title, "status": status}, ensure_ascii=False), status,
                    mimetype="application/problem+json")


@app.route("/healthz")
def healthz() -> Response:
    return Response('{"status": "ok"}', mimetype="application/json")


@app.post("/models/<int:model_id>/submit")
def submit(model_id: int) -> Response:
    try:
        principal = verify_token(request.headers.get("Authorization", "").removeprefix("Bearer "), PUBLIC_KEYS, WARD)
    except Problem as exc:
        return _problem(exc.status, exc.slug, exc.title)
    if principal.role != "don_vi":
        return _problem(403, "forbidden", "Không có quyền thực hiện thao tác này.")
    try:
        version = int(request.headers.get("If-Match", "").strip('"'))
    except ValueError:
        return _problem(428, "precondition-required", "Thiếu If-Match.")
    note = (request.get_json(silent=True) or {}).get("note")
    now = datetime.now(UTC)
    today: date = now.astimezone(WARD_TIME).date()
    rows = _connection().execute(SUBMIT, {
        "id": model_id, "version": version, "unit": principal.unit_id, "today": today, "now": now,
        "now_text": now.isoformat(), "actor_id": principal.user_id, "actor_name": principal.name,
        "role": principal.role, "note": note, "event_id": str(uuid.uuid4()), "submitted": SUBMITTED,
        "resubmitted": RESUBMITTED,
    }).fetchall()
    if not rows:
        return _problem(412, "version-mismatch", "Mô hình đã được thay đổi hoặc không còn ở trạng thái được gửi.")
    body = rows[0]["body"]
    body["history"] = [row["body"] for row in rows[1:]]
    body["inspections"] = []
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json",
                    headers={"ETag": f'"{body["version"]}"'})
