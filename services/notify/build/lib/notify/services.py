"""Use cases: each one transaction that writes the change and its outbox row together."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dvk_platform.auth import Principal
from dvk_platform.envelope import CloudEvent
from dvk_platform.errors import Problem
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version

from . import events_out
from .models import Delivery, InboxMessage, KnownUnit, WebhookSubscriber
from .recipients import Recipient
from .routing import Route, render


def unit_name(session: Session, unit_id: Any) -> str | None:
    if not isinstance(unit_id, int):
        return None
    unit = session.get(KnownUnit, unit_id)
    return unit.name if unit is not None and unit.name else None


def enqueue_message(
    session: Session,
    app: Flask,
    *,
    event_id: str,
    event_type: str,
    route: Route,
    ctx: dict[str, Any],
    recipients: list[Recipient],
    unit_id: int | None,
    now: datetime,
) -> int:
    """One inbox entry per user and one e-mail per address, logged as deliveries. Returns the users told."""
    message = render(route, ctx, app.config["PUBLIC_URL"], app.config["WARD_NAME"])
    for person in recipients:
        session.add(InboxMessage(user_id=person.user_id, unit_id=unit_id, event_id=event_id, event_type=event_type,
                                 subject=message.subject, body=message.text.split("\n\n--", 1)[0], link=message.link,
                                 created_at=now))
        session.add(Delivery(channel="inbox", recipient=person.user_id, recipient_name=person.name, user_id=person.user_id,
                             event_id=event_id, event_type=event_type, subject=message.subject, body_text=message.text,
                             status="sent", attempts=1, next_attempt_at=now, created_at=now, sent_at=now))
    addresses: dict[str, Recipient] = {}
    for person in recipients:
        if person.email:
            addresses.setdefault(person.email.lower(), person)
    for address, person in addresses.items():
        session.add(Delivery(channel="email", recipient=address, recipient_name=person.name, user_id=person.user_id,
                             event_id=event_id, event_type=event_type, subject=message.subject, body_text=message.text,
                             body_html=message.html, status="pending", attempts=0, next_attempt_at=now, created_at=now))
    return len(recipients)


def enqueue_webhooks(session: Session, event: CloudEvent, now: datetime) -> int:
    """A signed POST of the structured CloudEvent to every active subscriber that wants this type."""
    count = 0
    for subscriber in session.scalars(select(WebhookSubscriber).where(WebhookSubscriber.active.is_(True))):
        if not subscriber.wants(event.type):
            continue
        session.add(Delivery(channel="webhook", recipient=subscriber.url, recipient_name=subscriber.name,
                             subscriber_id=subscriber.id, event_id=event.id, event_type=event.type,
                             subject=event.type, payload=event.to_structured(), status="pending", attempts=0,
                             next_attempt_at=now, created_at=now))
        count += 1
    return count


# In-app inbox


def inbox_message_of(session: Session, principal: Principal, message_id: int) -> InboxMessage:
    message = session.get(InboxMessage, message_id)
    if message is None or message.user_id != principal.user_id:
        raise Problem(404, "not-found", "Không tìm thấy thông báo.")
    return message


def mark_read(session: Session, principal: Principal, message_id: int, now: datetime) -> InboxMessage:
    message = inbox_message_of(session, principal, message_id)
    if message.read_at is None:
        message.read_at = now
    return message


def mark_all_read(session: Session, principal: Principal, now: datetime) -> int:
    result = session.execute(
        update(InboxMessage).where(InboxMessage.user_id == principal.user_id, InboxMessage.read_at.is_(None)).values(read_at=now)
    )
    return result.rowcount or 0


# Webhook subscribers


def create_subscriber(session: Session, data: dict[str, Any]) -> WebhookSubscriber:
    subscriber = WebhookSubscriber(
        name=data["name"], url=data["url"], secret=data.get("secret") or secrets.token_urlsafe(32),
        event_types=list(data.get("event_types") or []), active=data.get("active", True),
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def get_subscriber(session: Session, subscriber_id: int) -> WebhookSubscriber:
    subscriber = session.get(WebhookSubscriber, subscriber_id)
    if subscriber is None:
        raise Problem(404, "not-found", "Không tìm thấy nơi nhận webhook.")
    return subscriber


def update_subscriber(session: Session, subscriber_id: int, data: dict[str, Any], version: int | None) -> WebhookSubscriber:
    subscriber = get_subscriber(session, subscriber_id)
    check_version(subscriber.version, version, "Nơi nhận webhook")
    for key in ("name", "url", "secret", "event_types", "active"):
        if key in data:
            setattr(subscriber, key, list(data[key]) if key == "event_types" else data[key])
    session.flush()
    return subscriber


# The delivery log


def retry_delivery(session: Session, delivery_id: int, now: datetime) -> Delivery:
    """Staff send a given-up delivery again: back to pending, due now, with a fresh count of attempts."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise Problem(404, "not-found", "Không tìm thấy lần gửi.")
    if delivery.status != "failed":
        raise Problem(409, "invalid-transition", "Chỉ gửi lại được thư đã thất bại.",
                      detail=f"Trạng thái hiện tại: {events_out.STATUS_LABELS[delivery.status]} ({delivery.status})")
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    return delivery


def backoff(app: Flask, attempts: int) -> timedelta:
    base = float(app.config["DELIVERY_BACKOFF_SECONDS"])
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), float(app.config["DELIVERY_BACKOFF_MAX_SECONDS"])))


def record_sent(session: Session, delivery_id: int, now: datetime) -> None:
    delivery = session.get(Delivery, delivery_id)
    if delivery is not None and delivery.status == "pending":
        delivery.status = "sent"
        delivery.sent_at = now
        delivery.last_error = None


def record_failure(session: Session, app: Flask, delivery_id: int, error: str, now: datetime, *, may_give_up: bool,
                   give_up_now: bool = False) -> str:
    """A failed attempt: retry later with exponential backoff, or give up after the last attempt. Returns the status."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return delivery.status if delivery is not None else "missing"
    delivery.last_error = error[:2000]
    if give_up_now or (may_give_up and delivery.attempts >= int(app.config["DELIVERY_MAX_ATTEMPTS"])):
        delivery.status = "failed"
        add_event(session, aggregate_type="delivery", aggregate_id=delivery.id, event_type=events_out.DELIVERY_FAILED,
                  payload=events_out.delivery_failed_payload(delivery, now))
    else:
        delivery.next_attempt_at = now + backoff(app, delivery.attempts)
    return delivery.status
