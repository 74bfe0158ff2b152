"""Use cases: each one transaction that writes the change and its outbox row together."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from dvk_core import webhooks
from dvk_core.envelope import CloudEvent
from dvk_platform.auth import Principal
from dvk_platform.errors import InvalidTransition, NotFound
from dvk_platform.outbox import add_event
from dvk_platform.versioning import check_version

from . import events_out
from .models import Delivery, InboxMessage, KnownUnit, WebhookSubscriber, wants
from .recipients import Recipient
from .routing import Route, render

# Built once: the consumer runs them for every event (executemany: one multi-row INSERT per call).
_INSERT_INBOX = insert(InboxMessage.__table__)
_INSERT_DELIVERIES = insert(Delivery.__table__)
_ACTIVE_SUBSCRIBERS = (select(WebhookSubscriber.id, WebhookSubscriber.name, WebhookSubscriber.url,
                              WebhookSubscriber.event_types).where(WebhookSubscriber.active.is_(True)))


def unit_name(session: Session, unit_id: Any) -> str | None:
    if not isinstance(unit_id, int):
        return None
    return session.scalar(select(KnownUnit.name).where(KnownUnit.unit_id == unit_id)) or None


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
    """One inbox entry per user and one e-mail per address, logged as deliveries. Returns the users told.
    Written as two multi-row INSERTs (inbox entries, deliveries), whatever the number of recipients."""
    if not recipients:
        return 0
    message = render(route, ctx, app.config["PUBLIC_URL"], app.config["WARD_NAME"])
    body = message.text.split("\n\n--", 1)[0]
    delivery = {"subscriber_id": None, "event_id": event_id, "event_type": event_type, "subject": message.subject,
                "body_text": message.text, "last_error": None, "next_attempt_at": now, "created_at": now}
    inbox = [{"user_id": person.user_id, "unit_id": unit_id, "event_id": event_id, "event_type": event_type,
              "subject": message.subject, "body": body, "link": message.link, "created_at": now, "read_at": None}
             for person in recipients]
    deliveries = [{**delivery, "channel": "inbox", "recipient": person.user_id, "recipient_name": person.name,
                   "user_id": person.user_id, "body_html": "", "status": "sent", "attempts": 1, "sent_at": now}
                  for person in recipients]
    addresses: dict[str, Recipient] = {}
    for person in recipients:
        if person.email:
            addresses.setdefault(person.email.lower(), person)
    deliveries += [{**delivery, "channel": "email", "recipient": address, "recipient_name": person.name,
                    "user_id": person.user_id, "body_html": message.html, "status": "pending", "attempts": 0,
                    "sent_at": None}
                   for address, person in addresses.items()]
    connection = session.connection()
    connection.execute(_INSERT_INBOX, inbox)
    connection.execute(_INSERT_DELIVERIES, deliveries)
    return len(recipients)


def enqueue_webhooks(session: Session, event: CloudEvent, now: datetime) -> int:
    """A signed POST of the structured CloudEvent to every active subscriber that wants this type: one query for
    the subscribers (only the columns needed), one multi-row INSERT of their deliveries."""
    subscribers = session.connection().execute(_ACTIVE_SUBSCRIBERS).all()
    wanting = [s for s in subscribers if wants(s.event_types, event.type)]
    if not wanting:
        return 0
    payload = event.to_structured()
    session.connection().execute(_INSERT_DELIVERIES, [
        {"channel": "webhook", "recipient": s.url, "recipient_name": s.name, "user_id": None, "subscriber_id": s.id,
         "event_id": event.id, "event_type": event.type, "subject": event.type, "body_text": "", "body_html": "",
         "payload": payload, "status": "pending", "attempts": 0, "last_error": None, "next_attempt_at": now,
         "created_at": now, "sent_at": None}
        for s in wanting
    ])
    return len(wanting)


# In-app inbox


def inbox_message_of(session: Session, principal: Principal, message_id: int) -> InboxMessage:
    message = session.get(InboxMessage, message_id)
    if message is None or message.user_id != principal.user_id:
        raise NotFound("not-found", "Không tìm thấy thông báo.")
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
        name=data["name"], url=data["url"], secret=data.get("secret") or webhooks.new_secret(),
        event_types=list(data.get("event_types") or []), active=data.get("active", True),
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def get_subscriber(session: Session, subscriber_id: int) -> WebhookSubscriber:
    subscriber = session.get(WebhookSubscriber, subscriber_id)
    if subscriber is None:
        raise NotFound("not-found", "Không tìm thấy nơi nhận webhook.")
    return subscriber


def update_subscriber(session: Session, subscriber_id: int, data: dict[str, Any], version: int | None, *,
                      overlap: timedelta = timedelta(hours=48), now: datetime | None = None) -> WebhookSubscriber:
    """Changes a subscriber; a new secret leaves the old one signing beside it for `overlap` (rotation)."""
    subscriber = get_subscriber(session, subscriber_id)
    check_version(subscriber.version, version, "Nơi nhận webhook")
    if data.get("secret") and data["secret"] != subscriber.secret:
        subscriber.previous_secret = subscriber.secret
        subscriber.previous_secret_until = (now or datetime.now(UTC)) + overlap
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
        raise NotFound("not-found", "Không tìm thấy lần gửi.")
    if delivery.status != "failed":
        raise InvalidTransition("Chỉ gửi lại được thư đã thất bại.",
                                f"Trạng thái hiện tại: {events_out.STATUS_LABELS[delivery.status]} ({delivery.status})",
                                delivery.status)
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
