"""The feed's keys from the command line: `dvk-worker feed-key feed {issue,list,revoke,rotate-secret}`.

Run by the operator of the province's feed (the feed is one per province; see README), so no ward's gateway
admin needs to mint a service token. Each key issued or revoked is written to the audit log in the same
transaction, with the operator's login as the actor (`dvk-worker feed-key:<login>`, role admin)."""
from __future__ import annotations

import getpass
import json
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from dvk_platform.audit import acting_as
from dvk_platform.auth import Principal
from dvk_platform.db import get_db

from . import services
from .models import ApiKey


def actor() -> str:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        login = "unknown"
    return f"dvk-worker feed-key:{login}"


def describe(key: ApiKey) -> dict[str, Any]:
    return {"id": key.id, "subscriber": key.subscriber, "wards": list(key.wards), "key_prefix": key.key_prefix,
            "note": key.note, "created_at": key.created_at.isoformat(), "created_by": key.created_by,
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None, "version": key.version}


def issue(app: Flask, subscriber: str, wards: list[str], note: str | None) -> dict[str, Any]:
    """A new key; the answer holds `api_key` and `signing_secret`, shown this once only."""
    who = actor()
    with app.app_context(), acting_as(who, "admin"), get_db().transaction() as session:
        principal = Principal(user_id=who, name=who, role="admin", unit_id=None, ward=app.config["WARD_CODE"])
        key, raw, secret = services.create_key(session, principal, subscriber, wards, note,
                                               app.config["FEED_SIGNING_KEY"])
        return {**describe(key), "api_key": raw, "signing_secret": secret}


def listing(app: Flask) -> list[dict[str, Any]]:
    with app.app_context(), get_db().transaction() as session:
        return [describe(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke(app: Flask, key_id: int) -> dict[str, Any]:
    with app.app_context(), acting_as(actor(), "admin"), get_db().transaction() as session:
        current = session.get(ApiKey, key_id)
        return describe(services.revoke_key(session, key_id, current.version if current else None))


def rotate_secret(app: Flask, key_id: int) -> dict[str, Any]:
    """A new signing secret for the key (shown this once); the old one still signs during the overlap."""
    with app.app_context(), acting_as(actor(), "admin"), get_db().transaction() as session:
        current = session.get(ApiKey, key_id)
        key, secret = services.rotate_secret(
            session, key_id, current.version if current else None, app.config["FEED_SIGNING_KEY"],
            timedelta(hours=float(app.config["FEED_ROTATION_OVERLAP_HOURS"])))
        until = key.previous_salt_until
        return {**describe(key), "signing_secret": secret, "previous_secret_until": until.isoformat() if until else None}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
