"""The delivery dispatcher: sends due e-mails (SMTP) and webhooks (signed HTTP POST), retries with backoff.

Run it beside the web process and the consumer:  python -m notify.dispatcher   (it also runs the reminders).
Each batch is claimed in a short transaction (attempt counted, a lease pushes next_attempt_at ahead so another
dispatcher skips it), sent in parallel outside any transaction, then each outcome is recorded on its own:
a hanging or failing endpoint only ever costs its own delivery a timeout."""
from __future__ import annotations

import argparse
import json
import logging
import smtplib
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select

from dvk_core import webhooks
from dvk_platform.consumer import TransientError

from . import services
from .models import Delivery, WebhookSubscriber

log = logging.getLogger("notify.dispatcher")

@dataclass(frozen=True)
class Job:
    id: int
    channel: str
    recipient: str
    recipient_name: str
    subject: str
    body_text: str
    body_html: str
    payload: Any
    secrets: tuple[str, ...]  # the subscriber's signing secrets now (two during a rotation's overlap)
    subscriber_active: bool


@dataclass
class DispatchResult:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


class DeliveryError(Exception):
    """One attempt failed; `may_give_up` is False when the mail server itself cannot be reached (mail waits)."""

    def __init__(self, message: str, *, may_give_up: bool = True, final: bool = False) -> None:
        super().__init__(message)
        self.may_give_up = may_give_up
        self.final = final  # no point in retrying (the subscriber was switched off)


def webhook_body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def message_id(job: Job) -> str:
    """The webhook-id: the CloudEvent's id (unique across wards, the same on every retry of the delivery)."""
    if isinstance(job.payload, dict) and job.payload.get("id"):
        return str(job.payload["id"])
    return f"dvk-notify-delivery-{job.id}"


def _claim(app: Flask, now: datetime) -> list[Job]:
    db = app.extensions["dvk_db"]
    lease = timedelta(seconds=float(app.config["DISPATCH_LEASE_SECONDS"]))
    with db.transaction() as session:
        query = (
            select(Delivery)
            .where(Delivery.status == "pending", Delivery.channel.in_(("email", "webhook")), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(int(app.config["DISPATCH_BATCH_SIZE"]))
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        jobs = []
        for delivery in session.scalars(query).all():
            delivery.attempts += 1
            delivery.next_attempt_at = now + lease
            subscriber = session.get(WebhookSubscriber, delivery.subscriber_id) if delivery.subscriber_id else None
            jobs.append(Job(
                id=delivery.id, channel=delivery.channel, recipient=delivery.recipient, recipient_name=delivery.recipient_name,
                subject=delivery.subject, body_text=delivery.body_text, body_html=delivery.body_html, payload=delivery.payload,
                secrets=subscriber.signing_secrets(now) if subscriber else (), subscriber_active=bool(subscriber and subscriber.active),
            ))
    return jobs


def _send_email(app: Flask, job: Job) -> None:
    cfg = app.config
    message = EmailMessage()
    message["Subject"] = job.subject
    message["From"] = cfg["SMTP_FROM"]
    message["To"] = Address(display_name=job.recipient_name, addr_spec=job.recipient)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(idstring=f"dvk-{job.id}")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(job.body_text)
    message.add_alternative(job.body_html, subtype="html")
    try:
        smtp = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=float(cfg["SMTP_TIMEOUT"]))
    except OSError as exc:
        raise DeliveryError(f"Không kết nối được máy chủ thư {cfg['SMTP_HOST']}:{cfg['SMTP_PORT']}: {exc}", may_give_up=False) from exc
    try:
        with smtp:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPServerDisconnected as exc:
        raise DeliveryError(f"Máy chủ thư ngắt kết nối: {exc}", may_give_up=False) from exc
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"Máy chủ thư từ chối: {exc}") from exc
    except OSError as exc:
        raise DeliveryError(f"Lỗi kết nối máy chủ thư: {exc}", may_give_up=False) from exc


