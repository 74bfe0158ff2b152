"""Tables every service database carries: the outbox (Debezium shape) and the consumer inbox."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects import postgresql

metadata = MetaData()

# JSONB on PostgreSQL, JSON text elsewhere.
JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


def _outbox_columns() -> list[Column[Any]]:
    return [
        Column("seq", SeqType, primary_key=True, autoincrement=True),  # publish order
        Column("id", String(36), nullable=False, unique=True),  # becomes the CloudEvent id
        Column("aggregatetype", String(64), nullable=False),
        Column("aggregateid", String(64), nullable=False),
        Column("type", String(160), nullable=False),
        Column("payload", JSONType, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
    ]


def _inbox_columns() -> list[Column[Any]]:
    return [
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(160), nullable=False),
        Column("source", String(200), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
    ]


outbox_messages = Table("outbox_messages", metadata, *_outbox_columns())
Index("ix_outbox_messages_unpublished", outbox_messages.c.published_at, outbox_messages.c.seq)
inbox_events = Table("inbox_events", metadata, *_inbox_columns())


def create_platform_tables(op: Any) -> None:
    """Called by each service's first migration, so the outbox and inbox live in its own history."""
    op.create_table("outbox_messages", *_outbox_columns())
    op.create_index("ix_outbox_messages_unpublished", "outbox_messages", ["published_at", "seq"])
    op.create_table("inbox_events", *_inbox_columns())


def drop_platform_tables(op: Any) -> None:
    op.drop_table("inbox_events")
    op.drop_index("ix_outbox_messages_unpublished", table_name="outbox_messages")
    op.drop_table("outbox_messages")
