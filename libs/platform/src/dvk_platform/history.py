"""A workflow's history, the same in every service: one row per step — which action, from which state to which,
who (id, name, role), when, with what note. A service's table adds its record's foreign key."""
from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import UTCDateTime


class WorkflowHistory:
    """The columns of one step; e.g. `class ReportHistory(WorkflowHistory, Base)` with `report_id`."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(120))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkflowHistorySchema(Schema):
    """One step as an API answer shows it."""

    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.String()
    actor_name = fields.String()
    actor_role = fields.String()
    note = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