def _send_webhook(app: Flask, job: Job) -> None:
    if not job.subscriber_active or not job.secrets:
        raise DeliveryError("Nơi nhận webhook đã bị tắt hoặc bị xóa.", final=True)
    body = webhook_body(job.payload)
    headers = {
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        # Standard Webhooks: the id is the event's (the same on every retry), the timestamp this attempt's
        **webhooks.signed_headers(body, job.secrets, message_id=message_id(job)),
        "X-DVK-Delivery": str(job.id),
        "User-Agent": "dvk-notify/1",
    }
    try:
        response = requests.post(job.recipient, data=body, headers=headers, timeout=float(app.config["WEBHOOK_TIMEOUT"]),
                                 allow_redirects=False)
    except requests.Timeout as exc:
        raise DeliveryError(f"Quá thời gian chờ phản hồi ({app.config['WEBHOOK_TIMEOUT']} giây)") from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"Không gửi được: {exc}") from exc
    if response.status_code == webhooks.ALREADY_RECEIVED:
        return  # the receiver accepted this id before (an earlier attempt whose answer was lost): delivered
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"Nơi nhận trả lời HTTP {response.status_code}")


def _attempt(app: Flask, job: Job) -> DeliveryError | None:
    try:
        (_send_email if job.channel == "email" else _send_webhook)(app, job)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one broken delivery must not stop the batch
        log.exception("delivery %s failed unexpectedly", job.id)
        return DeliveryError(f"{type(exc).__name__}: {exc}")
    return None


def dispatch_due(app: Flask, now: datetime | None = None) -> DispatchResult:
    """Send every e-mail and webhook due at `now`; returns which were sent, will be retried, or were given up."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    result = DispatchResult()
    jobs = _claim(app, now)
    if not jobs:
        return result
    workers = max(1, min(int(app.config["DISPATCH_CONCURRENCY"]), len(jobs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify-send") as pool:
        outcomes = list(pool.map(lambda job: (job, _attempt(app, job)), jobs))
    db = app.extensions["dvk_db"]
    for job, error in outcomes:
        with db.transaction() as session:
            if error is None:
                services.record_sent(session, job.id, now)
                result.sent.append(job.id)
                continue
            status = services.record_failure(session, app, job.id, str(error), now, may_give_up=error.may_give_up,
                                            give_up_now=error.final)
        log.warning("delivery %s (%s to %s) failed: %s", job.id, job.channel, job.recipient, error)
        (result.failed if status == "failed" else result.retrying).append(job.id)
    return result


def main(argv: list[str] | None = None) -> int:
    from dvk_platform.observability import configure_logging
    from dvk_platform.running import LongRunning

    from . import create_app
    from .reminders import run_reminders

    parser = argparse.ArgumentParser(prog="python -m notify.dispatcher", description="Gửi thư, webhook và nhắc hạn.")
    parser.add_argument("--once", action="store_true", help="chạy một lượt rồi dừng (dùng với cron)")
    args = parser.parse_args(argv)
    app = create_app()
    configure_logging(app.config["LOG_LEVEL"], "notify-dispatcher")
    reminders_due = 0.0
    log.info("notify dispatcher started")
    # stops after the round in progress on SIGTERM/SIGINT; the heartbeat file's age is the container's health check
    with LongRunning(app.config["HEARTBEAT_FILE"]) as life:
        while life.running:
            life.tick()
            busy = False
            try:
                busy = dispatch_due(app).claimed >= int(app.config["DISPATCH_BATCH_SIZE"])
            except Exception:  # noqa: BLE001 - the database may be down; try again next round
                log.exception("dispatch round failed")
            if time.monotonic() >= reminders_due:
                try:
                    sent = run_reminders(app)
                    if sent:
                        log.info("sent %d deadline reminders", len(sent))
                    reminders_due = time.monotonic() + float(app.config["REMINDER_INTERVAL_SECONDS"])
                except TransientError as exc:
                    log.warning("reminders postponed: %s", exc)
                    reminders_due = time.monotonic() + 60
                except Exception:  # noqa: BLE001 - retried next round
                    log.exception("reminder round failed")
                    reminders_due = time.monotonic() + 60
            if args.once:
                break
            if not busy:
                life.wait(float(app.config["DISPATCH_POLL_INTERVAL"]))
    log.info("notify dispatcher stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
