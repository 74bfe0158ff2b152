"""Tables every service database carries: the outbox (Debezium shape) and the consumer inbox."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text, TypeDecorator
from sqlalchemy.dialects import postgresql

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Moments stored in UTC and read back aware on every engine (SQLite forgets the offset otherwise, and the
    API would then show times without a zone). A naive value is taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
    ]


def _inbox_columns() -> list[Column[Any]]:
    return [
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(160), nullable=False),
        Column("source", String(200), nullable=False),
        Column("received_at", UTCDateTime(), nullable=False),
    ]


def _audit_columns() -> list[Column[Any]]:
    return [
        Column("id", SeqType, primary_key=True, autoincrement=True),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor_id", String(64), nullable=False),
        Column("actor_role", String(32), nullable=False),
        Column("action", String(10), nullable=False),  # insert | update | delete
        Column("entity", String(64), nullable=False),  # table name
        Column("entity_id", String(64), nullable=False),
        Column("changes", JSONType, nullable=False),  # {field: [before, after]}
    ]


outbox_messages = Table("outbox_messages", metadata, *_outbox_columns())
Index("ix_outbox_messages_unpublished", outbox_messages.c.published_at, outbox_messages.c.seq)
inbox_events = Table("inbox_events", metadata, *_inbox_columns())
audit_log = Table("audit_log", metadata, *_audit_columns())
Index("ix_audit_log_entity", audit_log.c.entity, audit_log.c.entity_id)


def create_platform_tables(op: Any) -> None:
    """Called by each service's first migration, so the outbox and inbox live in its own history."""
    op.create_table("outbox_messages", *_outbox_columns())
    op.create_index("ix_outbox_messages_unpublished", "outbox_messages", ["published_at", "seq"])
    op.create_table("inbox_events", *_inbox_columns())


def drop_platform_tables(op: Any) -> None:
    op.drop_table("inbox_events")
    op.drop_index("ix_outbox_messages_unpublished", table_name="outbox_messages")
    op.drop_table("outbox_messages")


# The channel a committed outbox insert notifies on PostgreSQL. Channels are per database, and each service has its
# own database and outbox, so one fixed name is enough.
OUTBOX_CHANNEL = "dvk_outbox"


def create_outbox_notify(op: Any) -> None:
    """On PostgreSQL, every statement that inserts outbox rows sends NOTIFY dvk_outbox; PostgreSQL delivers it only
    when (and if) the transaction commits, so the relay wakes for committed events without an extra round trip from
    the writer. Elsewhere (SQLite) nothing: the relay polls."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION outbox_messages_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{OUTBOX_CHANNEL}', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_messages_notify AFTER INSERT ON outbox_messages "
        "FOR EACH STATEMENT EXECUTE FUNCTION outbox_messages_notify()"
    )


def drop_outbox_notify(op: Any) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_messages_notify ON outbox_messages")
    op.execute("DROP FUNCTION IF EXISTS outbox_messages_notify()")


def create_audit_table(op: Any) -> None:
    """The append-only audit log: the database itself refuses UPDATE and DELETE on it."""
    op.create_table("audit_log", *_audit_columns())
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def drop_audit_table(op: Any) -> None:
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
