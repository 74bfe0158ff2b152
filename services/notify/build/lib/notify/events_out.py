"""Events notify publishes on dvk.notify (payload schemas in contracts/events/)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .models import Delivery

REMINDER_SENT = "vn.dvk.notify.reminder-sent.v1"
DELIVERY_FAILED = "vn.dvk.notify.delivery-failed.v1"

STATUS_LABELS = {"pending": "đang chờ gửi", "sent": "đã gửi", "failed": "gửi thất bại"}


def delivery_failed_payload(delivery: Delivery, now: datetime) -> dict[str, Any]:
    recipient = delivery.recipient.split("?", 1)[0]  # a webhook URL's query may carry a subscriber's token
    return {
        "delivery_id": delivery.id, "channel": delivery.channel, "recipient": recipient, "attempts": delivery.attempts,
        "last_error": delivery.last_error or "", "occurred_at": now.isoformat(),
    }


def reminder_sent_payload(unit_id: int, deadline_kind: str, year: int, due_date: date, offset_days: int, now: datetime) -> dict[str, Any]:
    return {
        "unit_id": unit_id, "deadline_kind": deadline_kind, "year": year, "due_date": due_date.isoformat(),
        "offset_days": offset_days, "occurred_at": now.isoformat(),
    }
