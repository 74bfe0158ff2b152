"""Use cases of the feed: store an event once, read a page after a cursor, issue and revoke API keys,
sign response bodies (dvk_core.webhooks, the Standard Webhooks scheme)."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from dvk_core import webhooks
from dvk_core.envelope import CloudEvent
from dvk_core.wards import UnknownWard, load_registry
from dvk_platform.auth import Principal
from dvk_platform.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from dvk_platform.versioning import check_version

from .models import ApiKey, FeedEvent

KEY_PREFIX = "dvkf_"
# Serialises appends on PostgreSQL so that seq order is commit order: a reader never passes a seq whose
# transaction commits later (no gap skipped by a cursor). SQLite serialises writers by itself.
APPEND_LOCK = 0x64766B66  # "dvkf"
ALL_WARDS = "*"


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- storing ----------------------------------------------------------------------------------------


def store_event(session: Session, event: CloudEvent) -> None:
    """Append the event unless it is already there (idempotent by CloudEvent id)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})
    if session.scalar(select(FeedEvent.seq).where(FeedEvent.event_id == event.id)) is not None:
        return
    session.add(FeedEvent(event_id=event.id, type=event.type, ward=event.ward, source=event.source,
                          subject=event.subject, time=event.time, event=event.to_structured(), stored_at=utcnow()))
    session.flush()


# --- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    events: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def parse_cursor(raw: str | None) -> int:
    if raw in (None, ""):
        return 0
    if not (raw.isascii() and raw.isdigit()):
        raise Invalid(errors={"after": ["Con trỏ phải là số (next_cursor của trang trước) hoặc để trống."]})
    return int(raw)


def type_pattern(glob: str) -> str:
    """An event type glob (`*` any run, `?` one character) as a SQL LIKE pattern."""
    escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def read_page(session: Session, key: ApiKey, after: int, limit: int, ward: str | None = None,
              types: Sequence[str] = ()) -> Page:
    """Events after the cursor, in feed order, limited to the key's wards (or the one asked for)."""
    scope = list(key.wards)
    if ward is not None:
        if ALL_WARDS not in scope and ward not in scope:
            raise Forbidden("ward-out-of-scope", "Khóa API không được cấp quyền đọc phường này.",
                          detail=f"Phường yêu cầu: {ward}. Phạm vi của khóa: {', '.join(scope)}.")
        scope = [ward]
    statement = select(FeedEvent).where(FeedEvent.seq > after)
    if ALL_WARDS not in scope:
        statement = statement.where(FeedEvent.ward.in_(scope))
    if types:
        statement = statement.where(or_(*(FeedEvent.type.like(type_pattern(t), escape="\\") for t in types)))
    rows = list(session.scalars(statement.order_by(FeedEvent.seq).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page([_with_cursor(r) for r in rows], str(rows[-1].seq) if rows else str(after), has_more)


def _with_cursor(row: FeedEvent) -> dict[str, Any]:
    """The structured CloudEvent plus its position in the feed (the extension attribute `dvkcursor`)."""
    return {**row.event, "dvkcursor": str(row.seq)}


# --- keys -------------------------------------------------------------------------------------------


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def signing_secret(master: str, key: ApiKey, salt: str | None = None) -> str:
    """The key's signing secret, derived from the service's master key: never stored, shown once."""
    return webhooks.derive_secret(master, f"dvk-feed:{key.id}:{salt or key.salt}")


def signing_secrets(master: str, key: ApiKey, now: datetime) -> tuple[str, ...]:
    """The secrets that sign a page now: the key's, and the one a rotation replaced while its overlap lasts."""
    until = key.previous_salt_until
    if key.previous_salt and until is not None and until > now:
        return (signing_secret(master, key), signing_secret(master, key, key.previous_salt))
    return (signing_secret(master, key),)


def rotate_secret(session: Session, key_id: int, requested: int | None, master: str,
                  overlap: timedelta) -> tuple[ApiKey, str]:
    """A new signing secret for the key (shown this once); the old one keeps signing beside it for `overlap`."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("key-not-found", "Không tìm thấy khóa API.")
    check_version(key.version, requested, "khóa API")
    if key.revoked_at is not None:
        raise Conflict("key-revoked", "Khóa API đã bị thu hồi.", detail="Trạng thái hiện tại: đã thu hồi (revoked)")
    key.previous_salt, key.previous_salt_until = key.salt, utcnow() + overlap
    key.salt = secrets.token_hex(16)
    session.flush()
    return key, signing_secret(master, key)


def check_wards(wards: list[str], wards_file: str | None = None) -> None:
    try:
        registry = load_registry(wards_file or current_app.config.get("WARDS_FILE") or None)
        registry.check(wards, allow_all=True)
    except UnknownWard as exc:
        raise Invalid(slug="unknown-ward", title="Mã phường không có trong danh sách phường của tỉnh.",
                      detail=f"Không biết: {', '.join(exc.unknown)}. Các mã đã biết: "
                             + ", ".join(f"{w.code} ({w.name})" for w in registry),
                      unknown=exc.unknown, known=exc.known) from None


def create_key(session: Session, principal: Principal, subscriber: str, wards: list[str], note: str | None,
               master: str) -> tuple[ApiKey, str, str]:
    """A new key; returns (row, the key, its signing secret) — the last two are shown this once only. Every ward
    of its scope must be in the province's registry (`*` = every ward), else 422 listing the known codes."""
    check_wards(wards)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(subscriber=subscriber, wards=sorted(set(wards)), key_hash=hash_key(raw), key_prefix=raw[:12],
                 salt=secrets.token_hex(16), note=note, created_at=utcnow(), created_by=principal.user_id)
    session.add(key)
    session.flush()
    return key, raw, signing_secret(master, key)


def revoke_key(session: Session, key_id: int, requested: int | None) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("key-not-found", "Không tìm thấy khóa API.")
    check_version(key.version, requested, "khóa API")
    if key.revoked_at is not None:
        raise Conflict("key-revoked", "Khóa API đã bị thu hồi.", detail="Trạng thái hiện tại: đã thu hồi (revoked)")
    key.revoked_at = utcnow()
    session.flush()
    return key


def authenticate(session: Session, header_value: str | None) -> ApiKey:
    if not header_value:
        raise Problem(401, "api-key-missing", "Thiếu khóa API.",
                      detail="Gửi header Authorization: ApiKey <khóa> hoặc X-API-Key: <khóa>.")
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(header_value.strip())))
    if key is None or key.revoked_at is not None:
        raise Problem(401, "api-key-invalid", "Khóa API không hợp lệ hoặc đã bị thu hồi.")
    return key
