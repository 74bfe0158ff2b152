"""Who the ward's users are: asked of the gateway (GET /internal/recipients), cached for a short while."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from flask import Flask

from dvk_platform.auth import issue_token
from dvk_platform.consumer import TransientError

log = logging.getLogger(__name__)

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Recipient:
    user_id: str
    name: str
    email: str
    role: str
    unit_id: int | None


def _fetch(app: Flask) -> list[Recipient]:
    cfg = app.config
    token = issue_token(cfg["SERVICE_TOKEN_SECRET"], user_id="notify", name="Dịch vụ thông báo", role="admin",
                        ward=cfg["WARD_CODE"], ttl=60)
    url = cfg["GATEWAY_URL"].rstrip("/") + "/internal/recipients"
    try:
        response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=float(cfg["GATEWAY_TIMEOUT"]))
        response.raise_for_status()
        rows: Any = response.json()
    except (requests.RequestException, ValueError) as exc:
        # Without recipients nobody can be told: the event waits and is retried, never dead-lettered.
        raise TransientError(f"gateway recipients unavailable: {exc}") from exc
    if not isinstance(rows, list):
        raise TransientError("gateway recipients: the answer is not a list")
    recipients = []
    for row in rows:
        if not isinstance(row, dict) or row.get("active") is False or row.get("user_id") is None:
            continue
        unit = row.get("unit_id")
        recipients.append(Recipient(
            user_id=str(row["user_id"]), name=str(row.get("name") or ""), email=str(row.get("email") or ""),
            role=str(row.get("role") or ""), unit_id=int(unit) if unit is not None else None,
        ))
    return recipients


def all_recipients(app: Flask) -> list[Recipient]:
    """Active users of the ward, from a cache at most RECIPIENTS_CACHE_SECONDS old."""
    ttl = float(app.config["RECIPIENTS_CACHE_SECONDS"])
    with _LOCK:
        cached = app.extensions.get("notify_recipients")
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return cached[1]
    recipients = _fetch(app)
    with _LOCK:
        app.extensions["notify_recipients"] = (time.monotonic(), recipients)
    return recipients


def resolve(app: Flask, audience: Iterable[str], unit_id: int | None) -> list[Recipient]:
    """The users an audience names: "unit" = the officers of unit_id, any other entry = a role."""
    wanted = set(audience)
    chosen: dict[str, Recipient] = {}
    for person in all_recipients(app):
        by_unit = "unit" in wanted and person.role == "don_vi" and unit_id is not None and person.unit_id == unit_id
        by_role = person.role in wanted
        if by_unit or by_role:
            chosen.setdefault(person.user_id, person)
    return list(chosen.values())
