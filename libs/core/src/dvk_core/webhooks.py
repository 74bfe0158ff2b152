"""Signed HTTP messages, the one implementation of the platform: the Standard Webhooks scheme.

Every signed body the platform sends — notify's webhook deliveries, the feed's pages, `dvk-subscribe --post` —
carries three headers:

    webhook-id: <message id, the same on every retry of one message>
    webhook-timestamp: <Unix seconds when this attempt was signed>
    webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"> [v1,<…> with another secret …]

The HMAC itself is the `standardwebhooks` library's, so any Standard Webhooks verifier checks it. A receiver
(`Verifier`) refuses a timestamp more than five minutes old or ahead, a signature made with none of its secrets,
and a message id it has already accepted (kept for the tolerance window in a `SeenIds` store: `SqliteSeenIds`
survives a restart, `MemorySeenIds` is bounded).

Secrets: `whsec_<base64 of the key bytes>` as Standard Webhooks writes them (`new_secret()`); any other string is
taken as its UTF-8 bytes (the secrets given before this scheme; a Standard Webhooks library takes such a secret
as `"whsec_" + base64(secret)`, see `standard_form`). Rotation with overlap: while two secrets are active the
sender signs with both (two `v1,` signatures, space-separated) and the receiver accepts either.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _random
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from standardwebhooks import Webhook, WebhookVerificationError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
WHSEC_PREFIX = "whsec_"  # the Standard Webhooks form of a secret
TOLERANCE = timedelta(minutes=5)
# What a receiver answers to a message id it has already accepted; the platform's senders take it as delivered
# (an earlier attempt got through and only its answer was lost).
ALREADY_RECEIVED = 409


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes."""
    return WHSEC_PREFIX + base64.b64encode(_random.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret: base64-decoded after `whsec_`, else the string's UTF-8 bytes."""
    if secret.startswith(WHSEC_PREFIX):
        try:
            key = base64.b64decode(secret[len(WHSEC_PREFIX):], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("khóa ký whsec_ phải là base64 hợp lệ") from exc
    else:
        key = secret.encode()
    if len(key) < 16:
        raise ValueError("khóa ký quá ngắn (tối thiểu 16 byte)")
    return key


def standard_form(secret: str) -> str:
    """The same secret as `whsec_<base64>`, the form Standard Webhooks libraries take."""
    return secret if secret.startswith(WHSEC_PREFIX) else WHSEC_PREFIX + base64.b64encode(secret.encode()).decode()


def derive_secret(master: str, label: str) -> str:
    """A secret derived from a service's master key and a label (never stored: derived again when needed)."""
    return hmac.new(master.encode(), label.encode(), hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secrets: Sequence[str], *, message_id: str, now: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, signed with every secret given (rotation: old and new)."""
    if not secrets:
        raise ValueError("không có khóa ký nào")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    text = body.decode()
    signatures = " ".join(Webhook(secret_key(secret)).sign(message_id, moment, text) for secret in secrets)
    return {ID_HEADER: message_id, TIMESTAMP_HEADER: str(int(moment.timestamp())), SIGNATURE_HEADER: signatures}


class Unverified(Exception):
    """The message is refused; `reason` is missing-headers, stale, bad-signature or replayed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Replayed(Unverified):
    def __init__(self, message_id: str) -> None:
        super().__init__("replayed", f"Tin {message_id!r} đã được nhận rồi: không nhận lại (phát lại).")


class SeenIds(Protocol):
    def add(self, message_id: str, expires: datetime) -> bool:
        """Record the id until `expires`; False when it is already recorded (a replay)."""
        ...

    def discard(self, message_id: str) -> None:
        """Forget the id (its message could not be taken in after all)."""
        ...


class MemorySeenIds:
    """Ids seen, in memory, at most `limit` of them (the oldest go first once full). Lost on restart."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._ids: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, message_id: str, expires: datetime) -> bool:
        now = datetime.now(UTC)
        with self._lock:
            while self._ids and (next(iter(self._ids.values())) <= now or len(self._ids) >= self.limit):
                self._ids.popitem(last=False)
            if message_id in self._ids:
                return False
            self._ids[message_id] = expires
            return True

    def discard(self, message_id: str) -> None:
        with self._lock:
            self._ids.pop(message_id, None)


class SqliteSeenIds:
    """Ids seen, in a SQLite file of the receiver's own: a restart within the window still refuses a replay."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS webhook_seen_ids (id TEXT PRIMARY KEY, expires REAL NOT NULL)")
        self._lock = threading.Lock()

    def add(self, message_id: str, expires: datetime) -> bool:
        with self._lock:
            self._db.execute("DELETE FROM webhook_seen_ids WHERE expires <= ?", (datetime.now(UTC).timestamp(),))
            added = self._db.execute("INSERT OR IGNORE INTO webhook_seen_ids (id, expires) VALUES (?, ?)",
                                     (message_id, expires.timestamp()))
            return added.rowcount == 1

    def discard(self, message_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM webhook_seen_ids WHERE id = ?", (message_id,))

    def close(self) -> None:
        self._db.close()


class Verifier:
    """A receiver's check of one signed message: fresh, signed with one of `secrets`, never seen before."""

    def __init__(self, secrets: Sequence[str], seen: SeenIds | None = None) -> None:
        if not secrets:
            raise ValueError("không có khóa ký nào")
        self._webhooks = [Webhook(secret_key(secret)) for secret in secrets]
        self.seen = seen if seen is not None else MemorySeenIds()

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Returns when the message is accepted (its id is then recorded); raises Unverified (or Replayed)."""
        lower = {k.lower(): v for k, v in headers.items()}
        message_id, stamp = lower.get(ID_HEADER, ""), lower.get(TIMESTAMP_HEADER, "")
        if not (message_id and stamp and lower.get(SIGNATURE_HEADER)):
            raise Unverified("missing-headers", "Thiếu webhook-id, webhook-timestamp hoặc webhook-signature.")
        now = datetime.now(UTC)
        try:
            sent = datetime.fromtimestamp(int(stamp), UTC)
        except (ValueError, OverflowError, OSError):
            raise Unverified("stale", f"webhook-timestamp không hợp lệ: {stamp!r}.") from None
        if abs(now - sent) > TOLERANCE:
            raise Unverified("stale", f"Tin ký lúc {sent:%d/%m/%Y %H:%M:%S} UTC, lệch quá 5 phút: không nhận.")
        for webhook in self._webhooks:
            try:
                webhook.verify(body, lower, json_parse=False)
            except (WebhookVerificationError, ValueError):  # ValueError: a malformed signature list or body
                continue
            break
        else:
            raise Unverified("bad-signature", "Chữ ký không khớp với khóa ký nào: nội dung bị sửa hoặc sai khóa.")
        if not self.seen.add(message_id, sent + TOLERANCE):
            raise Replayed(message_id)


__all__ = ["ALREADY_RECEIVED", "ID_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "TOLERANCE", "MemorySeenIds", "Replayed", "SeenIds",
           "SqliteSeenIds", "Unverified", "Verifier", "derive_secret", "new_secret", "secret_key", "signed_headers",
           "standard_form"]
