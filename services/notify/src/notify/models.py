"""Notify's own tables (SQLAlchemy 2.x)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dvk_platform.tables import JSONType, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything was written in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


CHANNELS = ("inbox", "email", "webhook")
DELIVERY_STATUSES = ("pending", "sent", "failed")
DEADLINE_KINDS = ("registration", "six_month_report", "annual_report")


class KnownUnit(Base):
    """Read model of registration's unit directory: whom deadline reminders go to."""

    __tablename__ = "known_units"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[str] = mapped_column(String(40), default="")  # time of the last applied fact (projections)


class KnownUser(Base):
    """Read model of the gateway's accounts (its user-created/updated/deactivated events): who is told. The newest
    fact wins (dvk_platform.projections: by the fact's occurred_at), so replays and late events change nothing;
    notify never asks the gateway."""

    __tablename__ = "known_users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    role: Mapped[str] = mapped_column(String(20), default="")
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[str] = mapped_column(String(40), default="")  # the event's occurred_at


class RegistrationPeriod(Base):
    """Read model of registration periods: a period's own deadline overrides the default 15/02."""

    __tablename__ = "registration_periods"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deadline: Mapped[date] = mapped_column(Date)
    # the period's version the deadline comes from: period-opened is 1, each period-updated carries its own;
    # an event with a lower version is older and changes nothing
    version: Mapped[int] = mapped_column(Integer, default=1)


class ReportDeadline(Base):
    """Read model of reporting's report deadlines: a year's own due date (report-deadline-set) overrides the
    plan's default (10/06, 15/11)."""

    __tablename__ = "report_deadlines"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    deadline_kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # six_month_report | annual_report
    due_date: Mapped[date] = mapped_column(Date)
    # the version in reporting: an event with a lower version is older and changes nothing
    version: Mapped[int] = mapped_column(Integer)


class UnitSubmission(Base):
    """Read model: a model registration or a report a unit sent in, with its latest known status."""

    __tablename__ = "unit_submissions"
    __table_args__ = (
        UniqueConstraint("item_kind", "item_id", name="uq_unit_submissions_item"),
        Index("ix_unit_submissions_due", "year", "deadline_kind", "unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(10))  # model | report
    item_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    deadline_kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[str] = mapped_column(String(40))


class InboxMessage(Base):
    """A notification in one user's in-app inbox."""

    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_inbox_messages_event_user"),
        Index("ix_inbox_messages_user", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(160))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Delivery(Base):
    """One message on one channel to one recipient: the delivery log, and the dispatcher's queue."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_event_channel_recipient"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(300))  # e-mail address, webhook URL or user id
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subscriber_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(160))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[Any] = mapped_column(JSONType, nullable=True)  # webhooks: the structured CloudEvent
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookSubscriber(Base):
    """A system outside the ward (Đảng ủy, the province) that receives events by signed HTTP POST."""

    __tablename__ = "webhook_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    # the secret replaced by `secret`, still signing beside it until `previous_secret_until` (rotation overlap)
    previous_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    event_types: Mapped[Any] = mapped_column(JSONType, default=list)  # empty: every event
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    def wants(self, event_type: str) -> bool:
        return bool(self.active) and wants(self.event_types, event_type)

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets that sign a delivery now: the current one, and the previous one during the overlap."""
        until = self.previous_secret_until
        if self.previous_secret and until is not None and until.astimezone(UTC) > now:
            return (self.secret, self.previous_secret)
        return (self.secret,)


def wants(event_types: list[str] | None, event_type: str) -> bool:
    """A subscriber's list of event types (empty: every event; "prefix*" matches by prefix) takes this type."""
    types = event_types or []
    return not types or any(event_type == t or (t.endswith("*") and event_type.startswith(t[:-1])) for t in types)


class ReminderSent(Base):
    """One deadline reminder to one unit; the unique key makes repeated or parallel runs harmless. The due date is
    part of it: when a deadline moves, the reminders before the new date are sent again, once each."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("unit_id", "deadline_kind", "year", "offset_days", "due_date", name="uq_reminders_sent_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    deadline_kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)  # the deadline's year (a registration period's year)
    due_date: Mapped[date] = mapped_column(Date)
    offset_days: Mapped[int] = mapped_column(Integer)  # days before the deadline; negative: the overdue notice
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OverdueSummary(Base):
    """The one grouped overdue notice to Phòng VH-XH for a deadline ("20 đơn vị chưa nộp …: …"), sent once: the unique
    key stops a repeated or parallel run."""

    __tablename__ = "overdue_summaries"
    __table_args__ = (UniqueConstraint("deadline_kind", "year", "due_date", name="uq_overdue_summaries_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    unit_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ManualReminder(Base):
    """A reminder Phòng VH-XH sent by hand from the list of units that have not sent what is due. Unlike the
    scheduled ones it may be repeated: each click is a new reminder."""

    __tablename__ = "manual_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    deadline_kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    days_left: Mapped[int] = mapped_column(Integer)  # negative: sent after the deadline
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_by_name: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
